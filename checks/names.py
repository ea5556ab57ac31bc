"""Checks on names: one is defined, one can be called, an author's expression holds."""

from __future__ import annotations

from typing import Any

from .base import CheckContext, CheckFailed, Verdict, check, failed, passed
from .compare import describe, is_ndarray, is_tensor, kind_of
from .errors import explain_error
from .scope import evaluate
from .templates import field_names, titled


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


@check("expression", shorthand="expr", targets=("expr", "when", "values"), fields=("value",))
def expression(
    ctx: CheckContext,
    expr: str,
    message: str | None = None,
    success: str | None = None,
    values: dict[str, str] | None = None,
    when: str | None = None,
) -> Verdict:
    """A Python expression over the learner's names is true; fails with the author's message.

    ```yaml
    - expression:
        expr: "len(hidden_sizes) == 2"
        message: "`hidden_sizes` should list the sizes of the two hidden layers."
        success: "`hidden_sizes` lists two layers"    # optional: the ✓ line
    - expression:
        expr: "losses[-1] < before.losses[-1]"
        values: {was: "before.losses[-1]", now: "losses[-1]"}
        message: "The loss went from {was:.3f} to {now:.3f}: it should fall."
    ```
    `torch`, `np`, `nn`, `F` and built-ins such as `len` are the real ones, whatever the learner
    has bound to those names; `before.x` is `x` as it was when the step began. `message` and
    `success` are templates: `{value}` is the expression's result, and each entry of `values`
    names another expression to show. `when`, an expression, limits the check to the cases it
    is about: where `when` is false the check passes without a word (no ✓ line).

    ```yaml
    - expression:
        when: "isinstance(criterion, nn.NLLLoss)"
        expr: "torch.allclose(model(x).exp().sum(dim=1), torch.ones(len(x)))"
        message: "`nn.NLLLoss` takes log-probabilities, but the outputs of `model` are not."
        success: "`nn.NLLLoss` gets log-probabilities from `model`"
    ```
    """
    if when is not None:
        applies, problem = _evaluated(ctx, when, message)
        if problem is not None:
            return problem
        if not bool(applies):
            return passed("")  # not the case the check is about: nothing to confirm
    result, problem = _evaluated(ctx, expr, message)
    if problem is not None:
        return problem
    holds = bool(result)
    template = success if holds else message
    fields = _shown_values(ctx, values, result) if template is not None else {}
    if holds:
        return passed(titled(success, f"`{expr}` holds", fields))
    return failed(titled(message, f"`{expr}` is not true yet", fields))


def _evaluated(ctx: CheckContext, expr: str, message: str | None) -> tuple[Any, Verdict | None]:
    """The value of ``expr``, or a failing verdict saying why it has none."""
    try:
        return evaluate(ctx, expr), None
    except CheckFailed:
        raise
    except NameError as error:
        missing = getattr(error, "name", None)
        if missing and missing not in ctx.namespace:
            fix = message if message and not _has_fields(message) else f"Create `{missing}` first."
            return None, Verdict(False, f"`{missing}` is not defined yet", (fix,), missing=missing)
        return None, _evaluation_failed(expr, error, ctx)
    except Exception as error:
        return None, _evaluation_failed(expr, error, ctx)


def _shown_values(ctx: CheckContext, values: dict[str, str] | None, result: Any) -> dict[str, Any]:
    """The fields a template shows: the expression's result and each of `values`."""
    fields: dict[str, Any] = {"value": result}
    for key, text in (values or {}).items():
        try:
            fields[key] = evaluate(ctx, text)
        except CheckFailed:
            raise
        except Exception as error:
            raise CheckFailed(
                failed(
                    f"The check's value `{key}` (`{text}`) could not be computed",
                    f"{type(error).__name__}: {error}",
                )
            ) from error
    return fields


def _has_fields(template: str) -> bool:
    try:
        return bool(field_names(template))
    except ValueError:
        return True


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
