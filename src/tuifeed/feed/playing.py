"""The Feed's player: play an item with mpv, learn from how much of it was watched, resume.

Playback itself (tuifeed.playback.Playback) runs wherever the caller likes, a worker thread
in the TUI; what it reports comes back through playback_started and playback_ended, on the
thread that owns the Feed.
"""

from __future__ import annotations

import shutil

from tuifeed.errors import TuifeedError
from tuifeed.models import Event, ResumePoint
from tuifeed.playback import (Playback, PlaybackResult, PlayerMissing, load_player_config,
                              media_url, web_url)

RESUME_FROM = 5.0  # seconds: a position before this is no place to resume
RESUME_UNTIL = 0.95  # fraction: after this the video counts as finished


class Playing:
    """Mixed into Feed."""

    def playback(self, item_id: str, *, resume: bool = True, graphics: str | None = None,
                 mode: str | None = None, quiet: bool = False) -> Playback:
        """A playback of the item, ready to run (nothing started yet): its address checked,
        the player configured, from where it was left when `resume` and worth resuming."""
        from tuifeed.sources.youtube import looks_like_youtube  # lxml loads only here

        item = self.item(item_id)
        address = media_url(item)
        if looks_like_youtube(address) and not (shutil.which("yt-dlp")
                                                or shutil.which("youtube-dl")):
            raise PlayerMissing("YouTube videos play through mpv's yt-dlp hook, and yt-dlp is "
                                "not installed (pip install yt-dlp, or your package manager)")
        config = load_player_config(self.locations.config)
        start = (self.resume_at(item_id) or 0.0) if resume else 0.0
        return Playback(address, config, mode=mode or config.chosen_mode(), start=start,
                        title=item.title, graphics=graphics, quiet=quiet)

    def resume_at(self, item_id: str) -> float | None:
        """Where to offer resuming the item: its last stop, if between RESUME_FROM seconds
        and RESUME_UNTIL of its length."""
        if item_id in self._resume_points:
            point = self._resume_points[item_id]
            position, duration = point.position, point.duration
        else:
            row = self.store.connection.execute(
                "SELECT position, duration FROM resume_points WHERE item_id = ?",
                (item_id,)).fetchone()
            if row is None:
                return None
            position, duration = row
        if position < RESUME_FROM or (duration and position > RESUME_UNTIL * duration):
            return None
        return float(position)

    def playback_started(self, item_id: str) -> Event:
        """The player began to play it: a `play` event."""
        return self.signal(item_id, "play")

    def playback_ended(self, item_id: str, result: PlaybackResult) -> list[Event]:
        """The player stopped: the fraction watched becomes a `watch` event (which counts for
        this view instead of the card's dwell), playing to the end a `complete` as well, and
        the stop is kept to resume from."""
        events: list[Event] = []
        if not result.started:
            return events
        if result.fraction is not None:
            events.append(self.signal(item_id, "watch", round(result.fraction, 4)))
        if result.completed:
            events.append(self.signal(item_id, "complete"))
        finished = result.completed or (result.fraction or 0.0) > RESUME_UNTIL
        point = ResumePoint(item_id, 0.0 if finished else round(result.position, 3),
                            result.duration, self.clock.now())
        self._resume_points[item_id] = point
        self.writer.write(point)
        return events

    def web_page(self, item_id: str) -> str:
        """The item's http(s) page, for a browser when there is no player."""
        page = web_url(self.item(item_id))
        if page is None:
            raise TuifeedError(f"{item_id} has no web page to open (it plays only here)")
        return page
