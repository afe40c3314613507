"""The reference for `tuifeed bench`'s start-up and key rows: a bare Textual app with the
widget tree of tuifeed's feed (a header, a card, an Up next list of 50 rows, a footer) and
nothing behind it. `j` shows the next card and moves the list up, as tuifeed's `j` does;
`q` quits. Run as a script (python bench_bare_app.py), so it imports Textual and nothing of
tuifeed, as a bare app would.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, ProgressBar, Static

ROWS = 50
CSS = """
#main { height: 1fr; }
#card { width: 1fr; border: round $accent; padding: 0 1; }
#queue { width: 46; border: round $primary; padding: 0 1; }
#card-body { height: 1fr; }
#picture { width: 20; height: 18; margin-right: 1; background: $boost; }
#title { margin-bottom: 1; }
#playback { height: 1; }
"""


def title(number: int) -> str:
    return f"Video {number}: a short clip about something"


class BareApp(App[None]):
    CSS = CSS
    TITLE = "bare"
    BINDINGS = [Binding("j", "next", "Next"), Binding("q", "quit", "Quit")]

    def __init__(self) -> None:
        super().__init__()
        self.position = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="card"):
                with Horizontal(id="card-body"):
                    yield Static("\n\n▶", id="picture")
                    with Vertical():
                        yield Static(id="title")
                        yield Static("@someone", id="byline")
                        yield Static("#topic  #another", id="topics")
                        yield Static("0:42 · 1.2k views · 31 likes · 3 days ago", id="stats")
                with Horizontal(id="playback"):
                    yield ProgressBar(total=100, show_eta=False, show_percentage=False)
            yield Static(id="queue")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#queue").border_title = "Up next"
        self.show_card()

    def show_card(self) -> None:
        card = self.query_one("#card")
        card.border_title = f"#{self.position + 1} of this session"
        self.query_one("#title", Static).update(title(self.position))
        self.query_one("#queue", Static).update("\n".join(
            f"{rank:>2}  {title(self.position + rank)}"
            for rank in range(1, ROWS + 1)))

    def action_next(self) -> None:
        self.position += 1
        self.show_card()


if __name__ == "__main__":
    BareApp().run()
