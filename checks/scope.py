"""Evaluating an author's expressions and calling learner code safely from inside a check.

Three guarantees every check relies on:

- Built-ins are the real ones: a learner's `len = None` does not reach a check's expression
  (``ctx.evaluate`` already supplies trusted `torch`, `np`, `nn` and `F`).
- Random inputs are reproducible and leave the learner's random state alone: expressions run
  under a forked CPU generator seeded with 0, so `torch.randn(64, 10)` is the same tensor for the
  learner's function and the solution's, and the learner's next draw is unchanged.
- Each call gets its own copy of its arguments, so a function that changes its input in place
  cannot change what the next call sees.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .base import CheckContext, CheckFailed, failed

_ARGS_HELPER = "__tutor_call_args__"


@contextmanager
def seeded(torch: Any, seed: int = 0) -> Iterator[None]:
    """Run a block with the CPU random generator seeded, then put the learner's state back."""
    with torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(seed)
        yield


def evaluate(ctx: CheckContext, expression: str, namespace: dict[str, Any] | None = None) -> Any:
    """Evaluate an author's expression (seeded, real built-ins); errors propagate as they are."""
    with seeded(ctx.torch):
        return ctx.evaluate(expression, namespace)


def evaluate_input(
    ctx: CheckContext,
    expression: str,
    namespace: dict[str, Any] | None = None,
    shown: str | None = None,
) -> Any:
    """Evaluate a check's input expression; stop the check with a clear verdict if it fails.

    ``shown`` is the text quoted in messages (the author's input, not a wrapped form of it).
    """
    shown = expression if shown is None else shown
    try:
        return evaluate(ctx, expression, namespace)
    except NameError as error:
        name = getattr(error, "name", None) or "a name it uses"
        raise CheckFailed(
            failed(f"`{name}` is not defined yet", f"The check's input `{shown}` needs it.")
        ) from error
    except Exception as error:
        raise CheckFailed(
            failed(
                f"The check's input `{shown}` could not be evaluated",
                f"{type(error).__name__}: {error}",
            )
        ) from error


def evaluate_call_args(
    ctx: CheckContext, arguments: str, namespace: dict[str, Any] | None = None
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Evaluate the text of a call's arguments ("x, dim=1") into (args, kwargs)."""
    scope = dict(ctx.namespace if namespace is None else namespace)
    scope[_ARGS_HELPER] = _collect
    collected: tuple[tuple[Any, ...], dict[str, Any]] = evaluate_input(
        ctx, f"{_ARGS_HELPER}({arguments})", scope, shown=arguments
    )
    return collected


def _collect(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return args, kwargs


def fresh(value: Any) -> Any:
    """A deep copy, so one call cannot change another's input; the value itself if it won't copy."""
    try:
        return copy.deepcopy(value)
    except Exception:  # non-leaf tensors and some objects refuse deepcopy
        return value
