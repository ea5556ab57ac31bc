"""Comparing a passing check's values again, in the front, where no learner code ever ran.

    verdicts = confirmed(reply["verdicts"])   # a pass whose values disagree becomes a failure

The worker's checks run beside the learner's code, which can patch `torch.isclose`,
`Tensor.all` or `builtins.bool`, or hand in a tensor subclass that answers every comparison
with True. Each passing verdict carries its claims (``Verdict.evidence``): the learner's value
and the expected one, copied out as plain numbers by ``tutor.kernel.plain``. Here they are
compared with plain Python, so no patch in the learner's process can make a wrong answer pass.

The rules are the worker's (``checks.compare``): the same kind of value, shape, dtype (when
asked), device, then every value within ``atol + rtol * |expected|`` (NaN equal to NaN).
"""

from __future__ import annotations

import array
import dataclasses
import math
from typing import Any

from tutor.checks.base import Verdict, failed

# Past this many bytes (about 4,000 values) NumPy compares: plain Python takes 60 ms on 200,000.
NUMPY_FROM_BYTES = 32_768

PATCHED = (
    "Your session's own comparison said it matched, so code run there changes how values "
    "compare (a patched `torch.isclose`, `Tensor.all` or `bool`, or a tensor subclass). "
    "Undo that change, or type `%restart` for a fresh worker."
)


def confirmed(verdicts: list[Verdict]) -> list[Verdict]:
    """``verdicts`` with every pass whose evidence disagrees turned into a failure (and the
    verdicts after it dropped, as checking stops at the first failure)."""
    result: list[Verdict] = []
    for verdict in verdicts:
        problem = first_disagreement(verdict) if verdict.passed else None
        if problem is not None:
            result.append(problem)
            break
        result.append(verdict)
    return result


def first_disagreement(verdict: Verdict) -> Verdict | None:
    """A failing verdict for the first claim of ``verdict`` that does not hold, or None."""
    for claim in verdict.evidence:
        try:
            lines = disagreement(claim)
        except (KeyError, TypeError, ValueError, AttributeError):  # not a claim the worker makes
            label = claim.get("label", "a value") if isinstance(claim, dict) else "a value"
            lines = [f"`{label}` could not be compared"]
        if lines is not None:
            title, *details = lines
            return failed(f"{title} (compared outside your session)", *details, PATCHED)
    return None


def disagreement(claim: dict[str, Any]) -> list[str] | None:
    """Why a claim does not hold (a title, then details), or None when it does."""
    label, got, expected = claim["label"], claim["got"], claim["expected"]
    kind = expected.get("kind")
    if got.get("kind") == "unreadable":
        return [f"`{label}` could not be copied out of your session ({got.get('why', '')})"]
    if got.get("kind") == "too_big" or kind == "too_big":
        if got.get("kind") not in ("array", "too_big"):
            return [f"`{label}` is not a tensor or an array"]
        if kind in ("array", "too_big") and tuple(got["shape"]) != tuple(expected["shape"]):
            return _shape_lines(label, got["shape"], expected["shape"])
        return None  # too many values to copy: the worker's comparison stands
    if kind == "spec":
        return _spec_disagreement(label, got, expected)
    if kind == "array":
        return _array_disagreement(label, got, expected, claim)
    if kind == "number":
        return _number_disagreement(label, got, expected, claim)
    return None  # nothing to compare against: the expected value is not plain data


def _spec_disagreement(label: str, got: dict[str, Any], spec: dict[str, Any]) -> list[str] | None:
    if got.get("kind") != "array":
        return [f"`{label}` is not a tensor"]
    shape = spec.get("shape")
    if shape is not None and tuple(got["shape"]) != tuple(shape):
        return _shape_lines(label, got["shape"], shape)
    dtype = spec.get("dtype")
    if dtype is not None and got.get("dtype") != dtype:
        wrong = got.get("dtype")
        return [f"`{label}` has the wrong dtype", f"expected {dtype}", f"got      {wrong}"]
    return None


def _array_disagreement(
    label: str, got: dict[str, Any], expected: dict[str, Any], claim: dict[str, Any]
) -> list[str] | None:
    if got.get("kind") != "array" or got.get("container") != expected["container"]:
        wanted = "a tensor" if expected["container"] == "tensor" else "a NumPy array"
        return [f"`{label}` is not {wanted}"]
    if tuple(got["shape"]) != tuple(expected["shape"]):
        return _shape_lines(label, got["shape"], expected["shape"])
    if claim["check_dtype"] and got["dtype"] != expected["dtype"]:
        return [
            f"`{label}` has the wrong dtype",
            f"expected {expected['dtype']}",
            f"got      {got['dtype']}",
        ]
    if got["device"] != expected["device"]:
        return [f"`{label}` is on the wrong device", f"expected {expected['device']}"]
    return _values_disagreement(label, got, expected, claim["atol"], claim["rtol"])


