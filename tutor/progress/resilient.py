"""Writes that never stop a lesson: a failing store is said once, worked around, and caught up.

    link = Link(postgres, "ann", replica=local_sqlite, notify=say, retry_every=5.0)
    link.write(rows)        # never raises; kept until the store has it
    link.read("ann", "lesson1")

With a ``replica`` (the local SQLite file, for a server store) every write lands there first;
while the server is out of reach the learner works on it, and the rows since the first failure
are sent when the server answers again, even from a later run (``Replica.mark_unsynced``).
Without one (the SQLite store itself, on a full disk) the rows wait in memory and are written as
soon as a write succeeds. Rows merge by taking the larger counts (``rows.join_step``), so sending
them again after a half-finished attempt counts nothing twice.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from tutor.progress.rows import RowBuffer
from tutor.progress.store import (
    Backend,
    LessonPlace,
    Notice,
    OpenSession,
    Replica,
    Rows,
    StoreError,
)

MAX_WAIT = 60.0  # seconds between tries, at most, while a store keeps failing


class Link:
    """A learner's way to a store: the store itself, an optional local replica, pending rows."""

    def __init__(
        self,
        primary: Backend,
        learner: str,
        replica: Replica | None = None,
        notify: Notice = print,
        retry_every: float = 0.0,
    ) -> None:
        self.primary = primary
        self.learner = learner
        self.replica = replica
        self.notify = notify
        self.retry_every = retry_every
        self.failure = ""  # why the store is failing; empty while it works
        self._pending = RowBuffer()
        self._next_try = 0.0
        self._wait = retry_every  # doubles with each failed try, up to MAX_WAIT
        self._replica_failure = ""
        self._catch_up()

    @property
    def offline(self) -> bool:
        """Working on the replica because the server is out of reach."""
        return bool(self.failure) and self.replica is not None

    # -- writing -----------------------------------------------------------------------------

    def write(self, rows: Rows) -> None:
        if self.replica is not None:
            self._to_replica(rows)
        self._pending.add(rows)
        self.flush()

    def flush(self, force: bool = False) -> bool:
        """Send what is pending; False if it is still pending (a retry waits ``retry_every``).

        With nothing pending, a failing store is still tried (an empty write), so that reads
        return to it once it answers.
        """
        if not self._pending and not self.failure:
            return True
        if self.failure and not force and time.monotonic() < self._next_try:
            return False
        sending = self._pending.rows()
        try:
            self.primary.write(sending)
        except StoreError as error:
            self._fail(error)
            return False
        self._pending = RowBuffer()
        if self.failure:
            self.failure = ""
            self.notify(back_message(self.primary.where, self.replica is not None, bool(sending)))
            if self.replica is not None:
                self._quietly(lambda r: r.mark_synced(self.primary.where, self.learner))
        return True

    def _fail(self, error: StoreError) -> None:
        first = not self.failure
        self.failure = str(error)
        # A server that does not answer at all costs a connect timeout per try: try less often.
        self._wait = self.retry_every if first else min(self._wait * 2, MAX_WAIT)
        self._next_try = time.monotonic() + self._wait
        if self.replica is not None:
            pending = self._pending.rows()
            times = [r.updated for r in pending.steps]
            times += [p.updated for p in pending.places] + [s.updated for s in pending.shown]
            since = min(times, default=time.time())
            self._quietly(lambda r: r.mark_unsynced(self.primary.where, self.learner, since))
        if first:
            self.notify(failure_message(error, self.primary.where, self.replica is not None))

    def _catch_up(self) -> None:
        """Rows a run left on this computer while the server was away are sent now."""
        if self.replica is None:
            return
        try:
            since = self.replica.unsynced_since(self.primary.where, self.learner)
            if since is not None:
                self._pending.add(self.replica.read(self.learner, since=since))
        except StoreError:
            return
        self.flush(force=True)

    def _to_replica(self, rows: Rows) -> None:
        assert self.replica is not None
        try:
            self.replica.write(rows)
        except StoreError as error:
            if not self._replica_failure:
                self.notify(f"The local copy of your progress cannot be written ({error}).")
            self._replica_failure = str(error)

    def _quietly(self, action: Callable[[Replica], None]) -> None:
        """Run ``action(replica)``, ignoring a failing replica (it has been reported)."""
        assert self.replica is not None
        with contextlib.suppress(StoreError):
            action(self.replica)

    # -- reading -----------------------------------------------------------------------------

    def _reader(self) -> Backend:
        """The server while it answers (tried again once ``retry_every`` has passed)."""
        if self.offline and time.monotonic() >= self._next_try:
            self.flush(force=True)
        return self.replica if self.offline and self.replica is not None else self.primary

    def read(self, learner: str, lesson: str | None = None, since: float = 0.0) -> Rows:
        """This learner's rows, with those still pending laid over them."""
        source = self._reader()
        try:
            rows = source.read(learner, lesson, since)
        except StoreError as error:
            if source is not self.primary or self.replica is None:
                raise
            self._fail(error)
            rows = self.replica.read(learner, lesson, since)
        else:
            if source is self.primary and self.replica is not None:
                self._to_replica(rows)  # the local copy follows the server
        merged = RowBuffer(rows)
        merged.add(self._pending.rows(learner, lesson))
        return merged.rows()

    def read_places(self, learner: str, lesson: str | None = None) -> list[LessonPlace]:
        source = self._reader()
        try:
            places = source.read_places(learner, lesson)
        except StoreError as error:
            if source is not self.primary or self.replica is None:
                raise
            self._fail(error)
            places = self.replica.read_places(learner, lesson)
        merged = RowBuffer(Rows(places=places))
        merged.add(Rows(places=self._pending.rows(learner, lesson).places))
        return merged.rows().places

    # -- the rest ----------------------------------------------------------------------------

    def delete(self, learner: str, lesson: str | None) -> None:
        """Clear on the store itself (raises if it cannot be reached), then locally."""
        self.flush(force=True)
        self.primary.delete(learner, lesson)
        if self.replica is not None:
            self._quietly(lambda r: r.delete(learner, lesson))
        rows, self._pending = self._pending.rows(), RowBuffer()
        if lesson is not None:  # what is pending for the other lessons still has to be sent
            self._pending.add(
                Rows(
                    [r for r in rows.steps if r.lesson != lesson],
                    [p for p in rows.places if p.lesson != lesson],
                    [s for s in rows.shown if s.lesson != lesson],
                )
            )

    def open_session(self, session: OpenSession) -> list[OpenSession]:
        """Register ``session``; the other sessions recorded for its learner and lesson."""
        backend = self._reader()
        try:
            others = [
                s for s in backend.sessions(session.learner, session.lesson)
                if s.origin != session.origin
            ]  # fmt: skip
            backend.open_session(session)
        except StoreError:
            return []  # telling about other sessions is a courtesy, never a reason to stop
        return others

    def close_session(self, origin: str) -> None:
        for backend in (self.primary, self.replica):
            if backend is not None:
                try:
                    backend.close_session(origin)
                except StoreError:
                    continue

    def close(self) -> None:
        """A last try to send what is pending; say what could not be."""
        if self._pending and not self.flush(force=True):
            if self.replica is not None:
                self.notify(
                    _capital(
                        f"{self.primary.where} is still out of reach: your work is kept on this "
                        "computer and sent the next time tutor reaches it."
                    )
                )
            else:
                self.notify(
                    f"{self._pending.count()} changes to your progress could not be saved "
                    f"({self.failure})."
                )


def _reason(error: StoreError) -> str:
    """The cause in a few words: the last clause of the store's message."""
    return str(error).rsplit(": ", 1)[-1].strip().rstrip(".")


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def failure_message(error: StoreError, where: str, local_copy: bool) -> str:
    """The one line a learner reads when their progress cannot reach its store."""
    if local_copy:
        return (
            f"Cannot reach {where} ({_reason(error)}). You keep working on "
            "this computer; what you do is sent when the server is back."
        )
    return (
        f"Your progress cannot be saved just now ({_reason(error)}). Keep going: it is "
        "kept, and saved as soon as it can be."
    )


def back_message(where: str, local_copy: bool, sent: bool) -> str:
    """The line that says the store is reachable again."""
    if not local_copy:
        return "Your progress is saved again."
    meanwhile = "; what you did meanwhile is saved there" if sent else ""
    return _capital(f"{where} is back{meanwhile}.")
