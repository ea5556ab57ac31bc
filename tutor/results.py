"""What the core hands to a front end: plain results of running, judging and answering.

    submission = tutor.submit("y = activation(x)")
    submission.run.ok              # the code ran without an error
    submission.feedback.verdicts   # the step's checks, when it was judged
    submission.passed              # -> True once the step is complete

Nothing here draws or prints: ``tutor.render`` turns these into screens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.checks.base import Verdict
from tutor.kernel.protocol import RunReply


@dataclass
class RunResult:
    """What running some code in the worker did."""

    ok: bool = True
    error: str = ""
    explanation: list[str] = field(default_factory=list)
    interrupted: bool = False
    exit_code: int | None = None
    output: str = ""
    hidden_lines: int = 0
    restarted: str = ""  # why the worker was restarted while running this, if it was
    note: str = ""  # what restoring the step's state had to say (a name made again)
    timed_out: bool = False  # stopped by the step's time budget

    @classmethod
    def from_reply(cls, reply: RunReply) -> RunResult:
        return cls(
            ok=bool(reply.get("ok", True)),
            error=reply.get("error", ""),
            explanation=list(reply.get("explanation", [])),
            interrupted=bool(reply.get("interrupted", False)),
            exit_code=reply.get("exit_code"),
            output=reply.get("output", ""),
            hidden_lines=int(reply.get("hidden_lines", 0)),
            timed_out=bool(reply.get("timed_out", False)),
        )


@dataclass
class Feedback:
    """The step's checks on the learner's work. ``shown`` is False for an unrelated exploration."""

    verdicts: list[Verdict]
    passed: bool
    shown: bool
    notes: list[str] = field(default_factory=list)
    explanation: str = ""
    partial: bool = False  # a part is done and right, another still missing: not an attempt


@dataclass
class Submission:
    """One learner input: how it ran and, for a code step, how it was judged."""

    run: RunResult
    feedback: Feedback | None = None

    @property
    def passed(self) -> bool:
        return self.feedback is not None and self.feedback.passed


@dataclass
class ChoiceResult:
    """An answer to a choice step: right or not, and what to say about it."""

    passed: bool
    message: str
