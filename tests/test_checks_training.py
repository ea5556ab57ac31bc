"""Checks that read expressions and the step's starting state, message templates, and the
training checks (`loss_falls`, `finite`, `gradients`, `optimizer_stepped`, `accuracy`).

Every check here runs in the real worker, as a lesson step would: earlier steps' code, then
`begin_step` (which keeps the namespace the step starts from), then the learner's inputs, then
the step's checks.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tutor.checks import REGISTRY, Verdict
from tutor.kernel.client import Kernel

SETUP = """\
import torch
from torch import nn, optim
import torch.nn.functional as F
from tutor import data
"""

# A small network and one batch of the bundled MNIST subset, as lesson 3's steps have them
# (2,000 training images: 32 batches an epoch keep these tests quick).
NETWORK = """\
torch.manual_seed(0)
_train = torch.utils.data.Subset(data.dataset("mnist", train=True, full=False), range(2000))
trainloader = torch.utils.data.DataLoader(_train, batch_size=64, shuffle=True)
testloader = data.mnist(train=False, batch_size=64, shuffle=True, full=False)
model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
criterion = nn.CrossEntropyLoss()
images, labels = next(iter(trainloader))
images = images.view(images.shape[0], -1)
"""

ONE_STEP = """\
optimizer.zero_grad()
loss = criterion(model(images), labels)
loss.backward()
optimizer.step()
"""

TRAIN = """\
losses = []
for epoch in range({epochs}):
    for images, labels in trainloader:
        images = images.view(images.shape[0], -1)
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
"""


def run(kernel: Kernel, code: str) -> None:
    reply = kernel.exec(code, quiet=True)
    assert reply["ok"], reply.get("error")


def checked(
    kernel: Kernel,
    checks: list[tuple[str, Any]],
    *,
    earlier: str = "",
    code: str = "",
    solution: str = "",
    names: list[str] | None = None,
) -> list[Verdict]:
    """Run ``earlier`` (the steps before), begin a step, run ``code`` in it, then the checks."""
    run(kernel, SETUP + earlier)
    begun = kernel.begin_step(names=names)
    assert begun["ok"], begun
    if code:
        run(kernel, code)
    calls = [(name, REGISTRY[name].normalise(args)) for name, args in checks]
    reply = kernel.check(calls, solution=solution, code=code)
    assert "verdicts" in reply, reply
    verdicts: list[Verdict] = reply["verdicts"]
    return verdicts


def verdict(kernel: Kernel, check: str, args: Any, **step: Any) -> Verdict:
    """The verdict of one check."""
    return checked(kernel, [(check, args)], **step)[-1]


def text(v: Verdict) -> str:
    return "\n".join((v.title, *v.details))


# ---------------------------------------------------------------------------------------------
# Names are expressions


def test_a_check_reads_an_attribute_of_a_learner_name(kernel: Kernel) -> None:
    code = "x = torch.ones(2, 2, requires_grad=True)\nx.pow(2).mean().backward()"
    v = verdict(kernel, "tensor", {"name": "x.grad", "shape": [2, 2]}, code=code)
    assert v.passed and v.title == "`x.grad`: shape (2, 2)"
    v = verdict(kernel, "tensor", {"name": "x.grad", "shape": [2]}, code=code)
    assert not v.passed and v.title == "`x.grad` has the wrong shape"


def test_an_indexed_layer_and_a_named_layer_can_be_checked(kernel: Kernel) -> None:
    code = "model = nn.Sequential(nn.Linear(4, 3))\nclass N(nn.Module):\n    pass\nnet = N()"
    code += "\nnet.fc1 = nn.Linear(4, 2)\nlosses = [3.0, 2.0]"
    assert verdict(kernel, "tensor", {"name": "model[0].weight", "shape": [3, 4]}, code=code).passed
    assert verdict(kernel, "tensor", {"name": "net.fc1.bias", "shape": [2]}, code=code).passed
    assert verdict(kernel, "defined", "losses[-1]", code=code).title.startswith("`losses[-1]` is")


def test_a_missing_root_name_is_not_defined_yet_with_the_root_as_missing(kernel: Kernel) -> None:
    v = verdict(kernel, "tensor", {"name": "model[0].weight", "shape": [3, 4]})
    assert not v.passed and v.title == "`model` is not defined yet" and v.missing == "model"
    v = verdict(kernel, "matches_solution", ["x.grad"], solution="x = 1")
    assert v.title == "`x` is not defined yet" and v.missing == "x"


def test_an_expression_that_raises_is_named_in_the_verdict(kernel: Kernel) -> None:
    v = verdict(kernel, "tensor", {"name": "losses[-1]"}, code="losses = []")
    assert v.title == "`losses[-1]` could not be read: IndexError: list index out of range"
    assert not v.missing and v.details == ("Is the list empty, or shorter than that index?",)
    code = "model = nn.Sequential(nn.Linear(4, 3))"
    v = verdict(kernel, "tensor", {"name": "model.fc1.bias"}, code=code)
    assert v.title.startswith("`model.fc1.bias` could not be read: AttributeError:")
    assert "`fc1`" in v.details[0]


def test_a_gradient_that_is_still_none_is_explained(kernel: Kernel) -> None:
    v = verdict(kernel, "tensor", {"name": "x.grad"}, code="x = torch.ones(2, requires_grad=True)")
    assert v.title == "`x.grad` is None: no gradient has reached `x` yet"
    assert "`.backward()`" in v.details[0]


def test_matches_solution_compares_expressions(kernel: Kernel) -> None:
    earlier = "x = torch.tensor([1.0, 2.0], requires_grad=True)"
    solution = "x.pow(2).mean().backward()"
    good = verdict(
        kernel, "matches_solution", ["x.grad"], earlier=earlier, code=solution, solution=solution
    )
    assert good.passed and good.title.startswith("`x.grad` matches the solution")
    wrong = verdict(
        kernel,
        "matches_solution",
        ["x.grad"],
        earlier=earlier,
        code="x.pow(2).sum().backward()",
        solution=solution,
    )
    assert not wrong.passed and wrong.title == "`x.grad` has the wrong values"


def test_target_names_are_root_names() -> None:
    assert REGISTRY["tensor"].target_names({"name": "model[0].weight"}) == ["model"]
    assert REGISTRY["matches_solution"].target_names({"names": ["x.grad", "y"]}) == ["x", "y"]
    expr = {"expr": "before.model.fc1.weight.sum() != model.fc1.weight.sum()"}
    assert REGISTRY["expression"].target_names(expr) == ["model"]
    # an argument left out counts with its default: `optimizer_stepped` reads `optimizer`
    assert REGISTRY["optimizer_stepped"].target_names({"model": "net"}) == ["net", "optimizer"]
    assert REGISTRY["accuracy"].target_names({}) == ["model", "testloader"]


def test_the_engine_keeps_a_copy_of_names_read_through_before() -> None:
    from tutor.judging import snapshot_names
    from tutor.lesson import CheckCall, Step

    step = Step(
        id="s",
        text="",
        solution="optimizer.step()",
        checks=(CheckCall("expression", {"expr": "before.model[0].weight.sum() > 0"}),),
    )
    assert "model" in (snapshot_names(step) or [])


# ---------------------------------------------------------------------------------------------
# The state at the start of the step


def test_before_reads_a_name_as_the_step_began(kernel: Kernel) -> None:
    check = {"expr": "losses[-1] < before.losses[-1]"}
    earlier = "losses = [2.0, 1.5]"
    assert verdict(kernel, "expression", check, earlier=earlier, code="losses.append(1.2)").passed
    v = verdict(kernel, "expression", check, earlier=earlier, code="losses.append(1.7)")
    assert not v.passed and v.title == "`losses[-1] < before.losses[-1]` is not true yet"


def test_before_works_in_a_check_name_too(kernel: Kernel) -> None:
    v = verdict(
        kernel,
        "tensor",
        {"name": "before.w", "value": 1.0},
        earlier="w = torch.ones(2)",
        code="w.add_(1)",
    )
    assert v.passed, text(v)
    assert verdict(
        kernel, "tensor", {"name": "w", "value": 2.0}, earlier="w = torch.ones(2)", code="w.add_(1)"
    ).passed


def test_a_name_made_during_the_step_did_not_exist_before(kernel: Kernel) -> None:
    v = verdict(kernel, "expression", {"expr": "before.y == y"}, code="y = 3")
    assert not v.passed and v.title == "`y` did not exist when this step began"


def test_a_name_the_step_did_not_copy_is_refused_rather_than_read_live(kernel: Kernel) -> None:
    step = {"earlier": "w = torch.ones(2)", "code": "w.add_(1)"}
    kept = verdict(
        kernel, "expression", {"expr": "bool((before.w == 1).all())"}, names=["w"], **step
    )
    assert kept.passed
    shared = verdict(
        kernel, "expression", {"expr": "bool((before.w == 1).all())"}, names=["other"], **step
    )
    assert shared.title == "The check cannot see `w` as it was when the step began"


def test_a_learner_name_before_does_not_hide_the_step_start(kernel: Kernel) -> None:
    v = verdict(
        kernel, "expression", {"expr": "before.n == 1"}, earlier="n = 1", code="before = 5\nn = 2"
    )
    assert v.passed, text(v)


def test_the_step_start_keeps_gradients_for_reset(kernel: Kernel) -> None:
    run(kernel, SETUP + "m = nn.Linear(2, 1)\nm(torch.ones(1, 2)).sum().backward()")
    kernel.begin_step()
    run(kernel, "m.zero_grad()")
    kernel.reset_step()
    reply = kernel.exec("print(m.weight.grad.tolist())", quiet=True)
    assert reply["output"] == "[[1.0, 1.0]]\n"


# ---------------------------------------------------------------------------------------------
# Message templates


def test_an_expression_message_shows_values(kernel: Kernel) -> None:
    check = {
        "expr": "losses[-1] < losses[0]",
        "values": {"first": "losses[0]", "last": "losses[-1]"},
        "message": "Your loss went from {first:.3f} to {last:.3f}.",
        "success": "Down to {last}",
    }
    v = verdict(kernel, "expression", check, code="losses = [2.0, torch.tensor(3.0)]")
    assert not v.passed and v.title == "Your loss went from 2.000 to 3.000."
    v = verdict(kernel, "expression", check, code="losses = [2.0, 0.41234567]")
    assert v.passed and v.title == "Down to 0.4123"


def test_a_template_with_an_unknown_field_is_a_validation_problem() -> None:
    spec = REGISTRY["loss_falls"]
    assert spec.problems({"name": "losses", "message": "from {first} to {last:.2f}"}) == []
    problems = spec.problems({"name": "losses", "message": "from {start} to {last}"})
    assert len(problems) == 1 and "uses {start}, which this check does not provide" in problems[0]
    assert "{first}" in problems[0]
    values = {"expr": "a < b", "values": {"a_now": "a"}, "message": "{a_now} and {b_now}"}
    assert "{b_now}" in REGISTRY["expression"].problems(values)[0]
    assert "not a valid message template" in spec.problems({"name": "l", "message": "{x.y}"})[0]
    assert "is not a Python expression" in REGISTRY["tensor"].problems({"name": "x.("})[0]


def test_tutor_validate_reports_a_template_problem_with_its_line(write_lesson) -> None:  # type: ignore[no-untyped-def]
    from tutor.lesson import validate_file

    path = write_lesson(
        """
        id: demo
        title: Demo
        steps:
          - id: train
            text: Train.
            solution: losses = [2.0, 1.0]
            checks:
              - loss_falls: {name: losses, message: "went to {final}"}
        """
    )
    problems = validate_file(path)
    assert [(p.line, p.message) for p in problems] == [
        (
            8,
            "check 'loss_falls': 'went to {final}' uses {final}, which this check does not "
            "provide ({bound}, {count}, {first}, {last}, {name}, {ratio}, {untrained}, {window})",
        )
    ]


# ---------------------------------------------------------------------------------------------
# loss_falls


def test_a_loss_that_falls_in_real_training_passes(kernel: Kernel) -> None:
    earlier = NETWORK + "optimizer = optim.SGD(model.parameters(), lr=0.05)"
    v = verdict(
        kernel,
        "loss_falls",
        {"name": "losses", "window": 5, "classes": 10},
        earlier=earlier,
        code=TRAIN.format(epochs=2),
    )
    assert v.passed, text(v)
    assert v.title.startswith("`losses` fell from 2.")
    assert "the mean of its first 5 and last 5 of 64 values" in v.title


def test_a_loss_that_barely_falls_fails_with_the_numbers(kernel: Kernel) -> None:
    v = verdict(
        kernel,
        "loss_falls",
        {"name": "losses", "window": 2},
        code="losses = [2.30, 2.31, 2.25, 2.20]",
    )
    assert not v.passed
    assert v.title == "`losses` fell only from 2.305 to 2.225, to 97% of where it started"
    assert v.details[0] == (
        "The step asks for the mean of the last 2 values to be below 80% of the mean of the "
        "first 2 (under 1.844)."
    )


def test_a_learner_who_started_recording_late_passes_against_the_untrained_loss(
    kernel: Kernel,
) -> None:
    code = "losses = [0.62, 0.60, 0.58, 0.57]"
    args = {"name": "losses", "window": 2}
    assert not verdict(kernel, "loss_falls", args, code=code).passed
    assert verdict(kernel, "loss_falls", {**args, "classes": 10}, code=code).passed


def test_a_rising_loss_names_the_learning_rate(kernel: Kernel) -> None:
    earlier = NETWORK + "optimizer = optim.SGD(model.parameters(), lr=5.0)"
    code = "losses = [0.5, 0.9, 1.4, 2.0]"
    v = verdict(kernel, "loss_falls", {"name": "losses", "window": 1}, earlier=earlier, code=code)
    assert v.title == "`losses` did not fall: it went from 0.5 to 2"
    assert any("`optimizer` uses lr=5" in line for line in v.details), text(v)


def test_a_learning_rate_too_high_turns_the_loss_nan_and_is_named(kernel: Kernel) -> None:
    earlier = NETWORK + "optimizer = optim.SGD(model.parameters(), lr=1e12)"
    v = verdict(kernel, "loss_falls", "losses", earlier=earlier, code=TRAIN.format(epochs=1))
    assert not v.passed and v.title.startswith("`losses` turned nan at `losses[2]`, after 2 ")
    assert any("`optimizer` uses lr=1e+12" in line for line in v.details), text(v)


def test_a_loss_that_blows_up_then_falls_back_is_not_progress(kernel: Kernel) -> None:
    earlier = NETWORK + "optimizer = optim.SGD(model.parameters(), lr=1000)"
    v = verdict(kernel, "loss_falls", "losses", earlier=earlier, code=TRAIN.format(epochs=1))
    assert not v.passed and v.title.startswith("`losses` shot up from 2.2")
    assert any("`optimizer` uses lr=1000" in line for line in v.details), text(v)


def test_losses_that_keep_their_graphs_are_named(kernel: Kernel) -> None:
    code = "w = torch.ones(1, requires_grad=True)\nlosses = [(w * 2).sum(), (w * 1).sum()]"
    v = verdict(kernel, "loss_falls", "losses", code=code)
    assert v.title == "`losses` holds tensors that keep their computation graphs (2 of 2)"
    assert v.details[-1] == "Keep the number instead: `losses.append(loss.item())`."


def test_nll_loss_on_raw_scores_gives_negative_losses_and_is_named(kernel: Kernel) -> None:
    earlier = NETWORK.replace("nn.CrossEntropyLoss()", "nn.NLLLoss()")
    earlier += "optimizer = optim.SGD(model.parameters(), lr=0.01)"
    v = verdict(kernel, "loss_falls", "losses", earlier=earlier, code=TRAIN.format(epochs=1))
    assert not v.passed and v.title.startswith("`losses` has negative values (the smallest is -")
    assert "`criterion` is `nn.NLLLoss`, which expects log-probabilities" in text(v)
    assert "`nn.LogSoftmax(dim=1)`" in text(v)


def test_softmax_before_cross_entropy_is_named_when_the_loss_barely_falls(kernel: Kernel) -> None:
    earlier = NETWORK.replace("nn.Linear(64, 10))", "nn.Linear(64, 10), nn.Softmax(dim=1))")
    earlier += "optimizer = optim.SGD(model.parameters(), lr=0.003)"
    v = verdict(
        kernel,
        "loss_falls",
        {"name": "losses", "classes": 10},
        earlier=earlier,
        code=TRAIN.format(epochs=1),
    )
    assert not v.passed, text(v)
    assert "`model` ends with a softmax, and `criterion` is `nn.CrossEntropyLoss`" in text(v)
    assert "ln 10 = 2.3026" in text(v)


def test_forgetting_zero_grad_is_named_when_the_loss_does_not_fall(kernel: Kernel) -> None:
    code = "losses = [2.3, 2.3, 2.4, 2.5]\nloss.backward()\noptimizer.step()"
    earlier = NETWORK + "optimizer = optim.SGD(model.parameters(), lr=0.01)\n"
    earlier += "loss = criterion(model(images), labels)"
    v = verdict(kernel, "loss_falls", {"name": "losses", "window": 1}, earlier=earlier, code=code)
    assert any("never calls `optimizer.zero_grad()`" in line for line in v.details), text(v)


def test_a_loss_with_too_few_values_or_of_the_wrong_kind_is_refused(kernel: Kernel) -> None:
    v = verdict(kernel, "loss_falls", "losses", code="losses = [2.3]")
    assert v.title == "`losses` has 1 value; a trend needs at least 2"
    v = verdict(kernel, "loss_falls", "losses", code="losses = 2.3")
    assert v.title == "`losses` is a float, not a list of numbers"
    v = verdict(kernel, "loss_falls", "losses", code="losses = [2.3, 'x']")
    assert v.title == "`losses[1]` is a string, not a number"


def test_loss_falls_messages_are_templates(kernel: Kernel) -> None:
    args = {
        "name": "losses",
        "window": 1,
        "message": "Your loss went from {first:.3f} to {last:.3f} ({ratio:.0%}).",
        "success": "{count} losses, down to {last}",
    }
    v = verdict(kernel, "loss_falls", args, code="losses = [2.0, 1.9]")
    assert v.title == "Your loss went from 2.000 to 1.900 (95%)."
    v = verdict(kernel, "loss_falls", args, code="losses = torch.tensor([2.0, 1.0, 0.5])")
    assert v.passed and v.title == "3 losses, down to 0.5"


# ---------------------------------------------------------------------------------------------
# finite


def test_finite_values_pass(kernel: Kernel) -> None:
    v = verdict(kernel, "finite", "loss", code="loss = torch.tensor(0.25)")
    assert v.passed and v.title == "`loss` is finite (1 value)"
    v = verdict(kernel, "finite", "model", code="model = nn.Linear(3, 2)")
    assert v.passed and v.title == "Every weight of `model` is finite (8 values)"


def test_a_nan_from_the_log_of_zero_names_the_log(kernel: Kernel) -> None:
    code = "p = torch.tensor([[0.0, 1.0]])\nlogp = torch.log(p) * p"
    v = verdict(kernel, "finite", "logp", code=code)
    assert v.title == "`logp` has 1 of 2 values that are NaN or inf, the first at [0, 0]"
    assert "`torch.log` of 0 gives -inf" in v.details[0]


def test_nan_weights_name_the_parameters_and_the_learning_rate(kernel: Kernel) -> None:
    earlier = NETWORK + "optimizer = optim.SGD(model.parameters(), lr=1e12)"
    v = verdict(kernel, "finite", "model", earlier=earlier, code=TRAIN.format(epochs=1))
    assert not v.passed and v.title.startswith("`model` has weights that are NaN or inf: ")
    assert "`model[0].weight` (" in v.title
    assert "`optimizer` uses lr=1e+12" in v.details[0]


def test_finite_messages_are_templates(kernel: Kernel) -> None:
    args = {"name": "losses", "message": "{count} of your {total} losses are NaN, from {first}."}
    v = verdict(kernel, "finite", args, code="losses = [1.0, float('nan'), float('inf')]")
    assert v.title == "2 of your 3 losses are NaN, from [1]."


# ---------------------------------------------------------------------------------------------
# gradients


def test_every_parameter_with_a_gradient_passes(kernel: Kernel) -> None:
    code = "criterion(model(images), labels).backward()"
    v = verdict(kernel, "gradients", "model", earlier=NETWORK, code=code)
    assert v.passed and v.title == "Every parameter of `model` has a finite gradient (4 tensors)"


def test_no_backward_means_no_gradients(kernel: Kernel) -> None:
    v = verdict(kernel, "gradients", "model", earlier=NETWORK, code="out = model(images)")
    assert v.title == "No parameter of `model` has a gradient yet"
    assert "after `.backward()`" in v.details[0]


def test_zero_grad_after_backward_is_named(kernel: Kernel) -> None:
    earlier = NETWORK + "optimizer = optim.SGD(model.parameters(), lr=0.01)"
    code = "loss = criterion(model(images), labels)\nloss.backward()\noptimizer.zero_grad()"
    v = verdict(kernel, "gradients", "model", earlier=earlier, code=code)
    assert v.title == "No parameter of `model` has a gradient yet"
    assert v.details[0].startswith("`zero_grad()` ran after `.backward()`")


def test_a_layer_left_out_of_forward_is_named(kernel: Kernel) -> None:
    code = """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 10)
        self.fc2 = nn.Linear(10, 10)
    def forward(self, x):
        return self.fc1(x)
