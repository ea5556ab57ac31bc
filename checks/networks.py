"""Small helpers for checks that look inside a network: parameter labels, eval mode."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


def param_label(module: str, parameter: str) -> str:
    """How the learner writes a parameter: `model[0].weight`, `model.fc1.bias`.

    >>> param_label("model", "0.weight"), param_label("model", "fc1.bias")
    ('model[0].weight', 'model.fc1.bias')
    """
    text = module
    for part in parameter.split("."):
        text += f"[{part}]" if part.isdigit() else f".{part}"
    return text


@contextlib.contextmanager
def evaluating(module: Any) -> Iterator[None]:
    """Put every submodule in eval mode, then back in the mode each was in."""
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield
    finally:
        for m, mode in modes:
            m.training = mode


def device_of(module: Any, torch: Any) -> Any:
    """The device of a network's first parameter (CPU for one without parameters)."""
    for param in module.parameters():
        return param.device
    return torch.device("cpu")


# A value this close to a whole multiple of another (relative to the multiple) is that multiple.
_MULTIPLE_TOLERANCE = 0.02


def whole_multiple(got: Any, want: Any, torch: Any) -> int | None:
    """k when tensor ``got`` is k times ``want`` for a whole k of 2 or more; None otherwise.

    Gradients added up over k backward passes on one batch are k times one pass's.
    """
    got, want = got.detach().double().reshape(-1), want.detach().double().reshape(-1)
    norm = float((want * want).sum())
    if norm == 0:
        return None
    ratio = float((got * want).sum()) / norm
    k = round(ratio)
    if k < 2 or abs(ratio - k) > _MULTIPLE_TOLERANCE * k:
        return None
    if not bool(torch.allclose(got, k * want, rtol=1e-3, atol=1e-7)):
        return None
    return k
