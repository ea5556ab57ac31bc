"""The `loss_falls` check: a recorded sequence of losses went down while the learner trained."""

from __future__ import annotations

import math
from typing import Any

from .advice import (
    kept_graphs,
    learning_rate,
    loss_function_advice,
    nonfinite_advice,
    optimizers,
    order_advice,
    too_high_advice,
)
from .base import CheckContext, CheckFailed, Verdict, check, failed, passed
from .compare import fmt_number, is_ndarray, is_tensor, kind_of
from .templates import titled

# Without `window`, each end of the sequence is this fraction of it (at least one value).
_DEFAULT_WINDOW_FRACTION = 0.1
# A loss this close to ln(classes) is what guessing gives.
_GUESSING_MARGIN = 0.15
# A loss that ends this many times above where it started is rising, not noisy.
_RISING = 1.05
# A loss that rises to this many times its first value has blown up.
_BLOWN_UP = 10
# Below this, plain SGD moves slowly enough to be worth a word.
_SLOW_SGD_LR = 1e-3


@check(
    "loss_falls",
    shorthand="name",
    fields=("name", "first", "last", "ratio", "window", "count", "untrained", "bound"),
)
def loss_falls(
    ctx: CheckContext,
    name: str,
    window: int | None = None,
    below: float = 0.8,
    classes: int | None = None,
    message: str | None = None,
    success: str | None = None,
) -> Verdict:
    """A sequence of losses fell: its last values average below a fraction of its first.

    ```yaml
    - loss_falls: losses
    - loss_falls: {name: losses, window: 5, below: 0.8}
    - loss_falls:
        name: epoch_losses
        window: 1
        classes: 10          # also passes below 0.8 × ln 10, the untrained network's loss
        message: "Your loss went from {first:.3f} to {last:.3f}."
    ```
    `name` is a list (or 1-D tensor) of numbers, such as the loss of each batch or epoch.
    The mean of its last `window` values must be below `below` times the mean of its first
    `window` (default: a tenth of the sequence, at least 1 value). With `classes`, a mean
    below `below` × ln(classes) also passes: that is the loss of an untrained network, so a
    learner who started recording late is judged fairly.

    Tensors that keep their graphs (`losses.append(loss)`), NaN or inf, and negative values
    (`nn.NLLLoss` on raw scores) are named as such. Templates may use `{name}`, `{first}`,
    `{last}`, `{ratio}`, `{window}`, `{count}`, `{untrained}` and `{bound}` (the mean the
    last window had to be under).
    """
    raw = ctx.value(name)
    graphs = kept_graphs(raw, ctx.torch)
    if graphs:
        return _graphs_kept(name, graphs, len(raw))
    values = as_numbers(name, raw, ctx.torch)
    if len(values) < 2:
        return failed(
            f"`{name}` has {len(values)} value{'s' if len(values) != 1 else ''}; a trend needs "
            "at least 2",
            f"Record the loss of each batch or epoch: `{name}.append(loss.item())`.",
        )
    problem = (
        _nonfinite(ctx, name, values)
        or _negative(ctx, name, values)
        or _blown_up(ctx, name, values)
    )
    if problem is not None:
        return problem
    size = _window(window, len(values))
    first = sum(values[:size]) / size
    last = sum(values[-size:]) / size
    untrained = math.log(classes) if classes else math.nan
    bound = below * first if math.isnan(untrained) else max(below * first, below * untrained)
    fields = {
        "name": name,
        "first": first,
        "last": last,
        "ratio": last / first if first else math.nan,
        "window": size,
        "count": len(values),
        "untrained": untrained,
        "bound": bound,
    }
    if last < bound:
        span = _span(size, len(values))
        default = f"`{name}` fell from {fmt_number(first)} to {fmt_number(last)} ({span})"
        return passed(titled(success, default, fields))
    return failed(
        titled(message, _falling_title(name, first, last), fields),
        _asked(size, below, first, classes),
        *_slow_advice(ctx, last, first, untrained),
    )


def as_numbers(label: str, value: Any, torch: Any) -> list[float]:
    """A list, tuple, tensor or array of numbers as Python floats; stops the check otherwise."""
    if is_tensor(value, torch) or is_ndarray(value):
        return [float(v) for v in value.reshape(-1).tolist()]
    if not isinstance(value, (list, tuple)):
        raise CheckFailed(
            failed(
                f"`{label}` is {kind_of(value, torch)}, not a list of numbers",
                f"Make it a list and add each loss to it: `{label}.append(loss.item())`.",
            )
        )
    numbers = []
    for index, item in enumerate(value):
        number = _number(item)
        if number is None:
            raise CheckFailed(failed(f"`{label}[{index}]` is {kind_of(item, torch)}, not a number"))
        numbers.append(number)
    return numbers


def _number(item: Any) -> float | None:
    if isinstance(item, bool):
        return None
    if isinstance(item, (int, float)):
        return float(item)
    size = getattr(item, "numel", None)
    count = size() if callable(size) else getattr(item, "size", None)
    if count == 1 and callable(getattr(item, "item", None)):
        number = item.item()
        return float(number) if isinstance(number, (int, float)) else None
    return None


