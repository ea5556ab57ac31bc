"""The lesson state machine, driven directly: no worker, no terminal."""

from __future__ import annotations

from tutor.lesson import Lesson, Option, Step
from tutor.session import DONE, PENDING, SKIPPED, Session, StepRecord


def lesson() -> Lesson:
    return Lesson(
        id="demo",
        title="Demo",
        steps=(
            Step(id="one", text="first", solution="x = 1", hints=("think", "x = 1")),
            Step(
                id="two",
                text="second",
                kind="choice",
                options=(Option("a"), Option("b")),
                answer="b",
            ),
            Step(id="three", text="third", solution="z = 3"),
        ),
    )


def test_a_new_session_starts_at_the_first_step() -> None:
    session = Session(lesson())
    assert session.index == 0 and session.step.id == "one" and not session.started


def test_a_passing_attempt_completes_the_step_and_counts_attempts() -> None:
    session = Session(lesson())
    session.record_attempt(passed=False)
    session.record_attempt(passed=True)
    assert session.record.status == DONE and session.record.attempts == 2


def test_hints_come_one_at_a_time_then_run_out() -> None:
    session = Session(lesson())
    assert session.next_hint() == "think"
    assert session.next_hint() == "x = 1"
    assert session.next_hint() is None
    assert session.record.hints_used == 2


def test_skip_marks_the_step_and_moves_on() -> None:
    session = Session(lesson())
    session.skip()
    assert session.records[0].status == SKIPPED and session.index == 1


def test_next_refuses_to_pass_an_unfinished_step() -> None:
    session = Session(lesson())
    assert session.go_next() is False and session.index == 0
    session.record_attempt(passed=True)
    assert session.go_next() is True and session.index == 1


def test_back_stops_at_the_first_step() -> None:
    session = Session(lesson())
    assert session.back() is False
    session.skip()
    assert session.back() is True and session.index == 0


def test_resuming_starts_at_the_first_unfinished_step() -> None:
    records = {"one": StepRecord(status=DONE), "two": StepRecord(status=SKIPPED)}
    session = Session(lesson(), records)
    assert session.index == 2 and session.started


def test_a_lesson_with_every_step_done_is_finished() -> None:
    records = {s: StepRecord(status=DONE) for s in ("one", "two", "three")}
    session = Session(lesson(), records)
    assert session.finished and session.count(DONE) == 3


def test_showing_the_solution_is_recorded_but_does_not_complete_the_step() -> None:
    session = Session(lesson())
    assert session.show_solution() == "x = 1"
    assert session.record.solution_shown and session.record.status == PENDING


def test_reset_forgets_everything() -> None:
    session = Session(lesson())
    session.skip()
    session.reset()
    assert session.index == 0 and all(r.status == PENDING for r in session.records)
