"""The classic mistakes of lessons 1 and 2, each with the feedback a learner reads.

Each test takes the real lesson to a step (the engine, a real worker, a real SQLite store, the
earlier steps skipped so their solutions run), types a learner's mistake, and checks the lines
of the first failing verdict, or the explanation under the error.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tutor.catalog import find_lesson
from tutor.engine import Tutor
from tutor.kernel.client import Kernel
from tutor.lesson import load_lesson
from tutor.progress import SQLiteStore
from tutor.results import Submission

AtStep = Callable[[str, str], Tutor]


@pytest.fixture
def at_step(tmp_path: Path, kernel: Kernel, monkeypatch: pytest.MonkeyPatch) -> AtStep:
    """A tutor on a built-in lesson, at the step named, the steps before it skipped."""
    monkeypatch.setenv("TUTOR_DATA", "bundled")

    def start(lesson_id: str, step_id: str) -> Tutor:
        store = SQLiteStore(tmp_path / f"{lesson_id}.sqlite3")
        tutor = Tutor(find_lesson(lesson_id), store, kernel)
        tutor.prepare()
        tutor.enter_step()
        while tutor.session.step.id != step_id:
            tutor.skip()
            tutor.enter_step()
        return tutor

    return start


def failure(submission: Submission) -> list[str]:
    """The error's last line and its explanation, or the first failing verdict's lines."""
    if not submission.run.ok:
        return [submission.run.error.splitlines()[-1], *submission.run.explanation]
    feedback = submission.feedback
    assert feedback is not None and feedback.shown and not feedback.passed, submission
    verdict = next(v for v in feedback.verdicts if not v.passed)
    return [verdict.title, *verdict.details]


# ---------------------------------------------------------------------------------------------
# "Transposed" only when a product made it, with the fix that is right


def test_flattening_with_the_sizes_reversed_is_not_called_transposed(at_step: AtStep) -> None:
    lines = failure(at_step("lesson2", "flatten").submit("inputs = images.view(784, -1)"))
    assert lines == [
        "`inputs` has the wrong shape",
        "expected (64, 784)",
        "got      (784, 64)",
        "Its two sizes are the other way round.",
        "Give them in the other order: `images.view(-1, 784)`.",
    ]


def test_random_weights_made_the_other_way_round_get_the_sizes_in_order(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "weights")
    code = (
        "weights_1 = torch.randn(784, 256)\nbias_1 = torch.randn(256)\n"
        "weights_2 = torch.randn(10, 256)\nbias_2 = torch.randn(10)"
    )
    lines = failure(tutor.submit(code))
    assert lines[3:] == [
        "Its two sizes are the other way round.",
        "Give them in the other order: `torch.randn(256, 10)`.",
    ]
    assert not any("transpose" in line or "operands" in line for line in lines)


def test_a_transposed_product_is_named_with_the_product_that_is_right(at_step: AtStep) -> None:
    tutor = at_step("lesson1", "hidden")
    lines = failure(tutor.submit("h = activation(torch.mm(W1.T, features.T) + B1.T)"))
    assert lines[3:] == [
        "`torch.mm(W1.T, features.T)` is the transpose of the product the step asks for.",
        "Write `activation(torch.mm(features, W1) + B1)` instead.",
    ]
    lines = failure(tutor.submit("h = activation(W1.T @ features.T)"))
    assert lines[3:] == [
        "`W1.T @ features.T` is the transpose of the product the step asks for.",
        "Write `features @ W1` instead.",
    ]


def test_an_outer_product_is_named_and_features_go_first(at_step: AtStep) -> None:
    tutor = at_step("lesson1", "matmul")
    lines = failure(tutor.submit("y = activation(torch.mm(weights.view(5, 1), features) + bias)"))
    assert lines == [
        "`y` has the wrong shape",
        "expected (1, 1)",
        "got      (5, 5)",
        "`torch.mm(weights.view(5, 1), features)` multiplies a (5, 1) column by a (1, 5) row, "
        "which gives a (5, 5) matrix: an outer product.",
        "Put `features` first: `torch.mm(features, weights.view(5, 1))`.",
    ]


# ---------------------------------------------------------------------------------------------
# Biases and activations


def test_the_bias_of_the_next_layer_at_the_hidden_layer_is_named(at_step: AtStep) -> None:
    lines = failure(
        at_step("lesson1", "hidden").submit("h = activation(torch.mm(features, W1) + B2)")
    )
    assert lines[:2] == ["`h` has the wrong values", "`h` adds `B2` where `B1` belongs."]


def test_a_forgotten_hidden_bias_is_named(at_step: AtStep) -> None:
    lines = failure(at_step("lesson1", "hidden").submit("h = activation(torch.mm(features, W1))"))
    assert lines[:3] == [
        "`h` has the wrong values",
        "`h` is missing `+ B1`.",
        "Add it inside `activation(...)`, before `activation` is applied.",
    ]


def test_the_hidden_bias_at_the_output_layer_is_named_despite_the_shape(at_step: AtStep) -> None:
    lines = failure(
        at_step("lesson1", "output").submit("output = activation(torch.mm(h, W2) + B1)")
    )
    assert lines == [
        "`output` has the wrong shape",
        "expected (1, 1)",
        "got      (1, 2)",
        "`output` adds `B1` where `B2` belongs.",
    ]


def test_a_forgotten_output_bias_is_named_for_a_single_value(at_step: AtStep) -> None:
    lines = failure(at_step("lesson1", "output").submit("output = activation(torch.mm(h, W2))"))
    assert lines[:2] == ["`output` has the wrong value", "`output` is missing `+ B2`."]


def test_a_bias_added_after_the_activation_is_named(at_step: AtStep) -> None:
    tutor = at_step("lesson1", "single-neuron")
    lines = failure(tutor.submit("y = activation(torch.sum(features * weights)) + bias"))
    assert lines[:2] == [
        "`y` has the wrong value",
        "`bias` is added after `activation(...)`; it belongs inside, before `activation` is "
        "applied.",
    ]


def test_a_sum_along_one_dimension_where_all_is_meant_is_named(at_step: AtStep) -> None:
    tutor = at_step("lesson1", "single-neuron")
    lines = failure(tutor.submit("y = activation(torch.sum(features * weights, dim=0) + bias)"))
    assert lines[3] == (
        "`torch.sum(features * weights, dim=0)` adds along one dimension only, so not every "
        "product is added up: `torch.sum(features * weights)`, without `dim`, adds them all."
    )


def test_a_missing_activation_is_named(at_step: AtStep) -> None:
    lines = failure(at_step("lesson1", "hidden").submit("h = torch.mm(features, W1) + B1"))
    assert lines[1] == "`h` is missing `activation(...)` around the whole expression."


def test_an_activation_the_class_never_applies_is_named(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "network-class")
    code = """\
