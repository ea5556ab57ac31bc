"""Checkpoints: resume, %back, %reset and a crashed worker restore the real state, exactly,
without running the learner's earlier code again. Real worker, real SQLite, real files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from conftest import run_tutor

from tutor.checkpoints import checkpoint_dir, checkpoint_path
from tutor.engine import Tutor
from tutor.kernel.client import Kernel
from tutor.lesson import Lesson, load_lesson
from tutor.progress import SQLiteStore

LESSON = """
id: train
title: Train
setup: |
  import torch
  from torch import nn, optim
steps:
  - id: model
    text: Make `model`, a linear layer, and `optimizer`, SGD on it.
    seed: 0
    solution: |
      model = nn.Linear(4, 1)
      optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    checks:
      - defined: model
      - defined: optimizer
  - id: train
    text: Train `model` for a while, keeping `losses`.
    solution: |
      losses = []
      for _ in range(20):
          optimizer.zero_grad()
          loss = (model(torch.ones(8, 4)) - 3).pow(2).mean()
          loss.backward()
          optimizer.step()
          losses.append(loss.item())
    checks:
      - defined: losses
  - id: look
    text: Look at `losses`, then make `done`.
    given: |
      marker = torch.rand(3)
      stream = (n for n in range(5))
    solution: done = True
    checks:
      - defined: done
  - id: last
    text: Make `z`.
    solution: z = 1
    checks:
      - defined: z
"""

# Counts its own runs in a file, so a test can tell whether the training ran again.
TRAINING = """
import pathlib
counter = pathlib.Path(COUNTER)
counter.write_text(str(int(counter.read_text() or 0) + 1) if counter.exists() else "1")
losses = []
for _ in range(20):
    optimizer.zero_grad()
    loss = (model(torch.ones(8, 4)) - 3).pow(2).mean()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
