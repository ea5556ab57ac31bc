"""The network checks: `module` (layers), `forward` (a pass on an input) and `init` (weights)."""

from __future__ import annotations

import linecache
from typing import Any

import numpy as np
import torch

from tutor.checks import REGISTRY, CheckContext, Verdict, run_check

SETUP = "import torch\nimport numpy as np\nfrom torch import nn\nimport torch.nn.functional as F\n"

NETWORK = """\
class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return F.softmax(self.fc3(x), dim=1)

model = Network()
"""

SEQUENTIAL = """\
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                      nn.Linear(64, 10), nn.Softmax(dim=1))
"""


def execute(source: str, namespace: dict[str, Any], filename: str) -> None:
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def run(check: str, args: dict[str, Any], code: str, solution: str | None = None) -> Verdict:
    """Run one check on the learner's code, with the step's solution run on its own copy."""
    before: dict[str, Any] = {"__name__": "__main__"}
    execute(SETUP + "torch.manual_seed(0)\n", before, "<given>")
    namespace = dict(before)
    execute(code, namespace, "<input-1>")

    def run_solution() -> dict[str, Any]:
        copy = dict(before)
        execute(solution or "", copy, "<solution>")
        return copy

    runner = run_solution if solution is not None else None
    ctx = CheckContext(namespace=namespace, torch=torch, numpy=np, solution_runner=runner)
    return run_check(REGISTRY[check], ctx, args)


def variant(old: str, new: str) -> str:
    assert old in NETWORK
    return NETWORK.replace(old, new)


# ---------------------------------------------------------------------------------------------
# module


def test_a_network_built_like_the_solution_passes_with_its_layers() -> None:
    verdict = run("module", {"name": "model"}, NETWORK, solution=NETWORK)
    assert verdict == Verdict(
        True, "`model`: `Network` with `fc1` (784 → 128), `fc2` (128 → 64), `fc3` (64 → 10)"
    )


def test_a_layer_of_the_wrong_size_is_named() -> None:
    code = variant("nn.Linear(784, 128)", "nn.Linear(784, 256)").replace(
        "nn.Linear(128, 64)", "nn.Linear(256, 64)"
    )
    verdict = run("module", {"name": "model"}, code, solution=NETWORK)
    assert verdict == Verdict(
        False,
        "`fc1` has 256 outputs; the step asks for 128",
        ("`fc2` takes 256 inputs; the step asks for 128",),
    )


def test_layers_under_other_names_are_named() -> None:
    code = variant("self.fc1 =", "self.hidden =").replace("self.fc1(x)", "self.hidden(x)")
    verdict = run("module", {"name": "model"}, code, solution=NETWORK)
    assert verdict == Verdict(
        False,
        "`model` has no layer named `fc1`",
        (
            "Its layers are `hidden`, `fc2`, `fc3`; the step names them `fc1`, `fc2`, `fc3`.",
            "Assign each layer to the name the step gives, e.g. `self.fc1 = nn.Linear(...)`.",
        ),
    )


def test_the_class_instead_of_an_instance_is_named() -> None:
    code = variant("model = Network()", "model = Network")
    verdict = run("module", {"name": "model"}, code, solution=NETWORK)
    assert verdict == Verdict(
        False, "`model` is the class `Network`; create an instance with `model = Network()`"
    )


def test_the_class_itself_checked_says_to_create_an_instance() -> None:
    verdict = run("module", {"name": "Network", "like_solution": False}, NETWORK)
    assert verdict == Verdict(False, "`Network` is the class; create an instance with `Network()`")


FORGOT_SUPER = variant("        super().__init__()\n", "").replace("model = Network()\n", "")


def test_a_forgotten_super_init_is_named_as_such() -> None:
    verdict = run("module", {"name": "model"}, FORGOT_SUPER, solution=NETWORK)
    assert verdict.title == "`Network.__init__` does not call `super().__init__()`"
    assert verdict.details[-1] == (
        "Add `super().__init__()` as the first line of `__init__`, then create the model again."
    )


def test_a_forgotten_super_init_is_named_even_when_an_old_model_remains() -> None:
    old_model = "model = nn.Sequential(nn.Linear(784, 10))\n"
    verdict = run("module", {"name": "model"}, old_model + FORGOT_SUPER, solution=NETWORK)
    assert verdict.title == "`Network.__init__` does not call `super().__init__()`"


