"""The parts `tuifeed bench` measures the app with: the terminal it runs the app in, and the
bare numpy pass a key press's ranking is compared with. No timing is asserted here."""

import sys
import textwrap

import pytest

from tuifeed.bench import synthetic_catalogue
from tuifeed.bench_app import LOADING, _card, bare_command, session
from tuifeed.bench_reference import bare_rank, gather
from tuifeed.bench_terminal import Screen, Terminal
from tuifeed.clock import VirtualClock
from tuifeed.feed import Feed
from tuifeed.ranking.scorer import rank


def test_the_screen_places_text_where_the_cursor_is_moved():
    screen = Screen(20, 4)
    screen.feed("\x1b[2;3H\x1b[1;38;5;214mhello\x1b[0m world\r\n\x1b[4;1Hbottom")
    lines = screen.text.split("\n")
    assert lines[1] == "  hello world       "
    assert lines[3].startswith("bottom")
    screen.feed("\x1b[2;3Hjello")  # overwritten in place, the rest kept
    assert screen.text.split("\n")[1].strip() == "jello world"


def test_the_screen_counts_wide_characters_as_two_cells_and_skips_escapes():
    screen = Screen(12, 2)
    screen.feed("\x1b]22;default\x07\x1b_Gi=1;AAAA\x1b\\\x1b[1;1H東京x\x1b[2;1Habc\x1b[2;2H\x1b[K")
    first, second = screen.text.split("\n")
    assert first.replace("", "").startswith("東京x")
    assert first.index("x") == 2  # two wide characters: four cells, one string index each
    assert second.strip() == "a"  # erased from the cursor to the end of the line


def test_the_terminal_answers_queries_and_reads_bracketed_frames(tmp_path):
    """A program asks what a terminal answers (device attributes, synchronized output),
    then draws two frames between synchronized-output markers: each is read whole."""
    program = tmp_path / "draw.py"
    program.write_text(textwrap.dedent("""
        import os, sys, tty
        tty.setraw(0)
        def ask(query, end):
            os.write(1, query)
            answer = b""
            while not answer.endswith(end):
                answer += os.read(0, 1)
            return answer
        attributes = ask(b"\\x1b[c", b"c")
        sync = ask(b"\\x1b[?2026$p", b"y")
        os.write(1, b"\\x1b[?2026h\\x1b[1;1Hfirst " + attributes[1:] + b"\\x1b[?2026l")
        os.write(1, b"\\x1b[?2026h\\x1b[2;1Hsecond " + sync[1:] + b"\\x1b[?2026l")
        os.read(0, 1)  # until q
    """))
    terminal = Terminal([sys.executable, str(program)], {"PATH": "/usr/bin:/bin"}, 60, 5)
    try:
        first = terminal.wait_for("first", 30)
        assert "first [?62;22c" in first.text  # a VT220 with colour, no Sixel
        assert "second" not in first.text  # the second frame is not part of the first
        second = terminal.wait_for("second", 30)
        assert "second [?2026;2$y" in second.text  # synchronized output is supported
        assert second.time >= first.time >= terminal.started
    finally:
        terminal.close()
    assert terminal.exit_status == 0
    assert terminal.peak_mib > 0


def test_the_peak_memory_counts_what_the_program_holds_as_it_quits(tmp_path):
    """tuifeed learns its whole log again as it quits: the peak is read until the program
    ends, not only before `q` was sent (then, 481 MiB was reported at 1M items where the
    process went up to ~600)."""
    program = tmp_path / "quits_big.py"
    program.write_text(textwrap.dedent("""\
        import os, time, tty
        tty.setraw(0)
        os.write(1, b"\\x1b[1;1Hready")
        os.read(0, 1)  # q
        held = bytearray(300 * 1024 * 1024)
        for page in range(0, len(held), 4096):
            held[page] = 1  # resident, not only reserved
        time.sleep(0.3)
    """))
    terminal = Terminal([sys.executable, str(program)], {"PATH": "/usr/bin:/bin"}, 40, 3)
    try:
        terminal.wait_for("ready", 30)
    finally:
        terminal.close()
    assert terminal.exit_status == 0
    assert terminal.running_peak_mib < 100
    assert terminal.peak_mib >= 300


def test_a_session_of_the_bare_app_presses_keys_until_each_card_shows():
    figures = session(bare_command(), presses=3, pictures=False)
    assert figures["presses"] == 3
    assert 0 < figures["first_frame_s"] == figures["first_card_s"] <= figures["with_picture_s"]
    assert 0 < figures["card_ms_p50"] <= figures["card_ms_max"]
    assert figures["key_ms_p50"] <= figures["key_ms_p99"] <= figures["key_ms_max"]
    assert figures["hit_rate"] == 1.0  # the bare app draws no picture: never (loading…)
    assert figures["peak_mib"] > 0
    assert _card(3) == "#3 of this session" and LOADING == "(loading…)"


# A program drawing "card" frames as the apps do (synchronized output): each j shows the next
# card, except the first, as its argument says ("lost": dropped; "slow": its card 1 s late).
CARDS_PROGRAM = """
import os, sys, time, tty
tty.setraw(0)
card, first = 1, True
def draw():
    os.write(1, b"\\x1b[?2026h\\x1b[H\\x1b[2JUp next\\r\\n#%d of this session"
                b"\\x1b[?2026l" % card)
draw()
while True:
    key = os.read(0, 1)
    if key in (b"q", b""):
        break
    if key != b"j":
        continue
    if first:
        first = False
        if sys.argv[1] == "lost":
            continue
        time.sleep(1.0)
    card += 1
    draw()
"""