class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, 256)
        self.output = nn.Linear(256, 10)
        self.sigmoid = nn.Sigmoid()
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return self.softmax(self.output(self.hidden(x)))

model = Network()
"""
    lines = failure(tutor.submit(code))
    assert lines[0] == "`model` computes something different from the step's network"
    assert lines[-1] == (
        "`model` gives what the step's network gives without its `sigmoid` (`nn.Sigmoid`): "
        "`forward` never uses `self.sigmoid`."
    )


# ---------------------------------------------------------------------------------------------
# Tools used the wrong way


def test_a_method_without_its_parentheses_is_named(at_step: AtStep) -> None:
    tutor = at_step("lesson1", "to-numpy")
    lines = failure(tutor.submit("print(b.numpy.shape)"))
    assert lines == [
        "AttributeError: 'builtin_function_or_method' object has no attribute 'shape'",
        "`b.numpy` is the method itself, not its result; call it with `()`: `b.numpy()`.",
    ]


def test_a_method_stored_where_its_result_was_meant_is_named(
    write_lesson: Callable[[str], Path], kernel: Kernel, tmp_path: Path
) -> None:
    lesson = load_lesson(
        write_lesson(
            """
            id: bridge
            title: Bridge
            setup: import torch
            steps:
              - id: back
                text: Make `arr`, the NumPy array of `b`.
                given: b = torch.ones(2)
                solution: arr = b.numpy()
                checks:
                  - matches_solution: [arr]
            """
        )
    )
    tutor = Tutor(lesson, SQLiteStore(tmp_path / "progress.sqlite3"), kernel)
    tutor.prepare()
    tutor.enter_step()
    assert failure(tutor.submit("arr = b.numpy")) == [
        "`arr` is a method, not a NumPy array",
        "`arr` holds the method `numpy` itself, not its result; call it with `()`, as in "
        "`.numpy()`.",
    ]


def test_changing_a_parameter_in_place_explains_data_and_no_grad(at_step: AtStep) -> None:
    lines = failure(at_step("lesson2", "zero-bias").submit("model.fc1.bias.fill_(0)"))
    assert lines == [
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.",
        "`model.fc1.bias` tracks gradients for training, so PyTorch does not let `fill_` change "
        "it in place directly.",
        "Change the numbers behind it, its `.data`: `model.fc1.bias.data.fill_(0)`. Or make the "
        "change inside `with torch.no_grad():`.",
    ]


def test_replacing_a_parameter_with_a_number_says_to_change_its_data(at_step: AtStep) -> None:
    lines = failure(at_step("lesson2", "zero-bias").submit("model.fc1.bias = 0"))
    assert lines[1:] == [
        "`model.fc1.bias` must stay a parameter of its layer, which training adjusts, so a plain "
        "value cannot replace it.",
        "Change its numbers in place instead, through `.data`: for example "
        "`model.fc1.bias.data.fill_(0)`.",
    ]


def test_normal_with_the_spread_as_its_first_argument_is_named(at_step: AtStep) -> None:
    lines = failure(
        at_step("lesson2", "small-weights").submit("model.fc1.weight.data.normal_(0.01)")
    )
    assert lines[1] == (
        "`normal_(0.01)` sets the mean to 0.01: its first argument is the mean, and the spread "
        "is `std`."
    )


def test_a_function_inside_nn_sequential_says_to_use_the_module(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "sequential")
    code = (
        "model = nn.Sequential(nn.Linear(784, 128), F.relu, nn.Linear(128, 64), F.relu,\n"
        "                      nn.Linear(64, 10), nn.Softmax(dim=1))"
    )
    assert failure(tutor.submit(code)) == [
        "TypeError: torch.nn.functional.relu is not a Module subclass",
        "`F.relu` is a function, and `nn.Sequential` takes modules only.",
        "Use the module `nn.ReLU()` in its place.",
    ]
    code = "model = nn.Sequential(nn.Linear(784, 128), nn.ReLU, nn.Linear(128, 10))"
    assert failure(tutor.submit(code))[1:] == [
        "`nn.ReLU` is the class; `nn.Sequential` needs a module made from it.",
        "Add the parentheses: `nn.ReLU()`.",
    ]
    code = "model = nn.Sequential([nn.Linear(784, 128), nn.ReLU()])"
    assert failure(tutor.submit(code))[1] == (
        "`nn.Sequential` takes its modules as separate arguments, not as one list."
    )


def test_a_plain_dict_given_to_nn_sequential_says_ordered_dict(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "ordered-dict")
    code = "model = nn.Sequential({'fc1': nn.Linear(784, 128), 'relu1': nn.ReLU()})"
    assert failure(tutor.submit(code)) == [
        "TypeError: dict is not a Module subclass",
        "`nn.Sequential` takes the names of its modules from an `OrderedDict`, not from a plain "
        "`dict`.",
        "Wrap it: `nn.Sequential(OrderedDict(...))`, after `from collections import "
        "OrderedDict`; an `OrderedDict` takes a list of (name, module) pairs, or your dict.",
    ]


def test_math_exp_on_a_tensor_says_torch_exp(at_step: AtStep) -> None:
    tutor = at_step("lesson1", "activation")
    code = "import math\ndef activation(x):\n    return 1 / (1 + math.exp(-x))\n"
    lines = failure(tutor.submit(code))
    assert lines[0].startswith("`activation` raised ValueError")
    assert lines[-2:] == [
        "`math.exp` works on one Python number, not on a tensor of many values.",
        "Use `torch.exp`, which works on every element of a tensor at once.",
    ]


def test_np_exp_is_accepted_and_noted(at_step: AtStep) -> None:
    tutor = at_step("lesson1", "activation")
    code = "import numpy as np\ndef activation(x):\n    return 1 / (1 + np.exp(-x))\n"
    submission = tutor.submit(code)
    assert submission.passed
    assert submission.feedback is not None
    explanation = " ".join(submission.feedback.explanation.split())
    assert "NumPy's `np.exp` also accepts a tensor in CPU memory" in explanation
    assert "it fails for a tensor on a GPU or one that tracks gradients" in explanation


def test_np_exp_on_a_tensor_that_tracks_gradients_says_torch_exp(at_step: AtStep) -> None:
    tutor = at_step("lesson1", "activation")
    lines = failure(tutor.submit("import numpy as np\nnp.exp(torch.ones(3, requires_grad=True))"))
    assert lines[1:] == [
        "`np.exp` turns the tensor into a NumPy array first, which cannot be done for a tensor "
        "that tracks gradients.",
        "Use `torch.exp`, which works on every tensor.",
    ]


def test_shape_called_like_a_method_is_named(at_step: AtStep) -> None:
    lines = failure(at_step("lesson1", "shapes").submit("weights.shape()"))
    assert lines[1:] == [
        "`weights.shape` is an attribute, not a method: write it without `()`.",
        "(`weights.size()` is the method that gives the same.)",
    ]


def test_a_softmax_summed_over_dim_0_is_named(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "softmax")
    code = "def softmax(x):\n    return torch.exp(x) / torch.sum(torch.exp(x), dim=0).view(-1, 1)\n"
    lines = failure(tutor.submit(code))
    assert lines[-2:] == [
        "`dim=0` adds down each column, giving 10 totals, one per column, where the 64 rows need "
        "one total each.",
        "To divide each row by its own total, sum over `dim=1` and keep the totals as a column: "
        "`torch.sum(x, dim=1).view(-1, 1)` or `keepdim=True`.",
    ]


# ---------------------------------------------------------------------------------------------
# Each lesson starts fresh


def test_a_lesson_1_function_in_lesson_2_says_lessons_start_fresh(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "hand-forward")
    lines = failure(tutor.submit("h = activation(torch.mm(inputs, weights_1) + bias_1)"))
    assert lines == [
        "NameError: name 'activation' is not defined",
        "`activation` was defined in lesson1 (Tensors in PyTorch), and each lesson starts with a "
        "fresh namespace: names from other lessons do not carry over.",
        "PyTorch's `torch.sigmoid` computes the same: use it, or define `activation` again.",
    ]


def test_lesson_1_data_in_lesson_2_lists_the_tensors_there_are(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "hand-forward")
    lines = failure(tutor.submit("h = torch.sigmoid(torch.mm(features, weights_1) + bias_1)"))
    assert lines[1] == (
        "`features` was made in lesson1 (Tensors in PyTorch), and each lesson starts with a fresh "
        "namespace: names from other lessons do not carry over."
    )
    assert lines[2].startswith("The tensors you have in this lesson: `images`, `labels`")


def test_a_name_of_a_later_step_in_the_same_lesson_is_not_called_another_lessons(
    at_step: AtStep,
) -> None:
    lines = failure(at_step("lesson1", "single-neuron").submit("print(W1)"))
    assert lines == ["NameError: name 'W1' is not defined"]


# ---------------------------------------------------------------------------------------------
# Lesson text


def test_lesson_text_does_not_assume_numpy_is_missing() -> None:
    for lesson_id in ("lesson1", "lesson2"):
        for step in find_lesson(lesson_id).steps:
            assert "not imported yet" not in step.text, step.id
    step = next(s for s in find_lesson("lesson1").steps if s.id == "from-numpy")
    assert "import it as `np` if you have not" in step.text


# ---------------------------------------------------------------------------------------------
# Found going through the lessons as a learner


def test_a_softmax_summed_without_dim_is_named(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "softmax")
    lines = failure(tutor.submit("def softmax(x):\n    return torch.exp(x) / torch.exp(x).sum()\n"))
    assert lines == [
        "`softmax(torch.randn(64, 10))` does not sum to 1 along dim=1: the whole batch does",
        "The total is taken over every value at once, without a `dim`.",
        "Divide each row by its own total: `torch.sum(..., dim=1, keepdim=True)`.",
    ]


def test_a_forward_without_return_is_named(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "network-class")
    code = """\
