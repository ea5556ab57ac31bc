"""The learner's flow through steps: revisiting, partial work, near-miss answers, what
`tutor start` offers next."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_tutor

from tutor.catalog import builtin_paths, first_lesson_id, lesson_to_resume
from tutor.checks.base import Verdict
from tutor.choices import close_option
from tutor.engine import Tutor
from tutor.judging import judge
from tutor.kernel.client import Kernel
from tutor.kernel.protocol import CheckReply
from tutor.lesson import Option, Step, load_lesson
from tutor.progress import SQLiteStore

LESSON = """
id: flow
title: Flow
setup: import torch
steps:
  - id: neuron
    text: Define `activation(x)`, the sigmoid, then use it to make `y`.
    solution: |
      def activation(x):
          return 1 / (1 + torch.exp(-x))
      y = activation(torch.tensor(0.0))
    checks:
      - function: {name: activation, inputs: ["torch.tensor([0.0, 1.0])"]}
      - tensor: {name: y, value: 0.5}
  - id: next
    text: Make `z`.
    solution: z = 1
    checks:
      - defined: z
"""


@pytest.fixture
def tutor(write_lesson, tmp_path: Path, kernel: Kernel) -> Tutor:  # type: ignore[no-untyped-def]
    tutor = Tutor(load_lesson(write_lesson(LESSON)), SQLiteStore(tmp_path / "p.sqlite3"), kernel)
    tutor.prepare()
    tutor.enter_step()
    return tutor


def test_a_right_function_at_a_step_asking_for_more_is_acknowledged(tutor: Tutor) -> None:
    submission = tutor.submit("def activation(x):\n    return 1 / (1 + torch.exp(-x))")
    feedback = submission.feedback
    assert feedback is not None and feedback.shown and feedback.partial and not feedback.passed
    assert feedback.notes[0] == "So far so good. The step also asks for `y`."
    assert tutor.session.record.attempts == 0  # work in progress is not a failed attempt


def test_looking_around_at_a_finished_step_does_not_move_on(tutor: Tutor) -> None:
    step = tutor.lesson.steps[0]
    passing: CheckReply = {"verdicts": [Verdict(True, "`y`: value 0.5")]}
    looked = judge(step, ["type(y)"], "type(y)", passing, revisit=True)
    assert not looked.passed and not looked.shown
    redone = judge(step, ["y = activation(x)"], "y = activation(x)", passing, revisit=True)
    assert redone.passed


def test_an_answer_as_close_to_two_options_gets_no_give_away() -> None:
    step = Step(id="s", text="t", kind="choice", options=(Option("float32"), Option("float64")))
    assert close_option(step, "float") is None
    assert close_option(step, "float6") is not None


def test_after_the_last_lesson_is_finished_start_offers_the_menu_not_it(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "p.sqlite3")
    last = builtin_paths()[-1].stem
    store.save_place(last, "", "")  # finished
    assert lesson_to_resume(store) is None
    assert first_lesson_id(store) == builtin_paths()[0].stem


def test_a_function_defined_under_another_name_is_named(tutor: Tutor) -> None:
    step = tutor.lesson.steps[0]
    code = "def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))"
    missing: CheckReply = {
        "verdicts": [Verdict(False, "`activation` is not defined yet", missing="activation")]
    }
    feedback = judge(step, [code], code, missing, revisit=False)
    assert feedback.shown and not feedback.passed
    assert feedback.notes[0] == (
        "You defined `sigmoid`; the step asks for `activation`. "
        "`activation = sigmoid` gives it that name too."
    )
    # a name the solution does not define as a function gets no such note
    later = tutor.lesson.steps[1]
    z_missing: CheckReply = {"verdicts": [Verdict(False, "`z` is not defined", missing="z")]}
    assert not judge(later, [code], code, z_missing, revisit=False).notes


def test_piped_inputs_are_judged_one_by_one_so_looking_repeats_no_failure(
    tutor_home: Path,
) -> None:
    typed = "3\ndef activation(x):\n    return x\n\nactivation(torch.zeros(1))\nprint(2)\n"
    result = run_tutor("start", "lesson1", stdin=typed, home=tutor_home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("✗") == 1  # the attempt, not the look nor the print after it


def test_code_typed_at_a_question_is_reminded_of_the_question_once(tutor_home: Path) -> None:
    # Lesson 1 opens with a question; a learner copying cells types code instead.
    typed = "x = 1\nprint(x)\n3\n"
    result = run_tutor("start", "lesson1", stdin=typed, home=tutor_home)
    assert result.returncode == 0, result.stderr
    reminder = "Your code ran, but this step is a question: type an option's number (1-4)"
    assert result.stdout.count(reminder) == 1, result.stdout
    assert "lesson1: 1/12 steps complete" in result.stdout


@pytest.mark.parametrize("typed", ["Lesson1", "LESSON1", "lesson 1", "1"])
def test_a_built_in_lesson_is_found_however_its_id_is_typed(typed: str) -> None:
    from tutor.catalog import find_lesson_path

    assert find_lesson_path(typed).stem == "lesson1"


TRAINING = """
id: train
title: Train
setup: import torch
steps:
  - id: loop
    text: Train, keeping each loss in `losses`.
    solution: |
      losses = [2.0, 1.0, 0.5]
    checks:
      - loss_falls: {name: losses}
"""


def test_getting_ready_to_train_is_not_judged_as_a_failed_training(write_lesson) -> None:  # type: ignore[no-untyped-def]
    step = load_lesson(write_lesson(TRAINING)).steps[0]
    not_yet: CheckReply = {"verdicts": [Verdict(False, "`losses` is empty")]}
    for code in ("losses = []", "model = torch.nn.Linear(2, 1)\nlosses = []", "model.train()"):
        assert not judge(step, [code], code, not_yet, revisit=False).shown
    loop = "for i in range(3):\n    losses.append(1.0)"
    assert judge(step, [loop], loop, not_yet, revisit=False).shown
    result = "losses = [x / 2 for x in steps]"  # a computed value: a result, judged
    assert judge(step, [result], result, not_yet, revisit=False).shown
