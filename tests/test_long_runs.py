"""Long-running learner code: live progress of a training loop, a step's time budget, and
nothing hidden (warnings, Python's own "Did you mean")."""

from __future__ import annotations

from pathlib import Path

from conftest import run_tutor

from tutor.kernel.client import Kernel
from tutor.kernel.protocol import ProgressMessage
from tutor.trainingline import TrainingLine, bar, sparkline

TRAIN_TWO_EPOCHS = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(0)
loader = DataLoader(TensorDataset(torch.randn(640, 4), torch.randn(640, 1)), batch_size=64)
model = nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    for x, y in loader:
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
"""


def test_a_loop_over_a_loader_reports_batches_epochs_and_losses(kernel: Kernel) -> None:
    messages: list[ProgressMessage] = []
    reply = kernel.exec(TRAIN_TWO_EPOCHS, on_progress=messages.append)
    assert reply["ok"], reply
    ends = [m for m in messages if m["finished"]]
    assert [(m["epoch"], m["done"], m["total"]) for m in ends] == [(1, 10, 10), (2, 10, 10)]
    losses = [loss for m in messages for loss in m["losses"]]
    assert len(losses) == 20  # one per .backward(), none lost between messages
    assert losses[-1] < losses[0]


def test_quiet_runs_and_plain_iteration_report_nothing(kernel: Kernel) -> None:
    messages: list[ProgressMessage] = []
    kernel.exec(TRAIN_TWO_EPOCHS, quiet=True, on_progress=messages.append)
    assert messages == []
    reply = kernel.exec("batch = next(iter(loader))\nlen(batch)", on_progress=messages.append)
    assert reply["ok"] and reply["output"] == "2\n"
    assert all(not m["finished"] for m in messages)


def test_the_loaders_iterator_still_answers_next_as_old_notebooks_call_it(kernel: Kernel) -> None:
    kernel.exec(TRAIN_TWO_EPOCHS, quiet=True)
    reply = kernel.exec("dataiter = iter(loader)\nx, y = dataiter.next()\nx.shape")
    assert reply["ok"], reply
    assert reply["output"] == "torch.Size([64, 4])\n"


def test_the_live_line_shows_the_bar_the_rate_and_the_loss_curve() -> None:
    line = TrainingLine()
    start: ProgressMessage = {"op": "progress", "done": 0, "total": 10, "epoch": 1, "loader": "tl"}
    assert line.update({**start, "done": 5, "elapsed": 0.5, "losses": [2.0, 1.5, 1.0]}) is None
    text = line.text(80)
    assert text.startswith("epoch 1 (tl)  ━━━━━━━━────────  5/10  10 batch/s  0:00 left  loss 1 ")
    summary = line.update({**start, "done": 10, "elapsed": 1.0, "losses": [0.5], "finished": True})
    assert summary == "epoch 1 (tl): 10 batches in 1.0 s, mean loss 1.250"
    assert len(line.text(30)) <= 30


def test_epochs_are_counted_per_loader_and_a_test_pass_is_not_an_epoch(kernel: Kernel) -> None:
    kernel.exec(TRAIN_TWO_EPOCHS, quiet=True)
    messages: list[ProgressMessage] = []
    code = (
        "testloader = loader\ntrainloader = DataLoader(loader.dataset, batch_size=128)\n"
        "for epoch in range(2):\n"
        "    for x, y in trainloader:\n"
        "        optimizer.zero_grad()\n"
        "        ((model(x) - y) ** 2).mean().backward()\n"
        "        optimizer.step()\n"
        "    with torch.no_grad():\n"
        "        for x, y in testloader:\n"
        "            model(x)\n"
    )
    assert kernel.exec(code, on_progress=messages.append)["ok"]
    line = TrainingLine()
    summaries = [line.update(m) for m in messages]
    summaries = [s for s in summaries if s]
    assert [s.split(":")[0] for s in summaries] == [
        "epoch 1 (trainloader)",
        "testloader",
        "epoch 2 (trainloader)",
        "testloader",
    ]


def test_bars_and_sparklines_are_drawn_to_size() -> None:
    assert bar(0.5, 10) == "━━━━━─────"
    assert bar(0.55, 10) == "━━━━━╸────"
    assert sparkline([3, 2, 1], 3) == "█▅▁"
    assert sparkline([float("nan")], 3) == ""


LESSON = """
id: loop
title: A loop
setup: import torch
steps:
  - id: train
    text: Train `model` for two epochs.
    time_budget: 60
    solution: |
{solution}
    checks:
      - defined: model
  - id: wait
    text: Make `done`.
    time_budget: 1
    solution: done = True
    checks:
      - defined: done
"""


def test_piped_mode_prints_one_line_per_epoch(write_lesson, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    solution = "\n".join("      " + line for line in TRAIN_TWO_EPOCHS.strip().splitlines())
    path = write_lesson(LESSON.format(solution=solution))
    result = run_tutor("start", str(path), "--trust", home=tmp_path, stdin=TRAIN_TWO_EPOCHS)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert len(epochs) == 2, result.stdout
    assert epochs[0].startswith("epoch 1 (loader): 10 batches in ")
    assert ", mean loss " in epochs[1]


def test_code_past_the_steps_time_budget_is_stopped_with_a_message(
    write_lesson,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    path = write_lesson(LESSON.format(solution="      model = 1"))
    typed = "model = 1\nimport time\nwhile True: time.sleep(0.05)\n\nprint('still here')\n"
    result = run_tutor("start", str(path), "--trust", home=tmp_path, stdin=typed)
    assert "Stopped: this step allows 1 s of running time." in result.stdout
    assert "still here" in result.stdout  # the learner carries on


def test_a_warning_shows_on_every_input_that_raises_it(kernel: Kernel) -> None:
    code = "import warnings\ndef f():\n    warnings.warn('careful')\n    return 1"
    kernel.exec(code)
    kernel.begin_step()
    kernel.check([("function", {"name": "f", "inputs": []})], solution=code)  # runs f quietly
    first = kernel.exec("f()")
    second = kernel.exec("f()")
    assert "UserWarning: careful" in first["output"]
    assert "UserWarning: careful" in second["output"]


def test_pythons_did_you_mean_survives_in_the_traceback(kernel: Kernel) -> None:
    kernel.exec("features = 1")
    reply = kernel.exec("featurse + 1")
    assert reply["error"].endswith(
        "NameError: name 'featurse' is not defined. Did you mean: 'features'?"
    )
    reply = kernel.exec("import torch\ntorch.onse(2)")
    assert "Did you mean: 'ones'?" in reply["error"]


def test_a_course_loader_is_named_as_the_learner_names_it(kernel: Kernel) -> None:
    messages: list[ProgressMessage] = []
    code = (
        "from tutor import data\n"
        "trainloader = data.mnist(train=False, batch_size=500, full=False)\n"
        "for images, labels in trainloader:\n"
        "    pass\n"
    )
    assert kernel.exec(code, on_progress=messages.append)["ok"]
    assert {m["loader"] for m in messages} == {"trainloader"}
