"""Output written straight to file descriptors 1 and 2, caught in pipes and handed on as text.

``print`` is caught at the Python level (``tutor.kernel.capture``); ``os.write(1, ...)``,
``os.system``, a subprocess, a C extension's ``printf`` and a DataLoader worker process all
write to the worker's fd 1 and 2 instead. ``install`` points both at pipes once, before any
learner code runs; a thread reads them and hands the text to the capture of the input that runs
(``attached``), or holds a bounded amount until the next input::

    pipes = install()                           # once, in the worker
    with pipes.attached(sink, visible=True):    # what ``captured_output`` does per input
        os.system("echo hi")                    # -> sink.from_fd("stdout", "hi\\n")
        pipes.drain()                           # all written so far has reached ``sink``

Children the learner forks or spawns inherit the pipes, so their output is caught too. The
worker's message socket is another descriptor: nothing written to fd 1 or 2 can reach it.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import io
import os
import select
import struct
import sys
import termios
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any, Protocol, TextIO

READ_SIZE = 1 << 16
HOLD_CHARS = 20_000  # what may wait between inputs for the next one; the rest is counted
DRAIN_SECONDS = 10.0  # a drain never waits longer than this, whatever a child does
C_BUFFER_SIZE = 1 << 16


class Sink(Protocol):
    """Where caught text goes: the capture of the input that runs now."""

    def from_fd(self, stream: str, text: str) -> None:
        """Text written to fd 1 ("stdout") or 2 ("stderr") while the input runs."""

    def late(self, chunks: list[tuple[str, str]], hidden_lines: int) -> None:
        """(stream, text) written between inputs (by a child left running, say), and the
        count of lines past what could be held."""

    def room(self) -> int:
        """Characters this input may still show."""


class _Pipe:
    """The reading end of one pipe and what has been read from it."""

    def __init__(self, stream: str, fd: int) -> None:
        self.stream = stream
        self.fd = fd
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.consumed = 0  # bytes read so far: a drain waits until this passes its mark
        self.open = True

    def unread(self) -> int:
        """Bytes written to the pipe and not read yet."""
        if not self.open:
            return 0
        try:
            data = fcntl.ioctl(self.fd, termios.FIONREAD, b"\0\0\0\0")
        except OSError:
            return 0
        (count,) = struct.unpack("i", data)
        return int(count)


class _Held:
    """Text that arrived between inputs, within what the last input the learner saw had left
    to show (``HOLD_CHARS`` at most); past that, lines are counted. The tail of an input whose
    output was already cut (a child killed mid-flood) is dropped: that input said so."""

    def __init__(self) -> None:
        self.chunks: list[tuple[str, str]] = []
        self.size = 0
        self.room = HOLD_CHARS
        self._newlines = 0  # hidden ones
        self._open = False  # the hidden text ends inside a line (counted across chunks)

    @property
    def hidden_lines(self) -> int:
        return self._newlines + self._open

    def add(self, stream: str, text: str) -> None:
        left = max(self.room - self.size, 0)
        kept = text
        if len(text) > left:  # cut on a line boundary when there is one, and hold no more
            kept = text[:left]
            kept = kept[: kept.rfind("\n") + 1] or kept
            self.size = self.room
        else:
            self.size += len(text)
        if kept:
            self.chunks.append((stream, kept))
        rest = text[len(kept) :]
        if rest and self.room > 0:
            self._newlines += rest.count("\n")
            self._open = not rest.endswith("\n")

    def hand_to(self, sink: Sink) -> None:
        if self.chunks or self.hidden_lines:
            sink.late(self.chunks, self.hidden_lines)
        self.chunks, self.size, self._newlines, self._open = [], 0, 0, False

    def after(self, sink: Sink) -> None:
        """From now on, hold what ``sink``'s input had left to show."""
        self.room = min(max(sink.room(), 0), HOLD_CHARS)