net = Net()
criterion(net(images), labels).backward()
"""
    v = verdict(kernel, "gradients", "net", earlier=NETWORK, code=code)
    assert v.title == "`net.fc2.weight`, `net.fc2.bias` got no gradient"
    assert "is that layer used in `forward`?" in v.details[0]


def test_nan_gradients_are_named(kernel: Kernel) -> None:
    code = "x = torch.zeros(2, requires_grad=True)\ntorch.sqrt(x).sum().backward()"
    v = verdict(kernel, "gradients", "x", code=code)
    assert v.title == "NaN or inf in the gradients of `x`"


def test_a_tensor_gradient_can_match_the_solution(kernel: Kernel) -> None:
    earlier = "x = torch.tensor([[0.5, -1.0], [2.0, 3.0]], requires_grad=True)"
    solution = "y = x**2\nz = y.mean()\nz.backward()"
    v = verdict(
        kernel,
        "gradients",
        {"name": "x", "like_solution": True},
        earlier=earlier,
        code=solution,
        solution=solution,
    )
    assert v.passed and v.title == "`x.grad`: shape (2, 2), finite, as in the solution"


def test_gradients_accumulated_over_two_backward_passes_are_named(kernel: Kernel) -> None:
    earlier = "x = torch.tensor([[0.5, -1.0], [2.0, 3.0]], requires_grad=True)"
    solution = "z = (x**2).mean()\nz.backward()"
    code = "(x**2).mean().backward()\n(x**2).mean().backward()"
    v = verdict(
        kernel,
        "gradients",
        {"name": "x", "like_solution": True},
        earlier=earlier,
        code=code,
        solution=solution,
    )
    assert v.title == "`x.grad` is 2 times the gradient of one backward pass"
    assert "`optimizer.zero_grad()`" in v.details[-1]


def test_a_tensor_without_requires_grad_is_named(kernel: Kernel) -> None:
    v = verdict(kernel, "gradients", "x", code="x = torch.ones(2)")
    assert v.title == "`x` does not track gradients, so it gets no `.grad`"


# ---------------------------------------------------------------------------------------------
# optimizer_stepped


SGD = NETWORK + "optimizer = optim.SGD(model.parameters(), lr=0.01)\n"


def test_one_sgd_step_passes(kernel: Kernel) -> None:
    v = verdict(kernel, "optimizer_stepped", "model", earlier=SGD, code=ONE_STEP)
    assert v.passed, text(v)
    assert v.title == "`optimizer` stepped: `model`'s weights moved by one step of SGD, lr 0.01"
    assert v.details[0].startswith("largest change 0.")


def test_a_step_with_momentum_and_weight_decay_passes(kernel: Kernel) -> None:
    earlier = NETWORK + (
        "optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=0.01)\n"
        + ONE_STEP
    )
    v = verdict(kernel, "optimizer_stepped", "model", earlier=earlier, code=ONE_STEP)
    assert v.passed, text(v)
    assert "SGD, lr 0.01, momentum 0.9, weight decay 0.01" in v.title


def test_an_adam_step_made_in_the_step_passes(kernel: Kernel) -> None:
    code = "optimizer = optim.Adam(model.parameters(), lr=0.001)\n" + ONE_STEP
    v = verdict(kernel, "optimizer_stepped", "model", earlier=NETWORK, code=code)
    assert v.passed and "Adam, lr 0.001" in v.title, text(v)


def test_no_step_means_the_weights_never_moved(kernel: Kernel) -> None:
    code = ONE_STEP.replace("optimizer.step()\n", "")
    v = verdict(kernel, "optimizer_stepped", "model", earlier=SGD, code=code)
    assert v.title == "`model`'s weights did not move"
    assert "only when you call `optimizer.step()`" in v.details[0]


def test_zero_grad_between_backward_and_step_is_named(kernel: Kernel) -> None:
    code = "loss = criterion(model(images), labels)\nloss.backward()\noptimizer.zero_grad()\n"
    code += "optimizer.step()"
    v = verdict(kernel, "optimizer_stepped", "model", earlier=SGD, code=code)
    assert v.title == "`model`'s weights did not move"
    assert v.details[0].startswith("`optimizer.zero_grad()` runs after `loss.backward()`")


def test_a_step_before_backward_is_named(kernel: Kernel) -> None:
    code = "optimizer.zero_grad()\nloss = criterion(model(images), labels)\noptimizer.step()\n"
    code += "loss.backward()"
    v = verdict(kernel, "optimizer_stepped", "model", earlier=SGD, code=code)
    assert v.title == "`model`'s weights did not move"
    assert v.details[0].startswith("`optimizer.step()` runs before `loss.backward()`")


def test_gradients_left_from_before_the_step_are_named_as_accumulated(kernel: Kernel) -> None:
    earlier = SGD + "criterion(model(images), labels).backward()"
    code = ONE_STEP.replace("optimizer.zero_grad()\n", "")
    v = verdict(kernel, "optimizer_stepped", "model", earlier=earlier, code=code)
    assert v.title == (
        "`model`'s gradients were not zeroed: `loss.backward()` added up 2 batches' gradients "
        "before the step"
    )
    assert v.details[-1] == "Call `optimizer.zero_grad()` before each forward pass."


def test_backward_run_twice_before_the_step_is_named_as_accumulated(kernel: Kernel) -> None:
    code = "optimizer.zero_grad()\ncriterion(model(images), labels).backward()\n"
    code += "criterion(model(images), labels).backward()\noptimizer.step()"
    v = verdict(kernel, "optimizer_stepped", "model", earlier=SGD, code=code)
    assert "added up 2 batches' gradients" in v.title


def test_with_the_solution_an_update_twice_as_big_is_named(kernel: Kernel) -> None:
    code = "for p in model.parameters():\n    p.grad = None\n"  # zeroed, but not with zero_grad
    code += "criterion(model(images), labels).backward()\n"
    code += "for p in model.parameters():\n    p.grad *= 2\noptimizer.step()"
    args = {"model": "model", "like_solution": True}
    v = verdict(kernel, "optimizer_stepped", args, earlier=SGD, code=code, solution=ONE_STEP)
    assert v.title == "`model`'s weights moved 2 times as far as one step", text(v)
    good = verdict(kernel, "optimizer_stepped", args, earlier=SGD, code=ONE_STEP, solution=ONE_STEP)
    assert good.passed, text(good)


def test_an_optimizer_made_for_another_network_is_named(kernel: Kernel) -> None:
    code = "model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))\n" + ONE_STEP
    v = verdict(kernel, "optimizer_stepped", "model", earlier=SGD, code=code)
    assert v.title == "`optimizer` does not hold `model`'s parameters"
    assert "optim.SGD(model.parameters(), lr=0.01)" in v.details[-1]


def test_two_steps_are_not_one(kernel: Kernel) -> None:
    v = verdict(kernel, "optimizer_stepped", "model", earlier=SGD, code=ONE_STEP + ONE_STEP)
    assert v.title.startswith("`model`'s weights moved, but not by one step of `optimizer`")


def test_zero_grad_after_the_step_still_passes(kernel: Kernel) -> None:
    code = ONE_STEP.replace("optimizer.zero_grad()\n", "") + "optimizer.zero_grad()"
    v = verdict(kernel, "optimizer_stepped", "model", earlier=SGD, code=code)
    assert v.passed, text(v)


def test_optimizer_stepped_messages_are_templates(kernel: Kernel) -> None:
    args = {"model": "model", "success": "{optimizer}: {moved} of {total} tensors moved."}
    v = verdict(kernel, "optimizer_stepped", args, earlier=SGD, code=ONE_STEP)
    assert v.title == "SGD, lr 0.01: 4 of 4 tensors moved."


# ---------------------------------------------------------------------------------------------
# accuracy


TRAINED = SGD.replace("lr=0.01", "lr=0.1") + TRAIN.format(epochs=2)


def test_a_trained_network_beats_the_untrained_one(kernel: Kernel) -> None:
    v = verdict(
        kernel,
        "accuracy",
        {"model": "model", "loader": "testloader"},
        earlier=TRAINED,
        code="model",
    )
    assert v.passed, text(v)
    assert v.title.startswith("`model` gets ") and "of `testloader` right (" in v.title
    assert v.details[0].startswith("An untrained network of the same shape gets ")


def test_an_untrained_network_fails_against_the_untrained_baseline(kernel: Kernel) -> None:
    v = verdict(kernel, "accuracy", {}, earlier=SGD, code="model")
    assert not v.passed
    assert " points more than an untrained network" in v.title
    assert "the step asks for at least 20.0 points more" in v.details[0]


def test_too_little_gain_names_a_training_loop_without_a_step(kernel: Kernel) -> None:
    no_step = """\
