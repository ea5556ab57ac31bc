"""Saving the learner's namespace to a file, and loading it back exactly.

    saved = save(namespace, path, torch, numpy)      # when a step begins
    saved.unsaved                                    # {"dataiter": "an iterator"}: not in the file
    unsaved = load(namespace, path, torch, numpy)    # resume, %back, a crashed worker: the same

A checkpoint holds every value the learner has: tensors (bit for bit, views and NumPy sharing
kept), modules, optimizers with their state, plain values, and the functions and classes the
learner defined (``cloudpickle`` writes those by value, where ``pickle`` could only name them),
plus the random number generators' state. It is written with ``torch.save`` (storages written
once however many tensors share them) and read with ``torch.load``. Modules and the bundled data
sets are written as references, never copied. Names whose values cannot be saved (an iterator, a
generator, an open file) are left out and listed, for the engine to make again; so are tensors
that carry an autograd graph (`loss`), whose values are kept but whose graph cannot be.

A function's code keeps the learner's lines with it (cloudpickle alone would name its file
`<dynamic-code>`, with no lines): after a resume, a traceback through `forward` still shows the
line, under `<earlier input-3>` where the name `<input-3>` now means another input.

The file is the learner's own (mode 0600): loading it runs code, as any pickle does.
"""

from __future__ import annotations

import io
import itertools
import linecache
import os
import pickle
import random
import types
from collections import ChainMap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import cloudpickle

# The namespace's own machinery, rebuilt by the worker rather than saved.
_NOT_SAVED = {"__builtins__", "__name__"}
FORMAT = 1
GRAPH = "a tensor holding its autograd graph"


@dataclass
class Saved:
    """What ``save`` wrote: the names kept, those left out (with what they were), the size."""

    names: list[str] = field(default_factory=list)
    unsaved: dict[str, str] = field(default_factory=dict)
    size: int = 0


def save(namespace: dict[str, Any], path: Path, torch: Any, numpy: Any) -> Saved:
    """Write ``namespace`` and the random state to ``path`` (atomically, readable by the user)."""
    values = {k: v for k, v in namespace.items() if k not in _NOT_SAVED}
    # A tensor's autograd graph cannot be saved: one made by an operation (`loss`, with a
    # `grad_fn`) is made again by its input, so that `.backward()` still works after a resume.
    graphs = {
        name
        for name, value in values.items()
        if isinstance(value, torch.Tensor) and value.grad_fn is not None
    }
    unsaved = dict.fromkeys(graphs, GRAPH)
    # Their values are kept all the same (detached), for when no input can make them again.
    values = {k: v.detach() if k in unsaved else v for k, v in values.items()}
    try:
        data = _dumps(_payload(values, unsaved, torch, numpy), torch)
    except Exception:  # some value refuses: find which, and save the rest
        unsaved.update(_unpicklable(values, torch))
        values = {k: v for k, v in values.items() if k not in unsaved or k in graphs}
        data = _dumps(_payload(values, unsaved, torch, numpy), torch)
    _write_private(path, data)
    return Saved(sorted(values), unsaved, len(data))


def _payload(
    values: dict[str, Any], unsaved: dict[str, str], torch: Any, numpy: Any
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "namespace": values,
        "unsaved": unsaved,
        "numpy_shares": _numpy_shares(values, torch, numpy),
        # Pickling keeps a tensor's values but not its `.grad`; the pairs restore it (pickle's
        # memo makes each tensor here the very object in the namespace).
        "grads": _gradients(values, torch),
        "random": random_state(torch, numpy),
    }


