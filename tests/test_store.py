"""The progress store's promises, each checked on a real SQLite file and a real PostgreSQL server.

The `store_url` fixture runs every test twice: `sqlite:///...` in the test's folder, and a fresh
database on the PostgreSQL server the suite starts (tests/postgres.py).
"""

from __future__ import annotations

import time

import pytest

from tutor.bundles import read_bundle, write_bundle
from tutor.progress import LearnerStore, StoreError, open_store, sessions_notice
from tutor.session import DONE, PENDING, SKIPPED, StepRecord


def opened(url: str, learner: str = "ann") -> LearnerStore:
    return open_store(url, learner=learner, on_notice=pytest.fail)  # no notice expected here


def test_a_saved_step_survives_reopening(store_url: str) -> None:
    store = opened(store_url)
    record = StepRecord(status=DONE, attempts=3, hints_used=1, solution_shown=True, code=["x = 1"])
    store.save_step("lesson1", "sigmoid", record)
    store.save_place("lesson1", "neuron", "/x/lesson1.yaml")
    store.close()
    again = opened(store_url)
    assert again.load("lesson1") == {"sigmoid": record}
    place = again.place("lesson1")
    assert place is not None and (place.position, place.source) == ("neuron", "/x/lesson1.yaml")
    assert again.last_place() == place
    again.close()


def test_the_last_place_is_the_lesson_touched_last(store_url: str) -> None:
    store = opened(store_url)
    store.save_place("lesson1", "a", "")
    time.sleep(0.01)
    store.save_place("lesson2", "b", "")
    last = store.last_place()
    assert last is not None and (last.lesson, last.position) == ("lesson2", "b")


def test_two_learners_never_see_each_others_progress(store_url: str) -> None:
    ann, bob = opened(store_url, "ann"), opened(store_url, "bob")
    ann.save_step("lesson1", "a", StepRecord(status=DONE, attempts=1))
    ann.save_place("lesson1", "b", "")
    bob.save_step("lesson1", "a", StepRecord(attempts=4))
    assert ann.load("lesson1")["a"] == StepRecord(status=DONE, attempts=1)
    assert bob.load("lesson1")["a"] == StepRecord(attempts=4)
    assert bob.place("lesson1") is None and bob.last_place() is None
    bob.reset("lesson1")
    assert ann.load("lesson1")["a"].status == DONE


def test_reset_clears_one_lesson_of_one_learner(store_url: str) -> None:
    store = opened(store_url)
    store.save_step("lesson1", "a", StepRecord(status=DONE))
    store.save_step("lesson2", "a", StepRecord(status=DONE))
    store.save_place("lesson1", "a", "")
    store.reset("lesson1")
    assert store.load("lesson1") == {} and store.place("lesson1") is None
    assert store.load("lesson2") == {"a": StepRecord(status=DONE)}


def test_a_stale_session_never_moves_a_finished_step_back(store_url: str) -> None:
    """Issue 10: two sessions on the same data; the one opened first takes a hint on step a
    after the other finished it. Step a stays done, and both sessions' attempts count."""
    early, late = opened(store_url), opened(store_url)
    first = early.load("lesson1").get("a", StepRecord())
    second = late.load("lesson1").get("a", StepRecord())
    second.attempts += 2
    second.status = DONE
    second.code = ["y = f(x)"]
    late.save_step("lesson1", "a", second)
    first.attempts += 1
    first.hints_used += 1
    first.code = ["y ="]
    early.save_step("lesson1", "a", first)
    for store in (early, late, opened(store_url)):
        record = store.load("lesson1")["a"]
        assert record.status == DONE and record.code == ["y = f(x)"]
        assert record.attempts == 3 and record.hints_used == 1


def test_a_session_adds_its_own_attempts_to_what_it_loaded(store_url: str) -> None:
    store = opened(store_url)
    store.save_step("lesson1", "a", StepRecord(attempts=2))
    store.close()
    again = opened(store_url)
    record = again.load("lesson1")["a"]
    record.attempts += 1
    again.save_step("lesson1", "a", record)
    again.save_step("lesson1", "a", record)  # the same record saved twice counts once
    assert again.load("lesson1")["a"].attempts == 3
    again.load("lesson1")  # loading again (the lesson list does) changes nothing
    record.attempts += 1
    again.save_step("lesson1", "a", record)
    assert opened(store_url).load("lesson1")["a"].attempts == 4