class FdPipes:
    """fd 1 and 2 of this process as pipes, read by one thread. Make it with ``install``."""

    def __init__(self) -> None:
        self.last_resort = os.dup(2)  # the worker's own crash reports still reach the terminal
        self._pipes: dict[int, _Pipe] = {}
        for fd, stream in ((1, "stdout"), (2, "stderr")):
            read, write = os.pipe()  # both ends close on exec; fd 1 and 2 are inherited
            os.dup2(write, fd)
            os.close(write)
            self._pipes[read] = _Pipe(stream, read)
        self._lock = threading.Condition()  # held while text is read and handed on
        self._sink: Sink | None = None
        self._held = _Held()
        self._forked = False
        self._poll = select.poll()  # the reader's
        self._probe = select.poll()  # callers', with the lock held: a poll object is per thread
        for read in self._pipes:
            self._poll.register(read, select.POLLIN)
            self._probe.register(read, select.POLLIN)
        self._in_order = _InOrder(self)
        threading.Thread(target=self._read_forever, name="tutor-fd-reader", daemon=True).start()
        os.register_at_fork(after_in_child=self._in_forked_child)

    # -- for the capture of each input -------------------------------------------------------

    @contextlib.contextmanager
    def attached(self, sink: Sink, visible: bool = False) -> Iterator[None]:
        """Hand caught text to ``sink`` for the block. An input the learner sees (``visible``)
        first gets what waited since the last one; a check's silent run leaves it be.
        On leaving, C's buffered ``stdout`` is flushed and the pipes drained into ``sink``."""
        if self._forked:
            yield
            return
        with self._lock:
            previous, self._sink = self._sink, sink
            if visible:
                self._held.hand_to(sink)
        try:
            yield
        finally:
            self._release_if_kept()
            flush_std_streams()
            self.drain()
            with self._lock:
                self._sink = previous
                if visible:
                    self._held.after(sink)

    def _release_if_kept(self) -> None:
        """A Ctrl-C landing just after a ``print`` took the lock (before it could be let go)
        leaves it held; the reader would wait for it forever. Between inputs, no one else of
        this thread may hold it."""
        while self._lock._is_owned():  # type: ignore[attr-defined]
            self._lock.release()

    def drain(self) -> None:
        """Return once everything written to fd 1 and 2 before this call has been handed on,
        so no input's output is taken for the next one's."""
        with self.in_order():
            pass

    def in_order(self) -> _InOrder:
        """Drain, then keep the reader waiting while the block runs: text the block sends
        (a ``print``) follows what was written to fd 1 and 2 before it (an ``os.write``)."""
        return self._in_order

    def _wait_for_reader(self) -> None:
        """With the lock held: wait until what the pipes hold now has been handed on."""
        if self._forked or not self._probe.poll(0):  # the usual case: nothing to wait for
            return
        marks = [(pipe, pipe.consumed + pipe.unread()) for pipe in self._pipes.values()]
        deadline = time.monotonic() + DRAIN_SECONDS
        while any(pipe.open and pipe.consumed < mark for pipe, mark in marks):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._lock.wait(left)

    # -- the reading thread ------------------------------------------------------------------

    def _read_forever(self) -> None:
        while True:
            try:
                ready = self._poll.poll()
                with self._lock:
                    try:
                        for fd, _events in ready:
                            self._read_once(self._pipes[fd])
                    finally:
                        self._lock.notify_all()
            except Exception:  # the reader must outlive anything a sink or the learner does
                time.sleep(0.01)

    def _read_once(self, pipe: _Pipe) -> None:
        try:
            data = os.read(pipe.fd, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:  # the learner's code closed this end
            data = b""
        if not data:  # every writer is gone (fd 1 closed, say): stop polling, or we'd spin
            self._poll.unregister(pipe.fd)
            self._probe.unregister(pipe.fd)
            pipe.open = False
        pipe.consumed += len(data)
        text = pipe.decoder.decode(data, final=not pipe.open)
        if text:
            self._hand_on(pipe.stream, text)

    def _hand_on(self, stream: str, text: str) -> None:
        if self._sink is None:
            self._held.add(stream, text)
            return
        with contextlib.suppress(Exception):  # the front is gone, say: the text is dropped
            self._sink.from_fd(stream, text)

    # -- forks -------------------------------------------------------------------------------

    def _in_forked_child(self) -> None:
        """A child the learner's code forked (a DataLoader worker, say) has no reading thread:
        it writes to the pipes and its parent reads them, ``print`` included."""
        self._forked = True
        self._lock = threading.Condition()  # the parent's reader may have held it mid-fork
        for fd in self._pipes:
            with contextlib.suppress(OSError):
                os.close(fd)
        sys.stdout = _text_on(1)  # not the parent's capture, whose channel this child lacks
        sys.stderr = _text_on(2)


class _InOrder:
    """``FdPipes.in_order``: a class, not a generator, as it runs for every line printed."""

    def __init__(self, pipes: FdPipes) -> None:
        self._pipes = pipes

    def __enter__(self) -> None:
        lock = self._pipes._lock
        lock.acquire()
        try:
            self._pipes._wait_for_reader()
        except BaseException:  # a Ctrl-C while waiting
            lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:  # noqa: SIM105 - a try costs less than ``suppress`` on every line printed
            self._pipes._lock.release()
        except RuntimeError:  # in a child forked meanwhile: its lock is a fresh one
            pass


def _text_on(fd: int) -> TextIO:
    """A line-buffered text stream on ``fd``: each line is one write, so the lines of two
    DataLoader workers printing at once never mix (``multiprocessing`` flushes at the end)."""
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(
        io.BufferedWriter(raw), encoding="utf-8", errors="backslashreplace", line_buffering=True
    )


def flush_std_streams() -> None:
    """Flush C's ``stdout`` buffer (a C extension's ``printf``) and Python's own streams on
    fd 1 and 2, so what they hold is in the pipes."""
    for stream in (sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    libc = _libc()
    if libc is not None:
        with contextlib.suppress(Exception):
            libc.fflush(None)


_installed: FdPipes | None = None
_LIBC: list[Any] = []


def installed() -> FdPipes | None:
    """The pipes of this process, or None where ``install`` was never called (tests of the
    capture alone, the front process)."""
    return _installed


def install() -> FdPipes:
    """Point fd 1 and 2 of this process at pipes (once; later calls return the same pipes).

    C's ``stdout`` becomes line-buffered, as on a terminal, so a ``printf`` of a whole line
    shows when it is printed. A ``faulthandler`` already on, and uncaught errors of the worker
    itself, keep writing to the original stderr.
    """
    global _installed
    if _installed is not None:
        return _installed
    flush_std_streams()
    _keep_terminal_size()
    _installed = FdPipes()
    _line_buffer_c_stdout()
    _keep_last_resort(_installed.last_resort)
    return _installed


def _keep_terminal_size() -> None:
    """``shutil.get_terminal_size()`` asks fd 1, soon a pipe: keep the terminal's size (as it
    is now) for learner code and its children to read, as ``COLUMNS`` and ``LINES``."""
    try:
        size = os.get_terminal_size(1)
    except OSError:  # not a terminal (piped mode, tests)
        return
    os.environ.setdefault("COLUMNS", str(size.columns))
    os.environ.setdefault("LINES", str(size.lines))


def _keep_last_resort(fd: int) -> None:
    import faulthandler

    last_resort = open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    if faulthandler.is_enabled():
        faulthandler.enable(file=last_resort)

    def report(kind: type[BaseException], error: BaseException, tb: Any) -> None:
        traceback.print_exception(kind, error, tb, file=last_resort)
        last_resort.flush()

    sys.excepthook = report


def _libc() -> Any:
    if not _LIBC:
        try:
            import ctypes

            _LIBC.append(ctypes.CDLL(None))
        except (ImportError, OSError):
            _LIBC.append(None)
    return _LIBC[0]


def _line_buffer_c_stdout() -> None:
    libc = _libc()
    if libc is None:
        return
    import ctypes

    for name in ("stdout", "__stdoutp"):  # glibc and musl; macOS
        try:
            stream = ctypes.c_void_p.in_dll(libc, name)
        except ValueError:
            continue
        # A buffer of our own: given none, glibc writes a line byte by byte. From malloc, never
        # freed: C flushes stdout at exit, after Python has freed its own objects.
        libc.malloc.restype = ctypes.c_void_p
        buffer = libc.malloc(C_BUFFER_SIZE)
        if buffer:
            with contextlib.suppress(Exception):
                libc.setvbuf(stream, ctypes.c_void_p(buffer), 1, C_BUFFER_SIZE)  # 1: _IOLBF
        return
