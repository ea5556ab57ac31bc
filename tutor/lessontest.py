"""``tutor test``: prove a lesson's own solutions pass its checks and an empty attempt fails them.

    report = test_lesson(lesson, kernel)
    report.ok                     # every step behaved
    for result in report.steps: print(result.step_id, result.ok, result.problem)

Each code step begins as a learner would see it (setup, earlier steps' solutions, the given code),
through the same ``StepRunner`` as a learner's session. The checks run once with nothing typed
(they must fail), then on each of the step's declared mistakes (each must fail, with feedback
that says the words it promises), then after the solution (they must pass).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tutor.checks.base import Verdict
from tutor.judging import bound_names, judge
from tutor.kernel.client import Kernel, WorkerDied
from tutor.lesson import Lesson, Mistake, Step
from tutor.results import Feedback
from tutor.steprunner import StepRunner

# A solution slower than this makes a step a learner waits on: `tutor test` says so.
SLOW_SECONDS = 5.0


@dataclass
class StepResult:
    step_id: str
    ok: bool
    problem: str = ""
    seconds: float = 0.0  # how long the step's solution ran

    @property
    def slow(self) -> bool:
        return self.seconds > SLOW_SECONDS


@dataclass
class LessonReport:
    lesson: Lesson
    steps: list[StepResult] = field(default_factory=list)
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem and all(s.ok for s in self.steps)


def test_lesson(lesson: Lesson, kernel: Kernel) -> LessonReport:
    report = LessonReport(lesson)
    runner = StepRunner(kernel)
    try:
        runner.fresh()
        setup = runner.setup(lesson)
        if not setup.ok:
            report.problem = f"setup failed: {setup.error}"
            return report
        for step in lesson.steps:
            report.steps.append(_test_step(step, runner))
    except WorkerDied as died:
        report.problem = f"{died.how} while testing"
        kernel.restart()
    return report


def _test_step(step: Step, runner: StepRunner) -> StepResult:
    begun = runner.begin(step, quiet=True)
    if not begun.ok:
        return StepResult(step.id, False, f"given code failed: {_last_line(begun.error)}")
    if step.is_choice:
        return StepResult(step.id, True)
    empty = _verdicts(runner, step, code="", output="")
    if empty is None:
        return StepResult(step.id, False, "the checks could not run")
    if all(v.passed for v in empty):
        return StepResult(
            step.id, False, "an empty attempt passes the checks: they test nothing new"
        )
    mistake_problem = ""
    for mistake in step.mistakes:
        problem = _try_mistake(step, mistake, runner)
        runner.kernel.reset_step()
        if problem:
            mistake_problem = problem
            break
    # The solution runs even after a mistake's problem: later steps begin from its state, so
    # one step's fault is reported once, not again at every step after it.
    started = time.perf_counter()
    ran = runner.run_solution(step)
    seconds = time.perf_counter() - started
    if not ran.ok:
        return StepResult(step.id, False, f"the solution raised: {_last_line(ran.error)}")
    verdicts = _verdicts(runner, step, code=step.solution, output=ran.output)
    if verdicts is None:
        return StepResult(step.id, False, "the checks could not run")
    failing = [v for v in verdicts if not v.passed]
    if failing:
        return StepResult(step.id, False, _solution_failure(step, verdicts), seconds)
    return StepResult(step.id, not mistake_problem, mistake_problem, seconds)


def _solution_failure(step: Step, verdicts: list[Verdict]) -> str:
    """Why the step's own solution fails, naming the check by its number and line, and telling
    an author's error (the check cannot be right) from what a learner would read."""
    index = next(i for i, v in enumerate(verdicts) if not v.passed)
    verdict, call = verdicts[index], step.checks[index]
    where = f"check {index + 1} ({call.name}" + (f", line {call.line})" if call.line else ")")
    details = "; ".join(verdict.details)
    shown = f"the solution fails: {verdict.title}" + (f" ({details})" if details else "")
    if verdict.missing:
        return f"{shown} - {where} names `{verdict.missing}`, which the solution never makes"
    if any(word in verdict.title for word in ("could not run", "could not be read")):
        return f"{shown} - {where} cannot run on the solution: an error in the check"
    if call.name == "uses":
        return f"{shown} - {where} asks for what the solution itself does not use"
    return f"{shown} - {where}"


def _try_mistake(step: Step, mistake: Mistake, runner: StepRunner) -> str:
    """Type ``mistake`` as a learner would; '' when the step fails with the promised words."""
    where = f"the mistake at line {mistake.line}" if mistake.line else "a declared mistake"
    ran = runner.run(mistake.code, "<input-1>", quiet=True)
    if not ran.ok:
        shown = [ran.error, *ran.explanation]
    else:
        reply = runner.check(step, mistake.code, ran.output, sorted(bound_names(mistake.code)))
        feedback = judge(step, [mistake.code], mistake.code, reply, revisit=False)
        if feedback.passed:
            return f"{where} passes the step: `{_first_line(mistake.code)}`"
        if not feedback.shown:
            return f"{where} gets no feedback (the tutor takes it for exploring)"
        shown = _feedback_text(feedback)
    text = "\n".join(shown)
    missing = [word for word in mistake.says if word.lower() not in text.lower()]
    if missing:
        said = " / ".join(line for line in shown if line)[:300]
        words = ", ".join(repr(word) for word in missing)
        return f"{where}: the feedback does not say {words}; it says: {said}"
    return ""


def _feedback_text(feedback: Feedback) -> list[str]:
    failing = next((v for v in feedback.verdicts if not v.passed), None)
    lines = [failing.title, *failing.details] if failing is not None else []
    return [*lines, *feedback.notes]


def _first_line(code: str) -> str:
    return code.strip().splitlines()[0] if code.strip() else code


def _verdicts(runner: StepRunner, step: Step, code: str, output: str) -> list[Verdict] | None:
    return runner.check(step, code=code, output=output).get("verdicts")


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else text
