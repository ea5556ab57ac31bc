"""The tutor's core, shared by every front end: a session, the worker, the progress store.

    tutor = Tutor(lesson, store, Kernel(), on_output=print_chunk)
    tutor.prepare()                  # worker ready, lesson setup run, earlier steps rebuilt
    tutor.enter_step()               # the current step's given code runs (its output streams)
    result = tutor.submit("y = activation(torch.sum(features * weights) + bias)")
    result.feedback.passed           # -> True; the session has moved to the next step

``Tutor`` coordinates: ``tutor.steprunner`` runs code and checks in the worker,
``tutor.judging`` decides what a check reply means, ``tutor.rebuild`` keeps the worker's state
in step with the session (and recovers when the worker dies), ``tutor.choices`` reads answers.
Nothing here prints: results are plain data (``tutor.results``) that front ends render.
"""

from __future__ import annotations

from tutor.checkpoints import checkpoint_path
from tutor.choices import answer_message, match_option, not_an_option
from tutor.judging import bound_names, judge, step_targets, touches
from tutor.kernel.client import Kernel, OutputCallback, ProgressCallback, WorkerDied
from tutor.lesson import Lesson, Step
from tutor.progress import ProgressStore
from tutor.rebuild import StateBuilder
from tutor.results import ChoiceResult, Feedback, RunResult, Submission
from tutor.session import DONE, Session, StepRecord
from tutor.steprunner import StepRunner

# How many steps past the current one an input may complete (see _completes_later_step).
LOOK_AHEAD = 3


