"""A learner's progress over any backend: who they are, what this session adds, time on task.

    store = LearnerStore(SQLiteBackend(path), "ann")
    records = store.load("lesson1")                   # every session's rows, combined
    store.save_step("lesson1", "sigmoid", record, shown=["`y` has the wrong shape"])
    others = store.open_session("lesson1")            # other tutor sessions on this lesson
    store.close()

Each ``LearnerStore`` is one *origin*: it writes only its own rows, holding what this session
added (attempts beyond those it loaded) and absolute values for the rest, so its writes merge
with any other session's instead of overwriting them (see ``store``). Writes go through a
``resilient.Link`` and never raise.
"""

from __future__ import annotations

import getpass
import os
import socket
import sys
import time
import uuid
from collections.abc import Sequence

from tutor.progress.resilient import Link
from tutor.progress.rows import by_step, combine
from tutor.progress.store import (
    Backend,
    LessonPlace,
    Notice,
    OpenSession,
    Replica,
    Rows,
    ShownRow,
    StepRow,
    StoreError,
)
from tutor.session import StepRecord

IDLE_CAP = 300.0
"""Seconds: a longer gap between two saves counts as this much time on task (a break, not work)."""

SESSION_LIFETIME = 12 * 3600.0
"""A session recorded on another computer counts as open for this long after it started."""


