"""One playback by mpv, watched through its JSON IPC socket.

mpv is started with an argument list (never a shell), "--" before the address, and an IPC
socket in a private folder (mode 0700). tuifeed observes time-pos, duration and pause, and
reads end-file with its reason: how far the viewer got is what the ranker learns from.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tuifeed.errors import TuifeedError
from tuifeed.playback.config import PlayerConfig
from tuifeed.text import clean_text

INSTALL_HINT = ("install mpv to play videos (Debian/Ubuntu: sudo apt install mpv; Fedora: "
                "sudo dnf install mpv; macOS: brew install mpv)")
CONNECT_SECONDS = 10.0  # mpv creates its socket within a few hundred milliseconds
PROGRESS_INTERVAL = 0.25  # seconds between progress reports
OBSERVED = {1: "time-pos", 2: "duration", 3: "pause", 4: "vo-configured"}
COMPLETE_SHARE = 0.5  # of what was left to play: played for real, not seeked past
STEP = 1.5  # seconds: a jump of time-pos larger than this is a seek, not playing
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class PlayerMissing(TuifeedError):
    """No mpv to play with: the message carries the install hint."""


class PlaybackFailed(TuifeedError):
    """mpv ran but could not play the address (a fault that is not the user's: exit 1)."""

    exit_code = 1


@dataclass(frozen=True)
class PlaybackResult:
    started: bool  # the video began to play (and, in a window, the window opened)
    position: float  # seconds: where it stopped (the end, once played through)
    duration: float | None  # seconds, as mpv measured the file
    reason: str  # mpv's end-file reason (eof, quit, stop, error), or "exited"
    completed: bool = False  # reached the end having really played (not a seek to the end)

    @property
    def fraction(self) -> float | None:
        """How much of the video was watched, by where it stopped: 0..1."""
        if not self.duration or self.duration <= 0:
            return None
        return min(max(self.position / self.duration, 0.0), 1.0)


Progress = Callable[[float, float | None, bool], None]  # position, duration, paused


def not_played(result: PlaybackResult) -> str:
    """Why a playback never began, in one line."""
    if result.reason == "no window":
        return ("mpv opened no window (is DISPLAY right?); set mode = \"terminal\" under "
                "[player] in tuifeed.toml to play in the terminal")
    return f"mpv could not play this video (it ended with: {clean_text(result.reason)})"


def terminal_vo(config: PlayerConfig, graphics: str | None, environ: dict[str, str]) -> str:
    """mpv's video output inside the terminal: the configured one, else what the terminal
    showed it can draw (the thumbnails' protocol), else truecolor text, which works anywhere."""
    if config.vo:
        return config.vo
    if graphics in ("kitty", "sixel"):
        return graphics
    if environ.get("KITTY_WINDOW_ID") or environ.get("TERM") == "xterm-kitty":
        return "kitty"
    return "tct"


class Playback:
    """Plays one address with mpv; run() blocks until mpv ends and says how far it got.
    send() and stop() may be called from any other thread meanwhile."""

    def __init__(self, address: str, config: PlayerConfig, *, mode: str, start: float = 0.0,
                 title: str = "", graphics: str | None = None, quiet: bool = False,
                 environ: dict[str, str] | None = None) -> None:
        self.address = address
        self.config = config
        self.mode = mode
        self.start = start
        self.title = title
        self.environ = dict(os.environ if environ is None else environ)
        self.graphics = graphics
        self.quiet = quiet  # no picture, no sound (scripted runs)
        self.interrupted: int | None = None  # the signal that stopped playback, if one did
        self._process: subprocess.Popen | None = None
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self._next_request = 100

    def player(self) -> str:
        found = shutil.which(self.config.command, path=self.environ.get("PATH"))
        if found is None:
            raise PlayerMissing(f"{clean_text(self.config.command)} was not found: "
                                f"{INSTALL_HINT}")
        return found

    def arguments(self, player: str, ipc: Path) -> list[str]:
        """The mpv command line: options, then "--", then the address (never an option)."""
        arguments = [player, f"--input-ipc-server={ipc}", "--idle=no", "--keep-open=no"]
        if self.title:
            arguments.append(f"--force-media-title={clean_text(self.title, limit=200)}")
        if self.start > 0:
            arguments.append(f"--start={self.start:.3f}")
        if self.mode == "window":
            arguments += ["--force-window=immediate", "--no-terminal"]
            if self.config.vo:
                arguments.append(f"--vo={self.config.vo}")
        else:
            vo = terminal_vo(self.config, self.graphics, self.environ)
            arguments += [f"--vo={vo}", "--really-quiet"]
            if vo == "tct":
                arguments.append("--vo-tct-256=no")
        quiet = ["--vo=null", "--ao=null"] if self.quiet else []
        return [*arguments, *self.config.extra_args, *quiet, "--", self.address]

    def run(self, on_progress: Progress | None = None,
            on_started: Callable[[], None] | None = None) -> PlaybackResult:
        player = self.player()
        folder = Path(tempfile.mkdtemp(prefix="tuifeed-mpv-"))  # private: mode 0700
        ipc = folder / "socket"
        quiet = self.mode == "window"
        try:
            process = subprocess.Popen(
                self.arguments(player, ipc), env=self.environ,
                stdin=subprocess.DEVNULL if quiet else None,
                stdout=subprocess.DEVNULL if quiet else None,
                stderr=subprocess.DEVNULL if quiet else None)
        except OSError as error:
            shutil.rmtree(folder, ignore_errors=True)
            raise PlayerMissing(f"cannot start {clean_text(player)}: {error.strerror}") from None
        self._process = process
        handlers = self._stop_on_signals()
        try:
            return self._watch(process, ipc, on_progress, on_started)
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)
            self._close_socket()
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            shutil.rmtree(folder, ignore_errors=True)

    def send(self, *command: object) -> None:
        """An IPC command (e.g. "seek", 50, "absolute-percent"), encoded as JSON."""
        with self._lock:
            if self._socket is None:
                return
            self._next_request += 1
            message = json.dumps({"command": list(command), "request_id": self._next_request})
            try:
                self._socket.sendall(message.encode("utf-8") + b"\n")
            except OSError:
                pass  # mpv is going away: its end is read by run()

    def stop(self) -> None:
        """Ask mpv to quit (the playback ends with reason "quit")."""
        self._stopping = True
        self.send("quit")

    def kill(self) -> None:
        """End mpv now, answering or not (run() then returns what it last heard)."""
        self._stopping = True
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()

    def _stop_on_signals(self) -> dict:
        """While mpv plays for a command (the main thread), Ctrl-C, SIGTERM and SIGHUP stop
        the playback, which then ends and is recorded as usual, instead of killing tuifeed
        with mpv left running (in the terminal mpv hears Ctrl-C itself too)."""
        if threading.current_thread() is not threading.main_thread():
            return {}

        def stop(number: int, frame: object) -> None:
            self.interrupted = number
            self.stop()

        return {number: signal.signal(number, stop) for number in STOP_SIGNALS}

    # -- reading mpv's events ------------------------------------------------------------------

    def _connect(self, process: subprocess.Popen, ipc: Path) -> socket.socket | None:
        deadline = time.monotonic() + CONNECT_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            if ipc.exists():
                client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    client.connect(str(ipc))
                    return client
                except OSError:
                    client.close()
            time.sleep(0.02)
        return None

    def _watch(self, process: subprocess.Popen, ipc: Path, on_progress: Progress | None,
               on_started: Callable[[], None] | None) -> PlaybackResult:
        client = self._connect(process, ipc)
        if client is None:
            process.wait()
            return PlaybackResult(False, 0.0, None, "error")
        with self._lock:
            self._socket = client
        for number, name in OBSERVED.items():
            self.send("observe_property", number, name)
        if self._stopping:
            self.send("quit")
        position, duration, paused = self.start, None, False
        started, reason, shown, played = False, "exited", False, 0.0
        reported = 0.0
        for message in _messages(client):
            event = message.get("event")
            if event == "property-change":
                name, data = message.get("name"), message.get("data")
                if name == "time-pos" and isinstance(data, (int, float)):
                    if started and 0 < data - position <= STEP:
                        played += data - position
                    position = float(data)
                    if not started and (shown or self.mode != "window"):
                        started = True
                        if on_started is not None:
                            on_started()
                elif name == "vo-configured" and data is True:
                    shown = True
                elif name == "duration" and isinstance(data, (int, float)) and data > 0:
                    duration = float(data)
                elif name == "pause" and isinstance(data, bool):
                    paused = data
                now = time.monotonic()
                if on_progress is not None and started and now - reported >= PROGRESS_INTERVAL:
                    reported = now
                    on_progress(position, duration, paused)
            elif event == "end-file":
                reason = str(message.get("reason") or "exited")
                break
        process.wait()
        if self.mode == "window" and not shown:  # no window opened (a display that is not
            return PlaybackResult(False, position, duration, "no window")  # there, say)
        left = (duration or 0.0) - self.start
        completed = reason == "eof" and started and played + STEP >= COMPLETE_SHARE * left
        if reason == "eof" and duration:
            position = duration
        return PlaybackResult(started, position, duration, reason, completed)

    def _close_socket(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None


def _messages(client: socket.socket):
    """mpv's JSON lines until it closes the socket (a line that is not JSON is skipped)."""
    buffer = b""
    while True:
        try:
            chunk = client.recv(65536)
        except OSError:
            return
        if not chunk:
            return
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict):
                yield message
