"""Untrusted text (anything a source sends) made safe to show: no control sequences, no markup."""

from __future__ import annotations

import re

# CSI, OSC, DCS/SOS/PM/APC strings and single-character escapes, then any C0/C1 control left.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]              # CSI ... final byte
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?  # OSC ... BEL or ST
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?       # DCS, SOS, PM, APC ... ST
    | \x1b[@-Z\\-_]                       # two-character escapes
    | \x9b[0-?]*[ -/]*[@-~]               # 8-bit CSI
    """,
    re.VERBOSE,
)
# C0/C1 controls, and the bidirectional embeddings, overrides and isolates, which can make a
# title read backwards ("\u202e") or hide what follows it.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_SEPARATOR = re.compile(r"[\u2028\u2029]")  # Unicode's own line breaks: new lines
_WHITESPACE_RUN = re.compile(r"[ \t\n]+")
# Lone surrogates: bytes that were not UTF-8 (Python's surrogateescape); SQLite cannot store them.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(value: object, *, single_line: bool = True, limit: int | None = None) -> str:
    """Strip terminal control sequences and control characters from untrusted text."""
    text = "" if value is None else str(value)
    # Most text is already clean (ids, URLs, plain titles, one-paragraph descriptions):
    # printable means no control character at all, so the regular expressions below would
    # change nothing (on one line, nor would collapsing spaces, when there are no runs).
    if text.isprintable() and (not single_line or ("  " not in text and text == text.strip())):
        return text if limit is None or len(text) <= limit else (
            text[: limit - 1].rstrip() + "…")
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _SURROGATE.sub("\ufffd", text)
    text = _LINE_SEPARATOR.sub("\n", text)
    if single_line:
        text = _WHITESPACE_RUN.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def check_text(value: str, what: str, limit: int = 500) -> str:
    """Text typed by the viewer (a mute word, a name), cleaned; undecodable bytes or an
    over-long text are refused with a TuifeedError naming `what`, before anything is stored."""
    from tuifeed.errors import TuifeedError

    if _SURROGATE.search(value):
        raise TuifeedError(f"{what} holds bytes that are not UTF-8 text: "
                           f"{clean_text(value)!r}")
    text = clean_text(value)
    if len(text) > limit:
        raise TuifeedError(f"{what} is {len(text)} characters long; at most {limit} are kept")
    return text
