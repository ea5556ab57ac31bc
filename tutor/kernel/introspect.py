"""Looking into the learner's namespace from the worker: completions and a table of variables.

Both call the learner's own code (a ``__repr__``, a property, ``__getattr__``, ``__dir__``), which
may loop or be slow; nothing here may hold the worker, or the learner's next input would wait
behind it with Ctrl-C ignored. So each call runs under a time budget (``bounded``): a value that
takes too long shows as ``<not shown: took too long>``, and a completion that takes too long
offers nothing.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import signal
import threading
import time
import types
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

MAX_COMPLETIONS = 200
COMPLETION_BUDGET = 2.0  # seconds for one Tab: jedi over torch takes ~0.05 s once warm
FIRST_COMPLETION_BUDGET = 10.0  # jedi's first call in a worker parses torch's stubs (~0.5 s)
VALUE_BUDGET = 0.5  # seconds to describe one variable in %vars
VARS_BUDGET = 3.0  # seconds for the whole table; later variables get only their type
TOO_LONG = "<not shown: took too long>"

T = TypeVar("T")


class _TookTooLong(BaseException):
    """Raised inside learner code that ran past its budget (a BaseException, so an
    ``except Exception`` in that code does not swallow it)."""


def bounded(function: Callable[[], T], seconds: float, default: T) -> T:
    """``function()``, or ``default`` if it runs longer than ``seconds``.

        bounded(lambda: repr(value), 0.5, "<not shown: took too long>")

    Interrupts Python code only (a signal cannot stop a long C call), and only in the main
    thread, where the worker serves requests; elsewhere ``function`` runs unbounded.
    """
    try:
        with _alarm(seconds):
            return function()
    except _TookTooLong:
        return default


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _TookTooLong

    previous = signal.signal(signal.SIGALRM, expire)
    # It fires again every 50 ms, so code that catches the first one meets the next.
    learners = signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        if learners[0] > 0:  # the learner's own alarm goes on, less the time spent here
            left = max(learners[0] - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, learners[1])


_warm = False  # has jedi run in this worker yet?


def completions(source: str, namespace: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(text to insert, full name, kind)`` for the end of ``source``, from the live namespace.

    jedi's ``Interpreter`` sees real objects (``features.<Tab>`` lists tensor methods); where it
    fails, rlcompleter's simpler attribute walk still answers.
    """
    # jedi makes and drops ~60k objects per call. At the collector's own pace the survivors of
    # young collections pile up until a full collection (0.1 s over torch's objects) stalls one
    # completion in five; collecting the young generations right away keeps each call ~10 ms.
    global _warm
    budget = COMPLETION_BUDGET if _warm else FIRST_COMPLETION_BUDGET
    _warm = True
    enabled = gc.isenabled()
    gc.disable()
    try:
        return bounded(lambda: _jedi_completions(source, namespace), budget, [])
    finally:
        if enabled:
            gc.enable()
            gc.collect(1)


def _jedi_completions(source: str, namespace: dict[str, Any]) -> list[tuple[str, str, str]]:
    try:
        import jedi

        lines = source.splitlines() or [""]
        found = jedi.Interpreter(source, [namespace]).complete(len(lines), len(lines[-1]))
        return [(c.complete or "", c.name, c.type) for c in found[:MAX_COMPLETIONS]]
    except Exception:
        return _rlcompleter_fallback(source, namespace)


def _rlcompleter_fallback(source: str, namespace: dict[str, Any]) -> list[tuple[str, str, str]]:
    import re
    import rlcompleter

    match = re.search(r"[\w.]*$", source)
    word = match.group(0) if match else ""
    completer = rlcompleter.Completer(namespace)
    results = []
    for state in range(MAX_COMPLETIONS):
        try:
            found = completer.complete(word, state)
        except Exception:
            break
        if found is None:
            break
        name = found.rstrip("(")
        tail = name.rsplit(".", 1)[-1]
        prefix = word.rsplit(".", 1)[-1]
        results.append((tail[len(prefix) :], tail, "name"))
    return results


def variable_rows(namespace: dict[str, Any], torch: Any, numpy: Any) -> list[dict[str, str]]:
    """One row per learner variable: name, type, shape, dtype, device (or a short value).

    Each value has ``VALUE_BUDGET`` seconds to be described and the table ``VARS_BUDGET``.
    """
    deadline = time.monotonic() + VARS_BUDGET
    rows = []
    for name, value in sorted(namespace.items(), key=lambda item: str(item[0])):
        if not isinstance(name, str) or name.startswith("_"):
            continue
        left = min(VALUE_BUDGET, deadline - time.monotonic())
        describe = functools.partial(_row, name, value, torch, numpy)
        row = bounded(describe, left, None) if left > 0 else None
        if row is None:
            row = {"name": name, "type": _type_name(value), "value": TOO_LONG}
        if row:
            rows.append(row)
    return rows


def _row(name: str, value: Any, torch: Any, numpy: Any) -> dict[str, str]:
    """The variable's row; empty for a module, which the table leaves out."""
    if isinstance(value, types.ModuleType):
        return {}
    try:
        return _describe(name, value, torch, numpy)
    except Exception:  # a value whose repr or item() raises still gets its row
        return {"name": name, "type": _type_name(value), "value": "<cannot show>"}


def _type_name(value: Any) -> str:
    name = type(value).__name__  # read from the type itself, not through the value
    return name if isinstance(name, str) else "?"


def _describe(name: str, value: Any, torch: Any, numpy: Any) -> dict[str, str]:
    row = {
        "name": name,
        "type": type(value).__name__,
        "shape": "",
        "dtype": "",
        "device": "",
        "value": "",
    }
    if isinstance(value, torch.Tensor):
        row.update(
            shape=str(tuple(value.shape)),
            dtype=str(value.dtype).replace("torch.", ""),
            device=str(value.device),
        )
        if value.numel() == 1:
            row["value"] = f"{value.item():.4g}"
    elif isinstance(value, numpy.ndarray):
        row.update(shape=str(value.shape), dtype=str(value.dtype), device="cpu (NumPy)")
    elif isinstance(value, torch.nn.Module):
        count = sum(p.numel() for p in value.parameters())
        row["value"] = f"{count:,} parameters"
    elif isinstance(value, (types.FunctionType, type)):
        row["value"] = ""  # the type column already says function or type
    elif isinstance(value, torch.device):
        row["value"] = str(value)  # "cpu", not device(type='cpu')
    else:
        text = repr(value)
        row["value"] = text if len(text) <= 40 else text[:37] + "..."
    return row
