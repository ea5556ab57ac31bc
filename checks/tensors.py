"""Checks on tensors: shape, dtype, device, gradients and values; matching the solution; sharing
memory with NumPy."""

from __future__ import annotations

from typing import Any, Literal

from .base import CheckContext, CheckFailed, Verdict, check, failed, passed
from .compare import (
    as_float64,
    compare_tensor_values,
    compare_values,
    describe,
    diagnose_device,
    diagnose_dtype,
    diagnose_shape,
    dtype_name,
    fmt_number,
    fmt_shape,
    is_ndarray,
    is_tensor,
    kind_of,
    not_a_tensor,
)
from .evidence import Claim, Spec, record

DType = Literal[
    "float32",
    "float64",
    "float16",
    "bfloat16",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
    "complex64",
    "complex128",
]
Device = Literal["cpu", "cuda", "mps", "worker"]


@check("tensor")
def tensor(
    ctx: CheckContext,
    name: str,
    shape: list[int] | None = None,
    dtype: DType | None = None,
    device: Device | None = None,
    requires_grad: bool | None = None,
    value: list[Any] | float | None = None,
    atol: float = 1e-4,
    rtol: float = 1e-4,
) -> Verdict:
    """`name` is a tensor with the given shape, dtype, device, `requires_grad` and values.

    ```yaml
    - tensor: {name: y, shape: [1, 1], dtype: float32, value: [[0.1595]], atol: 0.0001}
    - tensor: {name: x.grad, shape: [2, 2]}   # any expression: `model[0].weight`, `losses[-1]`
    - tensor: {name: x, device: worker}       # on the tutor's chosen device
    - tensor: {name: w, requires_grad: true}
    ```
    Only the properties given are checked. `value` is a nested list, or one number that every
    element must equal. `device` compares the device type (`cuda:0` counts as `cuda`); `worker`
    means the tutor's chosen device, the `device` predefined in the learner's namespace.
    Checked in order: shape, dtype, device, `requires_grad`, values.
    """
    torch = ctx.torch
    got = ctx.value(name)
    wrong = no_gradient_yet(name, got) or not_a_tensor(name, got, torch)
    if wrong is not None:
        return wrong
    confirmed = [f"shape {fmt_shape(got.shape)}"]
    if shape is not None and tuple(got.shape) != tuple(shape):
        return diagnose_shape(name, tuple(got.shape), tuple(shape), ctx)
    if dtype is not None:
        if dtype_name(got) != dtype:
            return diagnose_dtype(name, dtype_name(got), dtype)
        confirmed.append(dtype)
    if shape is not None or dtype is not None:
        record(Claim(name, got, Spec(None if shape is None else tuple(shape), dtype)))
    if device is not None:
        wanted = _wanted_device(ctx, device)
        if got.device.type != wanted:
            return diagnose_device(name, got.device.type, wanted)
        confirmed.append(f"on {wanted}")
    if requires_grad is not None:
        if bool(got.requires_grad) != requires_grad:
            return _requires_grad_verdict(name, requires_grad, got.grad_fn is not None)
        confirmed.append("tracks gradients" if requires_grad else "no gradients")
    if value is not None:
        verdict = _compare_literal(name, got, value, atol, rtol, torch)
        if verdict is not None:
            return verdict
        single = got.numel() == 1 and not got.is_complex()
        confirmed.append(f"value {fmt_number(got.item())}" if single else "values as expected")
    return passed(f"`{name}`: {', '.join(confirmed)}")


def no_gradient_yet(name: str, got: Any) -> Verdict | None:
    """`x.grad` is None: say why, rather than "a function that ends without `return`"."""
    if got is not None or not name.endswith(".grad"):
        return None
    owner = name.removesuffix(".grad")
    return failed(
        f"`{name}` is None: no gradient has reached `{owner}` yet",
        f"Gradients appear after `.backward()` on a result computed from `{owner}`, which "
        "must be created with `requires_grad=True`; `zero_grad()` clears them to None.",
    )


def _wanted_device(ctx: CheckContext, device: str) -> str:
    """The device type asked for; `worker` reads the `device` the tutor put in the namespace."""
    if device != "worker":
        return device
    torch = ctx.torch
    chosen = ctx.namespace.get("device")
    if isinstance(chosen, torch.device):
        return str(chosen.type)
    if isinstance(chosen, str):
        try:
            return str(torch.device(chosen).type)
        except (RuntimeError, ValueError):
            pass
    # `device` was rebound to something else: fall back on the tutor's own rule.
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def _requires_grad_verdict(name: str, wanted: bool, computed: bool = False) -> Verdict:
    if computed and not wanted:  # e.g. `ps = torch.exp(model(images))` to evaluate a network
        return failed(
            f"`{name}` was computed with gradients on",
            "Evaluating a network needs no gradients: tracking them costs time and memory.",
            "Compute it inside `with torch.no_grad():` (after `model.eval()`), or take "
            f"`{name}.detach()`.",
        )
    if wanted:
        return failed(
            f"`{name}` does not track gradients",
            f"Create it with `requires_grad=True`, or call `{name}.requires_grad_()`.",
        )
    return failed(
        f"`{name}` tracks gradients",
        f"Use `{name}.detach()` for a copy that does not, or compute it inside "
        "`with torch.no_grad():`.",
    )