def _graphs_kept(name: str, count: int, total: int) -> Verdict:
    return failed(
        f"`{name}` holds tensors that keep their computation graphs ({count} of {total})",
        "Each one keeps the whole graph of its batch alive, so memory grows with every batch.",
        f"Keep the number instead: `{name}.append(loss.item())`.",
    )


def _nonfinite(ctx: CheckContext, name: str, values: list[float]) -> Verdict | None:
    bad = [i for i, v in enumerate(values) if not math.isfinite(v)]
    if not bad:
        return None
    first = bad[0]
    shown = fmt_number(values[first])
    before = f", after {first} finite value{'s' if first != 1 else ''}" if first else ""
    nan = any(math.isnan(values[i]) for i in bad)
    inf = any(math.isinf(values[i]) for i in bad)
    return failed(
        f"`{name}` turned {shown} at `{name}[{first}]`{before}",
        *nonfinite_advice(ctx, nan=nan, inf=inf, from_training=True),
    )


def _negative(ctx: CheckContext, name: str, values: list[float]) -> Verdict | None:
    smallest = min(values)
    if smallest >= 0:
        return None
    nn = ctx.torch.nn
    advice = [
        line
        for line in loss_function_advice(ctx.namespace, ctx.torch)
        if "NLLLoss" in line or "LogSoftmax" in line
    ]
    if not advice:
        advice = [
            "`nn.NLLLoss` expects log-probabilities: given raw scores, it returns minus the right "
            "class's score, which falls below 0 without end. End the network with "
            "`nn.LogSoftmax(dim=1)`, or use `nn.CrossEntropyLoss` on raw scores."
        ]
    if not any(isinstance(v, nn.NLLLoss) for v in ctx.namespace.values()):
        advice = ["A loss such as cross-entropy is never below 0.", *advice]
    return failed(f"`{name}` has negative values (the smallest is {fmt_number(smallest)})", *advice)


def _blown_up(ctx: CheckContext, name: str, values: list[float]) -> Verdict | None:
    """A loss that shot far above where it started: falling back from there is no progress."""
    start, peak = values[0], max(values)
    if start <= 0 or peak <= _BLOWN_UP * start:
        return None
    where = values.index(peak)
    return failed(
        f"`{name}` shot up from {fmt_number(start)} to {fmt_number(peak)} at `{name}[{where}]`",
        *(
            too_high_advice(ctx.namespace, ctx.torch)
            or ["A learning rate too high makes each step overshoot: try a smaller one."]
        ),
    )


def _window(window: int | None, count: int) -> int:
    size = window if window is not None else round(count * _DEFAULT_WINDOW_FRACTION)
    return max(1, min(size, count // 2))


def _span(size: int, count: int) -> str:
    if size == 1:
        return f"its first and last of {count} values"
    return f"the mean of its first {size} and last {size} of {count} values"


def _falling_title(name: str, first: float, last: float) -> str:
    if last >= first:
        return f"`{name}` did not fall: it went from {fmt_number(first)} to {fmt_number(last)}"
    share = f"{last / first:.0%}" if first > 0 else "?"
    return (
        f"`{name}` fell only from {fmt_number(first)} to {fmt_number(last)}, to {share} of "
        "where it started"
    )


def _asked(size: int, below: float, first: float, classes: int | None) -> str:
    if size == 1:
        text = "The step asks for the last value to be below "
        text += f"{below:.0%} of the first (under {fmt_number(below * first)})"
    else:
        text = f"The step asks for the mean of the last {size} values to be below "
        text += f"{below:.0%} of the mean of the first {size} (under {fmt_number(below * first)})"
    if classes:
        untrained = math.log(classes)
        text += (
            f", or below {below:.0%} of ln {classes} = {fmt_number(untrained)}, an untrained "
            f"network's loss (under {fmt_number(below * untrained)})"
        )
    return text + "."


def _slow_advice(ctx: CheckContext, last: float, first: float, untrained: float) -> list[str]:
    """Why a loss did not fall: the loss function, the training step's order, the rate."""
    lines = loss_function_advice(ctx.namespace, ctx.torch) or order_advice(ctx.code)
    if not lines and last > _RISING * first:
        lines = too_high_advice(ctx.namespace, ctx.torch)
    if not lines:
        lines = _small_rate(ctx)
    if not math.isnan(untrained) and abs(last - untrained) < _GUESSING_MARGIN:
        lines.insert(
            0,
            f"A loss of {fmt_number(last)} is about {fmt_number(untrained)}, what a network "
            "that guesses gets: it has not learned yet.",
        )
    return lines


def _small_rate(ctx: CheckContext) -> list[str]:
    found = optimizers(ctx.namespace, ctx.torch)
    if not found:
        return ["Train for more epochs, or try a larger learning rate."]
    name, optimizer = found[-1]
    lr = learning_rate(optimizer)
    if type(optimizer).__name__ == "SGD" and lr is not None and lr < _SLOW_SGD_LR:
        return [
            f"`{name}` uses lr={fmt_number(lr)}: steps this small make the loss fall slowly. "
            "Train for more epochs, or try lr=0.01."
        ]
    return ["Train for more epochs, or try a larger learning rate."]