"""


@pytest.fixture
def lesson(write_lesson) -> Lesson:  # type: ignore[no-untyped-def]
    return load_lesson(write_lesson(LESSON))


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "progress.sqlite3")


def started(lesson: Lesson, store: SQLiteStore, kernel: Kernel) -> Tutor:
    tutor = Tutor(lesson, store, kernel)
    tutor.prepare()
    tutor.enter_step()
    return tutor


def value(kernel: Kernel, expression: str) -> str:
    reply = kernel.exec(f"print(repr({expression}))", quiet=True)
    assert reply.get("ok"), reply
    return reply["output"].strip()


def passes(tutor: Tutor, code: str) -> None:
    """Submit ``code``, which must pass its step; then begin the next step, as a front end does."""
    assert tutor.submit(code).passed
    tutor.enter_step()


def train_and_move_on(tutor: Tutor, counter: Path) -> None:
    tutor.submit("model = nn.Linear(4, 1)")
    passes(tutor, "optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)")
    passes(tutor, f"COUNTER = {str(counter)!r}\n" + TRAINING)


def test_resuming_restores_trained_tensors_exactly_without_training_again(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    counter = tmp_path / "runs"
    tutor = started(lesson, store, kernel)
    train_and_move_on(tutor, counter)
    weights = value(kernel, "model.weight.tolist()")
    momentum = value(kernel, "optimizer.state[model.weight]['momentum_buffer'].tolist()")
    random_draw = value(kernel, "torch.get_rng_state().sum().item()")

    kernel.restart()  # the learner leaves and comes back
    again = started(lesson, store, kernel)
    assert again.session.step.id == "look"
    assert counter.read_text() == "1"  # the training did not run again
    assert value(kernel, "model.weight.tolist()") == weights  # bit for bit (repr of floats)
    assert value(kernel, "optimizer.state[model.weight]['momentum_buffer'].tolist()") == momentum
    assert value(kernel, "optimizer.param_groups[0]['params'][0] is model.weight") == "True"
    # the random stream is where it was when the step began (after its given code)
    assert value(kernel, "torch.get_rng_state().sum().item()") == random_draw


def test_a_name_a_checkpoint_cannot_hold_is_made_again_and_said(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    tutor = started(lesson, store, kernel)
    train_and_move_on(tutor, tmp_path / "runs")
    kernel.restart()
    again = Tutor(lesson, store, kernel)
    again.prepare()
    entered = again.enter_step()
    assert "`stream`" in entered.note and "ran again" in entered.note
    assert value(kernel, "next(stream)") == "0"  # made again by its line of the given code


def test_back_gives_the_namespace_as_that_step_began(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    tutor = started(lesson, store, kernel)
    train_and_move_on(tutor, tmp_path / "runs")
    assert tutor.session.step.id == "look"
    kernel.exec("model = 'replaced'\nextra = 1", quiet=True)
    assert tutor.back()
    tutor.enter_step()
    assert tutor.session.step.id == "train"
    assert value(kernel, "type(model).__name__") == "'Linear'"
    assert value(kernel, "'losses' in dir()") == "False"  # not made yet when `train` began
    assert value(kernel, "'extra' in dir()") == "False"


def test_reset_restores_the_steps_real_start_after_going_back(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    tutor = started(lesson, store, kernel)
    train_and_move_on(tutor, tmp_path / "runs")
    tutor.back()
    tutor.enter_step()
    kernel.exec("model = nn.Sequential(nn.Linear(4, 2))\nscratch = 5", quiet=True)
    tutor.reset_step()
    assert value(kernel, "type(model).__name__") == "'Linear'"
    assert value(kernel, "'scratch' in dir()") == "False"


def test_a_crashed_worker_comes_back_from_the_checkpoint_with_the_inputs_since(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    tutor = started(lesson, store, kernel)
    train_and_move_on(tutor, tmp_path / "runs")
    weights = value(kernel, "model.weight.tolist()")
    tutor.submit("note = 'typed after the checkpoint'")
    crashed = tutor.submit("import os; os._exit(3)")
    assert "exited with status 3" in crashed.run.restarted
    assert (tmp_path / "runs").read_text() == "1"
    assert value(kernel, "model.weight.tolist()") == weights
    assert value(kernel, "note") == "'typed after the checkpoint'"


def test_checkpoints_are_private_files_cleared_with_the_lesson(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    tutor = started(lesson, store, kernel)
    train_and_move_on(tutor, tmp_path / "runs")
    path = checkpoint_path("train", "look")
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(checkpoint_dir("train").stat().st_mode) == 0o700
    assert path.stat().st_size < 200_000  # a linear layer, an optimizer, a list: small

    from tutor.checkpoints import clear_checkpoints

    clear_checkpoints("train")
    assert not checkpoint_dir("train").exists()


def test_without_a_checkpoint_resume_falls_back_to_replaying(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    tutor = started(lesson, store, kernel)
    train_and_move_on(tutor, tmp_path / "runs")
    from tutor.checkpoints import clear_checkpoints

    clear_checkpoints("train")  # as for progress saved by an older tutor
    kernel.restart()
    started(lesson, store, kernel)
    assert (tmp_path / "runs").read_text() == "2"  # replayed: the only way left
    assert value(kernel, "len(losses)") == "20"


def test_the_bundled_data_sets_are_shared_never_written_into_a_checkpoint(
    kernel: Kernel, tmp_path: Path
) -> None:
    kernel.exec("from tutor.data import mnist\ntrainloader = mnist(train=True, batch_size=64)")
    path = tmp_path / "data.ckpt"
    assert kernel.save_checkpoint(str(path))["ok"]
    assert path.stat().st_size < 50_000  # 20,000 images would be 15 MB
    kernel.exec("del trainloader")
    assert kernel.load_checkpoint(str(path))["ok"]
    assert value(kernel, "len(trainloader.dataset)") == "20000"


def finish(tutor: Tutor, counter: Path) -> None:
    """Train, then pass the last two steps: the lesson is finished."""
    train_and_move_on(tutor, counter)
    passes(tutor, "done = True")
    assert tutor.submit("z = torch.rand(2)").passed
    assert tutor.session.finished


def test_a_finished_lesson_resumes_from_its_end_exactly_without_replaying(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    counter = tmp_path / "runs"
    finish(started(lesson, store, kernel), counter)
    assert checkpoint_path("train", None).is_file()
    exact = "(model.weight.tolist(), losses, z.tolist(), torch.get_rng_state().sum().item())"
    before = value(kernel, exact)

    for _ in range(2):  # every resume, not only the first
        kernel.restart()
        again = Tutor(lesson, store, kernel)
        again.prepare()
        assert again.session.finished
        assert counter.read_text() == "1"  # the training did not run again
        assert value(kernel, exact) == before  # bit for bit, the random stream too
        assert value(kernel, "done") == "True"  # the learner's own input, not replayed


def test_a_lesson_finished_by_skipping_its_last_step_resumes_from_its_end(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    counter = tmp_path / "runs"
    tutor = started(lesson, store, kernel)
    train_and_move_on(tutor, counter)
    passes(tutor, "done = True")
    assert tutor.skip() == ""
    assert tutor.session.finished
    end = "(model.weight.tolist(), z, torch.get_rng_state().sum().item())"
    before = value(kernel, end)

    kernel.restart()
    Tutor(lesson, store, kernel).prepare()
    assert counter.read_text() == "1"
    assert value(kernel, end) == before


def test_back_from_the_end_of_a_resumed_lesson_loads_the_last_steps_start(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    counter = tmp_path / "runs"
    finish(started(lesson, store, kernel), counter)
    kernel.restart()
    again = Tutor(lesson, store, kernel)
    again.prepare()
    assert again.back()
    again.enter_step()
    assert again.session.step.id == "last"
    assert value(kernel, "('z' in dir(), done, len(losses))") == "(False, True, 20)"
    assert counter.read_text() == "1"
    assert again.go_next() and again.session.finished


def test_a_crash_after_the_end_comes_back_with_the_inputs_typed_since(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    counter = tmp_path / "runs"
    tutor = started(lesson, store, kernel)
    finish(tutor, counter)
    weights = value(kernel, "model.weight.tolist()")
    tutor.submit("after = z.sum()")
    crashed = tutor.submit("import os; os._exit(3)")
    assert "exited with status 3" in crashed.run.restarted
    assert counter.read_text() == "1"
    assert value(kernel, "model.weight.tolist()") == weights
    assert value(kernel, "after == z.sum()") == "tensor(True)"


def test_a_name_made_again_is_told_once_a_session(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    train_and_move_on(started(lesson, store, kernel), tmp_path / "runs")
    told = (
        "`stream` is a generator, which cannot be saved, so the line that made it ran "
        "again: `next(stream)` gives its first item again."
    )
    kernel.restart()
    again = Tutor(lesson, store, kernel)
    again.prepare()
    assert again.enter_step().note == told  # `look`: its given code made `stream`
    passes(again, "done = True")
    assert again.back()
    assert again.enter_step().note == ""  # made again, said no more
    assert value(kernel, "next(stream)") == "0"
    again.reset_step()
    assert again.go_next()
    assert again.back()
    assert again.enter_step().note == ""

    kernel.restart()  # a new session tells once more
    later = Tutor(lesson, store, kernel)
    later.prepare()
    assert later.enter_step().note == told  # at `last`, which `stream` began before
    assert later.back()
    assert later.enter_step().note == ""


def test_functions_from_a_checkpoint_keep_their_lines_in_tracebacks(
    lesson: Lesson, store: SQLiteStore, kernel: Kernel, tmp_path: Path
) -> None:
    tutor = started(lesson, store, kernel)
    tutor.submit("def scale(t):\n    return t * missing\n")
    train_and_move_on(tutor, tmp_path / "runs")
    kernel.restart()
    again = started(lesson, store, kernel)
    again.submit("x = 1")  # this session's own `<input-1>`: other code
    error = again.submit("scale(torch.ones(2))").run.error
    assert 'File "<earlier input-1>", line 2, in scale\n    return t * missing' in error
    assert "NameError: name 'missing' is not defined" in error


COUNTED = """
id: counted
title: Counted
setup: |
  import pathlib
  import torch