class Tutor:
    """One lesson being taken: the session, its worker and where progress is saved."""

    def __init__(
        self,
        lesson: Lesson,
        store: ProgressStore,
        kernel: Kernel,
        on_output: OutputCallback | None = None,
    ) -> None:
        self.lesson = lesson
        self.store = store
        self.kernel = kernel
        self.session = Session(lesson, store.load(lesson.id))
        self.resumed = self.session.started
        self.runner = StepRunner(kernel, on_output)
        self.builder = StateBuilder(
            lesson,
            self.session,
            self.runner,
            self._save_step,
            checkpoint_path=lambda step: checkpoint_path(lesson.id, step.id),
        )
        self._step_output: list[str] = []
        self._input_number = 0

    @property
    def on_output(self) -> OutputCallback | None:
        """Where the output of the learner's code goes as it is printed."""
        return self.runner.on_output

    @on_output.setter
    def on_output(self, callback: OutputCallback | None) -> None:
        self.runner.on_output = callback

    @property
    def on_progress(self) -> ProgressCallback | None:
        """Where the progress of a training loop goes while it runs (batches, losses)."""
        return self.runner.on_progress

    @on_progress.setter
    def on_progress(self, callback: ProgressCallback | None) -> None:
        self.runner.on_progress = callback

    @property
    def device(self) -> str:
        return self.kernel.wait_ready().device

    def prepare(self) -> RunResult:
        """Wait for the worker, run the lesson's setup and restore where the learner was.

        Returns the setup's result: a lesson whose setup fails (a damaged data file, say)
        should say so before its first step.
        """
        self.kernel.wait_ready()
        return self.builder.rebuild()

    # -- steps -------------------------------------------------------------------------------

    def enter_step(self) -> RunResult:
        """Start the current step: its seed and given code run, and its starting state is kept."""
        self._step_output = []
        self._save_place()
        index = self.session.index
        self.runner.time_budget = self.session.step.time_budget
        result, restarted = self.builder.guarded(lambda: self.builder.enter(index))
        if result is None:
            return RunResult(ok=False, restarted=restarted)
        dropped, restarted = self.builder.guarded(self.builder.replay_current_inputs)
        result.restarted = restarted or dropped or ""
        return result

    def submit(self, code: str, final: bool = True, cell: tuple[str, ...] = ()) -> Submission:
        """Run the learner's input; for a code step, judge it with the step's checks.

        ``final=False``: more of the same notebook cell follows; a failing verdict is kept for
        the cell's last input (not shown, not counted as an attempt). ``cell``: the inputs of
        the same cell before this one, judged with it as one attempt.
        """
        self._input_number += 1
        filename = f"<input-{self._input_number}>"
        run, restarted = self.builder.guarded(lambda: self.runner.run(code, filename))
        if run is None:
            return Submission(RunResult(ok=False, restarted=restarted))
        if not run.ok or run.exit_code is not None or self.session.finished:
            return Submission(run)
        if not self.session.record.finished:  # a revisited step keeps the code it passed with
            self.session.record_input(code)
        self._step_output.append(run.output)
        self._save_step()
        if self.session.step.is_choice:
            return Submission(run)
        judged = "\n".join([*cell, code])
        feedback, restarted = self.builder.guarded(lambda: self._judge(judged, final))
        if feedback is None:
            run.restarted = restarted
        return Submission(run, feedback)

    def _judge(self, latest: str, final: bool = True) -> Feedback:
        step, record = self.session.step, self.session.record
        reply = self.runner.check(
            step,
            code="\n".join(record.code),
            output="".join(self._step_output),
            bound=sorted(bound_names(latest)),
        )
        feedback = judge(step, record.code, latest, reply, revisit=record.finished)
        if not feedback.passed and not record.finished:
            ahead = self._completes_later_step(latest)
            if ahead is not None:
                return ahead
        if not feedback.passed and not final:
            feedback.shown = False
        if feedback.shown and not feedback.partial:
            self.session.record_attempt(feedback.passed)
            self._save_step()
        if feedback.passed:
            self.session.advance()
            self._save_place()
        return feedback

    def _completes_later_step(self, latest: str) -> Feedback | None:
        """Feedback crediting a later step that ``latest`` completes, or None.

        Learners copy notebook cells ahead of the text: an input that skips a "look at this"
        step and does the next step's work completes that step, judged as that step would judge
        it (against the solutions of the steps in between, run from this step's start). Only
        code steps without given code of their own are looked at, a few ahead at most.
        """
        steps, start = self.lesson.steps, self.session.index
        for later in range(start + 1, min(start + 1 + LOOK_AHEAD, len(steps))):
            step = steps[later]
            if step.is_choice or step.given.strip():
                return None
            if not touches(latest, step_targets(step)):
                continue
            solutions = "\n".join(s.solution for s in steps[start : later + 1] if not s.is_choice)
            reply = self.runner.check(
                step, latest, self._step_output[-1], sorted(bound_names(latest)), solutions
            )
            feedback = judge(step, [latest], latest, reply, revisit=False)
            if feedback.passed:
                self._credit_ahead(later, latest, feedback)
                return feedback
        return None

    def _credit_ahead(self, later: int, latest: str, feedback: Feedback) -> None:
        skipped = self.session.complete_ahead(later, latest)
        for index in [*skipped, later]:
            self._save_step(self.session.records[index], self.lesson.steps[index])
        self._save_place()
        self.builder.at = later  # the namespace holds that step's work: the next begins normally
        numbers = ", ".join(str(i + 1) for i in skipped)
        jumped = f"step {numbers} was" if len(skipped) == 1 else f"steps {numbers} were"
        title = self.lesson.steps[later].title or self.lesson.steps[later].id
        note = f"That completes step {later + 1} ({title}); {jumped} skipped (`%back` returns)."
        feedback.explanation = "\n\n".join(filter(None, [note, feedback.explanation]))

    def goto(self, number: int) -> bool:
        """Go to step ``number`` (counted from 1), up to the first step not finished."""
        moved = self.session.goto(number - 1)
        self._save_place()
        return moved

    def answer(self, text: str) -> ChoiceResult:
        """Answer a choice step with an option's text or its number."""
        step = self.session.step
        option = match_option(step, text)
        if option is None:
            return ChoiceResult(False, not_an_option(step, text))
        self.session.record.answer = option.text
        passed = option.text == step.answer
        self.session.record_attempt(passed)
        self._save_step()
        if passed:
            self.session.advance()
            self._save_place()
        return ChoiceResult(passed, answer_message(step, option))

    # -- learner commands --------------------------------------------------------------------

    def hint(self) -> str | None:
        text = self.session.next_hint()
        self._save_step()
        return text

    def solution(self) -> str:
        text = self.session.show_solution()
        self._save_step()
        return text

    def skip(self) -> str:
        """Mark the step skipped and run its solution quietly, so later steps have its names."""
        step = self.session.step
        if not step.is_choice and self.session.record.status != DONE:
            ran, restarted = self.builder.guarded(lambda: self.runner.run_solution(step))
            if ran is None:
                return restarted
        self.session.skip()
        self._save_step(self.session.records[self.session.index - 1], step)
        self._save_place()
        return ""

    def back(self) -> bool:
        moved = self.session.back()
        self._save_place()
        return moved

    def go_next(self) -> bool:
        moved = self.session.go_next()
        self._save_place()
        return moved

    def reset_step(self) -> str:
        """Put the namespace back as it was when this step began."""
        restored, restarted = self.builder.guarded(self.builder.reset)
        if restored is False:  # no checkpoint: the copy the worker took when the step began
            _, restarted = self.builder.guarded(self.kernel.reset_step)
        self._step_output = []
        if not self.session.finished and not self.session.record.finished:
            self.session.record.code.clear()  # undone: a resume must not replay it
            self._save_step()
        return restarted

    def restart_worker(self) -> None:
        """A fresh worker, with the lesson's state rebuilt up to this step."""
        self.builder.recover("Restarted on request")

    def variables(self) -> list[dict[str, str]]:
        rows, _ = self.builder.guarded(self.kernel.variables)
        return rows or []

    def complete(self, source: str) -> list[tuple[str, str, str]]:
        """Completions from the live namespace; none (never an error) if the worker is gone."""
        try:
            return self.kernel.complete(source)
        except WorkerDied:
            return []

    def progress_line(self) -> str:
        done = self.session.count(DONE)
        return f"{self.lesson.id}: {done}/{len(self.lesson.steps)} steps complete"

    def close(self) -> None:
        self.kernel.close()

    # -- persistence -------------------------------------------------------------------------

    def _save_step(self, record: StepRecord | None = None, step: Step | None = None) -> None:
        if step is None or record is None:
            if self.session.finished:
                return
            step, record = self.session.step, self.session.record
        self.store.save_step(self.lesson.id, step.id, record)

    def _save_place(self) -> None:
        position = "" if self.session.finished else self.session.step.id
        source = str(self.lesson.source or "")
        self.store.save_place(self.lesson.id, position, source)
