"""The real torch while checks run, whatever the learner's code replaced in it.

    pristine = Pristine.of(torch, numpy)   # at worker start, before any learner code
    with pristine.restored() as replaced:  # around a step's checks and its solution's run
        ...                                # torch.sum, Tensor.all, builtins.bool: the real ones
    replaced                               # ["torch.sum"]: what the learner's code had changed

Learner code shares the worker with the checks. A learner who sets `torch.sum = ...` would
otherwise change what the step's solution computes (the value their answer is compared with)
and what the comparison does. While checks run, every attribute of torch, `Tensor`,
`torch.nn.functional`, `nn.Module`, NumPy, `math` and the built-ins that differs from what it was
when the worker started is put back; afterwards the learner's replacement returns, so their own
code behaves as they wrote it. (A tensor subclass is not a replacement: the front compares plain
copies of the values for that, see ``tutor.verify``.)
"""

from __future__ import annotations

import builtins
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_MISSING = object()


class Pristine:
    """The attributes of a few modules and classes as they were when it was made."""

    def __init__(self, owners: dict[str, Any], libraries: tuple[str, ...] = ()) -> None:
        self._saved = [(label, owner, dict(vars(owner))) for label, owner in owners.items()]
        self._libraries = libraries  # folders whose code may wrap its own functions later

    @classmethod
    def of(cls, torch: Any, numpy: Any) -> Pristine:
        return cls(
            {
                "torch": torch,
                "torch.Tensor": torch.Tensor,
                "F": torch.nn.functional,
                "nn.Module": torch.nn.Module,
                "np": numpy,
                "math": math,
                "builtins": builtins,
            },
            libraries=tuple(os.path.dirname(m.__file__ or "") + os.sep for m in (torch, numpy)),
        )

    def replaced(self) -> list[tuple[str, Any, str, Any, Any]]:
        """(label, owner, name, original, now) for each attribute that is not what it was.

        torch wraps some of its own functions later (building an optimizer imports
        `torch._dynamo`, which wraps `torch.manual_seed`): a wrapper of the original, made by
        the library's own code, becomes the new original.
        """
        found = []
        for label, owner, saved in self._saved:
            current = vars(owner)
            for name, original in saved.items():
                now = current.get(name, _MISSING)
                if now is original:
                    continue
                if _library_wrapper(now, original, self._libraries):
                    saved[name] = now
                    continue
                found.append((label, owner, name, original, now))
        return found

    @contextmanager
    def restored(self) -> Iterator[list[str]]:
        """Put the originals back for the block; yield the public names that were replaced."""
        changes = self.replaced()
        put_back = []
        for change in changes:
            _, owner, name, original, _ = change
            try:
                setattr(owner, name, original)
                put_back.append(change)
            except (AttributeError, TypeError):  # a read-only attribute: leave it
                pass
        try:
            yield [f"{label}.{name}" for label, _, name, _, _ in changes if _public(name)]
        finally:
            for _, owner, name, _, now in put_back:
                try:
                    if now is _MISSING:
                        delattr(owner, name)
                    else:
                        setattr(owner, name, now)
                except (AttributeError, TypeError):
                    pass


def _library_wrapper(now: Any, original: Any, libraries: tuple[str, ...]) -> bool:
    """Whether ``now`` wraps ``original`` (`functools.wraps`) and was written in a library's
    own files, not in the learner's inputs."""
    code = getattr(now, "__code__", None)
    filename = getattr(code, "co_filename", "")
    if not filename or filename.startswith("<") or not filename.startswith(libraries):
        return False
    inner, depth = now, 0
    while depth < 8 and inner is not None:
        inner = getattr(inner, "__wrapped__", None)
        if inner is original:
            return True
        depth += 1
    return False


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))