steps:
  - id: train
    text: Train.
    seed: 0
    solution: |
      counter = pathlib.Path(COUNTER)
      counter.write_text(str(int(counter.read_text() or 0) + 1) if counter.exists() else "1")
      weights = torch.randn(3)
      for _ in range(50):
          weights = weights - 0.1 * torch.randn(3)
    checks:
      - defined: weights
  - id: last
    text: Make `z`.
    solution: z = torch.rand(2)
    checks:
      - defined: z
"""


def test_resuming_a_finished_lesson_runs_none_of_its_code_again_in_the_cli(
    write_lesson, tutor_home: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    counter = tmp_path / "runs"
    path = write_lesson(COUNTED.replace("COUNTER", repr(str(counter))))
    shown = "print('values', weights.tolist(), z.tolist(), torch.rand(1).item())\n"
    runs = [run_tutor("start", str(path), "--trust", home=tutor_home, stdin="%skip\n" * 2 + shown)]
    runs += [run_tutor("start", str(path), "--trust", home=tutor_home, stdin=shown) for _ in "ab"]
    assert counter.read_text() == "1"  # the training step was not replayed
    printed = [[ln for ln in run.stdout.splitlines() if ln.startswith("values")] for run in runs]
    assert len(printed[0]) == 1 and printed[0] == printed[1] == printed[2], runs[0].stderr
