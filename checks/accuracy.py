"""The `accuracy` check: how much of a data set a network classifies right, measured by the check.

The check runs the network itself, in eval mode under `torch.no_grad()`, over every batch of
the loader, and puts each submodule back in the mode it was in. It judges the network against
a threshold and/or against where the learner started: the same architecture freshly
initialised (seeded, so the baseline is the same on every run), or the network as it was when
the step began. The learner's own accuracy figure, when the step names it, must agree with the
check's; `(64, 1) == (64,)` broadcasting and evaluating with gradients on are named.

Cheap enough to run after every input: the loader's batches are read once and kept (a loader
is data the learner does not change), and a network whose weights have not changed since the
last run is not run again.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass
from typing import Any, Literal

from .advice import learning_rate, loss_function_advice, optimizers, order_advice
from .base import CheckContext, CheckFailed, Verdict, check, failed, passed
from .compare import fmt_number, fmt_shape, kind_of
from .errors import explain_error
from .memo import Memo
from .networks import device_of, evaluating
from .scope import seeded
from .templates import titled

# With neither `at_least` nor `gain`, the network must beat its baseline by this much.
_DEFAULT_GAIN = 0.2
# The most images read from a loader (the full MNIST test set).
_MAX_IMAGES = 10_000
_UNTRAINED_SEED = 0
# A learning rate at or above this is named when a network learned too little.
_HUGE_LR = 1.0


@dataclass(frozen=True)
class Score:
    """A network's result on a loader."""

    correct: int
    total: int
    broadcast: float  # what `(n, 1) == (n,)` per batch, averaged over batches, would report

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@check(
    "accuracy",
    targets=("model", "loader", "reported"),
    fields=("name", "loader", "accuracy", "baseline", "gain", "correct", "total", "reported"),
)
def accuracy(
    ctx: CheckContext,
    model: str = "model",
    loader: str = "testloader",
    at_least: float | None = None,
    gain: float | None = None,
    baseline: Literal["untrained", "start"] = "untrained",
    reported: str | None = None,
    tolerance: float = 0.02,
    message: str | None = None,
    success: str | None = None,
) -> Verdict:
    """A network classifies enough of a loader's images right, measured by the check itself.

    ```yaml
    - accuracy: {model: model, loader: testloader}              # 0.2 better than untrained
    - accuracy: {model: model, loader: testloader, gain: 0.5, at_least: 0.6}
    - accuracy: {model: model, baseline: start, gain: 0.05}    # better than as the step began
    - accuracy:
        model: model
        reported: "accuracy / len(testloader)"      # the learner's own figure must agree
        message: "`model` gets {accuracy:.1%} right; the untrained one got {baseline:.1%}."
    ```
    The check runs `model` over every batch of `loader` in eval mode under `torch.no_grad()`
    (flattening the images when the network needs that), predicts each image's class as the
    largest output, and restores each submodule's train/eval mode. `at_least` is a fraction
    (0.8 = 80%). `gain` is how far above its `baseline` the network must be: the same
    architecture freshly initialised with a fixed seed (`untrained`), or `before.model`
    (`start`). With neither `at_least` nor `gain`, the gain asked for is 0.2. `reported` is an
    expression for the learner's own accuracy (a fraction or a percentage): it must agree
    within `tolerance`; one computed from `(64, 1) == (64,)` is named. Templates may use
    `{name}`, `{loader}`, `{accuracy}`, `{baseline}`, `{gain}`, `{correct}`, `{total}` and
    `{reported}`.
    """
    torch = ctx.torch
    net = ctx.value(model)
    if not isinstance(net, torch.nn.Module):
        return failed(f"`{model}` is {kind_of(net, torch)}, not a network (`nn.Module`)")
    batches = _batches(loader, ctx.value(loader), torch)
    score = _score(ctx, model, net, loader, batches)
    if gain is None and at_least is None:
        gain = _DEFAULT_GAIN
    base = _baseline(ctx, model, net, batches, baseline) if gain is not None else None
    fields: dict[str, Any] = {
        "name": model,
        "loader": loader,
        "accuracy": score.accuracy,
        "baseline": base.accuracy if base else float("nan"),
        "gain": score.accuracy - base.accuracy if base else float("nan"),
        "correct": score.correct,
        "total": score.total,
        "reported": float("nan"),
    }
    got = f"`{model}` gets {_percent(score.accuracy)} of `{loader}` right"
    before = _before_words(baseline, base) if base else ""
    if at_least is not None and score.accuracy < at_least:
        title = f"{got}; the step asks for at least {_percent(at_least)}"
        return failed(titled(message, title, fields), before and f"{before}.")
    if base is not None and gain is not None and score.accuracy - base.accuracy < gain:
        than = "an untrained network" if baseline == "untrained" else "when the step began"
        title = f"{got}, {_points(score.accuracy - base.accuracy)} more than {than}"
        return failed(
            titled(message, title, fields),
            f"{before}; the step asks for at least {_points(gain)} more.",
            *_untrained_advice(ctx),
        )
    if reported is not None:
        verdict = _check_reported(ctx, reported, score, tolerance, fields)
        if verdict is not None:
            return failed(titled(message, verdict.title, fields), *verdict.details)
    title = f"{got} ({score.correct} of {score.total})"
    return passed(titled(success, title, fields), before and f"{before}.")


