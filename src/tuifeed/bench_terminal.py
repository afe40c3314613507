"""A terminal for the benchmarks: a program in a pseudo-terminal, its output kept as a screen,
and the moment each frame it draws is complete (`tuifeed bench`).

The terminal plays a modern xterm-compatible one (TERM=xterm-256color): it answers the
device-attributes query without Sixel, ignores the kitty graphics query (as xterm does, so
textual-image waits for its 0.1 s timeout, as it would in such a terminal), and supports
synchronized output (mode 2026), as kitty, WezTerm, foot, iTerm2, Ghostty, VTE and Windows
Terminal do. Textual then brackets every frame it paints between `ESC [?2026h` and
`ESC [?2026l`, so a frame is complete when its end marker has been read: nothing is guessed
from timing. Output outside such a bracket (before the program turned it on) counts as one
frame once the program has been quiet for QUIET seconds; its time is that of its last byte,
so the wait itself is never counted.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rich.cells import get_character_cell_size

SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"
QUIET = 0.03  # seconds without output that end a frame drawn outside synchronized output
CELL_PIXELS = (10, 20)  # reported through TIOCGWINSZ, so nobody asks with an escape
# Queries the terminal answers, and its answers.
ANSWERS = (
    (re.compile(rb"\x1b\[0?c"), b"\x1b[?62;22c"),  # DA1: a VT220 with colour, no Sixel
    (re.compile(rb"\x1b\[\?2026\$p"), b"\x1b[?2026;2$y"),  # synchronized output: supported
    (re.compile(rb"\x1b\[\?(\d+)\$p"), None),  # any other private mode: not recognised
    (re.compile(rb"\x1b\[6n"), b"\x1b[1;1R"),  # where is the cursor
)
_SEQUENCE = re.compile(
    r"\x1b(?:\[([0-?]*)[ -/]*([@-~])"  # CSI: parameters, final byte
    r"|\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|[P_^X][^\x1b]*\x1b\\"  # DCS, APC (kitty graphics), PM, SOS
    r"|[()*+][0-~]"  # character sets
    r"|[ -~])"  # any other escape
    r"|[\r\n\b\t]")


class Screen:
    """What a terminal of `columns` x `rows` cells shows, from the text written to it: the
    characters only (colours and styles are dropped), enough to read what is on screen."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.cells = [[" "] * columns for _ in range(rows)]
        self.row = self.column = 0

    def feed(self, text: str) -> None:
        position = 0
        for match in _SEQUENCE.finditer(text):
            if match.start() > position:
                self._write(text[position:match.start()])
            position = match.end()
            token = match.group()
            if token == "\r":
                self.column = 0
            elif token == "\n":
                self.row = min(self.row + 1, self.rows - 1)
            elif token == "\b":
                self.column = max(self.column - 1, 0)
            elif token == "\t":
                self.column = min((self.column // 8 + 1) * 8, self.columns - 1)
            elif match.group(2):
                self._control(match.group(1), match.group(2))
        if position < len(text):
            self._write(text[position:])

    def _control(self, parameters: str, final: str) -> None:
        if parameters.startswith(("?", ">", "<", "=")):
            return  # modes and private queries: nothing drawn
        numbers = [int(part) if part.isdigit() else 0 for part in parameters.split(";")]
        first = numbers[0] or 1
        if final in "Hf":
            row = numbers[0] if numbers[0] else 1
            column = numbers[1] if len(numbers) > 1 and numbers[1] else 1
            self.row, self.column = min(row, self.rows) - 1, min(column, self.columns) - 1
        elif final == "A":
            self.row = max(self.row - first, 0)
        elif final == "B":
            self.row = min(self.row + first, self.rows - 1)
        elif final == "C":
            self.column = min(self.column + first, self.columns - 1)
        elif final == "D":
            self.column = max(self.column - first, 0)
        elif final == "G":
            self.column = min(first, self.columns) - 1
        elif final == "J" and numbers[0] in (2, 3):
            self.cells = [[" "] * self.columns for _ in range(self.rows)]
        elif final == "K":
            line = self.cells[self.row]
            start, end = {0: (self.column, self.columns), 1: (0, self.column + 1)}.get(
                numbers[0], (0, self.columns))
            line[start:end] = [" "] * (end - start)

    def _write(self, run: str) -> None:
        line = self.cells[self.row]
        if run.isascii():  # the common case: one cell a character
            end = min(self.column + len(run), self.columns)
            line[self.column:end] = run[:end - self.column]
            self.column = min(end, self.columns - 1) if end == self.columns else end
            return
        for character in run:
            width = get_character_cell_size(character)
            if width == 0:
                continue
            if self.column + width > self.columns:
                break
            line[self.column] = character
            if width == 2:
                line[self.column + 1] = ""
            self.column += width

    @property
    def text(self) -> str:
        return "\n".join("".join(line) for line in self.cells)


@dataclass
class Frame:
    """A complete frame: when its last byte was read (time.perf_counter()), and the screen
    after it."""

    time: float
    text: str


class Terminal:
    """A command running in a pseudo-terminal of `columns` x `rows`, read as frames."""

    def __init__(self, command: list[str], env: dict[str, str], columns: int = 120,
                 rows: int = 40) -> None:
        self.screen = Screen(columns, rows)
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack(
            "HHHH", rows, columns, columns * CELL_PIXELS[0], rows * CELL_PIXELS[1]))
        self.master = master
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                                        env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = bytearray()  # read, not yet on the screen
        self._tail = b""  # the end of the last read, for a query split across two reads
        self._in_sync = False
        self._ready: deque[Frame] = deque()  # completed, not yet handed out
        self._last_read = self.started
        self.rusage = None
        self.peak_kib = self.running_peak_kib = 0.0
        self.exit_status: int | None = None
        self.transcript = bytearray()  # everything read, for a failure's message

    def press(self, keys: bytes) -> float:
        """Type keys; the moment they were written."""
        moment = time.perf_counter()
        os.write(self.master, keys)
        return moment

    def frames(self, timeout: float) -> Iterator[Frame]:
        """Each frame as it completes, for at most `timeout` seconds. Frames completed by
        one read wait in a queue: a caller that stops early misses none of them."""
        deadline = time.perf_counter() + timeout
        while True:
            while self._ready:
                yield self._ready.popleft()
            left = deadline - time.perf_counter()
            if left <= 0:
                return
            waiting_for_quiet = bool(self._pending) and not self._in_sync
            wait = min(left, QUIET) if waiting_for_quiet else min(left, 0.5)
            ready, _, _ = select.select([self.master], [], [], wait)
            if not ready:
                if waiting_for_quiet and time.perf_counter() - self._last_read >= QUIET:
                    self._ready.append(self._complete(self._last_read))
                continue
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:  # the program has gone and closed the terminal
                data = b""
            moment = time.perf_counter()
            if not data:
                if self._pending:
                    yield self._complete(self._last_read)
                return
            self._last_read = moment
            self.transcript += data
            self._answer(data)
            self._split(data, moment)

    def _split(self, data: bytes, moment: float) -> None:
        while data:
            marker = SYNC_END if self._in_sync else SYNC_START
            index = data.find(marker)
            if index < 0:
                self._pending += data
                return
            self._pending += data[:index]
            data = data[index + len(marker):]
            if self._in_sync:
                self._in_sync = False
                self._ready.append(self._complete(moment))
            else:
                if self._pending.strip():  # what came before, unbracketed, is a frame too
                    self._ready.append(self._complete(moment))
                self._in_sync = True

    def _complete(self, moment: float) -> Frame:
        self.screen.feed(self._decoder.decode(bytes(self._pending)))
        self._pending.clear()
        return Frame(moment, self.screen.text)

    def _answer(self, data: bytes) -> None:
        window = self._tail + data
        for pattern, answer in ANSWERS:
            match = next((found for found in pattern.finditer(window)
                          if found.end() > len(self._tail)), None)  # not answered before
            if match is None:
                continue
            if answer is None:  # a private mode it does not know
                if match.group(1) == b"2026":
                    continue
                answer = b"\x1b[?" + match.group(1) + b";0$y"
            os.write(self.master, answer)
        self._tail = window[-16:]

    def wait_for(self, text: str, timeout: float) -> Frame:
        """The first complete frame showing `text`; RuntimeError when none comes in time."""
        return self.wait_until(lambda screen: text in screen, timeout, repr(text))

    def wait_until(self, shows: Callable[[str], bool], timeout: float,
                   what: str = "the frame awaited") -> Frame:
        """The first complete frame whose screen text `shows` what is awaited;
        RuntimeError, with the screen, when none comes in time or the program ends."""
        for frame in self.frames(timeout):
            if shows(frame.text):
                return frame
        raise RuntimeError(f"{what} never appeared on the screen; the screen:\n"
                           f"{self.screen.text}\n(last output: "
                           f"{bytes(self.transcript[-300:])!r})")

    def close(self, quit_keys: bytes = b"q", timeout: float = 60.0) -> None:
        """Quit with `quit_keys` (the program's own way out), reading what it draws meanwhile,
        noting its peak memory before the keys and until it ends (what it does as it quits
        counts: tuifeed learns its whole log again then); killed if it does not end within
        `timeout` seconds."""
        self.running_peak_kib = self.peak_kib = _peak_kib(self.process.pid)
        try:
            os.write(self.master, quit_keys)
        except OSError:
            pass
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            # A high-water mark: read until the program ends, it holds the whole run's peak
            # (once the program has ended, the kernel no longer gives it).
            self.peak_kib = max(self.peak_kib, _peak_kib(self.process.pid))
            pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
            if pid:
                self.exit_status, self.rusage = os.waitstatus_to_exitcode(status), usage
                self.process.returncode = self.exit_status
                break
            for _ in self.frames(0.05):
                pass
        else:
            os.killpg(self.process.pid, signal.SIGKILL)
            _, status, self.rusage = os.wait4(self.process.pid, 0)
            self.exit_status = self.process.returncode = os.waitstatus_to_exitcode(status)
        os.close(self.master)

    @property
    def peak_mib(self) -> float:
        """The program's peak resident memory (MiB), as the kernel counts it for its own
        image (VmHWM), until it ended (once closed). Not rusage's ru_maxrss: that counts the
        memory of this process, which the child was forked from before it started the
        program."""
        return self.peak_kib / 1024

    @property
    def running_peak_mib(self) -> float:
        """The peak before the quitting keys were sent (MiB)."""
        return self.running_peak_kib / 1024


def _peak_kib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return 0.0