def test_skipped_then_done_is_done_and_done_then_skipped_stays_done(store_url: str) -> None:
    store = opened(store_url)
    store.save_step("lesson1", "a", StepRecord(status=SKIPPED))
    store.save_step("lesson1", "a", StepRecord(status=DONE, attempts=1))
    store.save_step("lesson1", "b", StepRecord(status=DONE, attempts=1))
    other = opened(store_url)
    other.load("lesson1")
    other.save_step("lesson1", "b", StepRecord(status=SKIPPED))
    other.save_step("lesson1", "b", StepRecord(status=PENDING))
    statuses = {step: r.status for step, r in opened(store_url).load("lesson1").items()}
    assert statuses == {"a": DONE, "b": DONE}


def test_the_failing_checks_shown_are_counted_per_step(store_url: str) -> None:
    store = opened(store_url)
    wrong_shape = "`y` has the wrong shape"
    store.save_step("lesson1", "a", StepRecord(attempts=1), shown=[wrong_shape])
    store.save_step("lesson1", "a", StepRecord(attempts=2), shown=[wrong_shape, "`b` is missing"])
    store.save_step("lesson1", "a", StepRecord(attempts=2))  # an exploration: nothing shown
    shown = {(s.message, s.count) for s in store.dump("ann").shown}
    assert shown == {(wrong_shape, 2), ("`b` is missing", 1)}


def test_time_on_task_counts_the_gaps_between_saves(store_url: str) -> None:
    store = opened(store_url)
    store.save_place("lesson1", "a", "")
    time.sleep(0.2)
    store.save_step("lesson1", "a", StepRecord(attempts=1))
    time.sleep(0.1)
    store.save_step("lesson1", "a", StepRecord(attempts=2, status=DONE))
    (row,) = store.dump("ann").steps
    assert 0.3 <= row.seconds < 1.0
    assert row.started <= row.updated


def test_a_dump_merged_again_counts_nothing_twice(store_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = opened(store_url)
    store.save_step("lesson1", "a", StepRecord(status=DONE, attempts=2), shown=["`y` is off"])
    store.save_place("lesson1", "b", "")
    path = tmp_path / "ann.json"
    write_bundle(path, store.dump("ann"), "ann")
    for _ in range(2):
        store.merge(read_bundle(path))
    assert store.load("lesson1")["a"].attempts == 2
    assert [s.count for s in store.dump("ann").shown] == [1]


def test_a_bundle_moves_a_learner_to_another_store(store_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    home = open_store(f"sqlite:///{tmp_path / 'home.sqlite3'}", learner="ann")
    home.save_step("lesson1", "a", StepRecord(status=DONE, attempts=2, code=["a = 1"]))
    home.save_step("lesson1", "b", StepRecord(attempts=1, hints_used=2))
    home.save_place("lesson1", "b", "")
    path = tmp_path / "ann.json"
    write_bundle(path, home.dump("ann"), "ann")
    school = opened(store_url, "teacher")
    school.merge(read_bundle(path))
    ann = opened(store_url, "ann")
    assert ann.load("lesson1") == home.load("lesson1")
    assert ann.place("lesson1") == home.place("lesson1")
    assert school.load("lesson1") == {}


def test_a_second_session_on_a_lesson_hears_of_the_first(store_url: str) -> None:
    first, second = opened(store_url), opened(store_url)
    assert first.open_session("lesson1") == []
    others = second.open_session("lesson1")
    assert [s.origin for s in others] == [first.origin]
    assert "Another tutor session has `lesson1` open" in sessions_notice(others)
    assert opened(store_url, "bob").open_session("lesson1") == []  # another learner's
    first.close()
    still_open = opened(store_url).open_session("lesson1")
    assert [s.origin for s in still_open] == [second.origin]


def test_a_learner_name_must_be_printable(store_url: str) -> None:
    with pytest.raises(StoreError, match="cannot name a learner"):
        open_store(store_url, learner="ann\x1b[2J")
