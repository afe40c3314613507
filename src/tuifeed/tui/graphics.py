"""Choosing how thumbnails are drawn. Detection must happen before the app takes the terminal."""

from __future__ import annotations

import io
import os
import sys

from textual.widget import Widget


def choose_image_widget(headless: bool = False) -> type[Widget] | None:
    """The textual-image widget class to use, or None for the text fallback.

    Half-block cells in tmux, headless runs and plain terminals; Sixel or the Kitty protocol
    where the terminal answers textual-image's query; text where colours are unavailable.
    """
    if os.environ.get("TERM") == "dumb":
        return None
    if headless or os.environ.get("TMUX") or not sys.__stdout__ or not sys.__stdout__.isatty():
        return _halfcell_without_probing()
    # Importing textual_image.widget queries the terminal; it must happen before App.run().
    try:
        from textual_image.widget import HalfcellImage, Image, SixelImage, UnicodeImage
    except Exception:  # a terminal that reports no size (0 columns) breaks its query
        return None
    if Image is UnicodeImage:
        return HalfcellImage
    if Image is SixelImage:
        from tuifeed.tui.widgets.sixel_image import SixelThumbnailImage
        return SixelThumbnailImage
    return Image


def graphics_protocol(image_widget: type[Widget] | None) -> str | None:
    """"sixel" or "kitty" when the thumbnails found the terminal draws real pictures that way
    (mpv can then play in the terminal with the same protocol), else None."""
    name = image_widget.__name__ if image_widget is not None else ""
    return {"SixelImage": "sixel", "TGPImage": "kitty"}.get(name)


def _halfcell_without_probing() -> type[Widget]:
    """textual-image queries the terminal when it is imported (it writes escape sequences and
    waits for answers). Where half cells are used anyway, the query only does harm: tmux takes
    it for a pane title, and a headless run has nobody to answer. Imported here with standard
    output seen as no terminal, it asks nothing."""
    saved = sys.__stdout__
    sys.__stdout__ = io.StringIO()  # type: ignore[misc]  (not a tty: no query is sent)
    try:
        from textual_image.widget import HalfcellImage
    finally:
        sys.__stdout__ = saved  # type: ignore[misc]
    return HalfcellImage
