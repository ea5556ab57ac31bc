"""Feedback benchmark: what naming a mistake by its fixing edit costs on a failing check.

    python bench/bench_feedback.py        # prints figures and ratios, and PASS/MISS per target

A lesson-2-sized forward pass (64 images of 784 pixels, 256 hidden units) with `+ bias_1`
forgotten is checked with `matches_solution`, once without the learner's code (no edit search)
and once with it (the search that says "`out` is missing `+ bias_1`"). The baseline is plain
PyTorch: the learner's expression evaluated once, on this machine, in the same run.
Target: the edit search adds at most 10 evaluations' worth of time to the failing check.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from tutor.checks import REGISTRY, CheckContext, run_check

REPEATS = 9
GIVEN = """
torch.manual_seed(0)
inputs = torch.randn(64, 1, 28, 28).view(64, -1)
weights_1 = torch.randn(784, 256)
bias_1 = torch.randn(256)
weights_2 = torch.randn(256, 10)
bias_2 = torch.randn(10)
"""
LEARNER = "out = torch.mm(torch.sigmoid(torch.mm(inputs, weights_1)), weights_2) + bias_2"
SOLUTION = "out = torch.mm(torch.sigmoid(torch.mm(inputs, weights_1) + bias_1), weights_2) + bias_2"


def median_seconds(action: Callable[[], Any]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def failing_check(before: dict[str, Any], with_code: bool) -> Callable[[], Any]:
    def run() -> Any:
        namespace = dict(before)
        exec(LEARNER, namespace)

        def solution() -> dict[str, Any]:
            copy = dict(before)
            exec(SOLUTION, copy)
            return copy

        ctx = CheckContext(
            namespace=namespace,
            torch=torch,
            numpy=np,
            code=LEARNER if with_code else "",
            solution_runner=solution,
        )
        verdict = run_check(REGISTRY["matches_solution"], ctx, {"names": ["out"]})
        assert not verdict.passed
        if with_code:
            assert verdict.details[0] == "`out` is missing `+ bias_1`.", verdict.details
        return verdict

    return run


def main() -> None:
    before: dict[str, Any] = {"torch": torch}
    exec(GIVEN, before)
    baseline = median_seconds(lambda: eval(LEARNER.split("=", 1)[1], dict(before)))
    plain = median_seconds(failing_check(before, with_code=False))
    named = median_seconds(failing_check(before, with_code=True))
    added = (named - plain) / baseline
    print(f"one evaluation of the learner's expression   {baseline * 1000:8.1f} ms")
    print(f"failing check, no edit search               {plain * 1000:8.1f} ms")
    print(f"failing check, mistake named by its edit    {named * 1000:8.1f} ms")
    verdict = "PASS" if added <= 10 else "MISS"
    print(f"edit search costs {added:.1f} evaluations (target <= 10): {verdict}")


if __name__ == "__main__":
    main()
