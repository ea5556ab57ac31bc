"""Keeping the worker's namespace in step with the session: checkpoints, and recovery.

    builder = StateBuilder(lesson, session, runner, save_step=save, checkpoint_path=path_of)
    builder.rebuild()                        # setup, then the current step's starting state
    result = builder.enter(index)            # begin a step: by moving on, or by a jump (%back)
    builder.finish()                         # the last step is behind: keep the end's state
    value, note = builder.guarded(action)    # run action; if the worker dies, recover

When a step begins, the worker saves the learner's namespace (``tutor.kernel.checkpoint``), and
again when the learner reaches the lesson's end. Resuming a lesson (a finished one too), a jump
back (``%back``), ``%reset`` and a crashed worker all load the nearest checkpoint and replay only
the inputs made since it: a minute of training is never run again. Without a checkpoint (an
older progress file, a full disk) the earlier steps are replayed from the learner's accepted
code, as the only way left.
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
        checkpoint_path: Callable[[Step | None], Path] | None = None,
    ) -> None:
        self.lesson = lesson
        self.session = session
        self.runner = runner
        self.save_step = save_step
        self.checkpoints = Checkpoints(lesson, runner, checkpoint_path)
        self.making_again = MakingAgain(lesson, session, runner)
        self.at: int | None = None  # the step whose work the namespace holds
        self.restored: int | None = None  # the step whose starting state was just loaded
        self.note = ""  # what restoring had to say (names made again), for the next result
        self.after_end: list[str] = []  # inputs since the lesson's end, for a crash there

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
        end = len(self.lesson.steps)
        index = min(self.session.index, end)
        if self._load(index):
            if index == end:  # no step begins at the end: the namespace holds the last one's work
                self.restored, self.at = None, end - 1
            return setup
        for earlier in range(index):
            self._replay_step(earlier, learner_code)
        self.at = index - 1
        if index == end:  # replayed once, for progress kept by an older tutor: never again
            self.checkpoints.save(index)
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
                self.checkpoints.save(index)
        self.restored, self.at = None, index
        result.note, self.note = self.note, ""
        self.making_again.told()
        return result

    def finish(self) -> None:
        """The learner has just reached the lesson's end: keep the namespace as it is, so that
        resuming the finished lesson, or a crash from here on, loads it, replaying no step."""
        self.checkpoints.save(len(self.lesson.steps))
        self.after_end = []
        self.restored, self.at = None, len(self.lesson.steps) - 1

    def _from_nearest_checkpoint(self, index: int) -> None:
        """The state before step ``index``'s given code, for a step with no checkpoint of its own
        (one skipped by working ahead): the nearest earlier checkpoint, then the steps after it
        replayed; with none at all, setup and every earlier step."""
        nearest = next(
            (k for k in range(index - 1, -1, -1) if self.checkpoints.path(k).is_file()), None
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
        """Put the current step's starting state back from its checkpoint, or at the lesson's
        end the state it was finished with (False: there is none)."""
        index = self.session.index
        if not self._load(index):
            return False
        if index < len(self.lesson.steps):
            self.runner.begin(self.lesson.steps[index], quiet=True, run_given=False)
            self.restored, self.at = None, index
        else:
            self.restored, self.at, self.after_end = None, index - 1, []
        self.note = ""  # `%reset` says what it did; this is not for the next step to say
        return True

    def _load(self, index: int) -> bool:
        """Load checkpoint ``index`` (a step's or the end's), making again what it cannot hold."""
        path = self.checkpoints.path(index)
        if not path.is_file():
            return False
        reply = self.runner.kernel.load_checkpoint(str(path))
        if not reply.get("ok"):
            return False
        self.restored = index
        self.note = self.making_again.run(reply.get("unsaved", {}), index)
        return True

    # -- replaying ---------------------------------------------------------------------------

    def _replay_step(self, index: int, learner_code: bool = True, begun: bool = False) -> None:
        """Step ``index`` again, quietly: its given code (unless ``begun``), then the learner's
        accepted inputs, or the solution where those are missing or fail now."""
        step, record = self.lesson.steps[index], self.session.records[index]
        if not begun:
            self.runner.begin(step, quiet=True)
        codes = record.code if learner_code else []
        replayed = [
            self.runner.run(code, _input_name(index, number), quiet=True)
            for number, code in enumerate(codes, 1)
        ]
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
                self.runner.run(code, _input_name(self.session.index, number + 1), quiet=True)
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

    def _replay_after_end(self) -> None:
        """After the lesson's end was loaded: the inputs run since it, in order (one that now
        kills the worker is dropped, with those after it)."""
        for number, code in enumerate(list(self.after_end)):
            try:
                self.runner.run(code, f"<after the lesson, input {number + 1}>", quiet=True)
            except WorkerDied:
                del self.after_end[number:]
                self.runner.kernel.restart()
                self.rebuild()
                self._replay_after_end()
                return

    # -- recovering --------------------------------------------------------------------------

    def recover(self, how: str) -> str:
        """Start a new worker, rebuild the current step's state; return what to tell the learner."""
        self.runner.kernel.restart()
        self.rebuild()
        if not self.session.finished:
            self.enter(self.session.index, quiet=True)
            self.replay_current_inputs()
        else:
            self._replay_after_end()
        return (
            f"{how}. A new worker was started and this step's state rebuilt; no progress was lost."
        )

    def guarded(self, action: Callable[[], T]) -> tuple[T | None, str]:
        """Run ``action``; if the worker dies meanwhile, recover and say how (else '')."""
        try:
            return action(), ""
        except WorkerDied as died:
            return None, self.recover(died.how)


