"""Playing an item with mpv and reading back how much of it was watched (no Textual here)."""

from tuifeed.playback.config import PlayerConfig, load_player_config
from tuifeed.playback.media import media_url, web_url
from tuifeed.playback.mpv import (Playback, PlaybackFailed, PlaybackResult, PlayerMissing,
                                  not_played)

__all__ = ["Playback", "PlaybackFailed", "PlaybackResult", "PlayerConfig", "PlayerMissing",
           "load_player_config", "media_url", "not_played", "web_url"]
