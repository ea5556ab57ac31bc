"""A learner ahead of the tutor: an input that completes a later step than the current one.

    found = later_step_completed(lesson, index, runner, "y = torch.mm(features, w.view(5, 1))", "")
    found       # -> (3, feedback): it completes step 4, judged as step 4 judges

Learners copy notebook cells ahead of the text. A step whose point is to look at something
(`weights.shape`: its solution makes no name) must not block a learner whose next input does
the next step's work: that input is judged as the later step would judge it, against the
solutions of the steps in between run from the current step's start.
"""

from __future__ import annotations

from tutor.judging import bound_names, judge, step_targets, touches
from tutor.lesson import Lesson
from tutor.results import Feedback
from tutor.steprunner import StepRunner

LOOK_AHEAD = 3  # how many steps past the current one an input may complete


def later_step_completed(
    lesson: Lesson, index: int, runner: StepRunner, latest: str, output: str
) -> tuple[int, Feedback] | None:
    """(the later step's index, its passing feedback), or None.

    Only code steps without given code of their own are looked at (their given code has not
    run), up to the first choice step, a few ahead at most.
    """
    steps = lesson.steps
    if bound_names(steps[index].solution):
        return None  # a step that makes something is done by making it, not passed over
    for later in range(index + 1, min(index + 1 + LOOK_AHEAD, len(steps))):
        step = steps[later]
        if step.is_choice or step.given.strip():
            return None
        if not touches(latest, step_targets(step)):
            continue
        solutions = "\n".join(s.solution for s in steps[index : later + 1] if not s.is_choice)
        reply = runner.check(step, latest, output, sorted(bound_names(latest)), solutions)
        feedback = judge(step, [latest], latest, reply, revisit=False)
        if feedback.passed:
            return later, feedback
    return None
