"""Checks on names: one is defined, one can be called, an author's expression holds."""

from __future__ import annotations

from typing import Any

from .base import CheckContext, CheckFailed, Verdict, check, failed, passed
from .compare import describe, is_ndarray, is_tensor, kind_of
from .errors import explain_error
from .scope import evaluate


@check("defined", shorthand="name")
def defined(ctx: CheckContext, name: str) -> Verdict:
    """The learner has defined `name`, whatever its value.

    ```yaml
    - defined: features
    - defined: {name: features}
    ```
    """
    value = ctx.value(name)
    return passed(f"`{name}` is defined ({_summary(value, ctx.torch)})")


@check("callable", shorthand="name")
def is_callable(ctx: CheckContext, name: str) -> Verdict:
    """`name` can be called: a function, a class or a module.

    ```yaml
    - callable: activation
    ```
    Use `function` to also check what it returns.
    """
    require_callable(name, ctx.value(name), ctx.torch)
    return passed(f"`{name}` can be called")


def require_callable(name: str, value: Any, torch: Any) -> None:
    """Stop the check unless ``value`` can be called, saying what it is instead."""
    if callable(value):
        return
    raise CheckFailed(
        failed(
            f"`{name}` is {kind_of(value, torch)}, not a function",
            f"Define it with `def {name}(...):` and `return` the result from it.",
        )
    )


@check("expression", shorthand="expr")
def expression(
    ctx: CheckContext, expr: str, message: str | None = None, success: str | None = None
) -> Verdict:
    """A Python expression over the learner's names is true; fails with the author's message.

    ```yaml
    - expression:
        expr: "len(hidden_sizes) == 2"
        message: "`hidden_sizes` should list the sizes of the two hidden layers."
        success: "`hidden_sizes` lists two layers"    # optional: the ✓ line
    ```
    `torch`, `np`, `nn`, `F` and built-ins such as `len` are the real ones, whatever the learner
    has bound to those names.
    """
    try:
        result = evaluate(ctx, expr)
        holds = bool(result)
    except NameError as error:
        missing = getattr(error, "name", None)
        if missing and missing not in ctx.namespace:
            fix = message or f"Create `{missing}` first."
            return Verdict(False, f"`{missing}` is not defined yet", (fix,), missing=missing)
        return _evaluation_failed(expr, error, ctx)
    except Exception as error:
        return _evaluation_failed(expr, error, ctx)
    if holds:
        return passed(success or f"`{expr}` holds")
    return failed(message or f"`{expr}` is not true yet")


def _evaluation_failed(expr: str, error: Exception, ctx: CheckContext) -> Verdict:
    return failed(
        f"`{expr}` could not be checked: it raised {type(error).__name__}",
        str(error),
        *explain_error(error, ctx.namespace),
    )


def _summary(value: Any, torch: Any) -> str:
    """ "a tensor, shape (1, 5)", "a function", "an int, value 3"."""
    kind = kind_of(value, torch)
    if is_tensor(value, torch) or is_ndarray(value):
        return f"{kind}, {describe(value, torch)}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{kind}, {describe(value, torch)}"
    return kind
