"""Watching a training loop from inside the worker, to show it live in the front.

    tracker = ProgressTracker(send=channel_send, torch=torch)
    tracker.install()                 # once: DataLoader iteration and .backward() report here
    with tracker.watching():          # around one learner input that streams its output
        exec(code, namespace)

Two things are watched, and nothing the learner writes has to change:

- a pass over any ``torch.utils.data.DataLoader`` (``for images, labels in trainloader:``):
  batches done of ``len(loader)``, the pass's elapsed time, how many passes over that loader
  began during the input (its epochs), and the learner's name for the loader;
- every scalar ``.backward()`` call, whose value is the loss being minimised.

Messages go out at most ``RATE`` times a second (plus one when a pass ends), so a fast loop is
not slowed by them; losses are turned into numbers only when a message goes out (one device sync
per message, not per batch).
"""

from __future__ import annotations

import contextlib
import linecache
import re
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from tutor.kernel.protocol import ProgressMessage

RATE = 10  # messages per second, at most
Send = Callable[[ProgressMessage], None]


class ProgressTracker:
    """Counts batches and collects losses while an input runs; sends ``ProgressMessage``s."""

    def __init__(self, send: Send, torch: Any) -> None:
        self.send = send
        self.torch = torch
        self.active = False
        self._pending: list[Any] = []  # detached loss tensors not yet sent
        self._last_sent = 0.0
        self._passes: dict[int, int] = {}  # id(loader) -> passes begun during this input

    def install(self) -> None:
        """Wrap ``DataLoader.__iter__`` and ``Tensor.backward`` (they behave exactly as before)."""
        loader_class = self.torch.utils.data.DataLoader
        tensor_class = self.torch.Tensor
        original_iter = loader_class.__iter__
        original_backward = tensor_class.backward
        tracker = self

        def __iter__(loader: Any) -> Any:
            iterator = original_iter(loader)
            if not tracker.active:
                return iterator
            name = _name_in_caller(loader)
            return WatchedIterator(iterator, _length(loader), tracker, loader, name)

        def backward(tensor: Any, *args: Any, **kwargs: Any) -> Any:
            result = original_backward(tensor, *args, **kwargs)
            if tracker.active and tensor.numel() == 1:
                tracker._pending.append(tensor.detach())
            return result

        __iter__.__doc__ = original_iter.__doc__
        backward.__doc__ = original_backward.__doc__
        loader_class.__iter__ = __iter__
        tensor_class.backward = backward

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Report progress while the block runs (one learner input)."""
        self.active, self._passes, self._pending = True, {}, []
        try:
            yield
        finally:
            self.active = False
            self._pending = []

    def begin_pass(self, loader: Any) -> int:
        """Count a new pass over ``loader``; its number among this input's passes over it."""
        count = self._passes.get(id(loader), 0) + 1
        self._passes[id(loader)] = count
        return count

    def report(
        self, done: int, total: int, epoch: int, started: float, finished: bool, loader: str = ""
    ) -> None:
        now = time.perf_counter()
        if not finished and now - self._last_sent < 1 / RATE:
            return
        self._last_sent = now
        losses, self._pending = self._pending, []
        message: ProgressMessage = {
            "op": "progress",
            "done": done,
            "total": total,
            "epoch": epoch,
            "loader": loader,
            "elapsed": now - started,
            "losses": [float(loss) for loss in losses],
            "finished": finished,
        }
        self.send(message)


class WatchedIterator:
    """A data loader's iterator that counts the batches it hands out; anything else it is asked
    is answered by the loader's own iterator."""

    def __init__(
        self, inner: Any, total: int, tracker: ProgressTracker, loader: Any, name: str
    ) -> None:
        self._inner = inner
        self._total = total
        self._tracker = tracker
        self._name = name
        self._done = 0
        self._epoch = tracker.begin_pass(loader)
        self._started = time.perf_counter()
        self._ended = False

    def __iter__(self) -> WatchedIterator:
        return self

    def __next__(self) -> Any:
        try:
            batch = next(self._inner)
        except StopIteration:
            self._end()
            raise
        self._done += 1
        if self._tracker.active:
            self._tracker.report(
                self._done, self._total, self._epoch, self._started, False, self._name
            )
        return batch

    next = __next__  # the course's old notebooks call `dataiter.next()`

    def __len__(self) -> int:
        return len(self._inner)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _end(self) -> None:
        if not self._ended and self._tracker.active:
            self._ended = True
            self._tracker.report(
                self._done, self._total, self._epoch, self._started, True, self._name
            )


def _name_in_caller(loader: Any) -> str:
    """The learner's name for ``loader`` (`trainloader`), read in the code that loops over it."""
    try:
        frame: Any = sys._getframe(2)  # this helper's caller is __iter__, called by the loop
    except ValueError:
        return ""
    # The learner's own code (an input's file is `<input-3>`), not a loader class's `__iter__`
    # that hands over to DataLoader's (where the loader is `self`).
    for _ in range(6):
        if frame is None or frame.f_code.co_filename.startswith("<"):
            break
        frame = frame.f_back
    if frame is None:
        return ""
    names = [
        str(name)
        for scope in (frame.f_locals, frame.f_globals)
        for name, value in list(scope.items())
        if value is loader and not str(name).startswith("_") and name != "self"
    ]
    if len(names) > 1:  # two names for one loader: the one the loop's line uses
        line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
        names = [name for name in names if re.search(rf"\b{name}\b", line)] or names
    return names[0] if names else ""


def _length(loader: Any) -> int:
    try:
        return len(loader)
    except TypeError:  # an iterable-style dataset has no length
        return 0
