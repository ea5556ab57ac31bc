"""A wrong answer never passes, whatever the learner's code did to the process it runs in.

Two defences, each tested on its own: while checks run, the worker puts back whatever the
learner replaced in torch, NumPy and the built-ins (tutor.kernel.pristine); and the front
compares plain copies of every passing comparison again (tutor.verify), which also catches a
tensor subclass that answers every comparison with True. Each attack gets its own worker: the
patches last.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tutor.kernel.client import Kernel
from tutor.verify import close, disagreement

GIVEN = "import torch\nfeatures = torch.ones((1, 3))"
SOLUTION = "y = features * 2"
WRONG = "y = features * 3"

ATTACKS = {
    "torch.isclose": "torch.isclose = lambda a, b, **k: torch.ones(a.shape, dtype=torch.bool)",
    "Tensor.all": "torch.Tensor.all = lambda self, *a, **k: torch.tensor(True)",
    "builtins.bool": "import builtins\nbuiltins.bool = lambda *a: True",
    "a tensor subclass": (
        "class Agreeable(torch.Tensor):\n"
        "    @classmethod\n"
        "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
        "        if func is torch.isclose:\n"
        "            return torch.ones(args[0].shape, dtype=torch.bool)\n"
        "        return super().__torch_function__(func, types, args, kwargs or {})\n"
        "y = y.as_subclass(Agreeable)"
    ),
}


@pytest.fixture
def own_kernel() -> Iterator[Kernel]:
    kernel = Kernel(device="cpu")
    kernel.wait_ready()
    yield kernel
    kernel.close()


def run(kernel: Kernel, code: str) -> None:
    reply = kernel.exec(code, quiet=True)
    assert reply["ok"], reply


def check_y(kernel: Kernel, check: tuple[str, dict]) -> list:  # type: ignore[type-arg]
    return kernel.check([check], SOLUTION, code=WRONG)["verdicts"]


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_patched_comparison_does_not_pass_a_wrong_tensor(own_kernel: Kernel, attack: str) -> None:
    run(own_kernel, GIVEN)
    own_kernel.begin_step()
    run(own_kernel, WRONG)
    run(own_kernel, ATTACKS[attack])
    verdicts = check_y(own_kernel, ("matches_solution", {"names": ["y"]}))
    assert not verdicts[-1].passed, verdicts
    assert verdicts[-1].title.startswith("`y` has the wrong values"), verdicts[-1]
    assert any("got 3, expected 2" in line for line in verdicts[-1].details), verdicts[-1]


def test_the_solution_is_computed_with_the_real_torch(own_kernel: Kernel) -> None:
    # `torch.sum` replaced so that a `y` without the weighted sum equals what the solution
    # would compute with the replacement: the solution must run with the real one.
    run(own_kernel, "import torch\nfeatures = torch.ones(1, 3)\nbias = torch.ones(1, 1)")
    own_kernel.begin_step()
    run(own_kernel, "torch.sum = lambda x: torch.tensor(0.0)\ny = bias")
    reply = own_kernel.check(
        [("matches_solution", {"names": ["y"]})], "y = torch.sum(features) + bias", code="y = bias"
    )
    assert not reply["verdicts"][-1].passed, reply
    assert any("replaced `torch.sum`" in note for note in reply["shadowed"]), reply["shadowed"]
    after = own_kernel.exec("print(torch.sum(features))")  # the learner's own code: theirs
    assert after["output"] == "tensor(0.)\n"


def test_the_front_refuses_a_pass_whose_copies_disagree() -> None:
    import struct

    from tutor.checks.base import Verdict
    from tutor.verify import confirmed

    def plain(value: float) -> dict:  # type: ignore[type-arg]
        return {
            "kind": "array",
            "container": "tensor",
            "shape": (1,),
            "dtype": "float32",
            "device": "cpu",
            "complex": False,
            "data": struct.pack("d", value),
        }

    claim = {
        "label": "y",
        "atol": 1e-4,
        "rtol": 1e-4,
        "check_dtype": True,
        "got": plain(3.0),
        "expected": plain(2.0),
    }
    said_yes = Verdict(True, "`y` matches the solution", evidence=(claim,))
    [verdict] = confirmed([said_yes, Verdict(True, "a later check")])
    assert not verdict.passed
    assert verdict.title == "`y` has the wrong values (compared outside your session)"
    assert verdict.details[0] == "got 3, expected 2 at flat index 0"


def test_a_patched_math_isclose_does_not_pass_a_wrong_number(own_kernel: Kernel) -> None:
    run(own_kernel, "import math\nx = 2.0")
    own_kernel.begin_step()
    run(own_kernel, "z = x * 3\nmath.isclose = lambda *a, **k: True")
    verdicts = own_kernel.check([("matches_solution", {"names": ["z"]})], "z = x * 2")["verdicts"]
    assert not verdicts[-1].passed and "wrong value" in verdicts[-1].title


def test_a_literal_value_is_compared_again(own_kernel: Kernel) -> None:
    run(own_kernel, "import torch\ny = torch.zeros(2)\n" + ATTACKS["torch.isclose"])
    verdicts = own_kernel.check([("tensor", {"name": "y", "value": [1.0, 1.0]})])["verdicts"]
    assert not verdicts[-1].passed and "wrong values" in verdicts[-1].title


def test_a_right_answer_still_passes_after_the_same_patches(own_kernel: Kernel) -> None:
    run(own_kernel, GIVEN)
    own_kernel.begin_step()
    run(own_kernel, SOLUTION)
    run(own_kernel, ATTACKS["torch.isclose"])
    verdicts = check_y(own_kernel, ("matches_solution", {"names": ["y"]}))
    assert verdicts[-1].passed and verdicts[-1].evidence == ()  # the front keeps no copies
    assert own_kernel.exec("print(torch.isclose(features, -features).all())")["ok"]


def test_a_subclass_lying_about_its_shape_is_caught(own_kernel: Kernel) -> None:
    run(
        own_kernel,
        "import torch\n"
        "class Tall(torch.Tensor):\n"
        "    @property\n"
        "    def shape(self):\n"
        "        return torch.Size([2, 2])\n"
        "y = torch.zeros(3).as_subclass(Tall)",
    )
    verdicts = own_kernel.check([("tensor", {"name": "y", "shape": [2, 2]})])["verdicts"]
    assert not verdicts[-1].passed and "wrong shape" in verdicts[-1].title, verdicts
    assert "compared outside your session" in verdicts[-1].title  # only the front saw it


def test_the_front_rule_is_torch_isclose() -> None:
    assert close(1.0, 1.0 + 1e-5, 1e-4, 1e-4) and not close(1.0, 1.1, 1e-4, 1e-4)
    assert close(float("nan"), float("nan"), 0, 0) and not close(float("nan"), 1.0, 1, 1)
    assert close(float("inf"), float("inf"), 0, 0) and not close(float("inf"), 1e308, 1, 1)


def test_a_claim_about_a_value_that_could_not_be_copied_fails() -> None:
    claim = {
        "label": "y",
        "got": {"kind": "unreadable", "why": "TypeError"},
        "expected": {"kind": "number", "type": "float", "real": 2.0},
        "atol": 0.0,
        "rtol": 0.0,
        "check_dtype": True,
    }
    assert disagreement(claim) == ["`y` could not be copied out of your session (TypeError)"]


@pytest.mark.parametrize("values", [10, 100_000])
def test_plain_python_and_numpy_agree_on_what_differs(values: int) -> None:
    import struct

    expected = [float(i) for i in range(values)]
    got = list(expected)
    got[7] = float("nan")
    got[values - 1] += 1000.0
    claim = {
        "label": "y",
        "atol": 1e-4,
        "rtol": 1e-4,
        "check_dtype": True,
        "got": _plain(struct.pack(f"{values}d", *got), values),
        "expected": _plain(struct.pack(f"{values}d", *expected), values),
    }
    lines = disagreement(claim)
    assert lines is not None and lines[0] == "`y` has the wrong values"
    assert lines[2] == f"2 of {values} values differ"
    assert "at flat index 7" in lines[1]  # NaN counts as the largest difference


def _plain(data: bytes, values: int) -> dict:  # type: ignore[type-arg]
    return {
        "kind": "array",
        "container": "tensor",
        "shape": (values,),
        "dtype": "float64",
        "device": "cpu",
        "complex": False,
        "data": data,
    }


def test_torch_wrapping_its_own_functions_is_not_called_a_replacement(own_kernel: Kernel) -> None:
    # Building an Adam optimizer imports torch._dynamo, which wraps `torch.manual_seed`.
    run(own_kernel, "import torch\nm = torch.nn.Linear(2, 2)")
    own_kernel.begin_step()
    run(own_kernel, "opt = torch.optim.Adam(m.parameters(), lr=0.01)\nz = 1")
    reply = own_kernel.check([("matches_solution", {"names": ["z"]})], "z = 2")
    assert not any("replaced" in note for note in reply["shadowed"]), reply["shadowed"]


def test_a_malformed_claim_fails_the_check_without_a_traceback() -> None:
    from tutor.checks.base import Verdict
    from tutor.verify import confirmed

    odd = {"label": "y", "got": {"kind": "number", "real": 1.0}, "expected": {"kind": "too_big"}}
    broken = {"label": "z", "got": {}, "expected": {"kind": "array"}}
    for claim in (odd, broken):
        [verdict] = confirmed([Verdict(True, "passed in the worker", evidence=(claim,))])
        assert not verdict.passed and "compared outside your session" in verdict.title