for images, labels in trainloader:
    optimizer.zero_grad()
    loss = criterion(model(images.view(images.shape[0], -1)), labels)
    loss.backward()
    break
"""
    v = verdict(kernel, "accuracy", {}, earlier=SGD, code=no_step)
    assert not v.passed
    assert "never calls `optimizer.step()`, so the weights never change" in text(v)
    huge = SGD.replace("lr=0.01", "lr=100")
    v = verdict(kernel, "accuracy", {}, earlier=huge, code="model")
    assert "`optimizer` uses lr=100: a learning rate that high" in text(v)
    v = verdict(kernel, "accuracy", {}, earlier=SGD, code="model")  # no training code: no guess
    assert v.details[-1] == "Train for more epochs, or check that the loss falls as it trains."


def test_a_threshold_is_checked(kernel: Kernel) -> None:
    v = verdict(kernel, "accuracy", {"at_least": 0.99}, earlier=TRAINED, code="model")
    assert not v.passed and v.title.endswith("; the step asks for at least 99.0%")


def test_accuracy_against_the_start_of_the_step(kernel: Kernel) -> None:
    args = {"baseline": "start", "gain": 0.3}
    v = verdict(
        kernel,
        "accuracy",
        args,
        earlier=SGD.replace("lr=0.01", "lr=0.1"),
        code=TRAIN.format(epochs=2),
    )
    assert v.passed and v.details[0].startswith("When the step began it got "), text(v)
    v = verdict(kernel, "accuracy", args, earlier=TRAINED, code="model")
    assert not v.passed and "more than when the step began" in v.title


def test_the_check_restores_the_networks_mode_and_flattens_images(kernel: Kernel) -> None:
    code = "model.train()\nmodel[1].eval()"
    v = verdict(kernel, "accuracy", {}, earlier=TRAINED, code=code)
    assert v.passed
    reply = kernel.exec("model.training, model[1].training")
    assert reply["output"] == "(True, False)\n"


def test_a_reported_accuracy_from_broadcasting_is_named(kernel: Kernel) -> None:
    code = """\