def load(namespace: dict[str, Any], path: Path, torch: Any, numpy: Any) -> dict[str, str]:
    """Replace the learner's values with those in ``path``, and the random streams; return the
    names that were not saved (each with what it was).

    The namespace keeps its ``__builtins__`` and ``__name__``; every other name is replaced.
    Raises ``OSError`` or ``ValueError`` when the file is missing or unreadable.
    """
    try:
        payload = torch.load(path, weights_only=False, map_location=None)
    except OSError:
        raise
    except Exception as error:  # a damaged or foreign file
        raise ValueError(f"the checkpoint {path.name} cannot be read: {error}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"the checkpoint {path.name} is not one this tutor wrote")
    values: dict[str, Any] = payload["namespace"]
    for tensor_name, array_name in payload["numpy_shares"]:
        values[tensor_name] = torch.from_numpy(values[array_name])
    for tensor, grad in payload["grads"]:
        tensor.grad = grad
    for name in [k for k in namespace if k not in _NOT_SAVED]:
        del namespace[name]
    namespace.update(values)
    set_random_state(payload["random"], torch, numpy)
    unsaved: dict[str, str] = payload["unsaved"]
    return unsaved


def random_state(torch: Any, numpy: Any) -> dict[str, Any]:
    """Every random stream learner code may draw from: Python's, NumPy's, torch's (and CUDA's)."""
    state = {
        "python": random.getstate(),
        "numpy": numpy.random.get_state(),
        "torch": torch.random.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_random_state(state: dict[str, Any], torch: Any, numpy: Any) -> None:
    random.setstate(state["python"])
    numpy.random.set_state(state["numpy"])
    torch.random.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _unpicklable(values: dict[str, Any], torch: Any) -> dict[str, str]:
    """The names whose values cannot be written, each with what it is ("an iterator")."""
    refused: dict[str, str] = {}
    for name, value in values.items():
        try:
            _dumps(value, torch)
        except Exception:
            refused[name] = describe(value)
    return refused


def _dumps(value: Any, torch: Any) -> bytes:
    buffer = io.BytesIO()
    torch.save(value, buffer, pickle_module=_PICKLE_MODULE)
    return buffer.getvalue()


# -- code that keeps its lines ---------------------------------------------------------------

_reduce_code_by_value = cloudpickle.Pickler.dispatch_table[types.CodeType]


def _reduce_code(code: types.CodeType) -> tuple[Any, ...]:
    rebuild, arguments = _reduce_code_by_value(code)
    lines = _cached_lines(code.co_filename) if code.co_filename.startswith("<") else None
    return _restore_code, (rebuild, arguments, code.co_filename, lines)


def _restore_code(
    rebuild: Any, arguments: tuple[Any, ...], filename: str, lines: list[str] | None
) -> types.CodeType:
    """Unpickling: the code as cloudpickle makes it, under a file name whose lines are its own."""
    code: types.CodeType = rebuild(*arguments)
    return code.replace(co_filename=source_name(filename, lines))


def source_name(filename: str, lines: list[str] | None) -> str:
    """The file name restored code runs under, with ``lines`` registered there for tracebacks.

    Its own name where this worker holds the same lines under it (a `%back` in the same
    session); else `<earlier input-3>`: a resumed session numbers its inputs from 1 again, and
    its `<input-3>` is other code.
    """
    if lines is None or _cached_lines(filename) == lines:
        return filename  # a real file, or `<string>`: Python's own name says it
    base = filename if filename.startswith("<earlier ") else f"<earlier {filename[1:]}"
    for number in itertools.count(1):
        name = base if number == 1 else f"{base[:-1]} ({number})>"
        cached = _cached_lines(name)
        if cached is None:
            linecache.cache[name] = (sum(map(len, lines)), None, lines, name)
        if cached is None or cached == lines:
            return name
    raise AssertionError("unreachable")  # pragma: no cover


def _cached_lines(filename: str) -> list[str] | None:
    entry = linecache.cache.get(filename)
    return entry[2] if entry is not None and len(entry) == 4 else None  # (size, time, lines, name)


class _Pickler(cloudpickle.Pickler):  # type: ignore[misc]
    """cloudpickle's, but code objects keep their file name and lines."""

    dispatch_table: ClassVar[ChainMap[Any, Any]] = ChainMap(
        {types.CodeType: _reduce_code}, cloudpickle.Pickler.dispatch_table
    )


# What ``torch.save`` takes as its ``pickle_module``.
_PICKLE_MODULE = types.SimpleNamespace(
    __name__="tutor.kernel.checkpoint",
    Pickler=_Pickler,
    Unpickler=pickle.Unpickler,
    dump=lambda obj, file, protocol=None: _Pickler(file, protocol=protocol).dump(obj),
    load=pickle.load,
)


def _gradients(values: dict[str, Any], torch: Any) -> list[tuple[Any, Any]]:
    """(tensor, its .grad) for the tensors in ``values``, in modules, and in lists of them."""
    found: dict[int, tuple[Any, Any]] = {}

    def visit(value: Any) -> None:
        if isinstance(value, torch.Tensor):
            if value.is_leaf and value.grad is not None:
                found[id(value)] = (value, value.grad)
        elif isinstance(value, torch.nn.Module):
            for parameter in value.parameters():
                visit(parameter)
        elif isinstance(value, torch.optim.Optimizer):
            for group in value.param_groups:
                for parameter in group["params"]:
                    visit(parameter)
        elif isinstance(value, (list, tuple)) and len(value) < 1000:
            for item in value:
                if isinstance(item, (torch.Tensor, torch.nn.Module)):
                    visit(item)

    for value in values.values():
        visit(value)
    return list(found.values())


def describe(value: Any) -> str:
    """What a value is, in a few words: "a generator", "an iterator", "an open file"."""
    if isinstance(value, types.GeneratorType):
        return "a generator"
    if isinstance(value, io.IOBase):
        return "an open file"
    if hasattr(value, "__next__"):
        return "an iterator"
    kind = type(value).__name__
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    return f"{article} {kind}"


def _numpy_shares(values: dict[str, Any], torch: Any, numpy: Any) -> list[tuple[str, str]]:
    """(tensor name, array name) for tensors made with ``torch.from_numpy`` (or ``.numpy()``):
    after loading, they share memory again, as the NumPy bridge promises."""
    arrays = {n: v for n, v in values.items() if isinstance(v, numpy.ndarray)}
    shares = []
    for name, value in values.items():
        if not isinstance(value, torch.Tensor) or value.device.type != "cpu":
            continue
        for array_name, array in arrays.items():
            if (
                value.data_ptr() == array.ctypes.data
                and tuple(value.shape) == array.shape
                and array.flags.c_contiguous
            ):
                shares.append((name, array_name))
                break
    return shares


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, readable by the user alone."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(path.name + ".part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.replace(temporary, path)
