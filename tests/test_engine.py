"""The tutor's core loop with a real worker and a real SQLite store, driven directly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.choices import match_option
from tutor.engine import Tutor
from tutor.judging import touches
from tutor.kernel.client import Kernel
from tutor.lesson import load_lesson
from tutor.progress import SQLiteStore
from tutor.session import DONE, PENDING, SKIPPED

LESSON = """
id: mini
title: Mini
setup: import torch
steps:
  - id: ones
    text: Make `x`, three ones.
    solution: x = torch.ones(3)
    checks:
      - tensor: {name: x, shape: [3]}
      - matches_solution: [x]
    hints: ["`torch.ones` takes a size.", "x = torch.ones(3)"]
  - id: double
    text: Make `y`, twice `x`.
    solution: y = x * 2
    checks:
      - matches_solution: [y]
  - id: pick
    kind: choice
    text: Which changes a tensor in place?
    options: [view, {text: resize_, why: "The underscore marks in-place methods."}]
    answer: resize_
    explanation: Methods ending in `_` change their tensor.
  - id: bridge
    text: Make `b` from the array `a` without copying.
    given: |
      import numpy as np
      a = np.ones((2, 2))
    solution: b = torch.from_numpy(a)
    checks:
      - shares_memory: [a, b]
"""


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "progress.sqlite3")


@pytest.fixture
def tutor(write_lesson, store: SQLiteStore, kernel: Kernel) -> Tutor:  # type: ignore[no-untyped-def]
    tutor = Tutor(load_lesson(write_lesson(LESSON)), store, kernel)
    tutor.prepare()
    tutor.enter_step()
    return tutor


def test_a_right_answer_completes_the_step_and_is_saved(tutor: Tutor, store: SQLiteStore) -> None:
    submission = tutor.submit("x = torch.ones(3)")
    assert submission.passed
    assert next(v.title for v in submission.feedback.verdicts) == "`x`: shape (3,)"
    assert tutor.session.step.id == "double"
    saved = store.load("mini")["ones"]
    assert saved.status == DONE and saved.attempts == 1 and saved.code == ["x = torch.ones(3)"]


def test_a_wrong_answer_gets_specific_feedback_and_counts_an_attempt(tutor: Tutor) -> None:
    submission = tutor.submit("x = torch.ones(4)")
    assert submission.feedback is not None and submission.feedback.shown
    failing = next(v for v in submission.feedback.verdicts if not v.passed)
    assert "shape" in failing.title
    assert tutor.session.record.attempts == 1 and tutor.session.record.status == PENDING


def test_exploring_other_names_is_never_judged(tutor: Tutor) -> None:
    submission = tutor.submit("z = torch.zeros(2)\nprint(z)")
    assert submission.run.output == "tensor([0., 0.])\n"
    assert submission.feedback is not None and not submission.feedback.shown
    assert tutor.session.record.attempts == 0


def test_an_error_is_reported_and_not_recorded(tutor: Tutor) -> None:
    submission = tutor.submit("x = torch.mm(torch.ones(1, 5), torch.ones(1, 5))")
    assert not submission.run.ok and "mat1 and mat2" in submission.run.error
    assert any("(1, 5)" in line for line in submission.run.explanation)
    assert tutor.session.record.code == []


def test_hints_come_in_order_and_are_saved(tutor: Tutor, store: SQLiteStore) -> None:
    assert tutor.hint() == "`torch.ones` takes a size."
    assert tutor.hint() == "x = torch.ones(3)"
    assert tutor.hint() is None
    assert store.load("mini")["ones"].hints_used == 2


def test_skipping_runs_the_solution_so_later_steps_work(tutor: Tutor, store: SQLiteStore) -> None:
    tutor.skip()
    tutor.enter_step()
    assert tutor.submit("y = x * 2").passed
    assert store.load("mini")["ones"].status == SKIPPED


def test_a_choice_is_answered_by_text_or_number(tutor: Tutor) -> None:
    tutor.skip()
    tutor.skip()
    tutor.enter_step()
    wrong = tutor.answer("1")
    assert not wrong.passed and "`view` is not the answer" in wrong.message
    right = tutor.answer("resize_()")
    assert right.passed and right.message == "Methods ending in `_` change their tensor."


def test_an_option_is_recognised_with_a_torch_prefix_and_text_beats_number() -> None:
    from tutor.lesson import Option, Step

    step = Step(
        id="s", text="t", kind="choice", options=(Option("2"), Option("float64")), answer="2"
    )
    assert match_option(step, "torch.float64") == Option("float64")
    assert match_option(step, "2") == Option("2")
    assert match_option(step, "something else") is None


def test_resuming_rebuilds_the_namespace_from_the_learners_own_code(  # type: ignore[no-untyped-def]
    write_lesson, store: SQLiteStore, kernel: Kernel
) -> None:
    lesson = load_lesson(write_lesson(LESSON))
    first = Tutor(lesson, store, kernel)
    first.prepare()
    first.enter_step()
    first.submit("helper_value = 3")  # exploration, kept for the learner
    assert first.submit("x = torch.ones(3)").passed
    kernel.reset_all()  # as if the tutor had been closed

    again = Tutor(lesson, store, kernel)
    assert again.resumed and again.session.step.id == "double"
    again.prepare()
    again.enter_step()
    assert again.submit("y = x * helper_value - x").passed


def test_a_crashed_worker_is_replaced_and_the_step_rebuilt(
    write_lesson, store: SQLiteStore
) -> None:  # type: ignore[no-untyped-def]
    kernel = Kernel(device="cpu")
    try:
        tutor = Tutor(load_lesson(write_lesson(LESSON)), store, kernel)
        tutor.prepare()
        tutor.enter_step()
        assert tutor.submit("x = torch.ones(3)").passed
        tutor.enter_step()
        crashed = tutor.submit("import os; os._exit(1)")
        assert "the worker exited with status 1" in crashed.run.restarted
        assert "no progress was lost" in crashed.run.restarted
        assert tutor.session.step.id == "double"
        assert tutor.submit("y = x * 2").passed  # `x` was rebuilt from the saved code
    finally:
        kernel.close()


def test_reset_puts_the_step_back(tutor: Tutor) -> None:
    tutor.submit("c = 1\nx = torch.zeros(3)")
    tutor.reset_step()
    assert "NameError" in tutor.submit("c").run.error
    assert "NameError" in tutor.submit("x").run.error


def test_reset_clears_the_inputs_a_resume_would_replay(tutor: Tutor, store: SQLiteStore) -> None:
    tutor.submit("x = torch.zeros(3)")
    tutor.reset_step()
    assert store.load("mini")["ones"].code == []


def test_going_back_to_a_finished_step_lets_it_be_redone(  # type: ignore[no-untyped-def]
    write_lesson, store: SQLiteStore, kernel: Kernel
) -> None:
    lesson = load_lesson(
        write_lesson(
            """
            id: scale
            title: Scale
            setup: import torch
            steps:
              - id: triple
                text: Triple `w` in place.
                given: w = torch.ones(2)
                solution: w.mul_(3)
                checks:
                  - matches_solution: [w]
              - id: next
                text: Anything.
                solution: z = 1
                checks:
                  - defined: z
            """
        )
    )
    tutor = Tutor(lesson, store, kernel)
    tutor.prepare()
    tutor.enter_step()
    assert tutor.submit("w.mul_(3)").passed
    tutor.back()
    tutor.enter_step()
    assert tutor.submit("w.mul_(3)").passed
    assert store.load("scale")["triple"].code == ["w.mul_(3)"]  # what a resume replays


def test_a_failing_setup_is_reported(write_lesson, store: SQLiteStore, kernel: Kernel) -> None:  # type: ignore[no-untyped-def]
    lesson = load_lesson(
        write_lesson(LESSON.replace("setup: import torch", "setup: import torchh"))
    )
    result = Tutor(lesson, store, kernel).prepare()
    assert not result.ok and "No module named 'torchh'" in result.error


def test_an_input_that_kills_the_worker_on_replay_is_dropped(  # type: ignore[no-untyped-def]
    write_lesson, store: SQLiteStore, tmp_path: Path
) -> None:
    marker = tmp_path / "ran-once"
    deadly = (
        f"import os, pathlib\np = pathlib.Path({str(marker)!r})\n"
        "if p.exists(): os._exit(9)\np.touch()"
    )
    lesson = load_lesson(write_lesson(LESSON))
    kernel = Kernel(device="cpu")
    try:
        first = Tutor(lesson, store, kernel)
        first.prepare()
        first.enter_step()
        assert first.submit(deadly).run.ok  # harmless the first time
        kernel.restart()
        again = Tutor(lesson, store, kernel)
        again.prepare()
        entered = again.enter_step()  # replaying it now kills the worker
        assert "status 9" in entered.restarted
        assert store.load("mini")["ones"].code == []
        assert again.submit("x = torch.ones(3)").passed
    finally:
        kernel.close()


def test_rebinding_torch_is_named_in_the_feedback(tutor: Tutor) -> None:
    submission = tutor.submit("torch = 5\nx = [1, 1, 1]")
    assert submission.feedback is not None and not submission.feedback.passed
    assert any("`torch` is now an int" in note for note in submission.feedback.notes)


def test_only_inputs_that_change_what_is_checked_are_judged() -> None:
    assert touches("y = 1", {"y"}) and not touches("z = 1", {"y"})
    assert not touches("y", {"y"}) and not touches("print(y)", {"y"})
    assert touches("b.mul_(2)", {"b"}) and touches("model.fc1.bias.data.fill_(0)", {"model"})
    assert not touches("a.mul_(2)", {"b"})
    assert touches("b.numpy()\nc = 1", set()) and not touches("b", set())
    assert not touches("x = = 1", {"x"})


def test_a_near_miss_at_a_choice_is_answered_with_a_suggestion(tutor: Tutor) -> None:
    tutor.skip()
    tutor.skip()
    tutor.enter_step()
    result = tutor.answer("resize")
    assert not result.passed and result.message.startswith("Did you mean `resize_`?")
    assert tutor.session.record.attempts == 0  # not an answer yet


def test_a_misspelt_name_is_pointed_out() -> None:
    from tutor.checks.base import Verdict
    from tutor.judging import misspelling as _misspelling

    missing = [Verdict(False, "`activation` is not defined yet", missing="activation")]
    note = _misspelling("def activaton(x):\n    return x", missing)
    assert note == "You defined `activaton`; the step asks for `activation`."
    assert _misspelling("weights = 1", missing) == ""


def test_the_right_value_under_another_name_is_pointed_out(tutor: Tutor) -> None:
    tutor.skip()
    tutor.enter_step()
    submission = tutor.submit("z = x * 2")  # the step asks for `y`
    assert submission.feedback is not None and submission.feedback.shown
    assert submission.feedback.notes[0] == "Your `z` holds what `y` should; the step checks `y`."
    assert not tutor.submit("w = x * 3").feedback.shown  # a different value: just exploring


def test_the_out_of_place_twin_of_an_in_place_method_is_named() -> None:
    from tutor.judging import out_of_place_twin as _out_of_place_twin

    note = _out_of_place_twin("b.mul(2)", "b.mul_(2)")
    assert note.startswith("`mul` returns a new tensor and leaves the original as it was")
    assert _out_of_place_twin("b.mul_(2)", "b.mul_(2)") == ""
    assert _out_of_place_twin("b.add(2)", "b.mul_(2)") == ""


def test_a_value_left_from_an_earlier_step_does_not_pass_the_next(  # type: ignore[no-untyped-def]
    write_lesson, store: SQLiteStore, kernel: Kernel
) -> None:
    lesson = load_lesson(
        write_lesson(
            """
            id: again
            title: Again
            setup: import torch
            steps:
              - id: sum
                text: Make `y`, the sum of `x`.
                given: x = torch.ones(3)
                solution: y = torch.sum(x)
                checks:
                  - matches_solution: [y]
              - id: dot
                text: Make `y` again, as a dot product.
                solution: y = torch.dot(x, torch.ones(3))
                checks:
                  - uses: [torch.dot]
                  - matches_solution: [y]
            """
        )
    )
    tutor = Tutor(lesson, store, kernel)
    tutor.prepare()
    tutor.enter_step()
    assert tutor.submit("y = torch.sum(x)").passed
    tutor.enter_step()
    exploring = tutor.submit("torch.dot(x, x)")  # uses torch.dot; `y` is still right from before
    assert not exploring.passed and not exploring.feedback.shown
    assert tutor.submit("y = torch.dot(x, torch.ones(3))").passed


def test_a_word_of_one_option_is_taken_as_a_near_miss() -> None:
    from tutor.choices import close_option
    from tutor.lesson import Option, Step

    options = (Option("images in the batch"), Option("colour channels"))
    step = Step(id="s", text="t", kind="choice", options=options, answer="colour channels")
    assert close_option(step, "channels") == Option("colour channels")
    assert close_option(step, "the") is None  # too short, and in no single option
