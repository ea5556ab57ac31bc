"""Streaming what learner code prints to the front process, line by line, up to a limit.

A training loop's line per epoch reaches the screen when the epoch ends, not when the loop does.
Past ``limit_chars`` nothing more is sent; the count of hidden lines is reported at the end so the
front end can say how much was cut. Where the worker's fd 1 and 2 are pipes
(``tutor.kernel.fdpipes``), what learner code writes to them (``os.system``, a subprocess, a C
extension, a DataLoader worker) shares the same budget, in order with ``print``.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from tutor.kernel import fdpipes

Send = Callable[[str, str], None]  # (stream name, text)

DEFAULT_LIMIT_CHARS = 20_000
KEEP_FOR_CHECKS_CHARS = 200_000  # what `output` checks may read, even past the shown limit


class OutputBudget:
    """The characters one input may print before the rest is hidden (shared by stdout/stderr)."""

    def __init__(self, limit_chars: int) -> None:
        self.left = limit_chars
        self.captured: list[str] = []
        self._kept = 0
        self._hidden_newlines = 0
        self._hidden_open = False  # hidden text so far ends inside a line
        self._hidden_elsewhere = 0  # lines cut before they reached this budget

    @property
    def hidden_lines(self) -> int:
        """Lines not shown, a last unfinished one included."""
        return self._hidden_newlines + self._hidden_open + self._hidden_elsewhere

    def hide(self, lines: int) -> None:
        """Count ``lines`` cut before they reached this budget."""
        self._hidden_elsewhere += lines

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
        if rest:  # counted across calls: fd text arrives in chunks that may split a line
            self._hidden_newlines += rest.count("\n")
            self._hidden_open = not rest.endswith("\n")
        return shown


InOrder = Callable[[], AbstractContextManager[None]]


class StreamWriter(io.TextIOBase):
    """A text stream that forwards complete lines (and a flush) to ``send``.

    ``in_order`` is held while a line is counted and sent: it first hands on what was written
    to the file descriptors before it (``FdPipes.in_order``).
    """

    def __init__(
        self,
        name: str,
        send: Send,
        budget: OutputBudget,
        encoding: str,
        in_order: InOrder = contextlib.nullcontext,
        fileno: int | None = None,
    ) -> None:
        self.name = name
        self._fileno = fileno
        self._send = send
        self._budget = budget
        self._pending: list[str] = []
        self._encoding = encoding
        self._in_order = in_order

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        """fd 1 or 2 where they are caught too (``subprocess.run(..., stdout=sys.stdout)``)."""
        if self._fileno is None:
            raise io.UnsupportedOperation("fileno")
        self.flush()  # what was written here goes before what is written to the fd
        return self._fileno

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._pending.append(text)
        if "\n" in text:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        with self._in_order():
            self.show(text)

    def show(self, text: str) -> None:
        """Keep ``text`` for checks, count it against the budget and send what that allows."""
        self._budget.keep(text)
        shown = self._budget.take(text)
        if shown:
            self._send(self.name, shown)

    def send_as_is(self, text: str) -> None:
        """Send ``text`` already bounded elsewhere, leaving the budget alone."""
        self._send(self.name, text)


class _FdText:
    """Text from fd 1 and 2 into the writers of one input (an ``fdpipes.Sink``)."""

    def __init__(self, out: StreamWriter, err: StreamWriter, budget: OutputBudget) -> None:
        self._writers = {"stdout": out, "stderr": err}
        self._budget = budget

    def from_fd(self, stream: str, text: str) -> None:
        self._writers[stream].show(text)

    def late(self, chunks: list[tuple[str, str]], hidden_lines: int) -> None:
        # Written after the last input ended, and bounded by what it had left to show: shown
        # now, but it is neither this input's output for checks nor charged to its budget.
        for stream, text in chunks:
            self._writers[stream].send_as_is(text)
        self._budget.hide(hidden_lines)

    def room(self) -> int:
        return self._budget.left


@contextmanager
def captured_output(
    send: Send,
    limit_chars: int = DEFAULT_LIMIT_CHARS,
    encoding: str = "utf-8",
    visible: bool = False,
) -> Iterator[OutputBudget]:
    """Redirect ``sys.stdout``/``sys.stderr`` (and fd 1 and 2 where they are pipes) to ``send``
    for the duration of the block. ``visible``: an input whose output the learner sees; it first
    sends what was written to fd 1 and 2 since the last one ended (by a child left running)."""
    budget = OutputBudget(limit_chars)
    pipes = fdpipes.installed()
    in_order: InOrder = contextlib.nullcontext if pipes is None else pipes.in_order
    caught = pipes is not None
    out = StreamWriter("stdout", send, budget, encoding, in_order, 1 if caught else None)
    err = StreamWriter("stderr", send, budget, encoding, in_order, 2 if caught else None)
    fds: AbstractContextManager[None] = contextlib.nullcontext()
    if pipes is not None:
        fds = pipes.attached(_FdText(out, err, budget), visible)
    saved = sys.stdout, sys.stderr
    with fds:
        sys.stdout, sys.stderr = out, err
        try:
            yield budget
        finally:
            sys.stdout, sys.stderr = saved
            out.flush()
            err.flush()
