"""Copies of the learner's namespace and random state, taken when a step begins.

The step's solution runs on such a copy, so ``matches_solution`` judges the learner's result
against what the solution makes *from the learner's own inputs*; ``%reset`` restores it.
"""

from __future__ import annotations

import copy
import random
import types
from dataclasses import dataclass
from typing import Any

# Values that are shared rather than copied: copying them is impossible or pointless.
_SHARED_TYPES: tuple[type, ...] = (
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    type,
)


@dataclass
class Snapshot:
    namespace: dict[str, Any]
    torch_rng: Any
    numpy_rng: Any
    python_rng: Any
    copied: list[str] | None = None  # the names copied (None: all); the others are shared


def copy_namespace(
    namespace: dict[str, Any],
    torch: Any = None,
    numpy: Any = None,
    only: list[str] | None = None,
) -> dict[str, Any]:
    """A deep copy where possible, keeping shared identity between values (one memo for all).

    ``only`` limits the copying to those names; every other value is shared, not copied.
    Given ``torch`` and ``numpy``, a tensor that shares memory with an array (``from_numpy``,
    ``.numpy()``) still shares it with that array's copy: the NumPy bridge survives ``%reset``.
    """
    wanted = None if only is None else set(only)
    memo: dict[int, Any] = {}
    result: dict[str, Any] = {}
    shared = _SHARED_TYPES
    if torch is not None:  # data sets are large and lessons only read them: share, not copy
        shared = (*shared, torch.utils.data.Dataset, torch.utils.data.DataLoader)
    for name, value in namespace.items():
        skipped = wanted is not None and name not in wanted
        if skipped or name == "__builtins__" or isinstance(value, shared):
            result[name] = value
            continue
        result[name] = _copy_value(value, memo)
    if torch is not None and numpy is not None:
        _relink_shared_memory(namespace, result, torch, numpy, wanted)
    return result


def _relink_shared_memory(
    original: dict[str, Any],
    copied: dict[str, Any],
    torch: Any,
    numpy: Any,
    wanted: set[str] | None,
) -> None:
    arrays = {
        n: v
        for n, v in original.items()
        if isinstance(v, numpy.ndarray) and (wanted is None or n in wanted)
    }
    if not arrays:
        return
    for name, value in original.items():
        if not isinstance(value, torch.Tensor) or value.device.type != "cpu":
            continue
        if wanted is not None and name not in wanted:
            continue
        for array_name, array in arrays.items():
            same_memory = value.data_ptr() == array.ctypes.data
            if same_memory and tuple(value.shape) == array.shape and array.flags.c_contiguous:
                copied[name] = torch.from_numpy(copied[array_name])
                break


def _copy_value(value: Any, memo: dict[int, Any]) -> Any:
    try:
        copied = copy.deepcopy(value, memo)
    except Exception:
        pass
    else:
        _keep_gradients(value, copied)
        return copied
    detach = getattr(value, "detach", None)
    if callable(detach):  # a non-leaf tensor refuses deepcopy; its values are what matter here
        try:
            return detach().clone()
        except Exception:
            pass
    return value


def _keep_gradients(original: Any, copied: Any) -> None:
    """Give a copied network its parameters' gradients: deepcopy leaves a Parameter's `.grad`
    behind, and a check (or `%reset`) needs the gradients the step started with."""
    parameters = getattr(original, "parameters", None)
    if not callable(parameters) or not callable(getattr(copied, "parameters", None)):
        return
    try:
        for mine, theirs in zip(parameters(), copied.parameters(), strict=True):
            if mine.grad is not None and theirs.grad is None:
                theirs.grad = mine.grad.detach().clone()
    except Exception:  # an object with an odd `parameters`: only the gradients are at stake
        return


def take(
    namespace: dict[str, Any], torch: Any, numpy: Any, only: list[str] | None = None
) -> Snapshot:
    return Snapshot(
        copied=only,
        namespace=copy_namespace(namespace, torch, numpy, only),
        torch_rng=torch.random.get_rng_state(),
        numpy_rng=numpy.random.get_state(),
        python_rng=random.getstate(),
    )


def restore_random_state(snapshot: Snapshot, torch: Any, numpy: Any) -> None:
    torch.random.set_rng_state(snapshot.torch_rng)
    numpy.random.set_state(snapshot.numpy_rng)
    random.setstate(snapshot.python_rng)


class RandomStateKept:
    """Context manager: whatever runs inside, the learner's random streams are left as they were."""

    def __init__(self, torch: Any, numpy: Any) -> None:
        self._torch, self._numpy = torch, numpy

    def __enter__(self) -> None:
        self._saved = take({}, self._torch, self._numpy)

    def __exit__(self, *exc: object) -> None:
        restore_random_state(self._saved, self._torch, self._numpy)