class Checkpoints:
    """A lesson's checkpoint files, by position: step ``index`` as it begins, and one past the
    last step, the lesson's end. The worker writes and reads them."""

    def __init__(
        self, lesson: Lesson, runner: StepRunner, path_of: Callable[[Step | None], Path] | None
    ) -> None:
        self.lesson = lesson
        self.runner = runner
        self.path_of = path_of

    def path(self, index: int) -> Path:
        steps = self.lesson.steps
        if self.path_of is None or index > len(steps):
            return Path("/nonexistent")  # no checkpoints are kept (tests, `tutor test`)
        return self.path_of(steps[index] if index < len(steps) else None)

    def save(self, index: int) -> None:
        """Save the namespace as checkpoint ``index``."""
        if self.path_of is None:
            return
        path = self.path(index)
        if not self.runner.kernel.save_checkpoint(str(path)).get("ok"):
            path.unlink(missing_ok=True)  # an older one would restore a state long gone


class MakingAgain:
    """Makes again what a checkpoint could not hold, by re-running the simple statements that
    made it, and says what the learner should know: a name made again once a session (an
    iterator starts over), a name that could not be made every time (it is missing)."""

    def __init__(self, lesson: Lesson, session: Session, runner: StepRunner) -> None:
        self.lesson = lesson
        self.session = session
        self.runner = runner
        self._said: set[str] = set()  # names made again that the learner has been told of
        self._saying: set[str] = set()  # those the latest note tells of

    def told(self) -> None:
        """The latest note reached the learner."""
        self._said |= self._saying

    def run(self, unsaved: dict[str, str], index: int) -> str:
        """Make the ``unsaved`` names of checkpoint ``index`` again; the note to show."""
        self._saying = set()
        if not unsaved:
            return ""
        statements = [s for s in self._history(index) if _binds(s) & set(unsaved)]
        failed = [s for s in statements if not self.runner.run(s, "<restore>", quiet=True).ok]
        made = set().union(*(_binds(s) for s in statements if s not in failed))
        graphs = {name for name, kind in unsaved.items() if "autograd graph" in kind}  # kept
        lost = sorted(set(unsaved) - made - graphs)
        again = {n: unsaved[n] for n in sorted(set(unsaved) & made - graphs - self._said)}
        self._saying = set(again)
        parts = [_made_again(again)] if again else []
        if lost:
            listed = ", ".join(f"`{name}` ({unsaved[name]})" for name in lost)
            parts.append(f"{listed} could not be saved; make it again if you need it.")
        return " ".join(parts)

    def _history(self, index: int) -> list[str]:
        """Every simple top-level statement that ran before checkpoint ``index`` (one past
        the last step: the lesson's end)."""
        sources: list[str] = []
        for earlier in range(min(index + 1, len(self.lesson.steps))):
            step, record = self.lesson.steps[earlier], self.session.records[earlier]
            sources.append(step.given)
            if earlier < index and not step.is_choice:
                sources.extend(record.code if record.status == DONE else [step.solution])
        return [statement for source in sources for statement in _simple_statements(source)]


def _input_name(index: int, number: int) -> str:
    """The file name a replayed input runs under: tracebacks and warnings show it, and its
    lines stay readable there (each input has its own)."""
    return f"<step {index + 1}, input {number}>"


def _made_again(kinds: dict[str, str]) -> str:
    """Tell of names a checkpoint could not hold that their lines made again."""
    restarts = [name for name, kind in kinds.items() if kind in ("an iterator", "a generator")]
    if len(kinds) == 1:
        name, kind = next(iter(kinds.items()))
        text = f"`{name}` is {kind}, which cannot be saved, so the line that made it ran again"
        return text + (f": `next({name})` gives its first item again." if restarts else ".")
    listed = ", ".join(f"`{name}` ({kind})" for name, kind in kinds.items())
    text = f"{listed} cannot be saved, so the lines that made them ran again."
    return text + (" An iterator starts from its first item again." if restarts else "")


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
