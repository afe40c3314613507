"""Make assets/screenshot.svg, the README's picture, with the app itself on a virtual clock.

Run: python assets/make_screenshot.py   (deterministic: a fresh temporary home every time)
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.tui import make_app

OUTPUT = Path(__file__).resolve().parent / "screenshot.svg"


async def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        clock = VirtualClock()
        app = make_app(Feed.open(home, clock=clock, seed=1), headless=True, tick_seconds=None)
        async with app.run_test(size=(120, 36)) as pilot:
            clock.advance(40)  # linger on the first card...
            await pilot.press("j")
            clock.advance(25)
            await pilot.press("l")  # ...and like the second: the queue reorders
            clock.advance(9)
            app.tick()
            await pilot.pause()
            app.save_screenshot(filename=OUTPUT.name, path=str(OUTPUT.parent))


if __name__ == "__main__":
    asyncio.run(main())