def test_a_value_that_is_not_a_module_is_named() -> None:
    verdict = run("module", {"name": "model"}, "model = 3", solution=NETWORK)
    assert verdict.title == "`model` is an int, not an `nn.Module`"


def test_a_wrong_activation_in_forward_is_caught_with_the_same_weights() -> None:
    code = variant("x = F.relu(self.fc2(x))", "x = torch.sigmoid(self.fc2(x))")
    verdict = run("module", {"name": "model"}, code, solution=NETWORK)
    assert verdict.title == "`model` computes something different from the step's network"
    assert verdict.details[0] == "With the same weights and a random batch `x` of shape (4, 784):"
    assert verdict.details[-1] == "Check the activation functions in `forward`, and their order."


def test_softmax_over_the_batch_in_forward_is_named_with_the_same_weights() -> None:
    code = variant("dim=1)", "dim=0)")
    verdict = run("module", {"name": "model"}, code, solution=NETWORK)
    assert "the softmax is taken over `dim=0`" in verdict.details[1]


def test_a_missing_softmax_at_the_end_of_forward_is_named() -> None:
    code = variant("return F.softmax(self.fc3(x), dim=1)", "return self.fc3(x)")
    verdict = run("module", {"name": "model"}, code, solution=NETWORK)
    assert verdict.details[-1] == (
        "The step's network ends with a softmax, so each row sums to 1; yours does not. "
        "End `forward` with `F.softmax(x, dim=1)`."
    )


def test_a_network_without_forward_is_explained() -> None:
    code = NETWORK.replace("def forward(", "def foward(")
    verdict = run("module", {"name": "model"}, code, solution=NETWORK)
    assert verdict.title.startswith("`model` raised NotImplementedError")
    assert verdict.details[0] == (
        "The class has no `forward` method, so the network does not know what to compute."
    )


def test_an_error_in_forward_is_reported_with_its_cause() -> None:
    code = variant("x = F.relu(self.fc2(x))", "x = F.relu(self.fc3(x))")
    verdict = run("module", {"name": "model"}, code, solution=NETWORK)
    assert verdict.title.startswith(
        "`model` raised RuntimeError when given a batch of shape (4, 784): mat1 and mat2 shapes"
    )
    assert verdict.details == (
        "line 10: `x = F.relu(self.fc3(x))`",
        "A layer that takes 64 inputs per row got rows of 128 values (input seen as (4, 128)).",
        "Each layer's inputs must equal the outputs of the layer before it: check the sizes and "
        "the order of the layers in `forward`.",
    )


def test_a_sequential_network_like_the_solution_passes() -> None:
    verdict = run("module", {"name": "model"}, SEQUENTIAL, solution=SEQUENTIAL)
    assert verdict == Verdict(
        True,
        "`model`: `nn.Sequential` of Linear(784 → 128), ReLU, Linear(128 → 64), ReLU, "
        "Linear(64 → 10), Softmax(dim=1)",
    )


def test_a_different_activation_in_a_sequential_is_named_by_position() -> None:
    code = SEQUENTIAL.replace("nn.ReLU(), nn.Linear(128", "nn.Sigmoid(), nn.Linear(128")
    verdict = run("module", {"name": "model"}, code, solution=SEQUENTIAL)
    assert verdict == Verdict(False, "`model[1]` is `nn.Sigmoid`; the step asks for `nn.ReLU`")


def test_a_softmax_layer_over_dim_0_is_named() -> None:
    code = SEQUENTIAL.replace("Softmax(dim=1)", "Softmax(dim=0)")
    verdict = run("module", {"name": "model"}, code, solution=SEQUENTIAL)
    assert verdict == Verdict(
        False,
        "`model[5]` uses dim=0; the step asks for dim=1",
        (
            "With dim=0 each column sums to 1, across the batch; with dim=1 each row, one image's "
            "probabilities, sums to 1.",
        ),
    )


def test_a_missing_layer_in_a_sequential_is_counted() -> None:
    code = "model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))\n"
    verdict = run("module", {"name": "model"}, code, solution=SEQUENTIAL)
    assert verdict == Verdict(
        False,
        "`model` has 2 layers with weights; the step asks for 3",
        (
            "yours:      Linear(784 → 128), Linear(128 → 10)",
            "the step's: Linear(784 → 128), Linear(128 → 64), Linear(64 → 10)",
        ),
    )