def _cards_session(tmp_path, first_key: str) -> dict:
    import tuifeed.bench_app as bench_app

    program = tmp_path / "cards.py"
    program.write_text(CARDS_PROGRAM)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bench_app, "LOST_KEY_WAIT", 0.5)
        return session([sys.executable, str(program), first_key], presses=3, pictures=False)


def test_a_key_the_app_never_gets_is_pressed_again_and_counted_lost(tmp_path):
    """A key that brings no card is not waited for to the end of the bench: after
    LOST_KEY_WAIT it is pressed again, and the session says how many were lost."""
    from tuifeed.bench_app import report_app

    figures = _cards_session(tmp_path, "lost")
    assert figures["presses"] == 3 and figures["lost_keys"] == 1
    assert figures["card_ms_max"] >= 500  # timed from the first press: the wait is counted
    report = report_app({
        "terminal": "t", "start": {"bare": _start(), "demo": _start(), "frame_ratio": 1.0,
                                   "ratio": 1.0},
        "keys": {"bare": figures, "demo": figures}, "homes": [], "decode": [],
        "elapsed_s": 1.0})
    assert any("(1 lost: pressed again)" in line for line in report)


def test_a_slow_key_is_not_counted_lost_and_the_cards_after_it_stay_in_step(tmp_path):
    """A key slower than LOST_KEY_WAIT is pressed again too; when its card comes after all,
    it is timed from its own press, not counted lost, and the card the second press brought
    is passed over, so every later key is matched with its own card."""
    figures = _cards_session(tmp_path, "slow")
    assert figures["presses"] == 3 and figures["lost_keys"] == 0
    assert figures["card_ms_max"] >= 1000  # the slow one, timed whole
    assert figures["card_ms_p50"] < 1000  # the others, each from its own press


def _start() -> dict:
    return {"runs": 1, "first_frame_s": 0.1, "first_frame_s_median": 0.1,
            "first_card_s": 0.2, "first_card_s_median": 0.2, "with_picture_s": 0.2,
            "with_picture_s_median": 0.2, "peak_mib": 1.0, "running_peak_mib": 1.0}


def _lived_in_feed(home, clock, recipe="for-you", size=3000):
    feed = Feed.open(home, clock=clock, seed=7, recipe=recipe,
                     catalogue=synthetic_catalogue(size, 1))
    feed.start()
    for number in range(25):
        clock.advance(4.0)
        item = feed.current
        if number % 3 == 0:
            feed.signal(item.id, "like")
        if number == 5:
            feed.toggle_dislike(item.id)
        if number == 8:
            feed.toggle_follow(item.id)
        feed.next()
    feed.steer("boost", "topic", "topic04", "2")
    feed.steer("boost", "creator", feed.current.creator, "-1")
    return feed


@pytest.mark.parametrize("recipe", ["for-you", "popular", "chronological"])
def test_the_bare_pass_gives_the_scorers_queue(tmp_path, recipe):
    """The reference does the same work: the same items in the same order, the same
    exploration picks, and every contribution equal to the scorer's."""
    clock = VirtualClock()
    with _lived_in_feed(tmp_path / "home", clock, recipe) as feed:
        for limit in (1, 18, 60):
            ours = bare_rank(gather(feed), limit)
            theirs = rank(feed.catalog, feed.model, feed.recipe, feed.ranking_context(), limit)
            assert [row.item.id for row in ours] == [row.item.id for row in theirs]
            assert [row.explore for row in ours] == [row.explore for row in theirs]
            for mine, scored in zip(ours, theirs):
                assert mine.contributions == scored.contributions
                assert mine.score == pytest.approx(scored.score, abs=1e-12)


def test_the_bare_pass_adds_every_weighted_term(tmp_path):
    """Each row's contributions are the recipe's terms, recomputed here for one of them
    from the raw columns: the topic term is the weight times tanh(affinity / scale)
    averaged over the item's topics."""
    import numpy as np

    clock = VirtualClock()
    with _lived_in_feed(tmp_path / "home", clock) as feed:
        row = bare_rank(gather(feed), 5)[2]
        recipe, catalog = feed.recipe, feed.catalog
        affinity = feed.model.at(clock.now()).topic
        scale = recipe.memory.get("affinity_scale", 2.0)
        codes = [catalog.topic_index[topic] for topic in row.item.topics]
        expected = recipe.term("topic") * float(np.mean(np.tanh(affinity[codes] / scale)))
        assert row.contributions["topic"] == pytest.approx(expected, rel=1e-9)
        assert row.contributions["diversity"] <= 0
        assert set(row.contributions) >= {"topic", "creator", "freshness", "novelty", "seen",
                                          "diversity"}


def test_a_home_built_for_the_bench_is_left_for_the_app_alone(tmp_path):
    """The bench's builder holds no connection once it returns: a session of the app on the
    home then closes it cleanly (the write-ahead log folded in and removed, the soundness
    note kept), so the next open measured skips the integrity check, as a viewer's does."""
    import gc

    from tuifeed.bench_app import build_home, make_pictures
    from tuifeed.store.soundness import unchanged_since_sound

    gc.disable()  # (a connection left open must not be closed by a collection meanwhile)
    try:
        build_home(tmp_path / "home", 50, 200, make_pictures(tmp_path / "pictures", 2))
        with Feed.open(tmp_path / "home", clock=VirtualClock()) as feed:
            feed.start()
        assert not (tmp_path / "home" / "tuifeed.db-wal").exists()
        assert unchanged_since_sound(tmp_path / "home" / "tuifeed.db")
    finally:
        gc.enable()