accuracy = 0
with torch.no_grad():
    for images, labels in testloader:
        ps = torch.exp(F.log_softmax(model(images.view(images.shape[0], -1)), dim=1))
        top_p, top_class = ps.topk(1, dim=1)
        equals = top_class == labels
        accuracy += torch.mean(equals.type(torch.FloatTensor))
"""
    args = {"reported": "accuracy / len(testloader)"}
    v = verdict(kernel, "accuracy", args, earlier=TRAINED, code=code)
    assert not v.passed and v.title.startswith("`accuracy / len(testloader)` is ")
    assert "`(64, 1) == (64,)`" in v.details[0]
    fixed = code.replace("top_class == labels", "top_class == labels.view(*top_class.shape)")
    v = verdict(kernel, "accuracy", args, earlier=TRAINED, code=fixed)
    assert v.passed, text(v)


def test_a_reported_accuracy_computed_with_gradients_on_is_named(kernel: Kernel) -> None:
    code = "acc = (model(images).softmax(1).max(1).values * 0 + 1).mean()"
    v = verdict(kernel, "accuracy", {"reported": "acc", "gain": 0.0}, earlier=TRAINED, code=code)
    assert v.title == "`acc` was computed with gradients on"
    assert "`with torch.no_grad():`" in v.details[-1]


def test_probabilities_computed_with_gradients_on_are_named(kernel: Kernel) -> None:
    code = "ps = torch.exp(F.log_softmax(model(images), dim=1))"
    v = verdict(
        kernel, "tensor", {"name": "ps", "requires_grad": False}, earlier=NETWORK, code=code
    )
    assert v.title == "`ps` was computed with gradients on"
    assert "`with torch.no_grad():`" in v.details[-1]
    fixed = "with torch.no_grad():\n    " + code
    assert verdict(
        kernel, "tensor", {"name": "ps", "requires_grad": False}, earlier=NETWORK, code=fixed
    ).passed


def test_a_network_that_cannot_take_the_images_is_named(kernel: Kernel) -> None:
    code = "model = nn.Sequential(nn.Linear(100, 10))"
    v = verdict(kernel, "accuracy", {}, earlier=NETWORK, code=code)
    assert v.title.startswith("`model` raised RuntimeError on a batch of `testloader` (images of")


def test_accuracy_messages_are_templates(kernel: Kernel) -> None:
    args = {"success": "{accuracy:.0%} right, up from {baseline:.0%}; {correct} of {total}."}
    v = verdict(kernel, "accuracy", args, earlier=TRAINED, code="model")
    assert v.passed and re.fullmatch(r"\d+% right, up from \d+%; \d+ of \d+\.", v.title), v.title


@pytest.mark.parametrize(
    "name", ["loss_falls", "finite", "gradients", "optimizer_stepped", "accuracy"]
)
def test_the_schema_describes_each_training_check(name: str) -> None:
    schema = REGISTRY[name].json_schema()
    mapping = schema["anyOf"][0] if "anyOf" in schema else schema
    assert mapping["description"].endswith(".")
    assert {"message", "success"} <= set(mapping["properties"])
    assert f"- {name}:" in REGISTRY[name].doc


def _yaml_examples(text: str) -> list[tuple[str, Any]]:
    import yaml

    found = []
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        items = yaml.safe_load(block)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and len(item) == 1:
                ((name, args),) = item.items()
                if name in REGISTRY:
                    found.append((name, args))
    return found


def test_every_yaml_example_in_the_docs_and_docstrings_is_a_valid_check() -> None:
    from pathlib import Path

    import jsonschema

    docs = Path(__file__).parents[1] / "docs" / "writing-lessons.md"
    examples = _yaml_examples(docs.read_text(encoding="utf-8"))
    for spec in REGISTRY.values():
        examples += _yaml_examples(spec.doc)
    assert {"loss_falls", "finite", "gradients", "optimizer_stepped", "accuracy"} <= {
        name for name, _ in examples
    }
    for name, args in examples:
        spec = REGISTRY[name]
        jsonschema.validate(args, spec.json_schema())
        assert spec.problems(spec.normalise(args)) == [], (name, args)


def test_the_usage_examples_in_the_helpers_docstrings_hold() -> None:
    import doctest

    from tutor.checks import expressions, networks

    for module in (expressions, networks):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_nll_loss_on_a_softmax_is_named(kernel: Kernel) -> None:
    earlier = NETWORK.replace("nn.CrossEntropyLoss()", "nn.NLLLoss()").replace(
        "nn.Linear(64, 10))", "nn.Linear(64, 10), nn.Softmax(dim=1))"
    )
    earlier += "optimizer = optim.SGD(model.parameters(), lr=0.01)"
    v = verdict(kernel, "loss_falls", "losses", earlier=earlier, code=TRAIN.format(epochs=1))
    assert not v.passed, text(v)
    assert "`model` ends with a softmax and gives probabilities" in text(v)
    assert "`nn.LogSoftmax(dim=1)` instead of `nn.Softmax(dim=1)`" in text(v)
