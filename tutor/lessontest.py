"""``tutor test``: prove a lesson's own solutions pass its checks and an empty attempt fails them.

    report = test_lesson(lesson, kernel)
    report.ok                     # every step behaved
    for result in report.steps: print(result.step_id, result.ok, result.problem)

Each code step begins as a learner would see it (setup, earlier steps' solutions, the given code).
The checks run once with nothing typed (they must fail), then after the solution (they must pass).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.kernel.client import Kernel, WorkerDied
from tutor.lesson import Lesson, Step


@dataclass
class StepResult:
    step_id: str
    ok: bool
    problem: str = ""


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
    try:
        kernel.request({"op": "reset_all"})
        if lesson.setup:
            reply = kernel.request(
                {"op": "exec", "code": lesson.setup, "filename": "<setup>", "quiet": True}
            )
            if not reply.get("ok"):
                report.problem = f"setup failed: {reply.get('error', '')}"
                return report
        for step in lesson.steps:
            report.steps.append(_test_step(step, kernel))
    except WorkerDied as died:
        report.problem = f"{died.how} while testing"
        kernel.restart()
    return report


def _test_step(step: Step, kernel: Kernel) -> StepResult:
    begun = kernel.request(
        {
            "op": "begin_step",
            "given": step.given,
            "seed": step.seed,
            "quiet": True,
            "filename": f"<given {step.id}>",
        }
    )
    if not begun.get("ok", True):
        return StepResult(
            step.id, False, f"given code failed: {_last_line(begun.get('error', ''))}"
        )
    if step.is_choice:
        return StepResult(step.id, True)
    empty = _check(step, kernel, code="", output="")
    if empty is None:
        return StepResult(step.id, False, "the checks could not run")
    if all(v.passed for v in empty):
        return StepResult(
            step.id, False, "an empty attempt passes the checks: they test nothing new"
        )
    ran = kernel.request(
        {"op": "exec", "code": step.solution, "filename": f"<solution {step.id}>", "quiet": True}
    )
    if not ran.get("ok"):
        return StepResult(
            step.id, False, f"the solution raised: {_last_line(ran.get('error', ''))}"
        )
    verdicts = _check(step, kernel, code=step.solution, output=ran.get("output", ""))
    if verdicts is None:
        return StepResult(step.id, False, "the checks could not run")
    failing = [v for v in verdicts if not v.passed]
    if failing:
        details = "; ".join(failing[0].details)
        return StepResult(
            step.id,
            False,
            f"the solution fails: {failing[0].title}" + (f" ({details})" if details else ""),
        )
    return StepResult(step.id, True)


def _check(step: Step, kernel: Kernel, code: str, output: str) -> list | None:
    reply = kernel.request(
        {
            "op": "check",
            "checks": [(c.name, c.args) for c in step.checks],
            "solution": step.solution,
            "code": code,
            "output": output,
        }
    )
    return reply.get("verdicts")


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else text