def _values_disagreement(
    label: str, got: dict[str, Any], expected: dict[str, Any], atol: float, rtol: float
) -> list[str] | None:
    if got["data"] == expected["data"]:
        return None  # the same bits: equal, NaN for NaN
    if len(expected["data"]) > NUMPY_FROM_BYTES:
        return _values_disagreement_numpy(label, got, expected, atol, rtol)
    mine, theirs = _numbers(got), _numbers(expected)
    if len(mine) != len(theirs):
        return [f"`{label}` has the wrong number of values"]
    # A quick pass with the plain rule; only the values it doubts (NaN, inf, too far) are
    # looked at with the whole rule.
    doubted = [
        i
        for i, (g, e) in enumerate(zip(mine, theirs, strict=True))
        if not abs(g - e) <= atol + rtol * abs(e)
    ]
    wrong, worst, worst_at = 0, -1.0, 0
    for index in doubted:
        g, e = mine[index], theirs[index]
        if not close(g, e, atol, rtol):
            wrong += 1
            gap = abs(g - e) if not (math.isnan(abs(g - e))) else math.inf
            if gap > worst:
                worst, worst_at = gap, index
    if not wrong:
        return None
    return [
        f"`{label}` has the wrong values",
        f"got {_fmt(mine[worst_at])}, expected {_fmt(theirs[worst_at])} at flat index {worst_at}",
        f"{wrong} of {len(theirs)} values differ",
    ]


def _values_disagreement_numpy(
    label: str, got: dict[str, Any], expected: dict[str, Any], atol: float, rtol: float
) -> list[str] | None:
    """The same comparison for large arrays, with NumPy (imported only here, in the front)."""
    import numpy

    kind = numpy.complex128 if expected["complex"] else numpy.float64
    mine, theirs = numpy.frombuffer(got["data"], kind), numpy.frombuffer(expected["data"], kind)
    if mine.shape != theirs.shape:
        return [f"`{label}` has the wrong number of values"]
    ok = numpy.isclose(mine, theirs, rtol=rtol, atol=atol, equal_nan=True)
    wrong = int(ok.size - numpy.count_nonzero(ok))
    if not wrong:
        return None
    gaps = numpy.where(ok, -1.0, numpy.nan_to_num(numpy.abs(mine - theirs), nan=numpy.inf))
    at = int(numpy.argmax(gaps))
    return [
        f"`{label}` has the wrong values",
        f"got {_fmt(mine[at].item())}, expected {_fmt(theirs[at].item())} at flat index {at}",
        f"{wrong} of {theirs.size} values differ",
    ]


def _numbers(plain: dict[str, Any]) -> list[complex] | list[float]:
    values = array.array("d")
    values.frombytes(plain["data"])
    if plain["complex"]:
        return [complex(values[i], values[i + 1]) for i in range(0, len(values), 2)]
    return values.tolist()


def close(got: complex, expected: complex, atol: float, rtol: float) -> bool:
    """torch.isclose's rule with equal_nan: |got - expected| <= atol + rtol * |expected|."""
    if got == expected:
        return True  # equal infinities included
    if _is_nan(got) or _is_nan(expected):
        return _is_nan(got) and _is_nan(expected)
    if _is_inf(got) or _is_inf(expected):
        return False
    return abs(got - expected) <= atol + rtol * abs(expected)


def _number_disagreement(
    label: str, got: dict[str, Any], expected: dict[str, Any], claim: dict[str, Any]
) -> list[str] | None:
    if got.get("kind") != "number" or got.get("type") == "bool":
        return [f"`{label}` is not a number"]
    mine = complex(got["real"], got.get("imag", 0.0))
    theirs = complex(expected["real"], expected.get("imag", 0.0))
    atol, rtol = claim["atol"], claim["rtol"]
    if mine.imag or theirs.imag:
        ok = abs(mine - theirs) <= atol + rtol * abs(theirs)
    else:  # the worker compares plain numbers with math.isclose
        ok = math.isclose(mine.real, theirs.real, rel_tol=rtol, abs_tol=atol)
        ok = ok or (math.isnan(mine.real) and math.isnan(theirs.real))
    if ok:
        return None
    return [f"`{label}` has the wrong value", f"got {_fmt(mine)}, expected {_fmt(theirs)}"]


def _shape_lines(label: str, got: Any, expected: Any) -> list[str]:
    return [
        f"`{label}` has the wrong shape",
        f"expected {tuple(expected)}",
        f"got      {tuple(got)}",
    ]


def _is_nan(x: complex) -> bool:
    return math.isnan(x.real) or math.isnan(x.imag)


def _is_inf(x: complex) -> bool:
    return math.isinf(x.real) or math.isinf(x.imag)


def _fmt(x: complex) -> str:
    if isinstance(x, complex) and x.imag:
        return str(x)
    return f"{x.real:.6g}"


def without_evidence(verdict: Verdict) -> Verdict:
    """``verdict`` without its evidence (what the front keeps once it has compared)."""
    return dataclasses.replace(verdict, evidence=())
