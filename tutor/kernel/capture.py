"""Streaming what learner code prints to the front process, line by line, up to a limit.

A training loop's line per epoch reaches the screen when the epoch ends, not when the loop does.
Past ``limit_chars`` nothing more is sent; the count of hidden lines is reported at the end so the
front end can say how much was cut.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Send = Callable[[str, str], None]  # (stream name, text)

DEFAULT_LIMIT_CHARS = 20_000
KEEP_FOR_CHECKS_CHARS = 200_000  # what `output` checks may read, even past the shown limit


class OutputBudget:
    """The characters one input may print before the rest is hidden (shared by stdout/stderr)."""

    def __init__(self, limit_chars: int) -> None:
        self.left = limit_chars
        self.hidden_lines = 0
        self.captured: list[str] = []
        self._kept = 0

    def keep(self, text: str) -> None:
        """Remember printed text for checks, up to a bound so a runaway loop can't eat memory."""
        room = KEEP_FOR_CHECKS_CHARS - self._kept
        if room > 0:
            self.captured.append(text[:room])
            self._kept += min(len(text), room)

    def take(self, text: str) -> str:
        """The part of ``text`` that may be shown; counts the rest as hidden."""
        if self.left >= len(text):
            self.left -= len(text)
            return text
        shown = text[: max(self.left, 0)]
        if shown:  # end the cut on a line boundary when one is near, so the note reads cleanly
            cut = shown.rfind("\n")
            shown = shown[: cut + 1] if cut >= 0 else shown
        rest = text[len(shown) :]
        self.left = 0
        self.hidden_lines += rest.count("\n") + (0 if rest.endswith("\n") else 1)
        return shown


class StreamWriter(io.TextIOBase):
    """A text stream that forwards complete lines (and a flush) to ``send``."""

    def __init__(self, name: str, send: Send, budget: OutputBudget, encoding: str) -> None:
        self.name = name
        self._send = send
        self._budget = budget
        self._pending: list[str] = []
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._budget.keep(text)
        self._pending.append(text)
        if "\n" in text:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        shown = self._budget.take(text)
        if shown:
            self._send(self.name, shown)


@contextmanager
def captured_output(
    send: Send, limit_chars: int = DEFAULT_LIMIT_CHARS, encoding: str = "utf-8"
) -> Iterator[OutputBudget]:
    """Redirect ``sys.stdout``/``sys.stderr`` to ``send`` for the duration of the block."""
    budget = OutputBudget(limit_chars)
    out = StreamWriter("stdout", send, budget, encoding)
    err = StreamWriter("stderr", send, budget, encoding)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        yield budget
    finally:
        sys.stdout, sys.stderr = saved
        out.flush()
        err.flush()
