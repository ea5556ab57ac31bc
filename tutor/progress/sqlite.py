"""The embedded store: one SQLite file, every write committed at once, nothing lost on a crash.

    store = SQLiteStore(default_store_path())            # this user's progress, as a learner
    backend = SQLiteBackend(Path("class.sqlite3"))       # rows in and out, for the store

Opening a file checks it: a damaged file (malformed pages, cells that are not JSON), one that
another program made, or one from a newer tutor is a ``StoreError`` naming the file and the way
out (`tutor reset --all`). A progress file from before learners had names (tables ``steps`` and
``lessons``) is migrated to the learner who opens it first.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from tutor.progress.learner import LearnerStore
from tutor.progress.sql import (
    PLACE_COLUMNS,
    SESSION_COLUMNS,
    SHOWN_COLUMNS,
    STEP_COLUMNS,
    WAY_OUT,
    Dialect,
    batches,
    step_row,
)
from tutor.progress.store import (
    LessonPlace,
    Notice,
    OpenSession,
    Rows,
    ShownRow,
    StoreError,
    StoreUnavailable,
)

T = TypeVar("T")
DIALECT = Dialect("?", "max", "min")
VERSION = 1
SCHEMA = """
CREATE TABLE steps (
    learner TEXT NOT NULL, lesson TEXT NOT NULL, step TEXT NOT NULL, origin TEXT NOT NULL,
    status TEXT NOT NULL, attempts INTEGER NOT NULL, hints_used INTEGER NOT NULL,
    solution_shown INTEGER NOT NULL, code TEXT NOT NULL, answer TEXT NOT NULL,
    seconds REAL NOT NULL, started REAL NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (learner, lesson, step, origin)
);
CREATE INDEX steps_by_time ON steps (learner, updated);
CREATE TABLE places (
    learner TEXT NOT NULL, lesson TEXT NOT NULL, position TEXT NOT NULL, source TEXT NOT NULL,
    updated REAL NOT NULL, PRIMARY KEY (learner, lesson)
);
CREATE TABLE shown (
    learner TEXT NOT NULL, lesson TEXT NOT NULL, step TEXT NOT NULL, origin TEXT NOT NULL,
    message TEXT NOT NULL, count INTEGER NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (learner, lesson, step, origin, message)
);
CREATE TABLE sessions (
    origin TEXT PRIMARY KEY, learner TEXT NOT NULL, lesson TEXT NOT NULL, host TEXT NOT NULL,
    pid INTEGER NOT NULL, opened REAL NOT NULL
);
CREATE TABLE unsynced (
    target TEXT NOT NULL, learner TEXT NOT NULL, since REAL NOT NULL,
    PRIMARY KEY (target, learner)
);
"""
# The file before learners had names: tutor 0.1's two tables, kept in the first migration.
LEGACY = {
    "steps": ["lesson", "step", "status", "attempts", "hints_used", "solution_shown", "code",
              "answer", "updated"],
    "lessons": ["lesson", "position", "source", "updated"],
}  # fmt: skip
LEGACY_SET_ASIDE = ["ALTER TABLE steps RENAME TO legacy_steps"]
LEGACY_COPY = [
    f"INSERT INTO steps ({STEP_COLUMNS}) SELECT ?, lesson, step, 'legacy', status, "
    "attempts, hints_used, solution_shown, code, answer, 0, updated, updated FROM legacy_steps",
    f"INSERT INTO places ({PLACE_COLUMNS}) SELECT ?, lesson, position, source, updated "
    "FROM lessons",
    "DROP TABLE legacy_steps",
    "DROP TABLE lessons",
]


class SQLiteBackend:
    """Rows in one SQLite file (WAL: a reader never waits for the tutor that writes)."""

    def __init__(self, path: Path, legacy_learner: str = "") -> None:
        self.path = path
        self.where = f"the progress file {path}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=10.0, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open the progress file {path}: {error}") from None
        try:
            # WAL with NORMAL sync: each save survives the tutor or its worker dying (only a power
            # cut can lose the very last one) and costs well under a millisecond, not a full fsync.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(legacy_learner)
            self._check()
        except sqlite3.Error as error:
            self._db.close()
            raise self._error("open", error) from None
        except StoreError:
            self._db.close()
            raise

    # -- opening -----------------------------------------------------------------------------

    def _tables(self) -> dict[str, list[str]]:
        names = [
            r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return {n: [c[1] for c in self._db.execute(f"PRAGMA table_info('{n}')")] for n in names}

    def _migrate(self, legacy_learner: str) -> None:
        with self._transaction():
            tables = self._tables()
            if "schema_version" in tables:
                found = self._db.execute("SELECT max(version) FROM schema_version").fetchone()[0]
                if found is None or found > VERSION:
                    raise StoreError(
                        f"{self.where} was written by a newer tutor (schema version {found}, "
                        f"this tutor knows {VERSION}); upgrade tutor, or {WAY_OUT}"
                    )
                return
            legacy = {name: tables.pop(name) for name in LEGACY if name in tables}
            if tables or (legacy and legacy != LEGACY):
                names = ", ".join(sorted([*tables, *legacy]))
                raise StoreError(
                    f"{self.where} is not a tutor progress file (it holds tables {names}); "
                    f"{WAY_OUT}"
                )
            statements = [s for s in SCHEMA.split(";") if s.strip()]
            if legacy:
                statements = LEGACY_SET_ASIDE + statements + LEGACY_COPY
            for statement in statements:  # one by one: executescript would commit first
                self._db.execute(statement, (legacy_learner,) if "?" in statement else ())
            self._db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            self._db.execute("INSERT INTO schema_version VALUES (?)", (VERSION,))

    def _check(self) -> None:
        """Malformed pages and non-JSON cells are found here, not halfway through a lesson."""
        found = str(self._db.execute("PRAGMA quick_check(1)").fetchone()[0])
        if found != "ok":
            lines = [line for line in found.splitlines() if not line.startswith("***")]
            problem = "; ".join(lines)[:120]  # one line, however much is wrong
            raise StoreError(f"{self.where} is damaged ({problem}); {WAY_OUT}")
        bad = self._db.execute(
            "SELECT learner, lesson, step FROM steps WHERE NOT json_valid(code) LIMIT 1"
        ).fetchone()
        if bad:
            raise StoreError(
                f"{self.where} is damaged: the record of {'/'.join(bad)} is not JSON; {WAY_OUT}"
            )

    def _error(self, doing: str, error: sqlite3.Error) -> StoreError:
        """One line for what went wrong; a full disk or a lock is worth retrying later."""
        name = getattr(error, "sqlite_errorname", "")
        text = str(error)
        if name in ("SQLITE_FULL", "SQLITE_BUSY", "SQLITE_IOERR") or "full" in text:
            return StoreUnavailable(f"cannot {doing} {self.where}: {text}")
        if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or not isinstance(
            error, sqlite3.OperationalError
        ):
            return StoreError(f"{self.where} is damaged ({text}); {WAY_OUT}")
        return StoreError(f"cannot {doing} {self.where}: {text}")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _run(self, doing: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except sqlite3.Error as error:
            raise self._error(doing, error) from None

    # -- rows --------------------------------------------------------------------------------

    def read(self, learner: str | None, lesson: str | None = None, since: float = 0.0) -> Rows:
        where, values = DIALECT.where(learner, lesson, since)

        def select() -> Rows:
            execute = self._db.execute
            return Rows(
                [step_row(r, self.where) for r in execute(
                    f"SELECT {STEP_COLUMNS} FROM steps{where}", values)],
                [_place(r) for r in execute(
                    f"SELECT {PLACE_COLUMNS} FROM places{where}", values)],
                [ShownRow(*r) for r in execute(
                    f"SELECT {SHOWN_COLUMNS} FROM shown{where}", values)],
            )  # fmt: skip

        return self._run("read", select)

    def read_places(self, learner: str, lesson: str | None = None) -> list[LessonPlace]:
        where, values = DIALECT.where(learner, lesson)
        query = f"SELECT {PLACE_COLUMNS} FROM places{where}"
        found = self._run("read", lambda: self._db.execute(query, values).fetchall())
        return [_place(r) for r in found]

    def write(self, rows: Rows) -> None:
        def write() -> None:
            with self._transaction():
                for statement, values in batches(DIALECT, rows):
                    self._db.executemany(statement, values)

        self._run("save progress to", write)

    def delete(self, learner: str, lesson: str | None) -> None:
        where, values = DIALECT.where(learner, lesson)

        def delete() -> None:
            with self._transaction():
                for table in ("steps", "places", "shown"):
                    self._db.execute(f"DELETE FROM {table}{where}", values)

        self._run("clear progress in", delete)

    # -- sessions and sync marks ----------------------------------------------------------------

    def sessions(self, learner: str, lesson: str) -> list[OpenSession]:
        query = f"SELECT {SESSION_COLUMNS} FROM sessions WHERE learner = ? AND lesson = ?"
        found = self._run("read", lambda: self._db.execute(query, (learner, lesson)).fetchall())
        return [OpenSession(*r) for r in found]

    def open_session(self, session: OpenSession) -> None:
        values = (session.origin, session.learner, session.lesson, session.host, session.pid,
                  session.opened)  # fmt: skip
        self._run(
            "save progress to",
            lambda: self._db.execute(
                f"INSERT OR REPLACE INTO sessions ({SESSION_COLUMNS}) VALUES (?,?,?,?,?,?)",
                values,
            ),
        )

    def close_session(self, origin: str) -> None:
        self._run(
            "save progress to",
            lambda: self._db.execute("DELETE FROM sessions WHERE origin = ?", (origin,)),
        )

    def unsynced_since(self, target: str, learner: str) -> float | None:
        """Since when this learner's rows here may be missing on ``target`` (None: they're not)."""
        row: Any = self._run(
            "read",
            lambda: self._db.execute(
                "SELECT since FROM unsynced WHERE target = ? AND learner = ?",
                (target, learner),
            ).fetchone(),
        )
        return float(row[0]) if row else None

    def mark_unsynced(self, target: str, learner: str, since: float) -> None:
        self._run(
            "save progress to",
            lambda: self._db.execute(
                "INSERT INTO unsynced VALUES (?, ?, ?) ON CONFLICT (target, learner) "
                "DO UPDATE SET since = min(since, excluded.since)",
                (target, learner, since),
            ),
        )

    def mark_synced(self, target: str, learner: str) -> None:
        self._run(
            "save progress to",
            lambda: self._db.execute(
                "DELETE FROM unsynced WHERE target = ? AND learner = ?", (target, learner)
            ),
        )

    def close(self) -> None:
        self._db.close()


def _place(values: tuple[str, str, str, str, float]) -> LessonPlace:
    learner, lesson, position, source, updated = values
    return LessonPlace(lesson, position, source, updated, learner)


def move_aside(path: Path) -> Path | None:
    """Move a progress file (and its WAL files) to ``<name>.<date-time>.aside``; None if absent."""
    if not path.exists():
        return None
    aside = path.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}.aside")
    path.rename(aside)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(aside.with_name(aside.name + suffix))
    return aside


class SQLiteStore(LearnerStore):
    """A learner's ``ProgressStore`` in one SQLite file; every write is committed at once.

    ``learner`` defaults to ``TUTOR_LEARNER`` or the login name.
    """

    def __init__(
        self, path: Path, learner: str | None = None, on_notice: Notice | None = None
    ) -> None:
        from tutor.progress.learner import default_learner

        name = learner or default_learner()
        self.path = path
        super().__init__(SQLiteBackend(path, legacy_learner=name), name, on_notice=on_notice)
