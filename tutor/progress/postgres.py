"""A class's shared store: PostgreSQL through psycopg 3, its schema made on first use.

    backend = PostgresBackend("postgresql://tutor:secret@db.school/class1")
    backend.write(rows); backend.read("ann", "lesson1")

The schema is a list of numbered migrations (``MIGRATIONS``); the first connection applies those
the database lacks, under an advisory lock so that 50 learners starting at once migrate it once.
The connection is made when first needed and made again after a failure: a server that cannot
be reached, or that went away mid-lesson, is ``StoreUnavailable`` (the learner's ``Link`` then
works on the local file), any other database error a ``StoreError``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from tutor.progress.sql import (
    PLACE_COLUMNS,
    SESSION_COLUMNS,
    SHOWN_COLUMNS,
    STEP_COLUMNS,
    Dialect,
    batches,
    step_row,
)
from tutor.progress.store import (
    LessonPlace,
    OpenSession,
    Rows,
    ShownRow,
    StoreError,
    StoreUnavailable,
)

if TYPE_CHECKING:
    import psycopg

T = TypeVar("T")
DIALECT = Dialect("%s", "GREATEST", "LEAST")
LOCK = 0x7475746F72  # pg_advisory_xact_lock key while migrating ("tutor")
SCHEMA = "tutor"  # a PostgreSQL schema of its own, so a shared database keeps its table names
CONNECT_TIMEOUT = 3  # seconds; an unreachable server must not hold the learner up for long

MIGRATIONS: list[tuple[int, list[str]]] = [
    (1, [
        """CREATE TABLE steps (
            learner TEXT NOT NULL, lesson TEXT NOT NULL, step TEXT NOT NULL, origin TEXT NOT NULL,
            status TEXT NOT NULL, attempts INTEGER NOT NULL, hints_used INTEGER NOT NULL,
            solution_shown INTEGER NOT NULL, code TEXT NOT NULL, answer TEXT NOT NULL,
            seconds DOUBLE PRECISION NOT NULL, started DOUBLE PRECISION NOT NULL,
            updated DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (learner, lesson, step, origin))""",
        "CREATE INDEX steps_by_lesson ON steps (lesson)",
        """CREATE TABLE places (
            learner TEXT NOT NULL, lesson TEXT NOT NULL, position TEXT NOT NULL,
            source TEXT NOT NULL, updated DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (learner, lesson))""",
        """CREATE TABLE shown (
            learner TEXT NOT NULL, lesson TEXT NOT NULL, step TEXT NOT NULL, origin TEXT NOT NULL,
            message TEXT NOT NULL, count INTEGER NOT NULL, updated DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (learner, lesson, step, origin, message))""",
        """CREATE TABLE sessions (
            origin TEXT PRIMARY KEY, learner TEXT NOT NULL, lesson TEXT NOT NULL,
            host TEXT NOT NULL, pid INTEGER NOT NULL, opened DOUBLE PRECISION NOT NULL)""",
    ]),
]  # fmt: skip
VERSION = MIGRATIONS[-1][0]


def describe(url: str) -> str:
    """The server as messages name it: ``the progress server host:port/db`` (no password)."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"the progress server {parts.hostname or 'localhost'}{port}{parts.path or '/'}"


