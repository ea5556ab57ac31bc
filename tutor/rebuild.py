"""Keeping the worker's namespace in step with the session: checkpoints, and recovery.

    builder = StateBuilder(lesson, session, runner, save_step=save, checkpoint_path=path_of)
    builder.rebuild()                        # setup, then the current step's starting state
    result, note = builder.enter(index)      # begin a step: by moving on, or by a jump (%back)
    value, note = builder.guarded(action)    # run action; if the worker dies, recover

When a step begins, the worker saves the learner's namespace (``tutor.kernel.checkpoint``).
Resuming a lesson, a jump back (``%back``), ``%reset`` and a crashed worker all load the step's
checkpoint and replay only the inputs made since it: a minute of training is never run again.
Without a checkpoint (an older progress file, a full disk) the earlier steps are replayed from
the learner's accepted code, as the only way left.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tutor.kernel.client import WorkerDied
from tutor.lesson import Lesson, Step
from tutor.results import RunResult
from tutor.session import DONE, Session
from tutor.steprunner import StepRunner

T = TypeVar("T")


class StateBuilder:
    """Builds the learner's namespace in the worker from checkpoints and the session's records."""

    def __init__(
        self,
        lesson: Lesson,
        session: Session,
        runner: StepRunner,
        save_step: Callable[[], None],
        checkpoint_path: Callable[[Step], Path] | None = None,
    ) -> None:
        self.lesson = lesson
        self.session = session
        self.runner = runner
        self.save_step = save_step
        self.checkpoint_path = checkpoint_path
        self.at: int | None = None  # the step whose work the namespace holds
        self.restored: int | None = None  # the step whose starting state was just loaded
        self.note = ""  # what restoring had to say (names made again), for the next result

    # -- building ----------------------------------------------------------------------------

    def rebuild(self) -> RunResult:
        """Setup, then the state the current step starts from; returns the setup's result.

        If replaying the learner's code kills the worker on the way (code can act differently
        the second time: it may read a file it wrote), a new worker replays the steps from their
        solutions instead.
        """
        try:
            return self._rebuild_with(learner_code=True)
        except WorkerDied:
            self.runner.kernel.restart()
            return self._rebuild_with(learner_code=False)

    def _rebuild_with(self, learner_code: bool) -> RunResult:
        self.runner.fresh()
        setup = self.runner.setup(self.lesson)
        index = min(self.session.index, len(self.lesson.steps))
        if not self._load(index):
            for earlier in range(index):
                self._replay_step(earlier, learner_code)
            self.at = index - 1
        return setup

    def enter(self, index: int, quiet: bool = False) -> RunResult:
        """Begin step ``index``: the next one (its given code runs, a checkpoint is saved), or
        after a jump (its checkpoint is loaded, and its given code's effects with it)."""
        step = self.lesson.steps[index]
        jumped = self.restored != index and self.at not in (None, index - 1)
        if jumped and not self._load(index):
            self._from_nearest_checkpoint(index)
        if self.restored == index:
            result = self.runner.begin(step, quiet=True, run_given=False)
        else:
            result = self.runner.begin(step, quiet=quiet)
            if result.ok:
                self._save(step)
        self.restored, self.at = None, index
        result.note, self.note = self.note, ""
        return result

    def _from_nearest_checkpoint(self, index: int) -> None:
        """The state before step ``index``'s given code, for a step with no checkpoint of its own
        (one skipped by working ahead): the nearest earlier checkpoint, then the steps after it
        replayed; with none at all, setup and every earlier step."""
        nearest = next(
            (k for k in range(index - 1, -1, -1) if self._checkpoint_of(k).is_file()), None
        )
        if nearest is None or not self._load(nearest):
            self.runner.fresh()
            self.runner.setup(self.lesson)
            nearest = -1
        else:
            self._replay_step(nearest, begun=True)
        for earlier in range(nearest + 1, index):
            self._replay_step(earlier)
        self.restored, self.at = None, index - 1

    def reset(self) -> bool:
        """Put the current step's starting state back from its checkpoint (False: there is none)."""
        index = self.session.index
        if not self._load(index):
            return False
        self.runner.begin(self.lesson.steps[index], quiet=True, run_given=False)
        self.restored, self.at = None, index
        return True

    # -- checkpoints -------------------------------------------------------------------------

    def _save(self, step: Step) -> None:
        if self.checkpoint_path is not None:
            self.runner.kernel.save_checkpoint(str(self.checkpoint_path(step)))

    def _checkpoint_of(self, index: int) -> Path:
        if self.checkpoint_path is None or index >= len(self.lesson.steps):
            return Path("/nonexistent")  # no checkpoints are kept (tests, `tutor test`)
        return self.checkpoint_path(self.lesson.steps[index])

    def _load(self, index: int) -> bool:
        """Load step ``index``'s checkpoint, making again what it could not hold."""
        path = self._checkpoint_of(index)
        if not path.is_file():
            return False
        reply = self.runner.kernel.load_checkpoint(str(path))
        if not reply.get("ok"):
            return False
        self.restored = index
        self.note = self._make_again(reply.get("unsaved", {}), index)
        return True

    def _make_again(self, unsaved: dict[str, str], index: int) -> str:
        """Re-run the simple statements that made the names a checkpoint could not hold."""
        if not unsaved:
            return ""
        statements = [s for s in self._history(index) if _binds(s) & set(unsaved)]
        for statement in statements:
            self.runner.run(statement, "<restore>", quiet=True)
        made = set().union(*(_binds(s) for s in statements)) if statements else set()
        lost = [f"`{name}` ({unsaved[name]})" for name in sorted(set(unsaved) - made)]
        lost = [line for line in lost if "autograd graph" not in line]  # values kept
        again = sorted(set(unsaved) & made - {n for n, kind in unsaved.items() if "graph" in kind})
        parts = []
        if again:
            names = ", ".join(f"`{name}`" for name in again)
            parts.append(f"{names} could not be saved, so the line that made it ran again.")
        if lost:
            parts.append(f"{', '.join(lost)} could not be saved; make it again if you need it.")
        return " ".join(parts)

    def _history(self, index: int) -> list[str]:
        """Every simple top-level statement that ran before step ``index``'s checkpoint."""
        sources: list[str] = []
        for earlier in range(index + 1):
            step, record = self.lesson.steps[earlier], self.session.records[earlier]
            sources.append(step.given)
            if earlier < index and not step.is_choice:
                sources.extend(record.code if record.status == DONE else [step.solution])
        return [statement for source in sources for statement in _simple_statements(source)]

    # -- replaying ---------------------------------------------------------------------------

    def _replay_step(self, index: int, learner_code: bool = True, begun: bool = False) -> None:
        """Step ``index`` again, quietly: its given code (unless ``begun``), then the learner's
        accepted inputs, or the solution where those are missing or fail now."""
        step, record = self.lesson.steps[index], self.session.records[index]
        if not begun:
            self.runner.begin(step, quiet=True)
        codes = record.code if learner_code else []
        replayed = [self.runner.run(code, f"<replay {step.id}>", quiet=True) for code in codes]
        if step.is_choice:
            return
        if record.status != DONE or not codes or not all(r.ok for r in replayed):
            self.runner.run_solution(step)

    def replay_current_inputs(self) -> str:
        """Resuming part-way through a step: the inputs that ran so far, in order.

        An input that now kills the worker is dropped and the step rebuilt without it; the
        returned text says so (empty when all went well).
        """
        record = self.session.record
        if record.finished:
            return ""  # revisiting a finished step starts it afresh; its accepted code is kept
        for number, code in enumerate(list(record.code)):
            try:
                self.runner.run(code, "<replay>", quiet=True)
            except WorkerDied as died:
                record.code = record.code[:number]
                self.save_step()
                self.runner.kernel.restart()
                self.rebuild()
                self.enter(self.session.index, quiet=True)
                self.replay_current_inputs()
                return (
                    f"Replaying your earlier input `{code.splitlines()[0]}` stopped the worker "
                    f"({died.how}); it was left out, and the step rebuilt without it."
                )
        return ""

    # -- recovering --------------------------------------------------------------------------

    def recover(self, how: str) -> str:
        """Start a new worker, rebuild the current step's state; return what to tell the learner."""
        self.runner.kernel.restart()
        self.rebuild()
        if not self.session.finished:
            self.enter(self.session.index, quiet=True)
            self.replay_current_inputs()
        return (
            f"{how}. A new worker was started and this step's state rebuilt; no progress was lost."
        )

    def guarded(self, action: Callable[[], T]) -> tuple[T | None, str]:
        """Run ``action``; if the worker dies meanwhile, recover and say how (else '')."""
        try:
            return action(), ""
        except WorkerDied as died:
            return None, self.recover(died.how)


def _simple_statements(source: str) -> list[str]:
    """The top-level assignments and imports of ``source``, each as its own text.

    Loops, ``with`` blocks and definitions are left out: re-running a training loop to make a
    name again would be the very replay that checkpoints avoid.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    simple = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Import, ast.ImportFrom)
    return [ast.unparse(node) for node in tree.body if isinstance(node, simple)]


def _binds(statement: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(statement)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names
