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

from tutor.actions import LearnerActions
from tutor.ahead import later_step_completed
from tutor.checkpoints import checkpoint_path
from tutor.choices import answer_message, match_option, not_an_option
from tutor.judging import bound_names, judge
from tutor.kernel.client import Kernel, OutputCallback, ProgressCallback
from tutor.lesson import Lesson
from tutor.progress import ProgressStore
from tutor.rebuild import StateBuilder
from tutor.results import ChoiceResult, Feedback, RunResult, Submission
from tutor.session import Session
from tutor.steprunner import StepRunner


class Tutor(LearnerActions):
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
            checkpoint_path=lambda step: checkpoint_path(lesson.id, step.id if step else None),
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
        ended = ""
        if self.kernel.info is not None and not self.kernel.alive:
            # It died while the learner was reading (the out-of-memory killer, say): the input
            # is theirs to keep, so it runs on the new worker.
            ended = self.builder.recover(self.kernel.how_it_ended())
        run, restarted = self.builder.guarded(lambda: self.runner.run(code, filename))
        if run is None:
            return Submission(RunResult(ok=False, restarted=restarted))
        run.restarted = ended
        if self.session.finished and run.ok and run.exit_code is None:
            self.builder.after_end.append(code)  # a crash from here on replays it
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
        revisit = record.finished
        feedback = judge(step, record.code, latest, reply, revisit=revisit)
        if not feedback.passed and not revisit:
            ahead = later_step_completed(
                self.lesson, self.session.index, self.runner, latest, self._step_output[-1]
            )
            if ahead is not None:
                self._credit_ahead(*ahead, latest)
                return ahead[1]
        if not feedback.passed and not final:
            feedback.shown = False
        if feedback.shown and not feedback.partial:
            self.session.record_attempt(feedback.passed)
            self._save_step(shown=[v.title for v in feedback.verdicts if not v.passed])
        if feedback.passed:
            self.session.advance()
            self._save_place()
            if not revisit:
                self._past_a_look_step(latest, feedback)
        return feedback

    def _past_a_look_step(self, latest: str, feedback: Feedback) -> None:
        """The input that passed this step may also do the work of a step after the next one,
        when the next one only asks to look at something: credit it, as a notebook learner
        who never typed the look would expect."""
        index = self.session.index
        steps = self.lesson.steps
        if index >= len(steps) or steps[index].is_choice or steps[index].given.strip():
            return
        ahead = later_step_completed(self.lesson, index, self.runner, latest, self._step_output[-1])
        if ahead is not None:
            self._credit_ahead(ahead[0], feedback, latest)

    def _credit_ahead(self, later: int, feedback: Feedback, latest: str) -> None:
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

    def _save_place(self) -> None:
        """Save where the learner is; arriving at the lesson's end (the last step passed,
        answered or skipped, or `%next` past it) also keeps the namespace there, for a resume."""
        super()._save_place()
        if self.session.finished:
            self.builder.guarded(self.builder.finish)

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