def test_named_sequential_layers_match_a_named_solution() -> None:
    named = """\
from collections import OrderedDict
model = nn.Sequential(OrderedDict([
    ('fc1', nn.Linear(784, 128)), ('relu1', nn.ReLU()),
    ('fc2', nn.Linear(128, 64)), ('relu2', nn.ReLU()),
    ('output', nn.Linear(64, 10)), ('softmax', nn.Softmax(dim=1))]))
"""
    assert run("module", {"name": "model"}, named, solution=named).passed
    verdict = run("module", {"name": "model"}, SEQUENTIAL, solution=named)
    assert verdict.title == "`model` has no layer named `fc1`"


def test_layers_can_be_listed_in_the_lesson_instead_of_a_solution() -> None:
    layers = [
        {"name": "fc1", "type": "Linear", "in_features": 784, "out_features": 128},
        {"name": "fc2", "type": "Linear", "in_features": 128, "out_features": 32},
        {"name": "fc3", "type": "Linear", "in_features": 32, "out_features": 10},
    ]
    verdict = run("module", {"name": "model", "like_solution": False, "layers": layers}, NETWORK)
    assert verdict == Verdict(
        False,
        "`fc2` has 64 outputs; the step asks for 32",
        ("`fc3` takes 64 inputs; the step asks for 32",),
    )


# ---------------------------------------------------------------------------------------------
# forward


def test_a_forward_pass_with_rows_summing_to_one_passes() -> None:
    args = {
        "name": "model",
        "input": "torch.randn(64, 784)",
        "shape": [64, 10],
        "sums_to_one": True,
    }
    verdict = run("forward", args, NETWORK)
    assert verdict == Verdict(
        True, "`model(torch.randn(64, 784))`: shape (64, 10), each row sums to 1"
    )


def test_softmax_over_dim_0_is_named_in_a_forward_pass() -> None:
    args = {"name": "model", "input": "torch.randn(64, 784)", "sums_to_one": True}
    verdict = run("forward", args, variant("dim=1)", "dim=0)"))
    assert verdict == Verdict(
        False,
        "`model(torch.randn(64, 784))` sums to 1 down its columns, not along its rows",
        (
            "The softmax is taken over `dim=0`, the batch, so each column sums to 1.",
            "Use `dim=1`, so that each row's probabilities sum to 1: `nn.Softmax(dim=1)` or "
            "`F.softmax(x, dim=1)`.",
        ),
    )


def test_an_output_without_softmax_is_not_taken_for_probabilities() -> None:
    code = variant("return F.softmax(self.fc3(x), dim=1)", "return self.fc3(x)")
    args = {"name": "model", "input": "torch.randn(64, 784)", "sums_to_one": True}
    verdict = run("forward", args, code)
    assert (
        verdict.title
        == "`model(torch.randn(64, 784))` has negative values, so they are not probabilities"
    )
    assert verdict.details[-1] == (
        "End with a softmax over `dim=1`: `nn.Softmax(dim=1)` or `F.softmax(x, dim=1)`."
    )


def test_a_forward_pass_of_the_wrong_shape_is_named() -> None:
    code = variant("nn.Linear(64, 10)", "nn.Linear(64, 12)")
    verdict = run(
        "forward", {"name": "model", "input": "torch.randn(64, 784)", "shape": [64, 10]}, code
    )
    assert verdict.title == "`model(torch.randn(64, 784))` has the wrong shape"
    assert verdict.details == ("expected (64, 10)", "got      (64, 12)")


def test_unflattened_images_in_a_forward_pass_suggest_flattening() -> None:
    verdict = run("forward", {"name": "model", "input": "torch.randn(64, 1, 28, 28)"}, NETWORK)
    assert verdict.title.startswith(
        "`model` raised RuntimeError when given `torch.randn(64, 1, 28, 28)`"
    )
    assert verdict.details[-1] == (
        "Flatten the input to 784 values per row first, for example "
        "`images.view(images.shape[0], -1)`."
    )


