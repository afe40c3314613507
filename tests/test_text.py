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


def test_the_quick_path_for_clean_text_agrees_with_the_general_rule():
    """Text without controls skips the regular expressions; on random mixtures of what
    they remove, the result is the one they give."""
    import random
    import re

    from tuifeed import text

    def general(value: str, single_line: bool, limit: int | None) -> str:
        for pattern, replacement in ((text._ESCAPE_SEQUENCE, ""), (text._CONTROL, ""),
                                     (text._SURROGATE, "\ufffd"),
                                     (text._LINE_SEPARATOR, "\n")):
            value = pattern.sub(replacement, value)
        if single_line:
            value = re.sub(r"[ \t\n]+", " ", value).strip()
        if limit is not None and len(value) > limit:
            value = value[: limit - 1].rstrip() + "…"
        return value

    pieces = ["a", "é", " ", "  ", "\t", "\n", "\x1b[0m", "\x1b]0;t\x07", "\u202e", "\u2028",
              "\x9b2J", "\x07", "[b]", "#tag", "\ud800"]
    generator = random.Random(9)
    for _ in range(20_000):
        value = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 8)))
        for single_line in (True, False):
            for limit in (None, 6):
                assert clean_text(value, single_line=single_line, limit=limit) == general(
                    value, single_line, limit), (value, single_line, limit)