def _untrained_advice(ctx: CheckContext) -> list[str]:
    """Why a network learned too little: its loss function, the training step's order, or time."""
    lines = loss_function_advice(ctx.namespace, ctx.torch) or order_advice(ctx.code)
    return (
        lines
        or _huge_rate(ctx)
        or ["Train for more epochs, or check that the loss falls as it trains."]
    )


def _huge_rate(ctx: CheckContext) -> list[str]:
    """A learning rate so large that the network ended up guessing (dead units, overflow)."""
    found = optimizers(ctx.namespace, ctx.torch)
    lr = learning_rate(found[-1][1]) if found else None
    if lr is None or lr < _HUGE_LR:
        return []
    return [
        f"`{found[-1][0]}` uses lr={fmt_number(lr)}: a learning rate that high makes each step "
        "overshoot, so the network ends up guessing (or its values turn to nan). Try lr=0.01 "
        "or lower, and create the network again to start from fresh weights."
    ]


def _before_words(baseline: str, base: Score) -> str:
    if baseline == "untrained":
        return f"An untrained network of the same shape gets {_percent(base.accuracy)}"
    return f"When the step began it got {_percent(base.accuracy)}"


def _percent(x: float) -> str:
    return f"{x:.1%}"


def _points(x: float) -> str:
    return f"{x * 100:.1f} points"


# ---------------------------------------------------------------------------------------------
# The loader's batches, read once


class Batches(list[tuple[Any, Any]]):
    """A loader's batches, read once (a list that can be weakly referred to)."""


_BATCHES = Memo(4)
_SCORES = Memo(8)
_UNTRAINED = Memo(2)


def _batches(label: str, loader: Any, torch: Any) -> Batches:
    """The loader's (images, labels) batches, up to 10,000 images, kept while it lives."""
    try:
        kept: Batches | None = _BATCHES.get([loader], None)
    except TypeError:  # not weakly referable (a list of batches, say)
        kept = None
    if kept is not None:
        return kept
    batches = Batches()
    count = 0
    try:
        for batch in loader:
            images, labels = batch[0], batch[1]
            if not isinstance(images, torch.Tensor) or not isinstance(labels, torch.Tensor):
                raise TypeError("its batches are not (images, labels) tensors")
            batches.append((images, labels))
            count += len(labels)
            if count >= _MAX_IMAGES:
                break
    except Exception as error:
        raise CheckFailed(
            failed(
                f"`{label}` could not be read as batches of (images, labels): "
                f"{type(error).__name__}: {error}"
            )
        ) from error
    if not batches:
        raise CheckFailed(failed(f"`{label}` gave no batches"))
    with contextlib.suppress(TypeError):  # not weakly referable: read it again next time
        _BATCHES.put([loader], None, batches)
    return batches


# ---------------------------------------------------------------------------------------------
# Running the network


def _score(ctx: CheckContext, name: str, net: Any, loader: str, batches: Batches) -> Score:
    """``net``'s score on ``batches``, run again only when a weight or buffer has changed."""
    tensors = [*net.parameters(), *net.buffers()]
    objects = [batches, net, *tensors]
    versions = tuple((t._version, t.data_ptr()) for t in tensors)
    score: Score | None = _SCORES.get(objects, versions)
    if score is None:
        score = _run(ctx, name, net, loader, batches)
        _SCORES.put(objects, versions, score)
    return score


def _run(ctx: CheckContext, name: str, net: Any, loader: str, batches: list[Any]) -> Score:
    torch = ctx.torch
    device = device_of(net, torch)
    flatten = False
    correct = total = 0
    broadcast = 0.0
    with evaluating(net), torch.no_grad():
        for index, (images, labels) in enumerate(batches):
            images, labels = images.to(device), labels.to(device)
            if index == 0:
                flatten = _needs_flattening(ctx, name, net, loader, images)
            out = net(images.reshape(images.shape[0], -1) if flatten else images)
            predicted = _predictions(name, loader, out, labels, torch)
            correct += int((predicted == labels).sum())
            total += len(labels)
            broadcast += float((predicted.view(-1, 1) == labels).float().mean())
    return Score(correct, total, broadcast / len(batches))


