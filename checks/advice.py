"""Naming the classic training mistakes from what a check can see: the namespace and the code.

The training checks judge results (a loss that falls, weights that moved); when a result is
wrong, these helpers look for the usual cause and return lines that name it, each with its fix:

- a learning rate so high that values overflow to NaN or inf;
- `optimizer.zero_grad()` between `loss.backward()` and `optimizer.step()`, or never;
- `optimizer.step()` never called, or called before `loss.backward()`;
- a network ending in a softmax fed to `nn.CrossEntropyLoss` (squashed twice);
- `nn.NLLLoss` given raw scores or probabilities instead of log-probabilities;
- `losses.append(loss)` keeping each batch's graph alive.

They never raise: a hint that cannot be worked out is simply left out.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from .compare import fmt_number
from .networks import device_of, evaluating
from .reading import called_name, calls_in
from .scope import seeded

# The calls whose order makes a training step.
_STEP_CALLS = ("zero_grad", "backward", "step")
_PROBE_ROWS = 4
# Rows of probabilities sum to 1 within this.
_SUM_TOLERANCE = 1e-3


# ---------------------------------------------------------------------------------------------
# The learner's code


def calls_in_order(code: str) -> list[str]:
    """The names of the functions and methods ``code`` calls, in the order they are written.

    `optimizer.zero_grad()` gives "zero_grad", `torch.log(p)` gives "log".
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = [(node.lineno, node.col_offset, called_name(node)) for node in calls_in(tree)]
    return [name for _line, _column, name in sorted(found) if name]


def step_calls(code: str) -> list[str]:
    """`zero_grad`, `backward` and `step` calls, in order."""
    return [name for name in calls_in_order(code) if name in _STEP_CALLS]


def zero_grad_between_backward_and_step(calls: list[str]) -> bool:
    """`loss.backward()`, then `optimizer.zero_grad()`, then `optimizer.step()`."""
    after_backward = False
    for name in calls:
        if name == "backward":
            after_backward = True
        elif name == "step":
            after_backward = False
        elif name == "zero_grad" and after_backward:
            return True
    return False


def step_before_backward(calls: list[str]) -> bool:
    """`optimizer.step()` only ever called before any `loss.backward()`."""
    if "step" not in calls or "backward" not in calls:
        return False
    return (
        calls.index("step") < calls.index("backward")
        and "step" not in calls[calls.index("backward") :]
    )


def order_advice(code: str) -> list[str]:
    """Lines naming a mistake in the order of `zero_grad`, `backward` and `step`; [] if none."""
    calls = step_calls(code)
    if not calls:  # no training step in the code (the values were given, say): nothing to tell
        return []
    if zero_grad_between_backward_and_step(calls):
        return [
            "`optimizer.zero_grad()` runs after `loss.backward()`, so it clears the gradients "
            "before `optimizer.step()` can use them.",
            "The order is: `optimizer.zero_grad()`, the forward pass, the loss, "
            "`loss.backward()`, `optimizer.step()`.",
        ]
    if "backward" not in calls:
        return ["Your code never calls `loss.backward()`, so no gradients are computed."]
    if "step" not in calls:
        return ["Your code never calls `optimizer.step()`, so the weights never change."]
    if step_before_backward(calls):
        return [
            "`optimizer.step()` runs before `loss.backward()`, when there are no gradients yet. "
            "Call it after `loss.backward()`."
        ]
    if "zero_grad" not in calls:
        return [
            "Your code never calls `optimizer.zero_grad()`: gradients add up over every "
            "`loss.backward()` until they are zeroed. Call it before each forward pass."
        ]
    return []


# ---------------------------------------------------------------------------------------------
# Optimizers and learning rates


def optimizers(namespace: dict[str, Any], torch: Any) -> list[tuple[str, Any]]:
    """The learner's `torch.optim` optimizers, by name."""
    kind = torch.optim.Optimizer
    return [(n, v) for n, v in namespace.items() if isinstance(v, kind) and not n.startswith("_")]


def describe_optimizer(optimizer: Any) -> str:
    """ "SGD, lr 0.01", "SGD, lr 0.01, momentum 0.9", "Adam, lr 0.001"."""
    group = optimizer.param_groups[0] if optimizer.param_groups else {}
    parts = [type(optimizer).__name__]
    for key, word in (("lr", "lr"), ("momentum", "momentum"), ("weight_decay", "weight decay")):
        value = group.get(key)
        if isinstance(value, (int, float)) and (key == "lr" or value):
            parts.append(f"{word} {fmt_number(value)}")
    return ", ".join(parts)


def learning_rate(optimizer: Any) -> float | None:
    group = optimizer.param_groups[0] if optimizer.param_groups else {}
    value = group.get("lr")
    return float(value) if isinstance(value, (int, float)) else None


def too_high_advice(namespace: dict[str, Any], torch: Any) -> list[str]:
    """The learning rate as a cause of values that overflowed, naming the optimizer's."""
    found = optimizers(namespace, torch)
    if not found:
        return []
    name, optimizer = found[-1]
    lr = learning_rate(optimizer)
    if lr is None:
        return []
    return [
        f"A learning rate too high makes each step overshoot, so the weights grow until they "
        f"overflow: `{name}` uses lr={fmt_number(lr)}. Try a smaller one, such as "
        f"lr={fmt_number(_smaller(lr))}, and create the network again to start from fresh "
        "weights."
    ]


