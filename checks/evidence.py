"""What a passing comparison compared, kept so that the front can compare again on its own.

    with recording() as claims:
        verdict = run_check(spec, ctx, args)      # compare_values records each pair it passes
    claims   # [Claim("y", got, expected, 1e-4, 1e-4, True), ...]

The checks run in the worker, beside the learner's code, which may have patched the very
functions a comparison calls. A passing verdict therefore carries its claims, copied as plain
data, and the front (which never runs learner code) compares them again: see ``tutor.verify``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

# A check that compares more pairs than this (a long list of tensors) has the rest trusted.
MAX_CLAIMS = 64


@dataclass(frozen=True)
class Claim:
    """``got`` (the learner's) was found equal to ``expected`` within the tolerances.

    ``expected`` is a value, or a ``Spec`` when only a shape or a dtype was asked for.
    """

    label: str
    got: Any
    expected: Any
    atol: float = 0.0
    rtol: float = 0.0
    check_dtype: bool = True


@dataclass(frozen=True)
class Spec:
    """A shape and dtype a lesson asks for, where no expected value exists (None: not asked)."""

    shape: tuple[int, ...] | None = None
    dtype: str | None = None


_claims: list[Claim] | None = None


@contextmanager
def recording() -> Iterator[list[Claim]]:
    """Collect the claims of the comparisons made inside the block."""
    global _claims
    outer, _claims = _claims, []
    try:
        yield _claims
    finally:
        _claims = outer


def record(claim: Claim) -> None:
    """Remember a comparison that passed (nothing happens outside ``recording()``)."""
    if _claims is not None and len(_claims) < MAX_CLAIMS:
        _claims.append(claim)