def _needs_flattening(ctx: CheckContext, name: str, net: Any, loader: str, images: Any) -> bool:
    """Whether ``net`` takes the images flattened: tried as they come first."""
    try:
        net(images)
        return False
    except Exception as error:
        if images.dim() <= 2:
            raise CheckFailed(_raised(ctx, name, loader, images, error)) from error
        try:
            net(images.reshape(images.shape[0], -1))
            return True
        except Exception:
            raise CheckFailed(_raised(ctx, name, loader, images, error)) from error


def _raised(ctx: CheckContext, name: str, loader: str, images: Any, error: Exception) -> Verdict:
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return failed(
        f"`{name}` raised {type(error).__name__} on a batch of `{loader}` "
        f"(images of shape {fmt_shape(images.shape)}): {message}",
        *explain_error(error, ctx.namespace),
    )


def _predictions(name: str, loader: str, out: Any, labels: Any, torch: Any) -> Any:
    if not isinstance(out, torch.Tensor) or out.dim() != 2 or out.shape[0] != len(labels):
        shape = fmt_shape(out.shape) if isinstance(out, torch.Tensor) else kind_of(out, torch)
        raise CheckFailed(
            failed(
                f"`{name}` gives {shape} for a batch of {len(labels)} images of `{loader}`; "
                "a classifier gives one row of class scores per image",
            )
        )
    return out.argmax(dim=1)


# ---------------------------------------------------------------------------------------------
# Baselines


def _baseline(ctx: CheckContext, name: str, net: Any, batches: Batches, baseline: str) -> Score:
    if baseline == "start":
        start = ctx.before_value(name)
        if not isinstance(start, ctx.torch.nn.Module):
            raise CheckFailed(failed(f"`{name}` was not a network when the step began"))
        return _score(ctx, name, start, "", batches)
    shapes = (type(net), tuple((n, tuple(p.shape)) for n, p in net.named_parameters()))
    score: Score | None = _UNTRAINED.get([batches], shapes)
    if score is None:
        score = _run(ctx, name, _untrained(net, ctx.torch), "", batches)
        _UNTRAINED.put([batches], shapes, score)
    return score


def _untrained(net: Any, torch: Any) -> Any:
    """A copy of ``net`` with every layer initialised afresh, on the CPU under a fixed seed
    (so the baseline is the same on every device), then moved to ``net``'s device."""
    device = device_of(net, torch)
    fresh = copy.deepcopy(net).to("cpu")
    with seeded(torch, _UNTRAINED_SEED), torch.no_grad():
        for layer in fresh.modules():
            reset = getattr(layer, "reset_parameters", None)
            if callable(reset):
                reset()
    return fresh.to(device)


# ---------------------------------------------------------------------------------------------
# The learner's own figure


def _check_reported(
    ctx: CheckContext, reported: str, score: Score, tolerance: float, fields: dict[str, Any]
) -> Verdict | None:
    torch = ctx.torch
    value = ctx.value(reported)
    if isinstance(value, torch.Tensor):
        if value.requires_grad:
            return failed(
                f"`{reported}` was computed with gradients on",
                "Measuring a network needs no gradients: computing them wastes time and memory.",
                "Compute it inside `with torch.no_grad():`, after `model.eval()`.",
            )
        if value.numel() != 1:
            return failed(
                f"`{reported}` has shape {fmt_shape(value.shape)}, not one number",
                *_broadcast_hint(value.shape),
            )
        value = value.item()
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return failed(f"`{reported}` is {kind_of(value, torch)}, not a number")
    fraction = value / 100 if value > 1 else float(value)
    fields["reported"] = fraction
    if abs(fraction - score.accuracy) <= tolerance:
        return None
    got = f"`{reported}` is {_percent(fraction)}, but the network gets {_percent(score.accuracy)}"
    if abs(fraction - score.broadcast) <= tolerance:
        return failed(
            got,
            "That is the figure `(64, 1) == (64,)` gives: comparing `top_class`, shape (64, 1), "
            "with `labels`, shape (64,), broadcasts to (64, 64) and compares every prediction "
            "with every label.",
            "Give both the same shape: `top_class == labels.view(*top_class.shape)`.",
        )
    return failed(
        got,
        "Count the right predictions over every batch and divide by the number of images.",
    )


def _broadcast_hint(shape: Any) -> list[str]:
    if len(shape) == 2 and shape[0] == shape[1] > 1:
        n = shape[0]
        return [
            f"A ({n}, 1) tensor compared with a ({n},) tensor broadcasts to ({n}, {n}).",
            "Give both the same shape: `top_class == labels.view(*top_class.shape)`.",
        ]
    return ["Take the mean of the comparison: `equals.float().mean()`."]
