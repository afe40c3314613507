"""Choosing how thumbnails are drawn: what the terminal can show, asked of it before Textual
takes it over, and the widget that draws that way (textual-image's for Sixel and Kitty
graphics, our own half cells otherwise: widgets/halfcell.py).

Asking is quick and never waits on a terminal that keeps quiet about a protocol: the
Kitty graphics query goes out followed by a device-attributes query (DA1), which every
terminal answers, and in order, so an answer to DA1 with none to the graphics query
before it means "no Kitty graphics" at once (the way Kitty's documentation recommends),
where textual-image's own query waits 0.1 s for an answer that never comes. DA1's answer
also says whether Sixel is drawn. The CLI asks in a thread while Textual loads
(`TerminalProbe.start`); the widget (textual-image and Pillow, ~0.1 s of imports) loads
after the first frame, in the thread that opens the feed (`image_widget_for`).

Nothing here imports Textual, textual-image or Pillow at import time.
"""

from __future__ import annotations

import io
import os
import re
import select
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.widget import Widget

KITTY_QUERY = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
CELL_SIZE_QUERY = b"\x1b[16t"  # asked only when the kernel does not know the pixel size
DEVICE_ATTRIBUTES = b"\x1b[c"
PATIENCE = 0.2  # seconds for a terminal that answers nothing at all (textual-image: 2 x 0.1)
DEFAULT_CELL = (10, 20)  # pixels, as textual-image assumes (a VT340's)
_DA1_ANSWER = re.compile(rb"\x1b\[\?([0-9;]*)c")
_KITTY_ANSWER = re.compile(rb"\x1b_Gi=31;([^\x1b]*)\x1b\\")
_CELL_ANSWER = re.compile(rb"\x1b\[6;(\d+);(\d+)t")


@dataclass(frozen=True)
class Graphics:
    """What the terminal said it draws, and its cell size in pixels."""

    sixel: bool = False
    kitty: bool = False
    cell: tuple[int, int] = DEFAULT_CELL


def read_answers(answers: bytes, cell: tuple[int, int] | None) -> Graphics:
    """The capabilities in the terminal's answers to the queries (see `queries`)."""
    kitty = _KITTY_ANSWER.search(answers)
    attributes = _DA1_ANSWER.search(answers)
    if cell is None:
        sized = _CELL_ANSWER.search(answers)
        cell = (int(sized.group(2)), int(sized.group(1))) if sized else DEFAULT_CELL
    return Graphics(sixel=bool(attributes) and "4" in attributes.group(1).decode().split(";"),
                    kitty=bool(kitty) and kitty.group(1).endswith(b"OK"), cell=cell)


def queries(cell: tuple[int, int] | None) -> bytes:
    return KITTY_QUERY + (CELL_SIZE_QUERY if cell is None else b"") + DEVICE_ATTRIBUTES


def asks_nothing(headless: bool = False) -> bool:
    """Where half cells are drawn anyway, nothing is asked: tmux takes the graphics query for
    a pane title, and a headless run or a redirected output has nobody to answer."""
    return (headless or bool(os.environ.get("TMUX")) or os.environ.get("TERM") == "dumb"
            or not _is_tty(sys.__stdout__) or not _is_tty(sys.__stdin__))


def _is_tty(stream) -> bool:
    try:
        return bool(stream) and stream.isatty()
    except (ValueError, OSError):
        return False


def _kernel_cell_size() -> tuple[int, int] | None:
    """The cell's pixels from the terminal's window size, when the terminal told the kernel."""
    import fcntl
    import struct
    import termios

    try:
        rows, columns, width, height = struct.unpack("HHHH", fcntl.ioctl(
            sys.__stdout__.fileno(), termios.TIOCGWINSZ, b"\0" * 8))
    except (OSError, ValueError):
        return None
    if not (rows and columns and width and height):
        return None
    return width // columns, height // rows


