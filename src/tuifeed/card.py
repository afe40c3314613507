"""Your algorithm as a card to share: the summary in words and the strongest interests, as
plain text or as a small SVG image (every text escaped: names come from sources)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from xml.sax.saxutils import escape

from tuifeed.clock import iso_utc
from tuifeed.ranking.profile import Interest
from tuifeed.text import clean_text

CARD_INTERESTS = 5
WIDTH = 640
WRAP = 72  # characters a line of the SVG card holds
LINE = 20  # pixels a line takes
BAR_WIDTH = 200


def label(interest: Interest) -> str:
    return clean_text(("#" if interest.kind == "topic" else "@") + interest.name, limit=32)


def card_text(summary: Sequence[str], found: Sequence[Interest], now: float) -> str:
    lines = [f"My tuifeed algorithm, {iso_utc(now)[:10]}", ""]
    lines += [clean_text(sentence) for sentence in summary]
    if found:
        lines += ["", "Strongest interests:"]
        lines += [f"  {label(i):<34} {i.total:+.2f}" for i in found[:CARD_INTERESTS]]
    return "\n".join(lines) + "\n"


def card_svg(summary: Sequence[str], found: Sequence[Interest], now: float) -> str:
    body: list[str] = []
    y = 36
    body.append(f'<text x="20" y="{y}" class="title">My tuifeed algorithm</text>')
    body.append(f'<text x="{WIDTH - 20}" y="{y}" class="dim" text-anchor="end">'
                f'{escape(iso_utc(now)[:10])}</text>')
    y += 14
    for sentence in summary:
        for line in textwrap.wrap(clean_text(sentence), WRAP) or [""]:
            y += LINE
            body.append(f'<text x="20" y="{y}">{escape(line)}</text>')
        y += 4
    strongest = list(found[:CARD_INTERESTS])
    scale = max((abs(i.total) for i in strongest), default=1.0) or 1.0
    if strongest:
        y += LINE + 8
        body.append(f'<text x="20" y="{y}" class="dim">Strongest interests</text>')
    for interest in strongest:
        y += LINE
        width = round(abs(interest.total) / scale * BAR_WIDTH)
        colour = "#3fa34d" if interest.total >= 0 else "#c0392b"
        body.append(f'<text x="20" y="{y}">{escape(label(interest))}</text>')
        body.append(f'<rect x="300" y="{y - 12}" width="{width}" height="12" '
                    f'fill="{colour}"/>')
        body.append(f'<text x="{310 + BAR_WIDTH}" y="{y}">{interest.total:+.2f}</text>')
    height = y + 24
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}">',
        "<style>text { font: 14px sans-serif; fill: #e8e8e8; } "
        ".title { font-size: 18px; font-weight: bold; } .dim { fill: #9a9a9a; }</style>",
        f'<rect width="{WIDTH}" height="{height}" rx="12" fill="#1e1f26"/>',
        *body,
        "</svg>",
    ]) + "\n"
