"""Second-opinion benchmark: what comparing a pass again in the front adds to a check.

    python bench/bench_verify.py      # prints figures and ratios, and PASS/MISS

Every passing comparison crosses to the front as plain numbers and is compared there again
(tutor/verify.py), so that a patched torch in the learner's process cannot pass a wrong answer.
For tensors of lesson sizes (one value; a 64x10 batch of probabilities; a 64x784 batch of
images; a 784x256 weight) this prints the median time of a `matches_solution` request to the
real worker, the front's own comparison inside it, and the same comparison done by
`torch.isclose(...).all()` in the worker as the baseline. Target: the front's share stays under
20 ms for every lesson size (an input's feedback must feel instant).

It also times the other defence, putting back what learner code replaced in torch, NumPy and the
built-ins around each check request (tutor/kernel/pristine.py), against an empty `with` block.
"""

from __future__ import annotations

import statistics
import time

from tutor.checks.base import Verdict
from tutor.kernel.client import Kernel
from tutor.verify import confirmed

REPEATS = 9
TARGET_MS = 20.0
SIZES = {"one value": (1, 1), "64x10": (64, 10), "64x784": (64, 784), "784x256": (784, 256)}


def median_ms(action: object, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    kernel = Kernel(device="cpu")
    kernel.wait_ready()
    print(f"{'size':>10}  {'check ms':>9}  {'front ms':>9}  {'isclose ms':>10}  front/check")
    worst = 0.0
    try:
        for label, (rows, cols) in SIZES.items():
            code = f"import torch\ntorch.manual_seed(0)\nx = torch.rand({rows}, {cols})"
            kernel.exec(code, quiet=True)
            kernel.begin_step()
            kernel.exec("y = x + x", quiet=True)  # not the solution's bits: every value compared
            request = ([("matches_solution", {"names": ["y"]})], "y = x * 2.000001")
            check_ms = median_ms(lambda: kernel.check(*request))  # noqa: B023
            raw = _raw_verdicts(kernel, request)
            front_ms = median_ms(lambda: confirmed(raw))  # noqa: B023
            timing = "import time\n_t = time.perf_counter()\n"
            timing += "for _ in range(9): bool(torch.isclose(y, x * 2).all())\n"
            timing += "print((time.perf_counter() - _t) / 9 * 1000)"
            isclose_ms = float(kernel.exec(timing, quiet=True)["output"].strip() or "nan")
            worst = max(worst, front_ms)
            ratio = front_ms / check_ms
            print(
                f"{label:>10}  {check_ms:9.2f}  {front_ms:9.2f}  {isclose_ms:10.3f}  {ratio:10.2f}x"
            )
    finally:
        kernel.close()
    pristine_ms, empty_ms = _pristine_cost()
    print(
        f"pristine torch around a check request: {pristine_ms:.3f} ms "
        f"(an empty with-block: {empty_ms:.4f} ms)"
    )
    verdict = "PASS" if worst < TARGET_MS else "MISS"
    print(
        f"front comparison, worst lesson size: {worst:.2f} ms (target < {TARGET_MS:g} ms) {verdict}"
    )


def _raw_verdicts(kernel: Kernel, request: tuple[list, str]) -> list[Verdict]:  # type: ignore[type-arg]
    """The worker's verdicts with their evidence, as the front receives them before comparing."""
    message = {
        "op": "check",
        "checks": request[0],
        "solution": request[1],
        "code": "",
        "output": "",
        "bound": [],
    }
    reply = kernel._request(message)  # type: ignore[arg-type]
    return list(reply["verdicts"])


def _pristine_cost(rounds: int = 200) -> tuple[float, float]:
    import contextlib

    import numpy
    import torch

    from tutor.kernel.pristine import Pristine

    pristine = Pristine.of(torch, numpy)

    def guarded() -> None:
        with pristine.restored():
            pass

    def empty() -> None:
        with contextlib.nullcontext():
            pass

    return median_ms(guarded, rounds), median_ms(empty, rounds)


if __name__ == "__main__":
    main()