def ask_terminal(patience: float = PATIENCE) -> tuple[Graphics, bytes]:
    """Ask the terminal (standard input and output must be one) and read its answers until
    DA1's, for at most `patience` seconds. Returns the capabilities and whatever else was
    read meanwhile (keys typed already), which the caller hands on to the app."""
    import termios
    import tty

    cell = _kernel_cell_size()
    stdin = sys.__stdin__.fileno()
    saved = termios.tcgetattr(stdin)
    answers = bytearray()
    try:
        tty.setcbreak(stdin, termios.TCSANOW)  # answers are read, never echoed
        os.write(sys.__stdout__.fileno(), queries(cell))
        deadline = time.monotonic() + patience
        while not _DA1_ANSWER.search(answers):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([stdin], [], [], left)[0]:
                break
            chunk = os.read(stdin, 1024)
            if not chunk:
                break
            answers += chunk
    except OSError:
        pass
    finally:
        termios.tcsetattr(stdin, termios.TCSANOW, saved)
    graphics = read_answers(bytes(answers), cell)
    typed = _CELL_ANSWER.sub(b"", _KITTY_ANSWER.sub(b"", _DA1_ANSWER.sub(b"", bytes(answers))))
    return graphics, typed


class TerminalProbe:
    """The terminal asked in a thread of its own (`start`), while the caller loads Textual;
    `result()` waits for the answers (at most PATIENCE) and must come before Textual reads
    the terminal. None when nothing was asked (see asks_nothing)."""

    def __init__(self) -> None:
        self._graphics: Graphics | None = None
        self.typed = b""  # keys read while waiting for the answers
        self._thread: threading.Thread | None = None

    @classmethod
    def start(cls, headless: bool = False) -> "TerminalProbe":
        probe = cls()
        if not asks_nothing(headless):
            probe._thread = threading.Thread(target=probe._ask, name="ask the terminal",
                                             daemon=True)
            probe._thread.start()
        return probe

    def _ask(self) -> None:
        try:
            self._graphics, self.typed = ask_terminal()
        except Exception:  # noqa: BLE001 - a terminal that cannot be asked: half cells
            self._graphics = None

    def result(self) -> Graphics | None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        return self._graphics


def image_widget_for(graphics: Graphics | None) -> type[Widget] | None:
    """The widget class drawing pictures as the terminal said it can: half cells where it
    draws neither Sixel nor Kitty graphics (or was not asked), None (text only) where colours
    are unavailable. Imports textual-image for Sixel and Kitty; safe while Textual runs:
    textual-image asks the terminal nothing, its answers are given to it."""
    if os.environ.get("TERM") == "dumb":
        return None
    if graphics is None or not (graphics.sixel or graphics.kitty):
        from tuifeed.tui.widgets.halfcell import HalfcellPicture
        return HalfcellPicture
    try:
        _textual_image_told(graphics)  # (imported without its queries: see below)
    except Exception:  # noqa: BLE001 - a broken textual-image: the text placeholder
        return None
    if graphics.sixel:  # textual-image prefers Sixel where both are drawn, and so do we
        from tuifeed.tui.widgets.sixel_image import SixelThumbnailImage
        return SixelThumbnailImage
    from tuifeed.tui.widgets.kitty_image import KittyThumbnailImage
    return KittyThumbnailImage


def choose_image_widget(headless: bool = False) -> type[Widget] | None:
    """The textual-image widget class to use, asking the terminal now (before App.run())."""
    if os.environ.get("TERM") == "dumb":
        return None
    return image_widget_for(TerminalProbe.start(headless).result())


def graphics_protocol(image_widget: type[Widget] | None) -> str | None:
    """"sixel" or "kitty" when the thumbnails found the terminal draws real pictures that way
    (mpv can then play in the terminal with the same protocol), else None."""
    widgets = sys.modules.get("textual_image.widget")  # loaded: the widget came from it
    if image_widget is None or widgets is None:
        return None
    if issubclass(image_widget, widgets.SixelImage):  # ours draws through it (sixel_image)
        return "sixel"
    return "kitty" if issubclass(image_widget, widgets.TGPImage) else None


_import_lock = threading.Lock()


def _textual_image_told(graphics: Graphics):
    """textual_image.widget imported without its import-time queries (they read standard
    input, which Textual owns by now): its cell size is given (the cache its
    get_cell_size() keeps), and standard output looks like no terminal while it loads."""
    with _import_lock:
        if "textual_image.widget" not in sys.modules:
            from textual_image import _terminal

            _terminal.get_cell_size._result = _terminal.CellSize(*graphics.cell)  # type: ignore
            _without_terminal_import("textual_image.widget")
        import textual_image.widget as widgets

        return widgets


def _without_terminal_import(module: str) -> None:
    import importlib

    saved = sys.__stdout__
    sys.__stdout__ = io.StringIO()  # type: ignore[misc]  (not a tty: no query is sent)
    try:
        importlib.import_module(module)
    finally:
        sys.__stdout__ = saved  # type: ignore[misc]
