from tuifeed.text import clean_text


def test_escape_sequences_and_controls_are_removed():
    hostile = ("\x1b[31mred\x1b[0m \x1b]0;pwned\x07title"
               "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x07bell\x9b2J")
    assert clean_text(hostile) == "red titlelink bell"


def test_markup_is_left_literal_and_whitespace_folded():
    assert clean_text("[bold]not bold[/bold]\n\tnext") == "[bold]not bold[/bold] next"


def test_multiline_kept_when_asked_and_limit_marks_cut():
    assert clean_text("a\nb", single_line=False) == "a\nb"
    assert clean_text("abcdefgh", limit=5) == "abcd…"
