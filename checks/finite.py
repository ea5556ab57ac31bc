"""The `finite` check: a value holds no NaN or inf, and when it does, the likely cause."""

from __future__ import annotations

from typing import Any

from .advice import nonfinite_advice
from .base import CheckContext, CheckFailed, Verdict, check, failed, passed
from .compare import fmt_index, fmt_number, is_ndarray, is_tensor, kind_of
from .networks import param_label
from .sequences import as_numbers
from .templates import titled

# How many bad parameters a failing verdict names.
_NAMED = 3


@check("finite", shorthand="name", fields=("name", "count", "total", "first"))
def finite(
    ctx: CheckContext,
    name: str,
    message: str | None = None,
    success: str | None = None,
) -> Verdict:
    """A tensor, number, list of numbers or network's weights hold no NaN or inf.

    ```yaml
    - finite: loss
    - finite: {name: model, message: "`model` has {count} weights that are NaN or inf."}
    - finite: "model.fc1.weight.grad"
    ```
    For a network (an `nn.Module`), every parameter is checked and the bad ones are named.
    A failure names the likely cause: the optimizer's learning rate when the code trains,
    `torch.log` of 0, `torch.exp` overflowing. Templates may use `{name}`, `{count}` (values
    that are NaN or inf), `{total}` and `{first}` (where the first one is).
    """
    value = ctx.value(name)
    torch = ctx.torch
    if isinstance(value, torch.nn.Module):
        return _module(ctx, name, value, message, success)
    flat = _flat(name, value, torch)
    bad = ~torch.isfinite(flat)
    count, total = int(bad.sum()), flat.numel()
    if not count:
        fields = {"name": name, "count": 0, "total": total, "first": ""}
        return passed(titled(success, f"`{name}` is finite ({_values(total)})", fields))
    nan = bool(torch.isnan(flat).any())
    inf = bool(torch.isinf(flat).any())
    first = int(bad.nonzero()[0])
    where = _where(value, first, torch)
    fields = {"name": name, "count": count, "total": total, "first": where}
    title = (
        f"`{name}` is {fmt_number(flat[0].item())}"
        if total == 1
        else f"`{name}` has {count} of {total} values that are NaN or inf, the first at {where}"
    )
    return failed(
        titled(message, title, fields),
        *nonfinite_advice(ctx, nan=nan, inf=inf, from_training=False),
    )


def _flat(name: str, value: Any, torch: Any) -> Any:
    """The values as a 1-D float64 CPU tensor."""
    if is_tensor(value, torch):
        return value.detach().reshape(-1).to("cpu", torch.float64)
    if is_ndarray(value):
        return torch.as_tensor(value.reshape(-1).astype("float64"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return torch.tensor([float(value)], dtype=torch.float64)
    if isinstance(value, (list, tuple)):
        return torch.tensor(as_numbers(name, value, torch), dtype=torch.float64)
    raise CheckFailed(
        failed(f"`{name}` is {kind_of(value, torch)}, not a tensor, a number or a network")
    )


def _where(value: Any, flat: int, torch: Any) -> str:
    shape = tuple(value.shape) if is_tensor(value, torch) or is_ndarray(value) else (len(value),)
    if not shape:
        return "[]"
    index = []
    for size in reversed(shape):
        index.append(flat % size)
        flat //= size
    return fmt_index(list(reversed(index)))


def _values(total: int) -> str:
    return "1 value" if total == 1 else f"{total} values"


def _module(
    ctx: CheckContext, name: str, module: Any, message: str | None, success: str | None
) -> Verdict:
    torch = ctx.torch
    bad: list[tuple[str, int, int]] = []
    total = 0
    nan = inf = False
    for pname, param in module.named_parameters():
        values = param.detach()
        total += values.numel()
        finite_mask = torch.isfinite(values)
        if not bool(finite_mask.all()):
            bad.append((pname, int((~finite_mask).sum()), values.numel()))
            nan = nan or bool(torch.isnan(values).any())
            inf = inf or bool(torch.isinf(values).any())
    count = sum(b[1] for b in bad)
    fields = {"name": name, "count": count, "total": total, "first": bad[0][0] if bad else ""}
    if not bad:
        default = f"Every weight of `{name}` is finite ({_values(total)})"
        return passed(titled(success, default, fields))
    listed = ", ".join(f"`{param_label(name, p)}` ({c} of {n})" for p, c, n in bad[:_NAMED])
    more = f", and {len(bad) - _NAMED} more" if len(bad) > _NAMED else ""
    return failed(
        titled(message, f"`{name}` has weights that are NaN or inf: {listed}{more}", fields),
        *nonfinite_advice(ctx, nan=nan, inf=inf, from_training=True),
    )