class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, 256)
        self.output = nn.Linear(256, 10)
        self.sigmoid = nn.Sigmoid()
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = self.softmax(self.output(self.sigmoid(self.hidden(x))))

model = Network()
"""
    assert failure(tutor.submit(code)) == [
        "`model` returns None",
        "`forward` ends without `return`: end it with `return x`.",
    ]


def test_one_image_not_flattened_says_to_make_a_batch_of_one(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "forward-pass")
    lines = failure(tutor.submit("images, labels = next(iter(trainloader))\nps = model(images[0])"))
    assert lines[1:] == [
        "A layer that takes 784 inputs per row got rows of 28 values (input seen as (28, 28)).",
        "Flatten the input to 784 values per row first, as a batch of one: "
        "`images[0].view(1, -1)`.",
    ]


def test_ordered_dict_not_imported_says_where_it_comes_from(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "ordered-dict")
    lines = failure(
        tutor.submit("model = nn.Sequential(OrderedDict([('fc1', nn.Linear(784, 128))]))")
    )
    assert lines[1:] == [
        "`OrderedDict` is not imported yet: run `from collections import OrderedDict`."
    ]


def test_a_broadcast_error_without_a_sum_shows_the_shapes_of_the_line(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "hand-forward")
    code = (
        "bias_1 = torch.randn(256, 1)\n"
        "hidden_layer = torch.sigmoid(torch.mm(inputs, weights_1) + bias_1)"
    )
    assert failure(tutor.submit(code))[2] == (
        "In this line, `inputs` is (64, 784), `weights_1` is (784, 256) and `bias_1` is (256, 1)."
    )


def test_products_not_added_up_are_named(at_step: AtStep) -> None:
    lines = failure(
        at_step("lesson1", "single-neuron").submit("y = activation(features * weights + bias)")
    )
    assert lines[3] == (
        "`features * weights` multiplies element by element, and its products are not added up: "
        "`torch.sum(features * weights)` adds them."
    )


def test_numpy_sizes_given_as_a_tuple_are_named(at_step: AtStep) -> None:
    tutor = at_step("lesson1", "from-numpy")
    lines = failure(tutor.submit("import numpy as np\na = np.random.rand((4, 3))"))
    assert lines[1:] == [
        "`np.random.rand` takes the sizes as separate numbers, not as a tuple (`torch.randn` "
        "takes either).",
        "Write `np.random.rand(4, 3)`.",
    ]


def test_next_on_the_loader_itself_says_to_make_an_iterator(at_step: AtStep) -> None:
    lines = failure(at_step("lesson2", "batch").submit("images, labels = next(trainloader)"))
    assert lines[1:] == [
        "`trainloader` can be gone through in a `for` loop, but is not an iterator itself.",
        "Make one with `iter`: `dataiter = iter(trainloader)`, then `next(dataiter)`, or "
        "`next(iter(trainloader))` for one batch.",
    ]


def test_a_dim_past_the_last_says_dimensions_count_from_zero(at_step: AtStep) -> None:
    tutor = at_step("lesson1", "single-neuron")
    lines = failure(tutor.submit("y = activation(torch.sum(features * weights, dim=2) + bias)"))
    assert lines[1:] == [
        "The tensor here has 2 dimensions, so that `dim` does not exist.",
        "Dimensions are numbered from 0: it has `dim=0` and `dim=1` (and `dim=-1` for the last).",
    ]


def test_an_attribute_spelt_differently_gets_the_one_meant(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "first-layer")
    assert failure(tutor.submit("model[0].weights"))[1:] == [
        "`model[0]` has no `weights`. Did you mean `weight`?"
    ]
    assert failure(tutor.submit("relu = nn.relu()"))[1:] == [
        "`nn` has no `relu`. Did you mean `nn.ReLU`?"
    ]


def test_one_image_picked_with_a_slice_is_still_one_example(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "forward-pass")
    code = "images, labels = next(iter(trainloader))\nps = model.forward(images[0, :])"
    assert failure(tutor.submit(code))[-1] == (
        "Flatten the input to 784 values per row first, as a batch of one: "
        "`images[0, :].view(1, -1)`."
    )


# ---------------------------------------------------------------------------------------------
# Batches, parts without weights, a reshaped copy thrown away


def test_unpacking_the_loader_itself_says_to_take_one_batch(at_step: AtStep) -> None:
    lines = failure(at_step("lesson2", "batch").submit("images, labels = trainloader"))
    assert lines == [
        "ValueError: too many values to unpack (expected 2)",
        "`trainloader` hands out the data one batch at a time; unpacking it goes through all of "
        "its batches at once.",
        "Take one batch, a pair of images and labels: `images, labels = next(iter(trainloader))`.",
    ]


def test_a_whole_batch_kept_in_one_name_says_to_unpack_the_pair(at_step: AtStep) -> None:
    tutor = at_step("lesson2", "batch")
    lines = failure(tutor.submit("dataiter = iter(trainloader)\nimages = next(dataiter)"))
    assert lines == [
        "`images` is a list, not a tensor",
        "It holds two tensors, as a batch from a loader does: images, then labels. Unpack the "
        "pair into two names: `images, labels = next(dataiter)`.",
    ]


def test_weights_of_an_activation_or_of_the_whole_sequential_are_explained(
    at_step: AtStep,
) -> None:
    tutor = at_step("lesson2", "first-layer")
    assert failure(tutor.submit("model[1].weight"))[1:] == [
        "`model[1]` is a `ReLU`, which has no `weight`: only layers such as `nn.Linear` have "
        "weights and biases.",
        "Count the modules from 0 in `print(model)` to find the layer you mean.",
    ]
    assert failure(tutor.submit("model.bias"))[1:] == [
        "`model` keeps no `bias` of its own: its layers do.",
        "The layers with one are `model[0]`, `model[2]` and `model[4]`; `model[0].bias` is the "
        "first one's.",
    ]


def test_a_view_whose_result_is_thrown_away_is_named_where_resize_belongs(
    at_step: AtStep,
) -> None:
    tutor = at_step("lesson2", "forward-pass")
    submission = tutor.submit("images, labels = next(iter(trainloader))\nimages.view(64, 1, 784)")
    assert submission.feedback is not None and submission.feedback.shown
    assert submission.feedback.notes[0] == (
        "`images.view(64, 1, 784)` gives a new tensor and leaves `images` as it was: keep the "
        "result, `images = images.view(64, 1, 784)`, or use `resize_`, which changes `images` "
        "itself."
    )
    # used inside the call, `view` is the right tool: no note
    assert tutor.submit("ps = model(images[0].view(1, 784))").passed


# ---------------------------------------------------------------------------------------------
# A method typed without its call


def test_a_method_typed_without_its_call_says_to_call_it(at_step: AtStep) -> None:
    tutor = at_step("lesson1", "to-numpy")
    submission = tutor.submit("b.numpy")
    assert submission.run.ok and "<built-in method numpy of Tensor" in submission.run.output
    assert submission.run.explanation == [
        "`b.numpy` is the method itself, not its result; call it: `b.numpy()`."
    ]
    assert not submission.passed
    called = tutor.submit("b.numpy()")
    assert called.passed and called.run.explanation == []


def test_methods_bound_to_a_model_or_an_array_are_named_with_what_they_need(
    at_step: AtStep,
) -> None:
    tutor = at_step("lesson1", "to-numpy")
    tutor.submit("model = torch.nn.Linear(3, 2)")
    notes = {
        code: tutor.submit(code).run.explanation
        for code in ("model.parameters", "model.forward", "b.view", "a .sum", "model.weight.t")
    }
    assert notes == {
        "model.parameters": [
            "`model.parameters` is the method itself, not its result; call it: "
            "`model.parameters()`."
        ],
        "model.forward": [
            "`model.forward` is the method itself, not its result; call it with its "
            "arguments: `model.forward(...)`."
        ],
        "b.view": [
            "`b.view` is the method itself, not its result; call it with its arguments: "
            "`b.view(...)`."
        ],
        "a .sum": ["`a .sum` is the method itself, not its result; call it: `a .sum()`."],
        "model.weight.t": [
            "`model.weight.t` is the method itself, not its result; call it: `model.weight.t()`."
        ],
    }


def test_functions_of_modules_and_attributes_shown_alone_get_no_note(at_step: AtStep) -> None:
    tutor = at_step("lesson1", "to-numpy")
    for code in ("torch.sum", "print", "np.random.rand", "b.shape", "b.__len__", "x = b.numpy"):
        submission = tutor.submit(code)
        assert submission.run.ok and submission.run.explanation == [], code


def test_a_command_typed_without_its_percent_sign_is_named() -> None:
    from tutor.checks.errors import TUTOR_COMMANDS, explain_error
    from tutor.commands import COMMANDS

    assert set(COMMANDS) - {"quit", "exit"} == TUTOR_COMMANDS  # quit and exit are Python's too
    try:
        eval("hint", {})
    except NameError as error:
        lines = explain_error(error, {})
    assert lines == ["`hint` is a tutor command: type `%hint` (commands start with `%`)."]


def test_a_loss_class_bound_without_its_call_is_named(kernel: Kernel) -> None:
    kernel.exec("import torch\nfrom torch import nn", quiet=True)
    kernel.begin_step()
    kernel.exec("criterion = nn.CrossEntropyLoss", quiet=True)
    reply = kernel.check(
        [("expression", {"expr": "isinstance(criterion, nn.Module)"})],
        "criterion = nn.CrossEntropyLoss()",
        bound=["criterion"],
    )
    assert not reply["verdicts"][-1].passed
    assert reply["shadowed"] == [
        "`criterion` holds the class `nn.CrossEntropyLoss` itself, not one made from it: call "
        "it, as in `criterion = nn.CrossEntropyLoss()`."
    ]
