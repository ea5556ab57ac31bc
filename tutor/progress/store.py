"""What a progress store offers, and the plain data it keeps.

    store = open_store("postgresql://tutor@db.school/class1", learner="ann")
    records = store.load("lesson1")                    # {"sigmoid": StepRecord(...)}
    store.save_step("lesson1", "sigmoid", record, shown=["`y` has the wrong shape"])
    store.save_place("lesson1", "neuron", "/x/lesson1.yaml")

Every record carries its learner. A record is kept per *origin* (one tutor session: one open
store): a session only ever grows its own row, and a step's record is the rows of all its sessions
combined (``rows.combine``). So two sessions on the same data never overwrite each other, a step
never moves backwards (done stays done), and sending the same rows twice, or importing the same
bundle twice, changes nothing: rows merge by taking the larger of each count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from tutor.session import StepRecord

Notice = Callable[[str], None]
"""Where a store says something the learner should know (one line: offline, disk full, back)."""


class StoreError(Exception):
    """The store cannot be opened, read or written; the message names it and the way out."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or written just now (a server down, a full disk): retry later."""


@dataclass(frozen=True)
class LessonPlace:
    """Where a learner stands in a lesson: the step they were on and the file it came from."""

    lesson: str
    position: str
    source: str
    updated: float
    learner: str = ""


@dataclass(frozen=True)
class StepRow:
    """One session's record of one step (its own attempts; its latest code), as stored."""

    learner: str
    lesson: str
    step: str
    origin: str
    status: str
    attempts: int
    hints_used: int
    solution_shown: bool
    code: tuple[str, ...]
    answer: str
    seconds: float  # time on task in this session: gaps between saves, each capped
    started: float
    updated: float


@dataclass(frozen=True)
class ShownRow:
    """How often one session showed one failing check message (a verdict's title) in a step."""

    learner: str
    lesson: str
    step: str
    origin: str
    message: str
    count: int
    updated: float


@dataclass
class Rows:
    """A batch of stored rows: what a save writes, a read returns, a bundle carries."""

    steps: list[StepRow] = field(default_factory=list)
    places: list[LessonPlace] = field(default_factory=list)
    shown: list[ShownRow] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.steps or self.places or self.shown)

    def learners(self) -> set[str]:
        return {r.learner for r in self.steps} | {p.learner for p in self.places}


@dataclass(frozen=True)
class OpenSession:
    """A tutor session that has a lesson open (so a second one can be told)."""

    origin: str
    learner: str
    lesson: str
    host: str
    pid: int
    opened: float


class ProgressStore(Protocol):
    """One learner's progress, as the engine, the lesson list and `tutor progress` use it."""

    def load(self, lesson: str) -> dict[str, StepRecord]: ...
    def save_step(
        self, lesson: str, step: str, record: StepRecord, *, shown: Sequence[str] = ()
    ) -> None: ...
    def save_place(self, lesson: str, position: str, source: str) -> None: ...
    def place(self, lesson: str) -> LessonPlace | None: ...
    def last_place(self) -> LessonPlace | None: ...
    def places(self) -> list[LessonPlace]: ...
    def reset(self, lesson: str) -> None: ...


class ClassStore(ProgressStore, Protocol):
    """A store that also answers for a whole class: rows of every learner, bundles merged in."""

    learner: str

    def dump(self, learner: str | None = None, lesson: str | None = None) -> Rows: ...
    def merge(self, rows: Rows) -> None: ...
    def open_session(self, lesson: str) -> list[OpenSession]: ...
    def close(self) -> None: ...


class Backend(Protocol):
    """Rows in and out of one database; ``write`` merges (larger counts win) in one transaction.

    ``where`` names the database in messages (a file path, or host:port/db without password).
    """

    where: str

    def read(self, learner: str | None, lesson: str | None = None, since: float = 0.0) -> Rows: ...
    def read_places(self, learner: str, lesson: str | None = None) -> list[LessonPlace]: ...
    def write(self, rows: Rows) -> None: ...
    def delete(self, learner: str, lesson: str | None) -> None: ...
    def sessions(self, learner: str, lesson: str) -> list[OpenSession]: ...
    def open_session(self, session: OpenSession) -> None: ...
    def close_session(self, origin: str) -> None: ...
    def close(self) -> None: ...


class Replica(Backend, Protocol):
    """A local backend that also remembers which learners' rows a server has not received."""

    def unsynced_since(self, target: str, learner: str) -> float | None: ...
    def mark_unsynced(self, target: str, learner: str, since: float) -> None: ...
    def mark_synced(self, target: str, learner: str) -> None: ...
