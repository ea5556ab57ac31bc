"""A calm "still running" line for long runs, drawn a few times a second at most.

    with Spinner(sys.stdout, "running", hint="Ctrl-C stops") as out:
        console.file = out          # everything printed goes through ``out``...
        tutor.submit(code)          # ...and wipes the spinner line first
    # after a second without output:  ⠹ running · 3 s · Ctrl-C stops

Why so restrained: on a 2-core machine a front thread that redraws in a tight loop makes torch
in the worker 3-4x slower. This thread sleeps on an ``Event`` between frames (no polling), shows
nothing for runs under ``delay`` seconds, and never draws in the middle of a line of output.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_ERASE = "\r\x1b[2K"  # back to column 0, clear the line


class Spinner:
    """A file-like wrapper around the terminal that also draws the spinner line.

    Every ``write`` first erases the spinner, so output and the spinner never mix.
    """

    def __init__(
        self,
        file: IO[str],
        label: str = "running",
        hint: str = "Ctrl-C stops",
        delay: float = 1.0,
        interval: float = 0.25,
    ) -> None:
        self.file = file
        self.label = label
        self.hint = hint
        self.delay = delay
        self.interval = interval
        self.frames_drawn = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._shown = False
        self._at_line_start = True
        self._started = self._last_write = time.monotonic()
        self._status: Callable[[], str] | None = None
        self._thread = threading.Thread(target=self._spin, name="tutor-spinner", daemon=True)

    def show(self, status: Callable[[], str]) -> None:
        """Draw ``status()`` (a training loop's progress) instead of the plain running line."""
        self._status = status

    # -- the file interface (rich's Console and learner output write here) --------------------

    def write(self, text: str) -> int:
        with self._lock:
            self._erase()
            written = self.file.write(text)
            if text:
                self._at_line_start = text.endswith("\n")
                self._last_write = time.monotonic()
            return written

    def flush(self) -> None:
        with self._lock:
            self.file.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.file, name)  # isatty, fileno, encoding...: the terminal's own

    # -- the spinner -------------------------------------------------------------------------

    def __enter__(self) -> Spinner:
        self._started = self._last_write = time.monotonic()
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        with self._lock:
            self._erase()
            self.file.flush()

    def _spin(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                now = time.monotonic()
                if not self._at_line_start or now - self._last_write < self.delay:
                    continue
                frame = FRAMES[self.frames_drawn % len(FRAMES)]
                status = self._status() if self._status is not None else ""
                if status:
                    line = f"{frame} {status}"
                else:
                    line = f"{frame} {self.label} · {int(now - self._started)} s"
                    if self.hint:
                        line += f" · {self.hint}"
                self.file.write(f"{_ERASE}\x1b[2m{line}\x1b[0m")
                self.file.flush()
                self._shown = True
                self.frames_drawn += 1

    def _erase(self) -> None:
        if self._shown:
            self.file.write(_ERASE)
            self._shown = False
