"""What every tuifeed screen does: it acts on keys in the order they were typed, and it
closes itself.

Textual opens the command palette on a priority key, handled as soon as it is read, and
`Screen.dismiss` pops whichever screen is on top. Typed together, Enter on a History row
and Ctrl+P then went wrong: the palette came on top before the row's jump ran, the Enter
went to the palette, the jump closed the palette in History's place, and the palette's own
choice found no screen left to close (a traceback, exit status 1). A `q` with Ctrl+P behind
it was lost the same way. So Ctrl+P is an ordinary key here (the app's binding, and each
screen's, since a modal screen hides the app's), and a screen dismissed while another is on
top closes once it is on top again.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen

PALETTE_KEY = Binding("ctrl+p", "app.command_palette", "palette", show=False,
                      key_display="^p")


class FeedScreen(Screen):
    """Mixed in first, before Screen or ModalScreen."""

    BINDINGS = [PALETTE_KEY]
    _dismissed_with: tuple[object] | None = None  # the result, while another is on top

    def dismiss(self, result=None):  # type: ignore[override]
        if self.is_active:
            return super().dismiss(result)
        self._dismissed_with = (result,)
        return None

    def on_screen_resume(self) -> None:
        if self._dismissed_with is not None:
            (result,), self._dismissed_with = self._dismissed_with, None
            super().dismiss(result)