class PostgresBackend:
    """Rows in a PostgreSQL database shared by a class."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg  # noqa: F401  (checked here: the extra may not be installed)
        except ImportError:
            raise StoreError(
                "a PostgreSQL store needs psycopg: pip install 'tutor[classroom]'"
            ) from None
        self.url = url
        self.where = describe(url)
        self._connection: psycopg.Connection[Any] | None = None

    # -- connecting --------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[Any]:
        import psycopg

        if self._connection is not None and not self._connection.closed:
            return self._connection
        connection = psycopg.connect(
            self.url,
            connect_timeout=CONNECT_TIMEOUT,
            autocommit=True,
            options=f"-c search_path={SCHEMA}",  # the tables live in their own schema
            # A server that vanishes mid-lesson (a network gone, not a refusal) is noticed in
            # seconds rather than at the system's TCP timeout, minutes later.
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=2,
            tcp_user_timeout=10_000,
        )
        try:
            self._migrate(connection)
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return connection

    @staticmethod
    def _migrate(connection: psycopg.Connection[Any]) -> None:
        import psycopg

        def version() -> int:
            try:
                with connection.transaction():  # a savepoint when nested: a miss undoes nothing
                    query = "SELECT max(version) FROM schema_version"
                    found = connection.execute(query).fetchone()
            except psycopg.errors.UndefinedTable:
                return 0
            return int(found[0]) if found and found[0] is not None else 0

        if version() == VERSION:
            return
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            current = version()
            if current > VERSION:
                raise StoreError(
                    f"the progress database has schema version {current}; this tutor knows up "
                    f"to {VERSION}: upgrade tutor"
                )
            for number, statements in MIGRATIONS:
                if number > current:
                    for statement in statements:
                        connection.execute(statement)
                    connection.execute("INSERT INTO schema_version VALUES (%s)", (number,))

    def _run(self, doing: str, action: Callable[[psycopg.Connection[Any]], T]) -> T:
        """``action`` on the connection; once more on a new one if a kept connection had died
        (a server restart ends it), which is safe as every write merges."""
        import psycopg

        try:
            kept = self._connection is not None
            try:
                return action(self._connect())
            except psycopg.OperationalError:
                if not kept:
                    raise
                self._drop()
                return action(self._connect())
        except psycopg.OperationalError as error:
            self._drop()
            raise StoreUnavailable(f"cannot {doing} {self.where}: {_first_line(error)}") from None
        except psycopg.Error as error:
            self._drop()
            raise StoreError(f"cannot {doing} {self.where}: {_first_line(error)}") from None

    def _drop(self) -> None:
        """Forget a connection that failed; the next call connects afresh."""
        if self._connection is not None:
            with contextlib.suppress(Exception):  # a broken connection may fail to close
                self._connection.close()
        self._connection = None

    # -- rows --------------------------------------------------------------------------------

    def read(self, learner: str | None, lesson: str | None = None, since: float = 0.0) -> Rows:
        where, values = DIALECT.where(learner, lesson, since)

        def select(db: psycopg.Connection[Any]) -> list[list[Any]]:
            with db.transaction():
                db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")  # one snapshot
                return [
                    db.execute(f"SELECT {columns} FROM {table}{where}", values).fetchall()
                    for columns, table in (
                        (STEP_COLUMNS, "steps"),
                        (PLACE_COLUMNS, "places"),
                        (SHOWN_COLUMNS, "shown"),
                    )
                ]

        steps, places, shown = self._run("read from", select)
        return Rows(
            [step_row(r, self.where) for r in steps],
            [_place(r) for r in places],
            [ShownRow(*r) for r in shown],
        )

    def read_places(self, learner: str, lesson: str | None = None) -> list[LessonPlace]:
        where, values = DIALECT.where(learner, lesson)
        query = f"SELECT {PLACE_COLUMNS} FROM places{where}"
        found = self._run("read from", lambda db: db.execute(query, values).fetchall())
        return [_place(r) for r in found]

    def write(self, rows: Rows) -> None:
        def write(db: psycopg.Connection[Any]) -> None:
            with db.pipeline(), db.transaction(), db.cursor() as cursor:  # one round trip
                for statement, values in batches(DIALECT, rows):
                    cursor.executemany(statement, values)

        self._run("save progress to", write)

    def delete(self, learner: str, lesson: str | None) -> None:
        where, values = DIALECT.where(learner, lesson)

        def delete(db: psycopg.Connection[Any]) -> None:
            with db.transaction():
                for table in ("steps", "places", "shown"):
                    db.execute(f"DELETE FROM {table}{where}", values)

        self._run("clear progress on", delete)

    # -- sessions ----------------------------------------------------------------------------

    def sessions(self, learner: str, lesson: str) -> list[OpenSession]:
        query = f"SELECT {SESSION_COLUMNS} FROM sessions WHERE learner = %s AND lesson = %s"
        found = self._run("read from", lambda db: db.execute(query, (learner, lesson)).fetchall())
        return [OpenSession(*r) for r in found]

    def open_session(self, session: OpenSession) -> None:
        values = (session.origin, session.learner, session.lesson, session.host, session.pid,
                  session.opened)  # fmt: skip
        statement = (
            f"INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ({DIALECT.marks(6)}) "
            "ON CONFLICT (origin) DO NOTHING"
        )
        self._run("save progress to", lambda db: db.execute(statement, values))

    def close_session(self, origin: str) -> None:
        statement = "DELETE FROM sessions WHERE origin = %s"
        self._run("save progress to", lambda db: db.execute(statement, (origin,)))

    def close(self) -> None:
        self._drop()


def _place(values: tuple[str, str, str, str, float]) -> LessonPlace:
    learner, lesson, position, source, updated = values
    return LessonPlace(lesson, position, source, updated, learner)


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
