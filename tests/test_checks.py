"""The check library: each check passing and failing, with the messages a learner reads.

Checks run in-process with the real torch, on namespaces built by running code the way the
worker does: the step's given code once, then the learner's code on one copy and the solution
on another (so both see the same random draws).
"""

from __future__ import annotations

import linecache
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import torch

from tutor.checks import REGISTRY, CheckContext, Verdict, explain_error, run_check

SETUP = "import torch\nimport numpy as np\nfrom torch import nn\nimport torch.nn.functional as F\n"

NEURON = """\
def activation(x):
    return 1/(1+torch.exp(-x))
torch.manual_seed(7)
features = torch.randn((1, 5))
weights = torch.randn_like(features)
bias = torch.randn((1, 1))
"""


def execute(source: str, namespace: dict[str, Any], filename: str) -> None:
    """Run code as the worker does: under a pseudo file name that tracebacks can show."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def run(
    check: str,
    args: Any,
    *,
    given: str = "",
    code: str = "",
    solution: str | None = None,
    output: str = "",
    after: dict[str, Any] | None = None,
) -> Verdict:
    """Run one check as a lesson step would; ``after`` rebinds names once the code has run."""
    before: dict[str, Any] = {"__name__": "__main__"}
    execute(SETUP + given, before, "<given>")
    namespace = dict(before)
    execute(code, namespace, "<input-1>")
    namespace.update(after or {})

    def run_solution() -> dict[str, Any]:
        copy = dict(before)
        execute(solution or "", copy, "<solution>")
        return copy

    ctx = CheckContext(
        namespace=namespace,
        torch=torch,
        numpy=np,
        code=code,
        output=output,
        solution_runner=run_solution if solution is not None else None,
    )
    spec = REGISTRY[check]
    return run_check(spec, ctx, spec.normalise(args))


def raised_by(code: str, namespace: dict[str, Any] | None = None) -> BaseException:
    """The exception learner code raises, with its traceback through `<input-1>`."""
    scope = namespace if namespace is not None else {}
    execute(SETUP, scope, "<given>")
    with pytest.raises(Exception) as info:
        execute(code, scope, "<input-1>")
    return info.value


# ---------------------------------------------------------------------------------------------
# The registry


def test_every_check_is_registered_with_a_one_line_description_and_a_yaml_example() -> None:
    expected = {
        "defined",
        "callable",
        "expression",
        "tensor",
        "matches_solution",
        "shares_memory",
        "function",
        "output",
        "uses",
        "avoids",
        "module",
        "forward",
        "init",
    }
    assert expected <= set(REGISTRY)
    for name in expected:
        spec = REGISTRY[name]
        schema = spec.json_schema()
        mapping = schema["anyOf"][0] if "anyOf" in schema else schema
        assert mapping["description"].endswith("."), name
        assert f"- {name}:" in spec.doc, name


def test_importing_the_checks_does_not_import_torch_or_numpy() -> None:
    probe = "import sys, tutor.checks; print('torch' in sys.modules, 'numpy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
        check=True,
    )
    assert result.stdout.split() == ["False", "False"]


def test_dtype_and_device_are_offered_as_choices_in_the_schema() -> None:
    properties = REGISTRY["tensor"].json_schema()["properties"]
    assert "float32" in properties["dtype"]["enum"]
    assert properties["device"]["enum"] == ["cpu", "cuda", "mps", "worker"]


# ---------------------------------------------------------------------------------------------
# defined, callable, expression


def test_defined_confirms_the_name_and_what_it_holds() -> None:
    verdict = run("defined", "features", given=NEURON)
    assert verdict == Verdict(True, "`features` is defined (a tensor, shape (1, 5))")


def test_a_missing_name_says_to_create_it() -> None:
    verdict = run("defined", {"name": "y"}, given=NEURON)
    assert verdict == Verdict(False, "`y` is not defined yet", ("Create `y` first.",))


def test_callable_accepts_a_function() -> None:
    assert run("callable", "activation", given=NEURON).title == "`activation` can be called"


def test_a_value_where_a_function_was_asked_for_is_named() -> None:
    verdict = run("callable", "activation", code="activation = 0.5")
    assert verdict == Verdict(
        False,
        "`activation` is a float, not a function",
        ("Define it with `def activation(...):` and `return` the result from it.",),
    )


def test_expression_passes_and_says_what_held() -> None:
    verdict = run("expression", {"expr": "features.shape[1] == 5", "message": "m"}, given=NEURON)
    assert verdict == Verdict(True, "`features.shape[1] == 5` holds")


def test_expression_fails_with_the_authors_message() -> None:
    args = {"expr": "len(sizes) == 2", "message": "`sizes` should list two hidden sizes."}
    verdict = run("expression", args, code="sizes = [128]")
    assert verdict == Verdict(False, "`sizes` should list two hidden sizes.")


def test_an_expression_that_raises_reports_the_error() -> None:
    verdict = run("expression", {"expr": "features.shape[5] == 1", "message": "m"}, given=NEURON)
    assert not verdict.passed
    assert verdict.title == "`features.shape[5] == 1` could not be checked: it raised IndexError"
    assert verdict.details == ("tuple index out of range",)


def test_an_expression_on_a_missing_name_says_it_is_not_defined() -> None:
    verdict = run("expression", {"expr": "y > 0", "message": "Compute `y`."})
    assert verdict == Verdict(False, "`y` is not defined yet", ("Compute `y`.",))


def test_rebinding_len_or_torch_does_not_break_an_expression() -> None:
    args = {"expr": "len(features) == 1 and torch.is_tensor(features)", "message": "m"}
    verdict = run("expression", args, given=NEURON, after={"len": None, "torch": 5})
    assert verdict.passed


# ---------------------------------------------------------------------------------------------
# tensor

NEURON_Y = "y = activation(torch.sum(features * weights) + bias)"


def test_the_seed_7_neuron_passes_with_its_shape_and_value() -> None:
    args = {"name": "y", "shape": [1, 1], "value": [[0.1595]], "atol": 0.0001}
    verdict = run("tensor", args, given=NEURON, code=NEURON_Y)
    assert verdict == Verdict(True, "`y`: shape (1, 1), value 0.1595")


def test_a_forgotten_bias_in_the_neuron_is_named_by_its_shape() -> None:
    args = {"name": "y", "shape": [1, 1], "value": [[0.1595]]}
    verdict = run(
        "tensor", args, given=NEURON, code="y = activation(torch.sum(features * weights))"
    )
    assert verdict == Verdict(
        False,
        "`y` has the wrong shape",
        (
            "expected (1, 1)",
            "got      ()",
            "A sum over every element gives a tensor with no dimensions, shape ().",
            "Adding a (1, 1) tensor, such as a bias, makes it (1, 1): is a `+ bias` missing? "
            "(Only if nothing is to be added, reshape with `.view(1, 1)`.)",
        ),
    )


def test_reversed_sizes_from_a_call_say_to_give_them_in_order() -> None:
    verdict = run("tensor", {"name": "w", "shape": [1, 5]}, code="w = torch.ones(5, 1)")
    assert verdict.details == (
        "expected (1, 5)",
        "got      (5, 1)",
        "Its two sizes are the other way round.",
        "Give them in the other order: `torch.ones(1, 5)`.",
    )


def test_a_dropped_summed_dimension_is_named() -> None:
    verdict = run("tensor", {"name": "s", "shape": [64, 1]}, code="s = torch.ones(64, 10).sum(1)")
    assert verdict.details == (
        "expected (64, 1)",
        "got      (64,)",
        "The summed dimension was dropped.",
        "Keep it: `.view(-1, 1)` or `keepdim=True`.",
    )


def test_a_reduction_broadcast_across_the_columns_is_named_as_in_the_design() -> None:
    code = "probabilities = torch.ones(64, 1) / torch.ones(64, 10).sum(dim=1)"
    solution = "probabilities = torch.ones(64, 10) / torch.ones(64, 10).sum(dim=1, keepdim=True)"
    verdict = run("matches_solution", ["probabilities"], code=code, solution=solution)
    assert verdict == Verdict(
        False,
        "`probabilities` has the wrong shape",
        (
            "expected (64, 10)",
            "got      (64, 64)",
            "Dividing a (64, 10) tensor by a (64,) sum broadcasts across the columns, not down "
            "the rows.",
            "Keep the summed dimension: `torch.sum(x, dim=1).view(-1, 1)`  or  `keepdim=True`.",
        ),
    )


def test_a_column_and_a_row_broadcast_to_a_square_is_named() -> None:
    verdict = run(
        "tensor", {"name": "d", "shape": [64, 1]}, code="d = torch.ones(64, 1) - torch.ones(64)"
    )
    assert (
        verdict.details[2]
        == "A (64, 1) tensor combined with a (64,) tensor broadcasts to (64, 64)."
    )


def test_the_right_values_in_the_wrong_arrangement_suggest_view() -> None:
    code = "images = torch.ones(64, 1, 28, 28)"
    verdict = run("tensor", {"name": "images", "shape": [64, 784]}, code=code)
    assert verdict.details[2:] == (
        "It has the right number of values (50176) in a different arrangement.",
        "Reshape it with `.view(64, 784)` or `.reshape(64, 784)`.",
    )


def test_float64_from_numpy_is_named() -> None:
    code = "x = torch.from_numpy(np.ones((2, 3)))"
    verdict = run("tensor", {"name": "x", "dtype": "float32"}, code=code)
    assert verdict == Verdict(
        False,
        "`x` has the wrong dtype",
        (
            "expected float32",
            "got      float64",
            "NumPy arrays are float64; `torch.from_numpy` keeps that.",
            "Use `.float()`.",
        ),
    )


def test_integers_where_floats_were_asked_for_are_named() -> None:
    verdict = run("tensor", {"name": "x", "dtype": "float32"}, code="x = torch.tensor([1, 2])")
    assert verdict.details[2:] == (
        "Tensors made from whole numbers, such as `torch.tensor([1, 2])`, hold integers.",
        "Write the numbers with a decimal point (`1.0`), or use `.float()`.",
    )


def test_a_tensor_on_the_wrong_device_says_how_to_move_it() -> None:
    verdict = run("tensor", {"name": "x", "device": "cuda"}, code="x = torch.ones(2)")
    assert verdict == Verdict(
        False,
        "`x` is on the wrong device",
        (
            "expected cuda",
            "got      cpu",
            "Move it with `x.to(device)`: `device` is the tutor's chosen device.",
        ),
    )


def test_the_worker_device_is_the_one_the_tutor_chose() -> None:
    code = "device = torch.device('cpu')\nx = torch.ones(2).to(device)"
    verdict = run("tensor", {"name": "x", "device": "worker"}, code=code)
    assert verdict == Verdict(True, "`x`: shape (2,), on cpu")


def test_requires_grad_missing_says_how_to_turn_it_on() -> None:
    verdict = run("tensor", {"name": "w", "requires_grad": True}, code="w = torch.ones(3)")
    assert verdict == Verdict(
        False,
        "`w` does not track gradients",
        ("Create it with `requires_grad=True`, or call `w.requires_grad_()`.",),
    )


def test_values_report_the_largest_difference_and_where() -> None:
    code = "p = torch.tensor([[0.1, 0.7311], [0.2, 0.3]])"
    args = {"name": "p", "value": [[0.1, 0.4811], [0.2, 0.3]]}
    verdict = run("tensor", args, code=code)
    assert verdict == Verdict(
        False,
        "`p` has the wrong values",
        ("largest difference 0.25 at [0, 1]: got 0.7311, expected 0.4811", "1 of 4 values differ"),
    )


def test_a_close_miss_mentions_the_tolerance() -> None:
    verdict = run("tensor", {"name": "y", "value": 0.1595}, code="y = torch.tensor(0.1597)")
    assert verdict == Verdict(
        False,
        "`y` has the wrong value",
        (
            "got 0.1597, expected 0.1595",
            "That is close, but outside the tolerance (atol 0.0001, rtol 0.0001).",
        ),
    )


def test_one_number_as_value_means_every_element() -> None:
    assert run("tensor", {"name": "b", "value": 0}, code="b = torch.zeros(3, 2)").passed
    assert not run("tensor", {"name": "b", "value": 0}, code="b = torch.ones(3, 2)").passed


def test_nan_values_are_named() -> None:
    code = "y = torch.tensor([1.0, float('nan'), 3.0])"
    verdict = run("tensor", {"name": "y", "value": [1.0, 2.0, 3.0]}, code=code)
    assert verdict.title == "`y` contains NaN"
    assert verdict.details[0] == "1 of 3 values are NaN (not a number), the first at [1]."


def test_a_list_where_a_tensor_was_asked_for_is_named() -> None:
    verdict = run("tensor", {"name": "y", "shape": [1]}, code="y = [0.1595]")
    assert verdict == Verdict(
        False,
        "`y` is a list, not a tensor",
        ("Make one with `torch.tensor(...)`, or compute it with tensor ops.",),
    )


def test_a_number_taken_out_with_item_is_named() -> None:
    verdict = run("tensor", {"name": "y"}, code="y = 0.1595")
    assert verdict.title == "`y` is a float (0.1595), not a tensor"


def test_a_learner_who_rebinds_torch_or_len_does_not_break_the_tensor_check() -> None:
    args = {"name": "y", "shape": [1, 1], "dtype": "float32", "value": [[0.1595]]}
    verdict = run("tensor", args, given=NEURON, code=NEURON_Y, after={"torch": 5, "len": None})
    assert verdict == Verdict(True, "`y`: shape (1, 1), float32, value 0.1595")


# ---------------------------------------------------------------------------------------------
# matches_solution


def test_matching_the_solution_passes_with_what_was_confirmed() -> None:
    code = "y = activation(torch.mm(features, weights.view(5, 1)) + bias)"
    solution = "y = activation(torch.mm(features, weights.T) + bias)"
    verdict = run("matches_solution", ["y"], given=NEURON, code=code, solution=solution)
    assert verdict == Verdict(True, "`y` matches the solution: shape (1, 1), value 0.1595")


def test_the_learners_own_random_draws_are_judged_fairly() -> None:
    given = "x = torch.randn(4, 3)\n"  # no seed: the solution must see the learner's draw
    verdict = run("matches_solution", ["h"], given=given, code="h = x * 2", solution="h = 2 * x")
    assert verdict.passed


def test_forgetting_the_bias_is_named_in_feedback() -> None:
    given = "torch.manual_seed(1)\nx = torch.randn(4, 3)\nb = 0.31\n"
    verdict = run(
        "matches_solution", ["h"], given=given, code="h = x * 2", solution="h = x * 2 + b"
    )
    assert verdict.title == "`h` has the wrong values"
    assert verdict.details[0] == (
        "Every value is 0.31 lower than it should be: did you forget to add the bias?"
    )
    assert verdict.details[-1] == "12 of 12 values differ"


def test_forgetting_a_bias_per_column_is_named() -> None:
    given = "x = torch.randn(8, 3)\nb = torch.tensor([0.5, -1.0, 0.25])\n"
    # `h += 0` keeps the code from being read again: the pattern of the difference names it
    code = "h = x.clone()\nh += 0"
    verdict = run("matches_solution", ["h"], given=given, code=code, solution="h = x + b")
    assert verdict.details[0] == (
        "Every row is off by the same amounts (-0.5, 1, -0.25, yours minus expected): "
        "did you forget to add the bias?"
    )


def test_softmax_over_the_batch_is_named_from_the_values() -> None:
    given = "x = torch.randn(64, 10)\n"
    code = "p = torch.exp(x) / torch.exp(x).sum(dim=0)"
    solution = "p = torch.exp(x) / torch.exp(x).sum(dim=1, keepdim=True)"
    verdict = run("matches_solution", ["p"], given=given, code=code, solution=solution)
    assert verdict.details[0] == (
        "The columns of `p` sum to 1 instead of its rows: the softmax is taken over `dim=0`, the "
        "batch. Use `dim=1`, so each row sums to 1."
    )


def test_a_transposed_square_result_is_named() -> None:
    given = "a = torch.randn(3, 3)\nb = torch.randn(3, 3)\n"
    verdict = run(
        "matches_solution", ["c"], given=given, code="c = b.T @ a.T", solution="c = a @ b"
    )
    assert verdict.details[:2] == (
        "`b.T @ a.T` is the transpose of the product the step asks for.",
        "Write `a @ b` instead.",
    )


def test_float64_from_numpy_is_named_when_matching_the_solution() -> None:
    given = "a = np.random.rand(4, 3)\n"
    code, solution = "b = torch.from_numpy(a)", "b = torch.from_numpy(a).float()"
    verdict = run("matches_solution", ["b"], given=given, code=code, solution=solution)
    assert verdict.details[2] == "NumPy arrays are float64; `torch.from_numpy` keeps that."


def test_numbers_lists_and_plain_values_are_compared_too() -> None:
    assert run("matches_solution", ["n"], code="n = 3.0", solution="n = 3").passed
    verdict = run(
        "matches_solution", ["sizes"], code="sizes = [128, 32]", solution="sizes = [128, 64]"
    )
    assert verdict == Verdict(False, "`sizes[1]` has the wrong value", ("got 32, expected 64",))
    verdict = run("matches_solution", ["name"], code="name = 'relu'", solution="name = 'tanh'")
    assert verdict.details == ("got      'relu'", "expected 'tanh'")


def test_a_tensor_where_a_number_was_expected_suggests_item() -> None:
    verdict = run(
        "matches_solution", ["total"], code="total = torch.tensor(6.0)", solution="total = 6.0"
    )
    assert verdict == Verdict(
        False, "`total` is a tensor, not a number", ("Use `.item()` to take the number out of it.",)
    )


def test_a_tensor_where_an_array_was_expected_suggests_numpy() -> None:
    given = "t = torch.ones(2)\n"
    verdict = run("matches_solution", ["a"], given=given, code="a = t", solution="a = t.numpy()")
    assert verdict == Verdict(
        False, "`a` is a tensor, not a NumPy array", ("Convert it with `a.numpy()`.",)
    )


def test_several_names_are_confirmed_together() -> None:
    code = solution = "a = torch.ones(2)\nb = 2"
    verdict = run("matches_solution", {"names": ["a", "b"]}, code=code, solution=solution)
    assert verdict == Verdict(
        True, "`a`, `b` match the solution", ("`a`: shape (2,)", "`b`: value 2")
    )


# ---------------------------------------------------------------------------------------------
# shares_memory


def test_from_numpy_shares_memory_even_after_an_in_place_change() -> None:
    code = "a = np.random.rand(4, 3)\nb = torch.from_numpy(a)\nb.mul_(2)"
    verdict = run("shares_memory", ["a", "b"], code=code)
    assert verdict == Verdict(True, "`a` and `b` share memory: changing one changes the other")


def test_a_copy_made_with_torch_tensor_is_explained() -> None:
    code = "a = np.random.rand(4, 3)\nb = torch.tensor(a)"
    verdict = run("shares_memory", ["a", "b"], code=code)
    assert verdict == Verdict(
        False,
        "`a` and `b` do not share memory",
        (
            "One holds a copy of the other's data, so changing one leaves the other as it was.",
            "`torch.tensor(a)` copies the array, whereas `torch.from_numpy(a)` shares its memory: "
            "make `b` with `torch.from_numpy(a)`.",
        ),
    )


def test_numpy_of_a_tensor_shares_memory() -> None:
    code = "t = torch.ones(3)\nn = t.numpy()"
    assert run("shares_memory", ["t", "n"], code=code).passed
    verdict = run("shares_memory", ["t", "n"], code="t = torch.ones(3)\nn = t.numpy().copy()")
    assert verdict.details[1].startswith("`np.array(t)` copies the tensor, whereas `t.numpy()`")


def test_shares_memory_names_a_value_that_is_not_an_array() -> None:
    verdict = run("shares_memory", ["a", "b"], code="a = [1, 2]\nb = torch.ones(2)")
    assert verdict == Verdict(False, "`a` is a list, not a tensor or NumPy array")


# ---------------------------------------------------------------------------------------------
# function


SIGMOID = "def activation(x):\n    return 1/(1+torch.exp(-x))\n"
SOFTMAX = "def softmax(x):\n    return torch.exp(x)/torch.sum(torch.exp(x), dim=1).view(-1, 1)\n"


def test_a_function_matching_the_solution_passes() -> None:
    args = {"name": "activation", "inputs": ["torch.tensor([-2.0, 0.0, 3.0])"]}
    verdict = run("function", args, code=SIGMOID, solution=SIGMOID)
    assert verdict == Verdict(
        True, "`activation(torch.tensor([-2.0, 0.0, 3.0]))` matches the solution: shape (3,)"
    )


def test_a_function_that_differs_is_reported_with_the_input() -> None:
    wrong = "def activation(x):\n    return 1/(1+torch.exp(x))\n"
    args = {"name": "activation", "inputs": ["torch.zeros(2)", "torch.tensor([-2.0, 0.0, 3.0])"]}
    verdict = run("function", args, code=wrong, solution=SIGMOID)
    assert verdict == Verdict(
        False,
        "`activation(torch.tensor([-2.0, 0.0, 3.0]))` has the wrong values",
        (
            "Every value is 1 minus the expected one, as when a sign is flipped inside a "
            "sigmoid: `torch.exp(-x)`, not `torch.exp(x)`.",
            "largest difference 0.9051 at [2]: got 0.0474, expected 0.9526",
            "2 of 3 values differ",
        ),
    )


def test_an_error_inside_the_learners_function_shows_its_line_and_cause() -> None:
    code = "def softmax(x):\n    return torch.exp(x)/torch.sum(torch.exp(x), dim=1)\n"
    verdict = run(
        "function",
        {"name": "softmax", "inputs": ["torch.randn(64, 10)"]},
        code=code,
        solution=SOFTMAX,
    )
    assert verdict.title == (
        "`softmax` raised RuntimeError: The size of tensor a (10) must match the size of tensor "
        "b (64) at non-singleton dimension 1"
    )
    assert verdict.details[:2] == (
        "input: `torch.randn(64, 10)`",
        "line 2: `return torch.exp(x)/torch.sum(torch.exp(x), dim=1)`",
    )
    assert "`.view(-1, 1)` or `keepdim=True`" in verdict.details[-1]


def test_a_function_returning_none_asks_about_return() -> None:
    code = "def activation(x):\n    y = 1/(1+torch.exp(-x))\n"
    verdict = run(
        "function",
        {"name": "activation", "inputs": ["torch.zeros(2)"]},
        code=code,
        solution=SIGMOID,
    )
    assert verdict == Verdict(
        False,
        "`activation(torch.zeros(2))` returned None",
        ("Did you forget to `return` the result from `activation`?",),
    )


def test_random_inputs_are_shared_and_leave_the_learners_random_state_alone() -> None:
    state = torch.random.get_rng_state()
    args = {"name": "softmax", "inputs": ["torch.randn(64, 10)"]}
    verdict = run("function", args, code=SOFTMAX, solution=SOFTMAX)
    assert verdict.passed
    assert torch.equal(torch.random.get_rng_state(), state)


def test_a_function_changing_its_input_in_place_does_not_leak() -> None:
    learner: dict[str, Any] = {}
    execute(
        SETUP + "out = torch.ones(3)\ndef double(x):\n    return x.mul_(2)\n", learner, "<input-1>"
    )
    solution: dict[str, Any] = {}
    execute(SETUP + "def double(x):\n    return x * 2\n", solution, "<solution>")
    ctx = CheckContext(namespace=learner, torch=torch, numpy=np, solution_runner=lambda: solution)
    verdict = run_check(REGISTRY["function"], ctx, {"name": "double", "inputs": ["out", "out"]})
    assert verdict == Verdict(True, "`double` matches the solution on 2 inputs")
    assert torch.equal(learner["out"], torch.ones(3))


def test_keyword_arguments_can_be_given_in_an_input() -> None:
    code = solution = "def total(x, dim=0):\n    return x.sum(dim=dim)\n"
    args = {"name": "total", "inputs": ["torch.ones(2, 3), dim=1"]}
    verdict = run("function", args, code=code, solution=solution)
    assert verdict.title == "`total(torch.ones(2, 3), dim=1)` matches the solution: shape (2,)"


def test_a_rebound_torch_is_named_when_the_function_fails_because_of_it() -> None:
    args = {"name": "activation", "inputs": ["torch.tensor([-2.0, 0.0, 3.0])"]}
    verdict = run("function", args, code=SIGMOID, solution=SIGMOID, after={"torch": 5})
    assert (
        verdict.title == "`activation` raised AttributeError: 'int' object has no attribute 'exp'"
    )
    assert verdict.details[-2:] == (
        "`torch` is 5 now, not the PyTorch module, so `torch.exp` does not exist.",
        "Run `import torch` again to get it back.",
    )


def test_a_rebound_len_does_not_break_the_function_check() -> None:
    args = {"name": "activation", "inputs": ["torch.zeros(len([1, 2]))"]}
    verdict = run("function", args, code=SIGMOID, solution=SIGMOID, after={"len": None})
    assert verdict.passed


def test_a_function_check_on_a_value_says_it_is_not_a_function() -> None:
    verdict = run(
        "function", {"name": "activation", "inputs": ["1"]}, code="activation = 3", solution=SIGMOID
    )
    assert verdict.title == "`activation` is an int, not a function"


def test_an_input_naming_a_missing_variable_says_so() -> None:
    verdict = run(
        "function", {"name": "softmax", "inputs": ["out"]}, code=SOFTMAX, solution=SOFTMAX
    )
    assert verdict == Verdict(
        False, "`out` is not defined yet", ("The check's input `out` needs it.",)
    )


# ---------------------------------------------------------------------------------------------
# output


def test_output_containing_the_text_passes() -> None:
    verdict = run("output", "0.1595", output="tensor([[0.1595]])\n")
    assert verdict == Verdict(True, "The output shows `0.1595`")


def test_nothing_printed_says_how_to_show_a_value() -> None:
    verdict = run("output", "0.1595")
    assert verdict == Verdict(
        False,
        "The output does not show `0.1595`",
        ("Nothing was printed in this step. Show a value with `print(...)`.",),
    )


def test_output_that_differs_quotes_its_last_lines() -> None:
    args = {"pattern": r"Size\(\[64, 784\]\)", "message": "Print the new shape of `images`."}
    verdict = run("output", args, output="a\nb\ntorch.Size([64, 1, 28, 28])\n")
    assert verdict == Verdict(
        False,
        "Print the new shape of `images`.",
        ("The output ends with:", "  a", "  b", "  torch.Size([64, 1, 28, 28])"),
    )


def test_output_pattern_passes_and_shows_the_match() -> None:
    verdict = run("output", {"pattern": r"0\.15\d+"}, output="tensor([[0.1595]])\n")
    assert verdict == Verdict(True, "The output shows `0.1595`")


def test_an_invalid_pattern_is_reported_to_the_author() -> None:
    verdict = run("output", {"pattern": "("}, output="x")
    assert verdict.title.startswith("The check's `pattern` is not a valid regular expression")


# ---------------------------------------------------------------------------------------------
# uses, avoids


MATMUL = ["torch.mm", "torch.matmul", "@"]


@pytest.mark.parametrize(
    "code",
    [
        "y = torch.mm(features, weights.view(5, 1))",
        "y = features.mm(weights.T)",
        "y = features @ weights.T",
        "import torch as t\ny = t.matmul(features, weights.T)",
        "from torch import mm\ny = mm(features, weights.T)",
    ],
)
def test_a_matrix_multiplication_is_recognised_however_it_is_written(code: str) -> None:
    assert run("uses", MATMUL, given=NEURON, code=code).passed


def test_uses_says_what_to_use_when_it_is_missing() -> None:
    verdict = run("uses", MATMUL, given=NEURON, code="y = torch.sum(features * weights)")
    assert verdict == Verdict(
        False,
        "Your code does not use `torch.mm`, `torch.matmul` or `@`",
        ("Rewrite the computation with `torch.mm`, `torch.matmul` or `@`.",),
    )


def test_uses_takes_the_authors_message_as_its_title() -> None:
    message = "Compute `y` with a matrix multiplication: `torch.mm`, `torch.matmul` or `@`."
    args = {"any_of": MATMUL, "message": message}
    verdict = run("uses", args, given=NEURON, code="y = (features * weights).sum()")
    assert verdict == Verdict(False, message)


def test_uses_passes_with_the_line_it_found() -> None:
    code = "w = weights.view(5, 1)\ny = torch.mm(features, w)"
    verdict = run("uses", ["view", "reshape"], given=NEURON, code=code)
    assert verdict == Verdict(True, "Your code uses `view` (line 1)")


@pytest.mark.parametrize(
    ("code", "target"),
    [
        ("class N:\n    def f(self, x):\n        return self.sigmoid(x)", "F.sigmoid"),
        ("class N:\n    def f(self, x):\n        return self.sigmoid(x)", "torch.sigmoid"),
        ("y = features.relu()", "F.relu"),
    ],
)
def test_a_module_part_or_a_tensor_method_is_not_a_functional_call(code: str, target: str) -> None:
    # `self.sigmoid(x)` calls an `nn.Sigmoid()` part; `F.relu` has no tensor-method twin
    assert not run("uses", [target], given=NEURON, code=code).passed


def test_a_tensor_method_still_counts_as_its_torch_function() -> None:
    assert run("uses", ["torch.sigmoid"], given=NEURON, code="y = features.sigmoid()").passed
    assert run("uses", ["torch.Tensor.numpy"], given=NEURON, code="a = features.numpy()").passed


def test_numpy_sum_does_not_count_as_torch_sum() -> None:
    assert not run("uses", ["torch.sum"], code="import numpy as np\ns = np.sum([1, 2])").passed


def test_a_loop_is_found_with_its_line() -> None:
    code = "s = 0\nfor i in range(3):\n    s += i\n"
    verdict = run("avoids", ["for", "while"], code=code)
    assert verdict == Verdict(
        False,
        "Your code uses a `for` loop (line 2)",
        ("This step asks for tensor operations, which work on every element at once.",),
    )


def test_a_comprehension_counts_as_a_for_loop() -> None:
    assert not run("avoids", ["for"], code="s = sum([i for i in range(3)])").passed


def test_code_without_loops_passes_avoids() -> None:
    verdict = run("avoids", ["for", "while"], code="s = torch.arange(3).sum()")
    assert verdict == Verdict(True, "No `for` loop or `while` loop in your code")


def test_code_that_cannot_be_parsed_is_said_so() -> None:
    ctx = CheckContext(namespace={}, torch=torch, numpy=np, code="y = (1 +")
    verdict = run_check(REGISTRY["avoids"], ctx, {"any_of": ["for"]})
    assert verdict.title == "Your code for this step could not be read as Python"


# ---------------------------------------------------------------------------------------------
# explain_error


def test_mm_size_mismatch_names_the_shapes_and_suggests_view() -> None:
    error = raised_by(NEURON + "y = torch.mm(features, weights)\n")
    assert explain_error(error, {}) == [
        "`torch.mm(features, weights)` cannot multiply (1, 5) by (1, 5): the inner sizes must "
        "match (5 and 1).",
        "Reshape `weights` to (5, 1) first, with `weights.view(5, 1)` (or `.reshape`, or `.T`).",
    ]


def test_the_matmul_operator_is_explained_the_same_way() -> None:
    error = raised_by(NEURON + "y = features @ weights\n")
    assert explain_error(error, {})[0].startswith("`features @ weights` cannot multiply (1, 5)")


def test_a_layer_given_unflattened_images_suggests_flattening() -> None:
    error = raised_by("nn.Linear(784, 128)(torch.ones(64, 1, 28, 28))\n")
    assert explain_error(error, {}) == [
        "A layer that takes 784 inputs per row got rows of 28 values (input seen as (1792, 28)).",
        "Flatten the input to 784 values per row first, for example "
        "`images.view(images.shape[0], -1)`.",
    ]


def test_a_broadcast_mismatch_suggests_keeping_the_summed_dimension() -> None:
    error = raised_by("x = torch.ones(64, 10)\np = x / x.sum(dim=1)\n")
    assert explain_error(error, {}) == [
        "Broadcasting matches shapes from the last dimension backwards: at dimension 1 one "
        "tensor has size 10 and the other 64, and neither is 1.",
        "If one of them is a sum over `dim=1` with shape (64,), keep the summed dimension so it "
        "has shape (64, 1): `.view(-1, 1)` or `keepdim=True`.",
    ]


def test_double_and_float_mixed_points_at_numpy() -> None:
    error = raised_by("y = torch.mm(torch.ones(2, 2, dtype=torch.float64), torch.ones(2, 2))\n")
    assert explain_error(error, {}) == [
        "One tensor is float64 and the other float32, and this operation needs one.",
        "NumPy arrays are float64, and `torch.from_numpy` keeps that.",
        "Convert the float64 one with `.float()`.",
    ]


def test_a_device_mismatch_says_to_move_the_tensors() -> None:
    error = RuntimeError(
        "Expected all tensors to be on the same device, but found at least two devices, "
        "cuda:0 and cpu!"
    )
    assert explain_error(error, {}) == [
        "Some tensors are on cuda:0 and others on cpu; an operation needs them together.",
        "Move them all with `.to(device)`: `device` is the tutor's chosen device.",
    ]


def test_a_misspelt_name_suggests_the_close_one() -> None:
    namespace: dict[str, Any] = {"activation": None}
    error = raised_by("y = activaton(1)\n", namespace)
    assert explain_error(error, namespace) == [
        "There is no `activaton` yet. Did you mean `activation`?"
    ]


def test_a_missing_import_gives_the_import_line() -> None:
    assert explain_error(NameError("name 'np' is not defined", name="np"), {}) == [
        "`np` is not imported yet: run `import numpy as np`."
    ]


def test_a_forgotten_super_init_is_explained_where_the_model_is_built() -> None:
    code = (
        "class Network(nn.Module):\n"
        "    def __init__(self):\n"
        "        self.fc1 = nn.Linear(2, 3)\n"
        "model = Network()\n"
    )
    lines = explain_error(raised_by(code), {})
    assert lines[-1] == (
        "Add `super().__init__()` as the first line of `__init__`, then create the model again."
    )


def test_view_on_a_transposed_tensor_suggests_reshape() -> None:
    error = raised_by("x = torch.ones(2, 3).T.view(6)\n")
    assert explain_error(error, {})[-1] == "Use `.reshape(...)`, which copies when it must."


def test_a_shadowed_builtin_is_named() -> None:
    namespace: dict[str, Any] = {}
    error = raised_by("len = 5\nn = len([1, 2])\n", namespace)
    assert explain_error(error, namespace) == [
        "`len` is 5 in your namespace, which hides Python's `len`.",
        "Remove it with `del len`.",
    ]


def test_an_unrecognised_error_gets_no_extra_lines() -> None:
    assert explain_error(ZeroDivisionError("division by zero"), {}) == []


def test_uses_on_an_empty_attempt_says_nothing_has_run() -> None:
    verdict = run("uses", MATMUL, code="")
    assert verdict == Verdict(
        False,
        "This step asks for `torch.mm`, `torch.matmul` or `@`",
        ("You have not run any code yet.",),
    )


def test_avoids_can_forbid_a_call() -> None:
    verdict = run("avoids", ["np.sum"], code="s = np.sum(np.ones(3))")
    assert verdict == Verdict(
        False,
        "Your code uses `np.sum` (line 1)",
        ("This step asks you to do it without `np.sum`.",),
    )


def test_a_failing_solution_is_reported_to_the_author() -> None:
    broken = "def activation(x):\n    return 1 / 0\n"
    verdict = run(
        "function", {"name": "activation", "inputs": ["1"]}, code=SIGMOID, solution=broken
    )
    assert verdict.title == "The step's solution `activation` raised ZeroDivisionError on `1`"


def test_dicts_are_compared_key_by_key() -> None:
    code, solution = "d = {'w': torch.ones(2)}", "d = {'w': torch.ones(3)}"
    verdict = run("matches_solution", ["d"], code=code, solution=solution)
    assert verdict.title == "`d['w']` has the wrong shape"
    verdict = run("matches_solution", ["d"], code="d = {'v': 1}", solution="d = {'w': 1}")
    assert verdict.details == ("missing: 'w'", "not wanted: 'v'")


def _raised(code: str) -> BaseException:
    try:
        exec(code, {"torch": torch})
    except Exception as error:
        return error
    raise AssertionError("the code did not raise")


def test_importing_torchvision_is_answered_with_what_the_tutor_provides() -> None:
    lines = explain_error(_raised("import torchvision"), {})
    assert lines[0] == "`torchvision` is not needed in the tutor."
    assert "trainloader" in lines[1]


def test_the_notebooks_dataiter_next_is_explained() -> None:
    lines = explain_error(_raised("iter([1]).next()"), {})
    assert lines[-1] == "Use the built-in instead: `images, labels = next(dataiter)`."


def test_a_missing_batch_dimension_is_explained() -> None:
    lines = explain_error(_raised("torch.softmax(torch.ones(3), dim=1)"), {})
    assert lines[0] == "The tensor here has 1 dimension, so that `dim` does not exist."


def test_an_expression_can_name_what_it_confirmed() -> None:
    ctx = CheckContext(namespace={"a": 2}, torch=torch, numpy=np)
    verdict = run_check(REGISTRY["expression"], ctx, {"expr": "a == 2", "success": "`a` is two"})
    assert verdict == Verdict(True, "`a` is two")


def test_a_sigmoid_with_the_sign_flipped_is_named() -> None:
    from tutor.checks.compare import compare_values

    x = torch.tensor([-2.0, 0.5, 3.0])
    verdict = compare_values("y", torch.sigmoid(-x), torch.sigmoid(x), 1e-4, 1e-4, torch)
    assert verdict is not None and "`torch.exp(-x)`, not `torch.exp(x)`" in " ".join(
        verdict.details
    )
    verdict = compare_values("y", -x, x, 1e-4, 1e-4, torch)
    assert verdict is not None and "wrong sign" in " ".join(verdict.details)


def test_a_dimension_dropped_by_argmax_names_argmax() -> None:
    code = "top_class = torch.ones(64, 10).argmax(dim=1)"
    verdict = run("tensor", {"name": "top_class", "shape": [64, 1]}, code=code)
    assert verdict.details[2:] == (
        "`argmax` dropped the dimension it reduced.",
        "Keep it: `argmax(dim=1, keepdim=True)`, or `.view(-1, 1)` on the result.",
    )


def test_a_dimension_dropped_by_squeeze_names_squeeze() -> None:
    code = "equals = torch.ones(64, 1).squeeze(1) == torch.ones(64)"
    verdict = run("tensor", {"name": "equals", "shape": [64, 1]}, code=code)
    assert verdict.details[2] == "`squeeze` removed the dimension of size 1 the step keeps."


def test_a_bias_added_as_a_python_number_is_named() -> None:
    code = "y = activation(torch.sum(features * weights) + bias.item())"
    verdict = run("tensor", {"name": "y", "shape": [1, 1]}, given=NEURON, code=code)
    assert verdict.details[2:] == (
        "`.item()` turns a tensor into a plain Python number, so adding it keeps the shape () "
        "of the sum.",
        "Add the tensor itself (`+ bias`, not `+ bias.item()`) to get (1, 1).",
    )


def test_operands_the_wrong_way_round_are_told_to_swap() -> None:
    code = "features = torch.randn(1, 3)\nW1 = torch.randn(3, 2)\nh = W1 @ features\n"
    assert explain_error(raised_by(code), {}) == [
        "`W1 @ features` cannot multiply (3, 2) by (1, 3): the inner sizes must match (2 and 1).",
        "The other order works: (1, 3) by (3, 2) gives (1, 2). In a product the data comes "
        "first: put `features` first.",
    ]


def test_an_expression_with_when_confirms_nothing_where_it_does_not_apply() -> None:
    args = {
        "when": "isinstance(criterion, nn.NLLLoss)",
        "expr": "False",
        "message": "NLLLoss wants log-probabilities",
        "success": "NLLLoss gets log-probabilities",
    }
    other = run("expression", args, code="criterion = nn.CrossEntropyLoss()")
    assert other == Verdict(True, "")
    nll = run("expression", args, code="criterion = nn.NLLLoss()")
    assert nll == Verdict(False, "NLLLoss wants log-probabilities")
    missing = run("expression", args)
    assert not missing.passed and missing.missing == "criterion"


def test_an_output_check_says_what_the_author_confirms_and_no_print_advice() -> None:
    args = {"contains": "Ankle boot", "success": "The picture names the classes"}
    assert run("output", args, output="... Ankle boot ...") == Verdict(
        True, "The picture names the classes"
    )
    drawn = {"contains": "Class probability", "message": "Draw it with `view_classify`."}
    assert run("output", drawn).details == ("Nothing was printed in this step.",)


def test_save_with_its_arguments_swapped_is_named() -> None:
    error = raised_by("torch.save('checkpoint.pth', {'w': torch.ones(1)})\n")
    assert explain_error(error, {}) == [
        "`torch.save` takes what to save first, then the file: "
        "`torch.save(model.state_dict(), 'checkpoint.pth')`."
    ]


def test_a_folder_joined_without_a_slash_is_named(tmp_path: Any) -> None:
    (tmp_path / "fashion" / "train").mkdir(parents=True)
    error = raised_by(f"open({str(tmp_path / 'fashion')!r} + 'train/x.png')\n")
    lines = explain_error(error, {})
    assert lines[0].endswith("adds `train` to its name without a `/`."), lines
