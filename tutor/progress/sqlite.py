"""The progress store: each learner's step records, kept in SQLite so nothing is lost on a crash.

    store = SQLiteStore(default_store_path())
    store.save_step("lesson1", "sigmoid", record)      # committed at once
    store.load("lesson1")                              # -> {"sigmoid": StepRecord(...)}

``ProgressStore`` is the interface; a classroom's shared database can implement it later.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tutor.paths import data_home
from tutor.session import StepRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS steps (
    lesson TEXT NOT NULL,
    step TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    hints_used INTEGER NOT NULL,
    solution_shown INTEGER NOT NULL,
    code TEXT NOT NULL,
    answer TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (lesson, step)
);
CREATE TABLE IF NOT EXISTS lessons (
    lesson TEXT PRIMARY KEY,
    position TEXT NOT NULL,
    source TEXT NOT NULL,
    updated REAL NOT NULL
);
"""


@dataclass(frozen=True)
class LessonPlace:
    """Where a learner stands in a lesson: the step they were on and the file it came from."""

    lesson: str
    position: str
    source: str
    updated: float


class ProgressStore(Protocol):
    def load(self, lesson: str) -> dict[str, StepRecord]: ...
    def save_step(self, lesson: str, step: str, record: StepRecord) -> None: ...
    def save_place(self, lesson: str, position: str, source: str) -> None: ...
    def place(self, lesson: str) -> LessonPlace | None: ...
    def last_place(self) -> LessonPlace | None: ...
    def reset(self, lesson: str) -> None: ...


def default_store_path() -> Path:
    return data_home() / "progress.sqlite3"


class StoreError(Exception):
    """The progress file cannot be opened or written (message names the file)."""


class SQLiteStore:
    """A ``ProgressStore`` in one SQLite file; every write is committed immediately."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=5.0)
            # WAL with NORMAL sync: each save survives the tutor or its worker dying (only a power
            # cut can lose the very last one) and costs well under a millisecond, not a full fsync.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open the progress file {path}: {error}") from None

    def close(self) -> None:
        self._db.close()

    def _write(self, sql: str, parameters: tuple[object, ...]) -> None:
        try:
            with self._db:
                self._db.execute(sql, parameters)
        except sqlite3.Error as error:
            raise StoreError(f"cannot save progress to {self.path}: {error}") from None

    def load(self, lesson: str) -> dict[str, StepRecord]:
        rows = self._db.execute(
            "SELECT step, status, attempts, hints_used, solution_shown, code, answer "
            "FROM steps WHERE lesson = ?",
            (lesson,),
        )
        return {
            step: StepRecord(status, attempts, hints, bool(shown), json.loads(code), answer)
            for step, status, attempts, hints, shown, code, answer in rows
        }

    def save_step(self, lesson: str, step: str, record: StepRecord) -> None:
        self._write(
            "INSERT OR REPLACE INTO steps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                lesson,
                step,
                record.status,
                record.attempts,
                record.hints_used,
                int(record.solution_shown),
                json.dumps(record.code),
                record.answer,
                time.time(),
            ),
        )

    def save_place(self, lesson: str, position: str, source: str) -> None:
        self._write(
            "INSERT OR REPLACE INTO lessons VALUES (?, ?, ?, ?)",
            (lesson, position, source, time.time()),
        )

    def place(self, lesson: str) -> LessonPlace | None:
        row = self._db.execute(
            "SELECT lesson, position, source, updated FROM lessons WHERE lesson = ?", (lesson,)
        ).fetchone()
        return LessonPlace(*row) if row else None

    def last_place(self) -> LessonPlace | None:
        row = self._db.execute(
            "SELECT lesson, position, source, updated FROM lessons ORDER BY updated DESC LIMIT 1"
        ).fetchone()
        return LessonPlace(*row) if row else None

    def reset(self, lesson: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM steps WHERE lesson = ?", (lesson,))
            self._db.execute("DELETE FROM lessons WHERE lesson = ?", (lesson,))
