"""Running a lesson's pieces in the worker, the same way for a learner and for ``tutor test``.

    runner = StepRunner(kernel, on_output=print_chunk)
    runner.setup(lesson)                       # the lesson's setup, quietly
    runner.begin(step, quiet=False)            # seed, given code, the step's starting snapshot
    result = runner.run("y = f(x)", "<input-1>")
    reply = runner.check(step, code="y = f(x)", output=result.output)

A learner's session (``tutor.engine``) and a lesson's self-test (``tutor.lessontest``) both go
through here, so a step is begun, run and judged identically in both.
"""

from __future__ import annotations

from tutor.judging import snapshot_names
from tutor.kernel.client import Kernel, OutputCallback, ProgressCallback
from tutor.kernel.protocol import CheckReply
from tutor.lesson import Lesson, Step
from tutor.results import RunResult


class StepRunner:
    """A lesson's setup, steps, inputs and checks, run in one worker."""

    def __init__(
        self,
        kernel: Kernel,
        on_output: OutputCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.kernel = kernel
        self.on_output = on_output
        self.on_progress = on_progress
        self.time_budget: float | None = None  # the current step's, for the learner's inputs

    def fresh(self) -> None:
        """An empty namespace, as before a lesson's setup."""
        self.kernel.reset_all()

    def setup(self, lesson: Lesson) -> RunResult:
        if not lesson.setup:
            return RunResult()
        return self.run(lesson.setup, "<setup>", quiet=True)

    def begin(self, step: Step, quiet: bool = True, run_given: bool = True) -> RunResult:
        """Seed, run the step's given code, and keep the namespace the step starts from.

        ``run_given=False``: the namespace already holds the given code's work (a checkpoint
        was loaded); only the starting state is kept.
        """
        reply = self.kernel.begin_step(
            given=step.given if run_given else "",
            seed=step.seed if run_given else None,
            names=snapshot_names(step),
            filename=f"<given {step.id}>",
            quiet=quiet,
            on_output=None if quiet else self.on_output,
        )
        return RunResult.from_reply(reply)

    def run(self, code: str, filename: str, quiet: bool = False) -> RunResult:
        reply = self.kernel.exec(
            code,
            filename,
            quiet,
            on_output=None if quiet else self.on_output,
            on_progress=None if quiet else self.on_progress,
            time_budget=self.time_budget,
        )
        return RunResult.from_reply(reply)

    def run_solution(self, step: Step) -> RunResult:
        return self.run(step.solution, f"<solution {step.id}>", quiet=True)

    def check(
        self,
        step: Step,
        code: str,
        output: str,
        bound: list[str] | None = None,
        solution: str | None = None,
    ) -> CheckReply:
        """The step's checks on the namespace; ``code`` and ``output`` are the step's so far.

        ``solution``: what the checks compare with, when not the step's own solution (a later
        step judged from an earlier step's start runs the solutions in between first).
        """
        return self.kernel.check(
            [(c.name, c.args) for c in step.checks],
            solution=step.solution if solution is None else solution,
            code=code,
            output=output,
            bound=bound,
        )
