"""The footer, fitted to the terminal's width: the keys that matter most, `?` and `q` always.

Textual's Footer lists every key in order and cuts the line where the screen ends, so on an
80-column terminal help and quit were never seen. KeyBar keeps the screen's own order but
drops the least important keys (the last ones in BINDINGS) until the line fits; the keys that
lead out (help, quit, close) are never dropped. `?` lists them all.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ALWAYS = ("help", "app.help", "quit", "close", "dismiss", "dismiss_none")
COMPACT_BELOW = 100  # columns: narrower footers drop the padding around each key
PALETTE_CELLS = 12  # "▏^p palette " docked at the right


def key_label(bindings: list[Binding], display) -> str:
    """The keys of one action as shown: `esc/q` when q also does it (q must always show)."""
    keys = [display(binding) for binding in bindings]
    first = keys[0]
    if "q" in keys and first != "q":
        return f"{first}/q"
    return first


class KeyBar(Footer):
    """A Footer that shows what fits, most important first (see the module's docstring)."""

    _fitted_width = 0

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.size.width or self.app.size.width
        compact = width < COMPACT_BELOW
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact")
        active = self.screen.active_bindings
        actions: dict[str, list[tuple[Binding, bool, str]]] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show:
                actions.setdefault(binding.action, []).append((binding, enabled, tooltip))
        display = self.app.get_key_display
        entries = []
        for action, found in actions.items():
            label = key_label([binding for binding, _, _ in found], display)
            binding, enabled, tooltip = found[0]
            cells = len(label) + len(binding.description) + (2 if compact else 3)
            entries.append((action, label, binding, enabled, tooltip, cells))
        budget = width - (PALETTE_CELLS if self.show_command_palette else 0)
        budget -= sum(entry[5] for entry in entries if entry[0] in ALWAYS)
        kept = set()
        for entry in entries:
            if entry[0] in ALWAYS:
                kept.add(entry[0])
            elif entry[5] <= budget:
                kept.add(entry[0])
                budget -= entry[5]
            else:
                budget = -1  # keep the order: nothing after a key that did not fit
        for action, label, binding, enabled, tooltip, _cells in entries:
            if action in kept:
                yield FooterKey(binding.key, label, binding.description, action,
                                disabled=not enabled, tooltip=tooltip).data_bind(
                    compact=Footer.compact)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            try:
                _node, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            except KeyError:
                return
            yield FooterKey(binding.key, display(binding), binding.description, binding.action,
                            classes="-command-palette", disabled=not enabled,
                            tooltip=binding.tooltip or binding.description)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted_width:
            self._fitted_width = event.size.width
            self.call_after_refresh(self.recompose)