def test_forward_works_on_a_plain_function_too() -> None:
    code = "def softmax(x):\n    return torch.exp(x) / torch.exp(x).sum(dim=1, keepdim=True)\n"
    args = {"name": "softmax", "input": "torch.randn(64, 10)", "sums_to_one": True}
    assert run("forward", args, code).passed


# ---------------------------------------------------------------------------------------------
# init


def test_zero_biases_and_small_weights_pass() -> None:
    code = NETWORK + "model.fc1.bias.data.fill_(0)\nmodel.fc1.weight.data.normal_(std=0.01)\n"
    args = {"name": "model.fc1", "bias_zero": True, "weight_std": 0.01}
    verdict = run("init", args, code)
    assert verdict.passed
    assert verdict.title.startswith("`model.fc1`: bias all zeros, weight std 0.01")


def test_biases_not_yet_zero_say_how_to_fill_them() -> None:
    code = NETWORK + "model.fc1.bias.data.fill_(0)\nmodel.fc1.bias.data[:3] = 0.5\n"
    verdict = run("init", {"name": "model.fc1", "bias_zero": True}, code)
    assert verdict == Verdict(
        False,
        "`model.fc1.bias` is not all zeros",
        (
            "3 of 128 values are not zero (largest 0.5).",
            "Set them with `model.fc1.bias.data.fill_(0)`.",
        ),
    )


def test_weights_with_the_default_spread_say_how_to_redraw_them() -> None:
    verdict = run("init", {"name": "model.fc1", "weight_std": 0.01}, NETWORK)
    assert verdict.title.startswith("`model.fc1.weight` has standard deviation 0.020")
    assert verdict.title.endswith("; the step asks for about 0.01")
    assert verdict.details == ("Draw new weights with `model.fc1.weight.data.normal_(std=0.01)`.",)


def test_init_on_a_layer_that_does_not_exist_says_so() -> None:
    verdict = run("init", {"name": "model.fc4", "bias_zero": True}, NETWORK)
    assert verdict.title == "`model.fc4` does not exist"
    assert verdict.details == ("'Network' object has no attribute 'fc4'",)


def test_a_single_tensor_can_be_checked_for_zeros() -> None:
    verdict = run("init", {"name": "model.fc3.bias", "bias_zero": True}, NETWORK)
    assert verdict.title == "`model.fc3.bias` is not all zeros"
    code = NETWORK + "model.fc3.bias.data.fill_(0)\n"
    assert run("init", {"name": "model.fc3.bias", "bias_zero": True}, code) == Verdict(
        True, "`model.fc3.bias`: bias all zeros"
    )


def test_forward_given_the_class_says_to_make_an_instance() -> None:
    verdict = run("forward", {"name": "Network", "input": "torch.randn(2, 784)"}, NETWORK)
    assert verdict.title == "`Network` is the class; create an instance with `Network()`"


def test_listed_layers_still_compare_behaviour_with_the_solution() -> None:
    layers = [{"name": f"fc{i}", "type": "Linear"} for i in (1, 2, 3)]
    code = variant("x = F.relu(self.fc2(x))", "x = torch.tanh(self.fc2(x))")
    verdict = run("module", {"name": "model", "layers": layers}, code, solution=NETWORK)
    assert verdict.title == "`model` computes something different from the step's network"


# ---------------------------------------------------------------------------------------------
# What lesson 2 needs: a class checked by building it, names in an OrderedDict, a softmax that
# forgets the exponential


CLASS_ONLY = NETWORK.replace("model = Network()\n", "")


def test_a_class_is_built_and_compared_with_the_solutions_class() -> None:
    verdict = run("module", {"name": "Network", "build": True}, CLASS_ONLY, solution=CLASS_ONLY)
    assert verdict == Verdict(
        True, "`Network()`: `Network` with `fc1` (784 → 128), `fc2` (128 → 64), `fc3` (64 → 10)"
    )


def test_a_built_class_that_computes_otherwise_is_caught() -> None:
    code = CLASS_ONLY.replace("x = F.relu(self.fc2(x))", "x = torch.sigmoid(self.fc2(x))")
    verdict = run("module", {"name": "Network", "build": True}, code, solution=CLASS_ONLY)
    assert verdict.title == "`Network()` computes something different from the step's network"


