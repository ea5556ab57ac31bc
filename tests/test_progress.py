"""The progress store as a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tutor.progress import SQLiteStore, StoreError, data_home, default_store_path
from tutor.session import DONE, StepRecord


def test_the_store_lives_under_tutor_home_when_set(tutor_home: Path) -> None:
    assert data_home() == tutor_home
    assert default_store_path() == tutor_home / "progress.sqlite3"


def test_a_saved_step_survives_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    store = SQLiteStore(path)
    record = StepRecord(status=DONE, attempts=3, hints_used=1, solution_shown=True, code=["x = 1"])
    store.save_step("lesson1", "sigmoid", record)
    store.save_place("lesson1", "neuron", "/x/lesson1.yaml")
    store.close()
    again = SQLiteStore(path)
    assert again.load("lesson1") == {"sigmoid": record}
    place = again.place("lesson1")
    assert place is not None and place.position == "neuron" and place.source == "/x/lesson1.yaml"
    assert again.last_place() == place


def test_writes_are_committed_immediately(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    store = SQLiteStore(path)
    store.save_step("lesson1", "a", StepRecord(attempts=1))
    # A second connection (another process would do the same) sees the row without a close.
    rows = sqlite3.connect(path).execute("SELECT lesson, step, attempts FROM steps").fetchall()
    assert rows == [("lesson1", "a", 1)]


def test_reset_clears_one_lesson_only(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "p.sqlite3")
    store.save_step("lesson1", "a", StepRecord(status=DONE))
    store.save_step("lesson2", "a", StepRecord(status=DONE))
    store.save_place("lesson1", "a", "")
    store.reset("lesson1")
    assert store.load("lesson1") == {} and store.place("lesson1") is None
    assert store.load("lesson2") == {"a": StepRecord(status=DONE)}


def test_an_unusable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open the progress file"):
        SQLiteStore(blocker / "p.sqlite3")