def _compare_literal(
    name: str, got: Any, value: list[Any] | float, atol: float, rtol: float, torch: Any
) -> Verdict | None:
    """Compare with a value written in the lesson: a nested list, or one number for all."""
    try:
        expected = torch.tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as error:
        raise CheckFailed(
            failed(f"The check's `value` for `{name}` is not a list of numbers", str(error))
        ) from error
    if expected.dim() == 0:
        expected = expected.expand(got.shape)
    if tuple(expected.shape) != tuple(got.shape):
        return diagnose_shape(name, tuple(got.shape), tuple(expected.shape))
    verdict = compare_tensor_values(name, as_float64(got, torch), expected, atol, rtol, torch)
    if verdict is None:
        record(Claim(name, got, expected, atol, rtol, check_dtype=False))
    return verdict


@check("matches_solution", shorthand="names")
def matches_solution(
    ctx: CheckContext, names: list[str], atol: float = 1e-4, rtol: float = 1e-4
) -> Verdict:
    """Each name has the value the step's solution gives, run on the learner's own inputs.

    ```yaml
    - matches_solution: [y]
    - matches_solution: {names: [h, output], atol: 0.001}
    - matches_solution: [x.grad, "model[0].weight.grad"]
    ```
    The solution runs on a copy of the namespace as it was before the step, so a learner whose
    random `features` differ from the lesson's is still judged fairly. Tensors and NumPy arrays
    are compared by shape, dtype, device, then values; numbers within the tolerances; anything
    else with `==`. Use `function` for functions and `module` for networks.
    """
    names = [names] if isinstance(names, str) else list(names)
    confirmed: list[str] = []
    for name in names:
        got = ctx.value(name)
        expected = ctx.solution_value(name)
        _refuse_uncomparable(name, expected, ctx.torch)
        verdict = None if expected is None else no_gradient_yet(name, got)
        verdict = verdict or compare_values(name, got, expected, atol, rtol, ctx.torch, ctx=ctx)
        if verdict is not None:
            return verdict
        confirmed.append(f"`{name}`: {describe(got, ctx.torch)}")
    if len(names) == 1:
        return passed(
            f"`{names[0]}` matches the solution: {describe(ctx.value(names[0]), ctx.torch)}"
        )
    return passed(f"{', '.join(f'`{n}`' for n in names)} match the solution", *confirmed)


def _refuse_uncomparable(name: str, expected: Any, torch: Any) -> None:
    """Functions and modules only compare by identity: point the author to the right check."""
    if isinstance(expected, torch.nn.Module):
        raise CheckFailed(failed(f"`{name}` is a network: compare it with the `module` check"))
    if callable(expected) and not is_tensor(expected, torch):
        raise CheckFailed(failed(f"`{name}` is a function: compare it with the `function` check"))


@check("shares_memory", shorthand="names")
def shares_memory(ctx: CheckContext, names: list[str]) -> Verdict:
    """Two names (tensors or NumPy arrays) share memory, so changing one changes the other.

    ```yaml
    - shares_memory: [a, b]      # e.g. b = torch.from_numpy(a)
    ```
    """
    if len(names) != 2:
        raise CheckFailed(failed("The `shares_memory` check needs exactly two names"))
    first, second = names
    a, b = ctx.value(first), ctx.value(second)
    for name, value in ((first, a), (second, b)):
        if not (is_tensor(value, ctx.torch) or is_ndarray(value)):
            return failed(f"`{name}` is {kind_of(value, ctx.torch)}, not a tensor or NumPy array")
    if _share_memory(a, b, ctx):
        return passed(f"`{first}` and `{second}` share memory: changing one changes the other")
    return failed(
        f"`{first}` and `{second}` do not share memory",
        "One holds a copy of the other's data, so changing one leaves the other as it was.",
        _sharing_fix(first, second, a, b, ctx.torch),
    )


def _share_memory(a: Any, b: Any, ctx: CheckContext) -> bool:
    torch, np = ctx.torch, ctx.numpy
    if is_tensor(a, torch) and is_tensor(b, torch):
        return bool(a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr())
    arrays = []
    for value in (a, b):
        if is_tensor(value, torch):
            if value.device.type != "cpu":
                return False  # a NumPy array lives in CPU memory
            try:
                value = value.detach().numpy()  # a view of the same memory, not a copy
            except (RuntimeError, TypeError):
                return False
        arrays.append(value)
    if not np.may_share_memory(*arrays):
        return False
    try:
        return bool(np.shares_memory(*arrays, max_work=1_000_000))
    except getattr(getattr(np, "exceptions", np), "TooHardError", Exception):
        return True  # too costly to decide exactly; the bounds overlap, so say they share


def _sharing_fix(first: str, second: str, a: Any, b: Any, torch: Any) -> str:
    if is_ndarray(a) and is_tensor(b, torch):
        return (
            f"`torch.tensor({first})` copies the array, whereas `torch.from_numpy({first})` "
            f"shares its memory: make `{second}` with `torch.from_numpy({first})`."
        )
    if is_tensor(a, torch) and is_ndarray(b):
        return (
            f"`np.array({first})` copies the tensor, whereas `{first}.numpy()` shares its "
            f"memory: make `{second}` with `{first}.numpy()`."
        )
    return "`.clone()` and `torch.tensor(...)` copy; `.view(...)` and slicing share memory."