def _smaller(lr: float) -> float:
    return min(0.01, lr / 10)


# ---------------------------------------------------------------------------------------------
# NaN and inf


def nonfinite_advice(ctx: Any, nan: bool, inf: bool, from_training: bool) -> list[str]:
    """The likely causes of NaN or inf values, read from the optimizer and the code."""
    calls = set(calls_in_order(ctx.code))
    lines: list[str] = []
    if from_training or "step" in calls:
        lines += too_high_advice(ctx.namespace, ctx.torch)
    if "log" in calls and (inf or nan):
        lines.append(
            "`torch.log` of 0 gives -inf, and 0 × -inf gives NaN: take log-probabilities with "
            "`F.log_softmax(x, dim=1)` (or `nn.LogSoftmax`) rather than the log of a softmax."
        )
    if "exp" in calls and inf:
        lines.append(
            "`torch.exp` overflows to inf for inputs above about 88 (float32): subtract the "
            "row's largest value first, or use `F.softmax`, which does."
        )
    if not lines:
        lines.append(
            "NaN comes from undefined arithmetic, such as 0/0, inf - inf or the log of a "
            "negative number; once a weight is NaN, every result computed from it is NaN."
        )
    return lines


# ---------------------------------------------------------------------------------------------
# Networks and losses


def networks(namespace: dict[str, Any], torch: Any) -> list[tuple[str, Any]]:
    """The learner's networks: modules with parameters that are not losses."""
    nn = torch.nn
    loss_type = nn.modules.loss._Loss
    return [
        (n, v)
        for n, v in namespace.items()
        if isinstance(v, nn.Module)
        and not isinstance(v, loss_type)
        and not n.startswith("_")
        and any(True for _ in v.parameters())
    ]


def losses_of_kind(namespace: dict[str, Any], kind: Any) -> list[str]:
    return [n for n, v in namespace.items() if isinstance(v, kind) and not n.startswith("_")]


def output_kind(module: Any, torch: Any) -> str:
    """What a network's output rows are: "probabilities", "log-probabilities", "scores" or ""
    (could not tell), found by running it on a small random batch."""
    size = _input_size(module, torch)
    if size is None:
        return ""
    try:
        with evaluating(module), torch.no_grad(), seeded(torch):
            out = module(torch.randn(_PROBE_ROWS, size, device=device_of(module, torch)))
    except Exception:  # wants other input, or fails: nothing to tell
        return ""
    if not isinstance(out, torch.Tensor) or out.dim() != 2 or out.shape[1] < 2:
        return ""
    out = out.detach().double()
    if not bool(torch.isfinite(out).all()):
        return ""  # overflowed weights: the learning rate's advice names that, not the kind
    ones = torch.ones(out.shape[0], dtype=out.dtype, device=out.device)
    if bool((out >= 0).all()) and torch.allclose(out.sum(1), ones, atol=_SUM_TOLERANCE):
        return "probabilities"
    if bool((out <= 0).all()) and torch.allclose(out.exp().sum(1), ones, atol=_SUM_TOLERANCE):
        return "log-probabilities"
    return "scores"


def _input_size(module: Any, torch: Any) -> int | None:
    for layer in module.modules():
        if isinstance(layer, torch.nn.Linear):
            return int(layer.in_features)
    return None


def loss_function_advice(namespace: dict[str, Any], torch: Any) -> list[str]:
    """A softmax before `nn.CrossEntropyLoss`, or `nn.NLLLoss` on raw scores, when seen."""
    nn = torch.nn
    cross_entropy = losses_of_kind(namespace, nn.CrossEntropyLoss)
    nll = losses_of_kind(namespace, nn.NLLLoss)
    if not cross_entropy and not nll:
        return []
    for name, module in networks(namespace, torch):
        kind = output_kind(module, torch)
        if cross_entropy and kind == "probabilities":
            return [
                f"`{name}` ends with a softmax, and `{cross_entropy[0]}` is "
                "`nn.CrossEntropyLoss`, which takes a softmax itself: squashed twice, the loss "
                f"starts near ln 10 = {fmt_number(math.log(10))} and can barely fall.",
                "Remove the softmax from the network: `nn.CrossEntropyLoss` takes the raw "
                "scores (logits).",
            ]
        if nll and kind == "scores":
            return nll_advice(name, nll[0])
        if nll and kind == "probabilities":
            return [
                f"`{nll[0]}` is `nn.NLLLoss`, which expects log-probabilities, but `{name}` ends "
                "with a softmax and gives probabilities: the loss is then minus the right "
                "class's probability, a negative number that says little.",
                f"End `{name}` with `nn.LogSoftmax(dim=1)` instead of `nn.Softmax(dim=1)`.",
            ]
    return []


def nll_advice(network: str, criterion: str) -> list[str]:
    return [
        f"`{criterion}` is `nn.NLLLoss`, which expects log-probabilities, but `{network}` "
        "gives raw scores: on scores the loss is just minus the right class's score, which "
        "falls below 0 without end.",
        f"End `{network}` with `nn.LogSoftmax(dim=1)`, or use `nn.CrossEntropyLoss` on the raw "
        "scores.",
    ]


def kept_graphs(values: Any, torch: Any) -> int:
    """How many items of a list are tensors that keep a computation graph alive."""
    if not isinstance(values, (list, tuple)):
        return 0
    return sum(
        1
        for v in values
        if isinstance(v, torch.Tensor) and (v.grad_fn is not None or v.requires_grad)
    )
