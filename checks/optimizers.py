"""The `optimizer_stepped` check: one optimizer step moved a network's weights as its rule says.

The check compares the network with its copy from the start of the step (`before.model`):
it replays the optimizer's own update (for SGD, `p - lr * grad`, with momentum and weight
decay when set) from the starting weights with the gradients the network holds now, and the
result must be the weights the learner has. The classic mistakes are named: no
`optimizer.step()`, `zero_grad()` between `backward()` and `step()`, gradients never zeroed,
and an optimizer made for another network.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .advice import (
    describe_optimizer,
    learning_rate,
    order_advice,
    step_before_backward,
    step_calls,
    zero_grad_between_backward_and_step,
)
from .base import CheckContext, CheckFailed, Verdict, check, failed, passed
from .compare import fmt_number, kind_of
from .expressions import root_of
from .networks import param_label, whole_multiple
from .templates import titled

# An update whose size differs from the replayed one by more than this share is another update.
_RELATIVE_TOLERANCE = 1e-3


@check(
    "optimizer_stepped",
    shorthand="model",
    targets=("model", "optimizer"),
    fields=("name", "optimizer", "lr", "moved", "total", "largest"),
)
def optimizer_stepped(
    ctx: CheckContext,
    model: str = "model",
    optimizer: str = "optimizer",
    like_solution: bool = False,
    message: str | None = None,
    success: str | None = None,
) -> Verdict:
    """The optimizer took one step: the network's weights moved by the update its rule gives.

    ```yaml
    - optimizer_stepped: model
    - optimizer_stepped: {model: model, optimizer: optimizer, like_solution: true}
    - optimizer_stepped:
        model: model
        success: "One step of {optimizer} moved the weights by up to {largest:.5f}."
    ```
    The weights are compared with `before.model`, the network as the step began: the step must
    move them from there by one update of the optimizer (any `torch.optim` optimizer; SGD's is
    `p - lr * p.grad`, with momentum and weight decay when set), using the gradients the
    network holds now. Named when seen: weights that never moved (no `optimizer.step()`),
    gradients cleared by `zero_grad()` between `backward()` and `step()`, gradients added up by
    `backward()` run twice without zeroing, an optimizer holding another network's parameters.
    With `like_solution`, the update must also equal the solution's (same batch), which
    catches gradients accumulated in any way. Templates may use `{name}`, `{optimizer}`,
    `{lr}`, `{moved}` (tensors that moved), `{total}` and `{largest}` (the largest change).
    """
    torch = ctx.torch
    net = _network(model, ctx.value(model), torch)
    opt = ctx.value(optimizer)
    if not isinstance(opt, torch.optim.Optimizer):
        return failed(
            f"`{optimizer}` is {kind_of(opt, torch)}, not an optimizer",
            f"Make one with `{optimizer} = optim.SGD({model}.parameters(), lr=0.01)`.",
        )
    start = _network(model, ctx.before_value(model), torch)
    now, was = dict(net.named_parameters()), dict(start.named_parameters())
    _require_same_network(model, now, was)
    _require_tied(model, optimizer, net, opt)
    changes = {n: (p.detach() - was[n].detach().to(p.device)).abs() for n, p in now.items()}
    moved = [n for n, change in changes.items() if bool((change > 0).any())]
    largest = max((float(c.max()) for c in changes.values() if c.numel()), default=0.0)
    fields = {
        "name": model,
        "optimizer": describe_optimizer(opt),
        "lr": learning_rate(opt) or 0.0,
        "moved": len(moved),
        "total": len(now),
        "largest": largest,
    }
    if not moved:
        title = f"`{model}`'s weights did not move"
        return failed(titled(message, title, fields), *_why_not_moved(ctx, net, opt, optimizer))
    problem = _judge_update(ctx, model, optimizer, net, start, opt, like_solution)
    if problem is not None:
        return failed(titled(message, problem.title, fields), *problem.details)
    biggest = max(changes, key=lambda n: float(changes[n].max()) if changes[n].numel() else 0)
    default = (
        f"`{optimizer}` stepped: `{model}`'s weights moved by one step of {fields['optimizer']}"
    )
    return passed(
        titled(success, default, fields),
        f"largest change {fmt_number(largest)}, in `{param_label(model, biggest)}`",
    )


def _network(name: str, value: Any, torch: Any) -> Any:
    if not isinstance(value, torch.nn.Module):
        raise CheckFailed(failed(f"`{name}` is {kind_of(value, torch)}, not a network"))
    return value


def _require_same_network(model: str, now: dict[str, Any], was: dict[str, Any]) -> None:
    same = list(now) == list(was) and all(now[n].shape == was[n].shape for n in now)
    if not same:
        raise CheckFailed(
            failed(
                f"`{model}` is not the network this step began with: its layers changed",
                f"Keep the `{model}` from the earlier steps, or use `%reset` to start the step "
                "again.",
            )
        )


def _require_tied(model: str, optimizer: str, net: Any, opt: Any) -> None:
    held = {id(p) for group in opt.param_groups for p in group["params"]}
    if any(id(p) in held for p in net.parameters()):
        return
    raise CheckFailed(
        failed(
            f"`{optimizer}` does not hold `{model}`'s parameters",
            f"It was made for another network (perhaps before `{model}` was created again), "
            "so its steps change that network's weights, not these.",
            f"Make it again: `{optimizer} = optim.{type(opt).__name__}({model}.parameters(), "
            f"lr={fmt_number(learning_rate(opt) or 0.01)})`.",
        )
    )


def _why_not_moved(ctx: CheckContext, net: Any, opt: Any, optimizer: str) -> list[str]:
    """The cause of weights that did not move: lr 0, no gradients to apply, no step."""
    if learning_rate(opt) == 0:
        return [f"`{optimizer}` has lr=0, so its steps change nothing."]
    grads = [p.grad for p in net.parameters() if p.grad is not None]
    calls = step_calls(ctx.code)
    if zero_grad_between_backward_and_step(calls) or step_before_backward(calls):
        return order_advice(ctx.code)
    if not grads or not any(bool(g.any()) for g in grads):
        empty = "all zero" if grads else "None"
        return [
            f"Its gradients are {empty}, so `{optimizer}.step()` had nothing to apply.",
            *(order_advice(ctx.code) or ["Call `loss.backward()` before `optimizer.step()`."]),
        ]
    return [
        "Its gradients are there, but `optimizer.step()` has not used them: the weights change "
        f"only when you call `{optimizer}.step()`."
    ]


# ---------------------------------------------------------------------------------------------
# Judging the update


def _judge_update(
    ctx: CheckContext,
    model: str,
    optimizer: str,
    net: Any,
    start: Any,
    opt: Any,
    like_solution: bool,
) -> Verdict | None:
    """None when the weights moved by one update of ``opt``; a failing verdict otherwise."""
    grads = {n: p.grad for n, p in net.named_parameters()}
    accumulated = _backward_runs_before_step(ctx, start)
    if accumulated >= 2:
        return failed(
            f"`{model}`'s gradients were not zeroed: `loss.backward()` added up {accumulated} "
            "batches' gradients before the step",
            "Gradients add up over every `.backward()` until they are zeroed, so the step moved "
            "the weights by lr × their sum.",
            "Call `optimizer.zero_grad()` before each forward pass.",
        )
    if like_solution:
        return _compare_with_solution(ctx, model, net, start)
    if all(g is None for g in grads.values()):
        return None  # cleared after the step (`zero_grad()` at the end): only movement shows
    if any(
        _matches(net, start, expected, ctx.torch)
        for expected in _replays(ctx, net, start, opt, optimizer)
    ):
        return None
    return failed(
        f"`{model}`'s weights moved, but not by one step of `{optimizer}` with the gradients "
        "they hold now",
        "Perhaps `optimizer.step()` ran more than once, `loss.backward()` ran again after it, "
        f"or `{model}` was changed some other way in this step.",
        "`%reset` puts the step back as it began.",
    )


def _backward_runs_before_step(ctx: CheckContext, start: Any) -> int:
    """The most `backward()` calls whose gradients one `step()` used without zeroing between.

    Gradients already in the network when the step began count as one call.
    """
    count = 1 if any(p.grad is not None and bool(p.grad.any()) for p in start.parameters()) else 0
    most = 0
    for name in step_calls(ctx.code):
        if name == "zero_grad":
            count = 0
        elif name == "backward":
            count += 1
        elif name == "step":
            most = max(most, count)
    return most


def _replays(
    ctx: CheckContext, live: Any, start: Any, opt: Any, optimizer: str
) -> Iterator[dict[str, Any]]:
    """The weights one step gives from ``start`` with the gradients ``live`` holds now, made
    lazily: first with the optimizer as the step began (with its momentum buffers, say), then,
    in case the learner made it anew in this step, with a fresh one of the same settings."""
    torch = ctx.torch
    grads = {n: p.grad for n, p in live.named_parameters()}
    if ctx.had_before(root_of(optimizer)):
        before = ctx.before_value(optimizer)
        if type(before) is type(opt) and _settings(before) == _settings(opt):
            names = {id(p): n for n, p in start.named_parameters()}
            replayed = _step(torch, before, names, start, grads, keep_state=True)
            if replayed is not None:
                yield replayed
                if not before.state:
                    return  # a fresh optimizer would step the same way
    names = {id(p): n for n, p in live.named_parameters()}
    replayed = _step(torch, opt, names, start, grads, keep_state=False)
    if replayed is not None:
        yield replayed


def _settings(opt: Any) -> list[dict[str, Any]]:
    """Each parameter group's hyperparameters (everything but the parameters)."""
    return [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]


