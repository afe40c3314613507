"""Kitty-graphics thumbnails: each card's picture is encoded (PNG, base64) by the workers that
decode it, never while painting; what the terminal is sent is what textual-image sends."""

from __future__ import annotations

import threading

import pytest

from conftest import calls_recorded, import_without_terminal, threads_calling


@pytest.fixture(scope="module")
def kitty_image():
    return import_without_terminal("tuifeed.tui.widgets.kitty_image")


async def test_cards_are_encoded_ahead_and_sent_as_textual_image_sends_them(
        kitty_image, isolated_home, clock, monkeypatch):
    import textual_image.renderable.tgp as tgp

    from tuifeed import Feed
    from tuifeed.tui.app import FeedApp
    from tuifeed.tui.graphics import graphics_protocol
    from tuifeed.tui.script import settle
    from tuifeed.tui.widgets.thumbnail import Thumbnail

    sent: list[dict] = []  # what would go to the terminal (it writes to the real stdout)
    monkeypatch.setattr(tgp, "_send_tgp_message",
                        lambda **message: sent.append(message))
    real = kitty_image.png_base64
    encoded_in = threads_calling(monkeypatch, kitty_image, "png_base64")
    widget = kitty_image.KittyThumbnailImage
    late = calls_recorded(monkeypatch, widget, "draw_later",
                          lambda image, picture, how, make: how)
    assert graphics_protocol(widget) == "kitty"  # mpv plays with the same protocol
    app = FeedApp(Feed.open(isolated_home, clock=clock, seed=1), image_widget=widget,
                  tick_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        late.clear()
        for _ in range(4):
            sent.clear()
            await pilot.press("j")
            await settle(app, pilot)
            image = app.query_one(Thumbnail).query_one("#thumbnail-image")
            payload = "".join(message.get("payload") or "" for message in sent
                              if message.get("f") == 100)
            pixels = (image.content_size.width * 10, image.content_size.height * 20)
            assert payload and payload == real(image.image, pixels)  # the picture, whole
    assert late == []  # every next card's picture was encoded before it was painted
    assert len(encoded_in) >= 5  # the first card and the four after it
    assert threading.main_thread().name not in encoded_in
