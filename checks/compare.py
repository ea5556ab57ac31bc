"""Comparing a learner's value with the expected one, and naming what is off.

Every check that compares values goes through :func:`compare_values`, so the feedback has one
order everywhere: kind of value, then shape, then dtype and device, then values (with the largest
difference and where it is). The classic mistakes are recognised and named: a transposed result,
a dropped `keepdim`, a reduction broadcast the wrong way, float64 from NumPy, a forgotten bias,
softmax over the wrong `dim`.

``torch`` is always passed in: this module never imports it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from .base import CheckContext, Verdict, failed
from .evidence import Claim, record
from .misuse import is_bound_method

# Close enough to 1 for a row of float32 probabilities.
SUM_TOLERANCE = 1e-3


# ---------------------------------------------------------------------------------------------
# Describing values


def is_tensor(value: Any, torch: Any) -> bool:
    return isinstance(value, torch.Tensor)


def is_ndarray(value: Any) -> bool:
    """A NumPy array, recognised without importing NumPy."""
    kind = type(value)
    return kind.__name__ == "ndarray" and kind.__module__ == "numpy"


def kind_of(value: Any, torch: Any) -> str:
    """What a value is, in words a learner knows: "a tensor", "a list", "None"."""
    if value is None:
        return "None"
    if is_tensor(value, torch):
        return "a tensor"
    if is_ndarray(value):
        return "a NumPy array"
    if isinstance(value, type):
        return "a class"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, int):
        return "an int"
    if isinstance(value, float):
        return "a float"
    simple: dict[type, str] = {
        list: "a list",
        tuple: "a tuple",
        dict: "a dict",
        str: "a string",
        set: "a set",
    }
    if type(value) in simple:
        return simple[type(value)]
    if type(value).__name__ == "module":
        return "a module"
    if is_bound_method(value):
        return "a method"
    if type(value).__name__ in ("function", "builtin_function_or_method", "method"):
        return "a function"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} `{name}`"


def fmt_number(x: Any) -> str:
    """A number (Python's, NumPy's, real or complex) as a learner reads it: 0.1595, 128."""
    if isinstance(x, complex):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 1e6:
        return str(int(x))
    if 1e-3 <= abs(x) < 1e5:
        return f"{x:.4f}".rstrip("0").rstrip(".")
    return f"{x:.3g}"


def fmt_shape(shape: Sequence[int]) -> str:
    """(64, 10), (64,), ()."""
    return str(tuple(int(s) for s in shape))


def fmt_index(index: Sequence[int]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def short_repr(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def dtype_name(value: Any) -> str:
    """float32, int64, ... for a tensor or a NumPy array."""
    return str(value.dtype).removeprefix("torch.")


def describe(value: Any, torch: Any) -> str:
    """A short confirmation of a value, for passing titles: "shape (1, 1), value 0.1595"."""
    if is_tensor(value, torch) or is_ndarray(value):
        text = f"shape {fmt_shape(value.shape)}"
        if _numel(value) == 1 and _is_real(value, torch):
            text += f", value {fmt_number(value.reshape(-1)[0].item())}"
        return text
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"value {fmt_number(value)}"
    return f"value {short_repr(value)}"


def _numel(value: Any) -> int:
    return int(math.prod(value.shape))


def _is_real(value: Any, torch: Any) -> bool:
    if is_tensor(value, torch):
        return not value.is_complex()
    return value.dtype.kind in "biuf"


# ---------------------------------------------------------------------------------------------
# The comparison


def compare_values(
    label: str,
    got: Any,
    expected: Any,
    atol: float,
    rtol: float,
    torch: Any,
    *,
    check_dtype: bool = True,
    ctx: CheckContext | None = None,
) -> Verdict | None:
    """Compare ``got`` (the learner's) with ``expected``; a failing verdict, or None when equal.

    ``label`` is what the learner calls the value (`y`, `softmax(x)`); it is shown in backticks.
    Tensors and NumPy arrays are compared by shape, dtype, device and values; numbers within
    the tolerances; lists, tuples and dicts item by item; anything else with ``==``. With
    ``ctx``, the learner's code for ``label`` is read to name the mistake by the edit that
    fixes it (`+ B2` where `+ B1` belongs, the operands of a product swapped).
    """
    if is_tensor(expected, torch) or is_ndarray(expected):
        verdict = _compare_arrays(label, got, expected, atol, rtol, torch, check_dtype, ctx)
    elif isinstance(expected, numbers.Number) and not isinstance(expected, bool):
        verdict = _compare_numbers(label, got, expected, atol, rtol, torch)
    elif isinstance(expected, (list, tuple, dict)) and type(got) is type(expected):
        return _compare_containers(label, got, expected, atol, rtol, torch, check_dtype)
    else:
        return _compare_plain(label, got, expected, torch)
    if verdict is None:  # the front compares again, outside the learner's process
        record(Claim(label, got, expected, atol, rtol, check_dtype))
    return verdict


def _compare_arrays(
    label: str,
    got: Any,
    expected: Any,
    atol: float,
    rtol: float,
    torch: Any,
    check_dtype: bool,
    ctx: CheckContext | None = None,
) -> Verdict | None:
    wrong_kind = _wrong_array_kind(label, got, expected, torch)
    if wrong_kind is not None:
        return wrong_kind
    if tuple(got.shape) != tuple(expected.shape):
        wanted = as_float64(expected, torch) if ctx is not None else None
        return diagnose_shape(label, tuple(got.shape), tuple(expected.shape), ctx, wanted)
    if check_dtype and dtype_name(got) != dtype_name(expected):
        if is_ndarray(got):
            want = dtype_name(expected)
            return failed(
                f"`{label}` has the wrong dtype",
                f"expected {want}",
                f"got      {dtype_name(got)}",
                f"Convert it with `{label}.astype(np.{want})`.",
            )
        return diagnose_dtype(label, dtype_name(got), dtype_name(expected))
    if is_tensor(got, torch) and got.device.type != expected.device.type:
        return diagnose_device(label, got.device.type, expected.device.type)
    return compare_tensor_values(
        label, as_float64(got, torch), as_float64(expected, torch), atol, rtol, torch, ctx
    )


def _wrong_array_kind(label: str, got: Any, expected: Any, torch: Any) -> Verdict | None:
    """A tensor where a NumPy array was wanted, a list where a tensor was wanted, and so on."""
    if is_tensor(expected, torch):
        return not_a_tensor(label, got, torch)
    if is_ndarray(got):
        return None
    title = f"`{label}` is {kind_of(got, torch)}, not a NumPy array"
    if is_tensor(got, torch):
        return failed(title, f"Convert it with `{label}.numpy()`.")
    return failed(title, method_not_called(label, got))


def not_a_tensor(label: str, got: Any, torch: Any) -> Verdict | None:
    """A failing verdict when ``got`` is not a tensor, saying what it is and how to make one."""
    if is_tensor(got, torch):
        return None
    title = f"`{label}` is {kind_of(got, torch)}, not a tensor"
    if is_ndarray(got):
        return failed(title, f"Make a tensor that shares its memory: `torch.from_numpy({label})`.")
    if isinstance(got, numbers.Number) and not isinstance(got, bool):
        return failed(
            f"`{label}` is {kind_of(got, torch)} ({fmt_number(got)}), not a tensor",
            "`.item()` and `float(...)` turn a one-value tensor into a Python number.",
            "Keep the result as a tensor.",
        )
    if got is None:
        return failed(title, "A function that ends without `return` gives None.")
    if isinstance(got, (list, tuple)) and len(got) == 2 and all(is_tensor(g, torch) for g in got):
        # what `next(dataiter)` gives: the pair a loader hands out
        return failed(
            title,
            "It holds two tensors, as a batch from a loader does: images, then labels. Unpack "
            "the pair into two names: `images, labels = next(dataiter)`.",
        )
    if isinstance(got, (list, tuple)):
        return failed(title, "Make one with `torch.tensor(...)`, or compute it with tensor ops.")
    return failed(title, method_not_called(label, got))


def method_not_called(label: str, got: Any) -> str:
    """For `x = b.numpy`: the method itself, where its result was meant ('' otherwise)."""
    if not is_bound_method(got):
        return ""
    return (
        f"`{label}` holds the method `{got.__name__}` itself, not its result; call it with "
        f"`()`, as in `.{got.__name__}()`."
    )


def as_float64(value: Any, torch: Any) -> Any:
    """A detached CPU copy in float64 (complex128 for complex values), for comparing values."""
    tensor = torch.as_tensor(value) if is_ndarray(value) else value.detach()
    tensor = tensor.to("cpu")
    return tensor.to(torch.complex128 if tensor.is_complex() else torch.float64)


def compare_tensor_values(
    label: str,
    got: Any,
    expected: Any,
    atol: float,
    rtol: float,
    torch: Any,
    ctx: CheckContext | None = None,
) -> Verdict | None:
    """Compare two float64 CPU tensors of the same shape; name the pattern of any difference.

    With ``ctx``, an edit to the learner's code that gives ``expected`` names the mistake
    first; otherwise the pattern of the difference does (every value off by the same amount,
    a wrong sign, rows that should be columns).
    """
    close = torch.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if bool(close.all()):
        return None
    bad_nan = torch.isnan(got) & ~torch.isnan(expected)
    if bool(bad_nan.any()):
        return _nan_verdict(label, bad_nan, torch)
    total = got.numel()
    if total == 1:
        return failed(
            f"`{label}` has the wrong value",
            *_edit_that_fixes(ctx, label, expected, atol, rtol),
            f"got {fmt_number(got.item())}, expected {fmt_number(expected.item())}",
            _tolerance_note(got.reshape(-1), expected.reshape(-1), 0, atol, rtol),
        )
    pattern = _edit_that_fixes(ctx, label, expected, atol, rtol)
    pattern = pattern or _difference_pattern(label, got, expected, atol, rtol, torch)
    diff = (got - expected).abs().nan_to_num(nan=0.0, posinf=math.inf)
    flat = int(diff.reshape(-1).argmax())
    where = _unravel(flat, tuple(got.shape))
    g, e = got.reshape(-1)[flat].item(), expected.reshape(-1)[flat].item()
    wrong = int((~close).sum())
    return failed(
        f"`{label}` has the wrong values",
        *pattern,
        f"largest difference {fmt_number(abs(g - e))} at {fmt_index(where)}: "
        f"got {fmt_number(g)}, expected {fmt_number(e)}",
        f"{wrong} of {total} values differ",
        _tolerance_note(got.reshape(-1), expected.reshape(-1), flat, atol, rtol),
    )


def _edit_that_fixes(
    ctx: CheckContext | None, label: str, expected: Any, atol: float, rtol: float
) -> list[str]:
    if ctx is None:
        return []
    from .variants import Wanted, explain_by_edits

    return explain_by_edits(ctx, label, Wanted(tuple(expected.shape), expected, atol, rtol))


def _difference_pattern(
    label: str, got: Any, expected: Any, atol: float, rtol: float, torch: Any
) -> list[str]:
    """Name a recognisable mistake behind wrong values (same shape): bias, transpose, softmax."""
    if got.is_complex():
        return []
    diff = got - expected
    offset = diff.mean()
    if bool(torch.isclose(got, expected + offset, rtol=rtol, atol=atol).all()):
        direction = "lower" if offset < 0 else "higher"
        return [
            f"Every value is {fmt_number(abs(offset.item()))} {direction} than it should be: "
            "did you forget to add the bias?"
        ]
    if got.dim() >= 2 and got.shape[0] > 1:
        row = diff[0:1]
        if bool(torch.isclose(got, expected + row, rtol=rtol, atol=atol).all()):
            shown = ", ".join(fmt_number(v) for v in row.reshape(-1)[:4].tolist())
            more = ", …" if row.numel() > 4 else ""
            return [
                f"Every row is off by the same amounts ({shown}{more}, yours minus expected): "
                "did you forget to add the bias?"
            ]
    if bool(torch.isclose(got, -expected, rtol=rtol, atol=atol).all()):
        return ["Every value has the wrong sign: is a `-` missing, or one too many?"]
    one_minus = torch.isclose(got, 1 - expected, rtol=rtol, atol=atol).all()
    if bool(one_minus) and bool(((expected > 0) & (expected < 1)).all()):
        # sigmoid(-x) = 1 - sigmoid(x): the classic flipped sign inside the exponential
        return [
            "Every value is 1 minus the expected one, as when a sign is flipped inside a "
            "sigmoid: `torch.exp(-x)`, not `torch.exp(x)`."
        ]
    square = got.dim() == 2 and got.shape[0] == got.shape[1]
    if square and bool(torch.isclose(got, expected.T, rtol=rtol, atol=atol).all()):
        return [
            f"`{label}` holds the transposed result: its rows are the columns the step asks for."
        ]
    if got.dim() == 2 and sums_to_one(expected, 1, torch) and sums_to_one(got, 0, torch):
        return [
            f"The columns of `{label}` sum to 1 instead of its rows: the softmax is taken over "
            "`dim=0`, the batch. Use `dim=1`, so each row sums to 1."
        ]
    return []


def sums_to_one(values: Any, dim: int, torch: Any) -> bool:
    """Whether ``values`` add up to 1 along ``dim`` (as probabilities from a softmax do)."""
    sums = values.detach().double().sum(dim=dim)
    return bool(torch.allclose(sums, torch.ones_like(sums), atol=SUM_TOLERANCE, rtol=0))


def _tolerance_note(got: Any, expected: Any, flat: int, atol: float, rtol: float) -> str:
    """When a value misses by a hair, say that it is close and what the tolerance is."""
    g, e = got[flat].item(), expected[flat].item()
    if abs(g - e) <= 10 * (atol + rtol * abs(e)):
        return f"That is close, but outside the tolerance (atol {atol:g}, rtol {rtol:g})."
    return ""


def _nan_verdict(label: str, bad: Any, torch: Any) -> Verdict:
    count = int(bad.sum())
    first = _unravel(int(bad.reshape(-1).nonzero()[0]), tuple(bad.shape))
    where = f", the first at {fmt_index(first)}" if bad.dim() else ""
    return failed(
        f"`{label}` contains NaN",
        f"{count} of {bad.numel()} values are NaN (not a number){where}.",
        "NaN comes from undefined arithmetic, such as 0/0, inf - inf or the log of a "
        "negative number.",
    )


def _unravel(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    index: list[int] = []
    for size in reversed(shape):
        index.append(flat % size)
        flat //= size
    return tuple(reversed(index))


def _compare_numbers(
    label: str, got: Any, expected: Any, atol: float, rtol: float, torch: Any
) -> Verdict | None:
    if is_tensor(got, torch) or is_ndarray(got):
        kind = kind_of(got, torch)
        fix = "Use `.item()` to take the number out of it." if _numel(got) == 1 else ""
        return failed(f"`{label}` is {kind}, not a number", fix)
    if isinstance(got, bool) or not isinstance(got, numbers.Number):
        return failed(
            f"`{label}` is {kind_of(got, torch)}, not a number", method_not_called(label, got)
        )
    mine, theirs = complex(got), complex(expected)  # type: ignore[call-overload]
    if mine.imag or theirs.imag:
        ok = abs(mine - theirs) <= atol + rtol * abs(theirs)
    else:
        ok = math.isclose(mine.real, theirs.real, rel_tol=rtol, abs_tol=atol)
        ok = ok or (math.isnan(mine.real) and math.isnan(theirs.real))
    if ok:
        return None
    return failed(
        f"`{label}` has the wrong value", f"got {fmt_number(got)}, expected {fmt_number(expected)}"
    )


def _compare_containers(
    label: str,
    got: Any,
    expected: Any,
    atol: float,
    rtol: float,
    torch: Any,
    check_dtype: bool,
) -> Verdict | None:
    """Lists and tuples item by item, dicts key by key, so tensors inside are compared properly."""
    if isinstance(expected, dict):
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing or extra:
            return failed(
                f"`{label}` has the wrong keys",
                f"missing: {', '.join(map(repr, missing))}" if missing else "",
                f"not wanted: {', '.join(map(repr, extra))}" if extra else "",
            )
        pairs = [(f"{label}[{k!r}]", got[k], expected[k]) for k in expected]
    else:
        if len(got) != len(expected):
            return failed(
                f"`{label}` has {len(got)} items; the step asks for {len(expected)}",
                f"got      {short_repr(got)}",
                f"expected {short_repr(expected)}",
            )
        pairs = [
            (f"{label}[{i}]", g, e) for i, (g, e) in enumerate(zip(got, expected, strict=True))
        ]
    for item_label, g, e in pairs:
        verdict = compare_values(item_label, g, e, atol, rtol, torch, check_dtype=check_dtype)
        if verdict is not None:
            return verdict
    return None


def _compare_plain(label: str, got: Any, expected: Any, torch: Any) -> Verdict | None:
    try:
        equal = bool(got == expected)
    except Exception:  # == that raises (arrays inside, odd types) counts as different
        equal = False
    if equal:
        return None
    if type(got) is not type(expected):
        return failed(
            f"`{label}` is {kind_of(got, torch)}, not {kind_of(expected, torch)}",
            method_not_called(label, got),
        )
    return failed(
        f"`{label}` has the wrong value",
        f"got      {short_repr(got)}",
        f"expected {short_repr(expected)}",
    )


# ---------------------------------------------------------------------------------------------
# Shape, dtype and device


def diagnose_shape(
    label: str,
    got: tuple[int, ...],
    expected: tuple[int, ...],
    ctx: CheckContext | None = None,
    expected_value: Any = None,
) -> Verdict:
    """A wrong shape, with expected/got and the likely cause when the pair is a known mistake.

    With ``ctx``, the learner's code for ``label`` is read: an edit to it that gives the right
    shape (and the solution's value, when there is one) is the cause named, such as the
    operands of `torch.mm` the wrong way round.
    """
    hints = _shape_edit(ctx, label, expected, expected_value) if ctx is not None else []
    return failed(
        f"`{label}` has the wrong shape",
        f"expected {fmt_shape(expected)}",
        f"got      {fmt_shape(got)}",
        *(hints or _shape_hints(got, expected, ctx, label)),
    )


def _shape_edit(
    ctx: CheckContext, label: str, expected: tuple[int, ...], expected_value: Any
) -> list[str]:
    from .variants import Wanted, explain_by_edits

    # The edit that gives the expected value, else one that at least gives the right shape. (A
    # check that knows only the shape does not run the solution: it may be a training loop.)
    exact = []
    if expected_value is not None:
        exact = explain_by_edits(ctx, label, Wanted(expected, expected_value))
    return exact or explain_by_edits(ctx, label, Wanted(expected))


def _shape_hints(
    got: tuple[int, ...],
    expected: tuple[int, ...],
    ctx: CheckContext | None = None,
    label: str = "",
) -> list[str]:
    n_got, n_expected = math.prod(got), math.prod(expected)
    if len(got) == 2 and got == expected[::-1] and got[0] != got[1]:
        return _reversed_hints(got, expected, ctx, label)
    if len(expected) == 2 and expected[1] == 1 and got == expected[:1] and expected[0] > 1:
        return _dropped_dimension(_calls_in(ctx, label))
    if len(got) == 2 and got[0] == got[1] > 1 and expected in ((got[0],), (got[0], 1)):
        n = got[0]
        return [
            f"A ({n}, 1) tensor combined with a ({n},) tensor broadcasts to ({n}, {n}).",
            "Give both the same shape first, with `.view(-1, 1)` or `.view(-1)`.",
        ]
    if len(got) == 2 and len(expected) == 2 and got == (expected[0], expected[0]):
        rows, cols = expected
        return [
            f"Dividing a ({rows}, {cols}) tensor by a ({rows},) sum broadcasts across the "
            "columns, not down the rows.",
            "Keep the summed dimension: `torch.sum(x, dim=1).view(-1, 1)`  or  `keepdim=True`.",
        ]
    if got == () and n_expected == 1 and "item" in _calls_in(ctx, label):
        return [
            "`.item()` turns a tensor into a plain Python number, so adding it keeps the "
            "shape () of the sum.",
            f"Add the tensor itself (`+ bias`, not `+ bias.item()`) to get {fmt_shape(expected)}.",
        ]
    if got == () and n_expected == 1:
        args = ", ".join(str(s) for s in expected)
        return [
            "A sum over every element gives a tensor with no dimensions, shape ().",
            f"Adding a {fmt_shape(expected)} tensor, such as a bias, makes it "
            f"{fmt_shape(expected)}: is a `+ bias` missing? (Only if nothing is to be added, "
            f"reshape with `.view({args})`.)",
        ]
    if n_got == n_expected:
        args = ", ".join(str(s) for s in expected)
        return [
            f"It has the right number of values ({n_got}) in a different arrangement.",
            f"Reshape it with `.view({args})` or `.reshape({args})`.",
        ]
    return []


def _calls_in(ctx: CheckContext | None, label: str) -> set[str]:
    """The names of the functions and methods called in the learner's code for ``label``."""
    from .reading import called_name, calls_in, last_assignment

    rhs = last_assignment(ctx.code, label) if ctx is not None and label.isidentifier() else None
    return set() if rhs is None else {called_name(call) for call in calls_in(rhs)}


def _dropped_dimension(calls: set[str]) -> list[str]:
    """A (64,) where (64, 1) was wanted: which call dropped the dimension, and how to keep it."""
    if "squeeze" in calls:
        return [
            "`squeeze` removed the dimension of size 1 the step keeps.",
            "Leave the `.squeeze()` out, or put the dimension back with `.view(-1, 1)`.",
        ]
    reducer = next((c for c in ("argmax", "argmin", "max", "min", "mean") if c in calls), "")
    if reducer:
        return [
            f"`{reducer}` dropped the dimension it reduced.",
            f"Keep it: `{reducer}(dim=1, keepdim=True)`, or `.view(-1, 1)` on the result.",
        ]
    return [
        "The summed dimension was dropped.",
        "Keep it: `.view(-1, 1)` or `keepdim=True`.",
    ]


def _reversed_hints(
    got: tuple[int, ...], expected: tuple[int, ...], ctx: CheckContext | None, label: str
) -> list[str]:
    """Two sizes the other way round: say how to give them in order, when the code shows it."""
    from .reading import last_assignment
    from .variants import reversed_sizes_fix

    first = "Its two sizes are the other way round."
    rhs = last_assignment(ctx.code, label) if ctx is not None and label.isidentifier() else None
    if rhs is None:
        return [first]
    return [first, *reversed_sizes_fix(rhs, got, expected)]


_FLOAT_NAMES = ("float16", "bfloat16", "float32", "float64")
_INT_NAMES = ("uint8", "int8", "int16", "int32", "int64")


def diagnose_dtype(label: str, got: str, expected: str) -> Verdict:
    """A wrong dtype, with the cause: NumPy's float64, integers from whole numbers, ..."""
    return failed(
        f"`{label}` has the wrong dtype",
        f"expected {expected}",
        f"got      {got}",
        *_dtype_hints(label, got, expected),
    )


def _dtype_hints(label: str, got: str, expected: str) -> list[str]:
    if got == "float64" and expected == "float32":
        return ["NumPy arrays are float64; `torch.from_numpy` keeps that.", "Use `.float()`."]
    if got in _INT_NAMES and expected in _FLOAT_NAMES:
        return [
            "Tensors made from whole numbers, such as `torch.tensor([1, 2])`, hold integers.",
            "Write the numbers with a decimal point (`1.0`), or use `.float()`.",
        ]
    if got == "bool":
        return [f"Comparisons give bool tensors: convert with `.{_method_for(expected)}()`."]
    return [f"Convert it with `.{_method_for(expected)}()`."]


def _method_for(dtype: str) -> str:
    methods = {
        "float32": "float",
        "float64": "double",
        "float16": "half",
        "bfloat16": "bfloat16",
        "int64": "long",
        "int32": "int",
        "int16": "short",
        "uint8": "byte",
        "int8": "char",
        "bool": "bool",
    }
    return methods.get(dtype, f"to(torch.{dtype})")


def diagnose_device(label: str, got: str, expected: str) -> Verdict:
    """A tensor on the wrong device, with the way to move it."""
    fix = (
        f"Move it with `{label}.cpu()`."
        if expected == "cpu"
        else f"Move it with `{label}.to(device)`: `device` is the tutor's chosen device."
    )
    return failed(
        f"`{label}` is on the wrong device", f"expected {expected}", f"got      {got}", fix
    )