def default_learner() -> str:
    """``TUTOR_LEARNER`` if set, else the login name."""
    name = os.environ.get("TUTOR_LEARNER", "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no login name (a container with an unnamed uid)
            name = "learner"
    return check_learner(name)


def check_learner(name: str) -> str:
    """``name`` if it can name a learner (printable, at most 100 characters), else StoreError."""
    if not name.strip() or len(name) > 100 or not name.isprintable():
        raise StoreError(
            f"{name!r} cannot name a learner: use up to 100 printable characters "
            "(--learner or TUTOR_LEARNER)"
        )
    return name.strip()


def say_on_stderr(text: str) -> None:
    print(f"tutor: {text}", file=sys.stderr)


class LearnerStore:
    """One learner's ``ClassStore``: their records, saved safely, over a ``Backend``."""

    def __init__(
        self,
        backend: Backend,
        learner: str,
        *,
        replica: Replica | None = None,
        on_notice: Notice | None = None,
        retry_every: float = 0.0,
    ) -> None:
        self.learner = check_learner(learner)
        self.backend = backend
        self.origin = uuid.uuid4().hex
        self.link = Link(backend, self.learner, replica, on_notice or say_on_stderr, retry_every)
        self._others: dict[tuple[str, str], int] = {}  # attempts of other sessions, when loaded
        self._loaded: set[str] = set()
        self._seconds: dict[tuple[str, str], float] = {}
        self._started: dict[tuple[str, str], float] = {}
        self._shown: dict[tuple[str, str, str], int] = {}
        self._last_save: float | None = None
        self._closed = False

    # -- a learner's records -----------------------------------------------------------------

    def load(self, lesson: str) -> dict[str, StepRecord]:
        """Each step's record in ``lesson``, all of this learner's sessions combined."""
        steps = by_step(self.link.read(self.learner, lesson).steps)
        if lesson not in self._loaded:  # what this session's records start from
            self._loaded.add(lesson)
            for (_, _, step), rows in steps.items():
                others = [r.attempts for r in rows if r.origin != self.origin]
                self._others[(lesson, step)] = sum(others)
        return {step: combine(rows) for (_, _, step), rows in steps.items()}

    def save_step(
        self, lesson: str, step: str, record: StepRecord, *, shown: Sequence[str] = ()
    ) -> None:
        """Save ``record`` (as loaded, then changed by this session); ``shown``: the titles of
        the failing checks the learner was just shown, each counted once more."""
        now = time.time()
        key = (lesson, step)
        gap = 0.0 if self._last_save is None else min(now - self._last_save, IDLE_CAP)
        self._last_save = now
        self._seconds[key] = self._seconds.get(key, 0.0) + max(gap, 0.0)
        row = StepRow(
            self.learner, lesson, step, self.origin,
            status=record.status,
            attempts=max(0, record.attempts - self._others.get(key, 0)),
            hints_used=record.hints_used,
            solution_shown=record.solution_shown,
            code=tuple(record.code),
            answer=record.answer,
            seconds=self._seconds[key],
            started=self._started.setdefault(key, now),
            updated=now,
        )  # fmt: skip
        shown_rows = []
        for message in dict.fromkeys(shown):
            count = self._shown.get((lesson, step, message), 0) + 1
            self._shown[(lesson, step, message)] = count
            shown_rows.append(
                ShownRow(self.learner, lesson, step, self.origin, message, count, now)
            )
        self.link.write(Rows([row], [], shown_rows))

    def save_place(self, lesson: str, position: str, source: str) -> None:
        """The step the learner is on now ("" when the lesson is finished)."""
        self._last_save = now = time.time()
        self.link.write(Rows(places=[LessonPlace(lesson, position, source, now, self.learner)]))

    def place(self, lesson: str) -> LessonPlace | None:
        places = self.link.read_places(self.learner, lesson)
        return places[0] if places else None

    def places(self) -> list[LessonPlace]:
        """Where this learner stands in every lesson they have started."""
        return list(self.link.read_places(self.learner))

    def last_place(self) -> LessonPlace | None:
        places = self.link.read_places(self.learner)
        return max(places, key=lambda p: p.updated) if places else None

    def reset(self, lesson: str | None) -> None:
        """Clear this learner's records in ``lesson`` (None: every lesson)."""
        self.link.delete(self.learner, lesson)
        for cache in (self._others, self._seconds, self._started):
            for key in [k for k in cache if lesson is None or k[0] == lesson]:
                del cache[key]
        for shown in [k for k in self._shown if lesson is None or k[0] == lesson]:
            del self._shown[shown]
        self._loaded = {name for name in self._loaded if lesson is not None and name != lesson}

    # -- a class -----------------------------------------------------------------------------

    def dump(self, learner: str | None = None, lesson: str | None = None) -> Rows:
        """The stored rows of one learner (``None``: all), for a report or a bundle."""
        if learner == self.learner:
            return self.link.read(learner, lesson)
        return self.backend.read(learner, lesson)

    def merge(self, rows: Rows) -> None:
        """Merge rows (a bundle) into the store: larger counts win, nothing counts twice."""
        self.backend.write(rows)

    # -- sessions ----------------------------------------------------------------------------

    def open_session(self, lesson: str) -> list[OpenSession]:
        """Record that this session has ``lesson`` open; the other sessions that have it open."""
        me = OpenSession(
            self.origin, self.learner, lesson, socket.gethostname(), os.getpid(), time.time()
        )
        return [s for s in self.link.open_session(me) if _alive(s)]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.link.close()
        self.link.close_session(self.origin)
        self.backend.close()
        if self.link.replica is not None:
            self.link.replica.close()


def _alive(session: OpenSession) -> bool:
    """Whether a recorded session is still open: its process, on this computer; else its age."""
    if session.host != socket.gethostname():
        return time.time() - session.opened < SESSION_LIFETIME
    try:
        os.kill(session.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def sessions_notice(others: list[OpenSession]) -> str:
    """One line telling the learner that other sessions have this lesson open."""
    first = others[0]
    opened = time.strftime("%H:%M", time.localtime(first.opened))
    where = f"process {first.pid}" if first.host == socket.gethostname() else first.host
    more = f" and {len(others) - 1} more" if len(others) > 1 else ""
    return (
        f"Another tutor session has `{first.lesson}` open (since {opened}, {where}){more}. "
        "Both save here; a finished step stays finished."
    )
