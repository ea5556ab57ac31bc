"""Where each learner's progress is kept: a local SQLite file, or a class's PostgreSQL server.

    store = open_store()                                    # TUTOR_STORE, else the local file
    store = open_store("postgresql://tutor@db.school/class1", learner="ann")
    store.load("lesson1")                                   # {"sigmoid": StepRecord(...)}
    store.save_step("lesson1", "sigmoid", record)           # saved at once, never raises
    store.close()

``ProgressStore`` is what the engine needs; ``ClassStore`` adds what a class needs (every
learner's rows, bundles merged in). ``store`` explains how records merge; ``resilient`` how a
full disk or an unreachable server is survived.
"""

from __future__ import annotations

import os
from pathlib import Path

from tutor.paths import data_home
from tutor.progress.learner import (
    LearnerStore,
    check_learner,
    default_learner,
    say_on_stderr,
    sessions_notice,
)
from tutor.progress.sqlite import SQLiteBackend, SQLiteStore, move_aside
from tutor.progress.store import (
    ClassStore,
    LessonPlace,
    Notice,
    OpenSession,
    ProgressStore,
    Rows,
    ShownRow,
    StepRow,
    StoreError,
    StoreUnavailable,
)

__all__ = [
    "ClassStore",
    "LearnerStore",
    "LessonPlace",
    "OpenSession",
    "ProgressStore",
    "Rows",
    "SQLiteStore",
    "ShownRow",
    "StepRow",
    "StoreError",
    "StoreUnavailable",
    "check_learner",
    "data_home",
    "default_learner",
    "default_store_path",
    "default_store_url",
    "move_aside",
    "open_store",
    "sessions_notice",
    "sqlite_path",
]

RETRY_SERVER = 5.0  # seconds between tries to reach a server that went away


def default_store_path() -> Path:
    return data_home() / "progress.sqlite3"


def default_store_url() -> str:
    """``TUTOR_STORE`` if set, else the local file under the data folder."""
    return os.environ.get("TUTOR_STORE", "").strip() or f"sqlite://{default_store_path()}"


def sqlite_path(url: str) -> Path | None:
    """The file a ``sqlite:///abs/path`` URL names (``~`` expanded); None for another URL.

    ``sqlite:////abs/path`` (SQLAlchemy's spelling) names the same file.
    """
    if not url.startswith("sqlite://"):
        return None
    path = url.removeprefix("sqlite://")
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    return Path(path).expanduser()


def open_store(
    url: str | None = None,
    learner: str | None = None,
    on_notice: Notice | None = None,
    local_copy: bool = True,
) -> LearnerStore:
    """The store a URL names, for ``learner`` (default: ``TUTOR_LEARNER``, else the login).

    ``sqlite:///path/file.sqlite3`` or ``postgresql://user:password@host:port/database``.
    A server store keeps a copy in the local file (``local_copy``), and works on it while the
    server is away.
    """
    url = url or default_store_url()
    name = check_learner(learner) if learner else default_learner()
    path = sqlite_path(url)
    if path is not None:
        if not path.name:
            raise StoreError(f"the store URL {url} names no file: use sqlite:///path/file")
        return SQLiteStore(path, name, on_notice=on_notice)
    if url.startswith(("postgresql://", "postgres://")):
        from tutor.progress.postgres import PostgresBackend

        return LearnerStore(
            PostgresBackend(url),
            name,
            replica=_local_copy(name, on_notice) if local_copy else None,
            on_notice=on_notice,
            retry_every=RETRY_SERVER,
        )
    raise StoreError(
        f"unknown store {url!r}: use sqlite:///path/file or postgresql://user@host/database"
    )


def _local_copy(learner: str, on_notice: Notice | None) -> SQLiteBackend | None:
    """The local file a server store copies into; None (said once) if it cannot be used."""
    try:
        return SQLiteBackend(default_store_path(), legacy_learner=learner)
    except StoreError as error:
        (on_notice or say_on_stderr)(f"Working without a local copy of your progress: {error}.")
        return None
