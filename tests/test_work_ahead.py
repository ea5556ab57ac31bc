"""A learner ahead of the tutor: an input that completes a later step is credited, the steps
jumped over are marked skipped, and %back / %goto reach them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.engine import Tutor
from tutor.kernel.client import Kernel
from tutor.lesson import load_lesson
from tutor.progress import SQLiteStore
from tutor.session import DONE, PENDING, SKIPPED

LESSON = """
id: ahead
title: Ahead
setup: import torch
steps:
  - id: data
    text: Make `weights`.
    seed: 1
    solution: weights = torch.randn(1, 5)
    checks:
      - tensor: {name: weights, shape: [1, 5]}
  - id: look
    title: Look
    text: Type `weights.shape`.
    solution: weights.shape
    checks:
      - output: {pattern: 'torch\\.Size'}
  - id: column
    title: A column
    text: Make `column`, `weights` as a column.
    solution: column = weights.view(5, 1)
    checks:
      - matches_solution: [column]
  - id: last
    text: Make `z`.
    solution: z = 1
    checks:
      - defined: z
"""


@pytest.fixture
def tutor(write_lesson, tmp_path: Path, kernel: Kernel) -> Tutor:  # type: ignore[no-untyped-def]
    store = SQLiteStore(tmp_path / "progress.sqlite3")
    tutor = Tutor(load_lesson(write_lesson(LESSON)), store, kernel)
    tutor.prepare()
    tutor.enter_step()
    assert tutor.submit("weights = torch.randn(1, 5)").passed
    tutor.enter_step()
    return tutor


def test_doing_the_next_steps_work_credits_it_and_skips_the_look_step(tutor: Tutor) -> None:
    submission = tutor.submit("column = weights.view(5, 1)")
    assert submission.passed
    assert submission.feedback is not None
    assert submission.feedback.explanation.startswith(
        "That completes step 3 (A column); step 2 was skipped (`%back` returns)."
    )
    assert [r.status for r in tutor.session.records] == [DONE, SKIPPED, DONE, PENDING]
    assert tutor.session.step.id == "last"
    saved = tutor.store.load("ahead")
    assert saved["look"].status == SKIPPED and saved["column"].code == [
        "column = weights.view(5, 1)"
    ]


def test_a_wrong_answer_to_a_later_step_is_not_credited(tutor: Tutor) -> None:
    submission = tutor.submit("column = weights.view(1, 5)")
    assert not submission.passed
    assert tutor.session.step.id == "look"


def test_after_working_ahead_the_next_step_begins_from_the_learners_state(tutor: Tutor) -> None:
    tutor.submit("column = weights.view(5, 1)")
    tutor.enter_step()
    reply = tutor.kernel.exec("print(column.shape)", quiet=True)
    assert reply["output"] == "torch.Size([5, 1])\n"


def test_goto_reaches_a_skipped_step_and_no_further_than_the_first_unfinished(tutor: Tutor) -> None:
    tutor.submit("column = weights.view(5, 1)")
    tutor.enter_step()
    assert tutor.goto(2)
    tutor.enter_step()
    assert tutor.session.step.id == "look"
    assert tutor.submit("weights.shape").passed
    assert not tutor.goto(4 + 1)
