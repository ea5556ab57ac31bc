"""The `gradients` check: every parameter of a network (or one tensor) has a finite gradient."""

from __future__ import annotations

from typing import Any

from .advice import nonfinite_advice, zero_grad_between_backward_and_step
from .advice import step_calls as training_calls
from .base import CheckContext, CheckFailed, Verdict, check, failed, passed
from .compare import compare_values, describe, kind_of
from .networks import param_label, whole_multiple
from .templates import titled

# How many parameters a failing verdict names.
_NAMED = 3


@check("gradients", shorthand="name", fields=("name", "count", "missing", "nonfinite"))
def gradients(
    ctx: CheckContext,
    name: str,
    like_solution: bool = False,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    message: str | None = None,
    success: str | None = None,
) -> Verdict:
    """Every parameter of a network (or a tensor) has a gradient, with no NaN or inf in it.

    ```yaml
    - gradients: model
    - gradients: {name: x, like_solution: true}     # x.grad equals the solution's
    - gradients: {name: "model.fc1", message: "`fc1` has no gradient yet: call `loss.backward()`."}
    ```
    `name` is a network (each parameter that requires a gradient is checked) or a tensor
    (`.grad` is checked). Parameters with no gradient, or with NaN or inf in it, are named.
    With `like_solution`, each gradient must equal the one the step's solution computes, and a
    gradient that is a whole multiple of it is named as accumulated (`zero_grad` forgotten).
    Templates may use `{name}`, `{count}` (parameters checked), `{missing}` and `{nonfinite}`
    (how many have no gradient, or a non-finite one).
    """
    torch = ctx.torch
    params = _parameters(name, ctx.value(name), torch)
    missing = [label for label, p in params if p.grad is None]
    nonfinite = [
        label for label, p in params if p.grad is not None and not bool(p.grad.isfinite().all())
    ]
    fields = {
        "name": name,
        "count": len(params),
        "missing": len(missing),
        "nonfinite": len(nonfinite),
    }
    if missing:
        return failed(
            titled(message, _missing_title(name, missing, len(params)), fields),
            *_missing_advice(ctx, name, missing, len(params)),
        )
    if nonfinite:
        grads = [p.grad for label, p in params if label in nonfinite]
        nan = any(bool(g.isnan().any()) for g in grads)
        inf = any(bool(g.isinf().any()) for g in grads)
        return failed(
            titled(message, f"NaN or inf in the gradients of {_listed(nonfinite)}", fields),
            *nonfinite_advice(ctx, nan=nan, inf=inf, from_training=False),
        )
    if like_solution:
        verdict = _compare_with_solution(ctx, name, params, atol, rtol)
        if verdict is not None:
            return failed(titled(message, verdict.title, fields), *verdict.details)
    return passed(titled(success, _passing_title(name, params, like_solution, torch), fields))


def _parameters(name: str, value: Any, torch: Any) -> list[tuple[str, Any]]:
    """(label, tensor) for each tensor whose gradient is checked."""
    if isinstance(value, torch.nn.Module):
        params = [
            (param_label(name, pname), p)
            for pname, p in value.named_parameters()
            if p.requires_grad
        ]
        if not params:
            raise CheckFailed(failed(f"`{name}` has no parameters that require gradients"))
        return params
    if isinstance(value, torch.Tensor):
        if not value.requires_grad:
            raise CheckFailed(
                failed(
                    f"`{name}` does not track gradients, so it gets no `.grad`",
                    f"Create it with `requires_grad=True`, or call `{name}.requires_grad_()`.",
                )
            )
        if value.grad_fn is not None:
            raise CheckFailed(
                failed(
                    f"`{name}` is computed from other tensors, so `.backward()` does not keep "
                    "its gradient",
                    "Only tensors you create with `requires_grad=True` (leaves) keep `.grad`.",
                    f"Check the gradient of the tensor `{name}` was computed from.",
                )
            )
        return [(name, value)]
    raise CheckFailed(failed(f"`{name}` is {kind_of(value, torch)}, not a network or a tensor"))


def _listed(labels: list[str]) -> str:
    shown = ", ".join(f"`{label}`" for label in labels[:_NAMED])
    return shown + (f" and {len(labels) - _NAMED} more" if len(labels) > _NAMED else "")


def _missing_title(name: str, missing: list[str], total: int) -> str:
    if total == 1:
        return f"`{missing[0]}.grad` is None: no gradient has reached `{name}` yet"
    if len(missing) == total:
        return f"No parameter of `{name}` has a gradient yet"
    return f"{_listed(missing)} got no gradient"


def _missing_advice(ctx: CheckContext, name: str, missing: list[str], total: int) -> list[str]:
    if len(missing) < total:
        return [
            "The other parameters have gradients, so these took no part in computing the loss: "
            "is that layer used in `forward`?"
        ]
    calls = training_calls(ctx.code)
    if zero_grad_between_backward_and_step(calls) or (
        "zero_grad" in calls and calls[-1] == "zero_grad" and "backward" in calls
    ):
        return [
            "`zero_grad()` ran after `.backward()`: it clears the gradients (sets them to None).",
            "Call it before the forward pass, then `loss.backward()`.",
        ]
    if "backward" not in calls:
        return [
            f"Gradients appear after `.backward()` on a result computed from `{name}`, "
            "such as `loss.backward()`."
        ]
    return [
        f"`.backward()` ran, but not on a result computed from `{name}`: was the result "
        "computed under `torch.no_grad()`, or from another tensor or network?"
    ]


def _compare_with_solution(
    ctx: CheckContext, name: str, params: list[tuple[str, Any]], atol: float, rtol: float
) -> Verdict | None:
    torch = ctx.torch
    expected = dict(_parameters(name, ctx.solution_value(name), torch))
    for label, param in params:
        theirs = expected.get(label)
        if theirs is None or theirs.grad is None:
            raise CheckFailed(failed(f"The step's solution gives no gradient for `{label}`"))
        got, want = param.grad, theirs.grad
        difference = compare_values(f"{label}.grad", got, want, atol, rtol, torch)
        if difference is None:
            continue
        multiple = whole_multiple(got, want, torch)
        if multiple is not None:
            return failed(
                f"`{label}.grad` is {multiple} times the gradient of one backward pass",
                "Gradients add up over every `.backward()` until they are zeroed: "
                f"{multiple} backward passes have added theirs.",
                "Zero them before each backward pass: `optimizer.zero_grad()` (or "
                f"`{label.split('.')[0]}.grad.zero_()` for a tensor).",
            )
        return difference
    return None


def _passing_title(
    name: str, params: list[tuple[str, Any]], like_solution: bool, torch: Any
) -> str:
    same = ", as in the solution" if like_solution else ""
    if len(params) == 1 and params[0][0] == name:
        return f"`{name}.grad`: {describe(params[0][1].grad, torch)}, finite{same}"
    return f"Every parameter of `{name}` has a finite gradient ({len(params)} tensors){same}"