def test_a_built_class_with_wrong_sizes_is_named() -> None:
    code = CLASS_ONLY.replace("nn.Linear(64, 10)", "nn.Linear(64, 12)")
    verdict = run("module", {"name": "Network", "build": True}, code, solution=CLASS_ONLY)
    assert verdict == Verdict(False, "`fc3` has 12 outputs; the step asks for 10")


def test_a_class_that_needs_arguments_cannot_be_built() -> None:
    code = CLASS_ONLY.replace("def __init__(self):", "def __init__(self, n):")
    verdict = run("module", {"name": "Network", "build": True}, code, solution=CLASS_ONLY)
    assert verdict.title == (
        "`Network()` raised TypeError: Network.__init__() missing 1 required positional "
        "argument: 'n'"
    )
    assert verdict.details[-1] == (
        "`Network()` should build the network without arguments: `def __init__(self):` takes "
        "only `self`."
    )


def test_a_built_class_without_super_init_is_named_as_such() -> None:
    code = FORGOT_SUPER
    verdict = run("module", {"name": "Network", "build": True}, code, solution=CLASS_ONLY)
    assert verdict.title == "`Network.__init__` does not call `super().__init__()`"


NAMED_SEQUENTIAL = """\
from collections import OrderedDict
model = nn.Sequential(OrderedDict([
    ('fc1', nn.Linear(784, 128)), ('relu1', nn.ReLU()),
    ('fc2', nn.Linear(128, 64)), ('relu2', nn.ReLU()),
    ('output', nn.Linear(64, 10)), ('softmax', nn.Softmax(dim=1))]))
"""


def test_a_named_sequential_is_confirmed_with_its_names() -> None:
    verdict = run("module", {"name": "model"}, NAMED_SEQUENTIAL, solution=NAMED_SEQUENTIAL)
    assert verdict == Verdict(
        True,
        "`model`: `nn.Sequential` of `fc1` Linear(784 → 128), `relu1` ReLU, "
        "`fc2` Linear(128 → 64), `relu2` ReLU, `output` Linear(64 → 10), "
        "`softmax` Softmax(dim=1)",
    )


def test_an_unnamed_sequential_is_told_to_use_an_ordered_dict() -> None:
    verdict = run("module", {"name": "model"}, SEQUENTIAL, solution=NAMED_SEQUENTIAL)
    assert verdict == Verdict(
        False,
        "`model` has no layer named `fc1`",
        (
            "Its layers are `0`, `1`, `2`, `3`, `4`, `5`; the step names them `fc1`, `fc2`, "
            "`output`.",
            "Give `nn.Sequential` an `OrderedDict` of (name, module) pairs, e.g. "
            "`('fc1', nn.Linear(...))`.",
        ),
    )


def test_a_softmax_without_the_exponential_is_not_taken_for_probabilities() -> None:
    code = "def softmax(x):\n    return x / torch.sum(x, dim=1).view(-1, 1)\n"
    args = {"name": "softmax", "input": "torch.randn(64, 10)", "sums_to_one": True}
    verdict = run("forward", args, code)
    assert verdict.title == (
        "`softmax(torch.randn(64, 10))` sums to 1 along dim=1 but has negative values, so they "
        "are not probabilities"
    )
    assert verdict.details[-1] == (
        "A softmax takes the exponential of each score (`torch.exp`) before dividing by the "
        "total, so that every value is positive."
    )


def test_an_extra_flatten_layer_is_named_with_the_reason() -> None:
    code = SEQUENTIAL.replace("nn.Sequential(", "nn.Sequential(nn.Flatten(), ")
    verdict = run("module", {"name": "model"}, code, solution=SEQUENTIAL)
    assert verdict.title == "`model` has an `nn.Flatten()` layer the step does not ask for"
    assert "`model[0]` is that layer" in verdict.details[0]


def test_a_sequential_with_other_names_is_told_to_rename_in_its_ordered_dict() -> None:
    code = NAMED_SEQUENTIAL.replace("'fc1'", "'hidden1'").replace('"fc1"', '"hidden1"')
    verdict = run("module", {"name": "model"}, code, solution=NAMED_SEQUENTIAL)
    assert verdict.title == "`model` has no layer named `fc1`", (code, verdict)
    assert verdict.details[-1] == (
        "Name it in the `OrderedDict` you give `nn.Sequential`: `('fc1', nn.Linear(...))`."
    )