def _step(
    torch: Any,
    opt: Any,
    names: dict[int, str],
    start: Any,
    grads: dict[str, Any],
    keep_state: bool,
) -> dict[str, Any] | None:
    """One step of an optimizer like ``opt`` on copies of ``start``'s weights, with ``grads``.

    ``names`` maps ``opt``'s parameters to the network's parameter names. Only the weights are
    copied (not the network), so this costs a few tensor copies. None when ``opt`` holds none
    of these parameters, or (``keep_state``) holds others too, so its state cannot be carried.
    """
    weights = dict(start.named_parameters())
    copies: dict[str, Any] = {}
    groups = []
    for group, settings in zip(opt.param_groups, _settings(opt), strict=True):
        held = [names[id(p)] for p in group["params"] if id(p) in names]
        if keep_state and len(held) != len(group["params"]):
            return None
        for name in held:
            copies[name] = torch.nn.Parameter(weights[name].detach().clone())
        if held:
            groups.append({**settings, "params": [copies[n] for n in held]})
    if not groups:
        return None
    stepper = type(opt)(groups)
    if keep_state:
        stepper.load_state_dict(opt.state_dict())  # momentum buffers and step counts
    for name, param in copies.items():
        grad = grads.get(name)
        param.grad = None if grad is None else grad.detach().clone().to(param.device)
    stepper.step()
    return {name: param.detach() for name, param in copies.items()}


