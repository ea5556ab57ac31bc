"""The `function` check: the learner's function gives the solution's results on given inputs."""

from __future__ import annotations

from typing import Any

from .base import CheckContext, CheckFailed, Verdict, check, failed, passed
from .compare import compare_values, describe
from .errors import explain_error, where_in_learner_code
from .names import require_callable
from .scope import evaluate_call_args, fresh

# Inputs longer than this are shown on their own line rather than inside `name(...)`.
_LABEL_LIMIT = 40


@check("function")
def function(
    ctx: CheckContext,
    name: str,
    inputs: list[str],
    atol: float = 1e-4,
    rtol: float = 1e-4,
) -> Verdict:
    """`name` is a function that returns what the solution's function returns on each input.

    ```yaml
    - function:
        name: activation
        inputs: ["torch.tensor([-2.0, 0.0, 3.0])", "torch.randn(4, 3)"]
    - function: {name: softmax, inputs: ["torch.randn(64, 10)", "out"]}
    ```
    Each input is the text between the call's parentheses (`"x, dim=1"` works too), evaluated in
    the learner's namespace with a fixed random seed, so random inputs are the same for both
    functions. Each function gets its own copy, so changing the input in place does not leak.
    """
    learner_fn = ctx.value(name)
    require_callable(name, learner_fn, ctx.torch)
    solution_fn = ctx.solution_value(name)
    last: Any = None
    for text in inputs:
        args, kwargs = evaluate_call_args(ctx, text)
        label = f"{name}({text})" if len(text) <= _LABEL_LIMIT else f"{name}(…)"
        # the solution first: if it fails, the input is the author's problem, not the learner's
        expected = _call_solution(name, solution_fn, text, args, kwargs)
        got = _call_learner(ctx, name, learner_fn, text, args, kwargs)
        if got is None and expected is not None:
            return failed(
                f"`{label}` returned None",
                _input_line(text, label),
                f"Did you forget to `return` the result from `{name}`?",
            )
        verdict = compare_values(label, got, expected, atol, rtol, ctx.torch)
        if verdict is not None:
            details = (_input_line(text, label), *verdict.details)
            return failed(verdict.title, *details)
        last = got
    if len(inputs) == 1 and len(inputs[0]) <= _LABEL_LIMIT:
        label = f"{name}({inputs[0]})"
        return passed(f"`{label}` matches the solution: {describe(last, ctx.torch)}")
    count = f"{len(inputs)} input{'s' if len(inputs) != 1 else ''}"
    return passed(f"`{name}` matches the solution on {count}")


def _input_line(text: str, label: str) -> str:
    """Name the input when the label could not show it."""
    return "" if text in label else f"input: `{text}`"


def _call_learner(
    ctx: CheckContext,
    name: str,
    fn: Any,
    text: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    try:
        return fn(*fresh(args), **fresh(kwargs))
    except Exception as error:
        raise CheckFailed(
            failed(
                f"`{name}` raised {type(error).__name__}: {_first_line(error)}",
                f"input: `{text}`",
                where_in_learner_code(error),
                *explain_error(error, ctx.namespace),
            )
        ) from error


def _call_solution(
    name: str, fn: Any, text: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    if not callable(fn):
        raise CheckFailed(failed(f"The step's solution does not define `{name}` as a function"))
    try:
        return fn(*fresh(args), **fresh(kwargs))
    except Exception as error:
        raise CheckFailed(
            failed(
                f"The step's solution `{name}` raised {type(error).__name__} on `{text}`",
                str(error),
            )
        ) from error


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""