def _matches(live: Any, start: Any, expected: dict[str, Any], torch: Any) -> bool:
    """Whether ``live``'s weights are ``expected``, within a small share of the update's size."""
    was = dict(start.named_parameters())
    for name, param in live.named_parameters():
        got = param.detach()
        stepped = expected[name] if name in expected else was[name]  # not stepped: unmoved
        want = stepped.detach().to(param.device)
        update = (want - was[name].detach().to(param.device)).abs()
        scale = float(update.max()) if update.numel() else 0.0
        if not bool(torch.allclose(got, want, rtol=1e-6, atol=_RELATIVE_TOLERANCE * scale + 1e-8)):
            return False
    return True


def _compare_with_solution(ctx: CheckContext, model: str, live: Any, start: Any) -> Verdict | None:
    """The learner's update against the solution's, from the same starting weights."""
    torch = ctx.torch
    theirs = _network(model, ctx.solution_value(model), torch)
    solution = dict(theirs.named_parameters())
    if list(solution) != [n for n, _ in live.named_parameters()]:
        raise CheckFailed(failed(f"The step's solution makes `{model}` with other layers"))
    if _matches(live, start, {n: p.detach() for n, p in solution.items()}, torch):
        return None
    was = dict(start.named_parameters())
    mine = torch.cat(
        [
            (was[n].detach() - p.detach().to(was[n].device)).reshape(-1)
            for n, p in live.named_parameters()
        ]
    ).double()
    want = torch.cat(
        [(was[n].detach() - p.detach().to(was[n].device)).reshape(-1) for n, p in solution.items()]
    ).double()
    k = whole_multiple(mine, want, torch)
    if k is not None:
        return failed(
            f"`{model}`'s weights moved {k} times as far as one step",
            f"The update is lr × {k} × one batch's gradient: gradients add up over every "
            "`loss.backward()` until they are zeroed.",
            "Call `optimizer.zero_grad()` before each forward pass.",
        )
    return failed(
        f"`{model}`'s weights moved differently from one step of the solution",
        f"The largest difference in the update is {fmt_number(float((mine - want).abs().max()))}.",
        "Take one step on the batch the step gives: `optimizer.zero_grad()`, the forward pass, "
        "the loss, `loss.backward()`, `optimizer.step()`.",
    )
