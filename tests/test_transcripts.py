"""Each seed write-up's own code for Parts 1 and 2, typed in order, completes lessons 1 and 2.

A transcript (`transcripts/lessonN_seedNNN.txt`) is what a learner copying write-up NNN types,
cell after cell, without reading the step texts: the write-up's cells as they are (comments,
`%matplotlib`, `torchvision`, the odd bug included), the choice steps answered when they come up,
and, where a write-up has no cell for a step, that step's work in the write-up's own idiom
(`transcripts/README.md` says which lines are which). Each runs through the real program, piped,
on the bundled MNIST subset.

Every code step must end done, except the steps a transcript jumps over by doing a later step's
work (`skipped`), which the tutor credits and says so.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import run_tutor

TRANSCRIPTS = Path(__file__).parent / "transcripts"
STEPS = {"lesson1": 12, "lesson2": 20}


@dataclass(frozen=True)
class Case:
    lesson: str
    seed: str
    skipped: tuple[str, ...] = ()  # code steps jumped over by working ahead
    says: tuple[str, ...] = ()  # what the tutor must say on the way
    failures: int = 0  # the ✗ verdicts the write-up's code meets (a bug in it, another name)
    waits_for: str = ""  # an engine change this transcript needs to flow (expected to fail)

    @property
    def id(self) -> str:
        return f"{self.lesson}-seed{self.seed}"


CASES = [
    # Write-up 000 has no Part 1 cells: its idioms, straight to the matrix product.
    Case(
        "lesson1",
        "000",
        skipped=("shapes",),
        says=("That completes step 5 (One neuron, with a matrix product); step 4 was skipped",),
    ),
    # 001 computes `y` with `torch.mm` at once (the sum step's `y`, and the matrix step's work
    # past the look-only step 4), and names the network's output `y`.
    Case(
        "lesson1",
        "001",
        skipped=("shapes",),
        says=(
            "That completes step 5 (One neuron, with a matrix product); step 4 was skipped",
            "Your `y` holds what `output` should; the step checks `output`.",
        ),
        failures=1,
    ),
    Case("lesson1", "002"),
    # 003 has no Part 1 cells; its idiom names the sigmoid `sigmoid`.
    Case(
        "lesson1",
        "003",
        says=("You defined `sigmoid`; the step asks for `activation`.",),
        failures=1,
    ),
    Case("lesson2", "000"),
    # 001's softmax forgets the exponential.
    Case(
        "lesson2",
        "001",
        says=("A softmax takes the exponential of each score (`torch.exp`)",),
        failures=1,
    ),
    Case("lesson2", "002"),
    # 003 is the course notebook: matplotlib, torchvision and a stray `hide_me` line included.
    Case(
        "lesson2",
        "003",
        says=(
            "`%matplotlib` is a Jupyter notebook command; the tutor does not need it",
            "`torchvision` is not needed in the tutor.",
            "`matplotlib` is not needed in the tutor.",
        ),
    ),
]


def tutor(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_tutor(*args, home=home, stdin=stdin, TUTOR_DATA="bundled")


PARAMS = [
    pytest.param(
        c,
        id=c.id,
        marks=[pytest.mark.xfail(strict=True, reason=c.waits_for)] if c.waits_for else [],
    )
    for c in CASES
]


@pytest.mark.slow
@pytest.mark.parametrize("case", PARAMS)
def test_typing_a_write_ups_code_completes_the_lesson(case: Case, tmp_path: Path) -> None:
    home = tmp_path / "home"
    transcript = (TRANSCRIPTS / f"{case.lesson}_seed{case.seed}.txt").read_text()
    result = tutor("start", case.lesson, stdin=transcript, home=home)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    total = STEPS[case.lesson]
    done = total - len(case.skipped)
    assert out.rstrip("\n").splitlines()[-1] == f"{case.lesson}: {done}/{total} steps complete"
    assert out.count("✗") == case.failures, _verdicts(out)
    flat = " ".join(out.split())  # the text is wrapped to the terminal's width
    for words in case.says:
        assert " ".join(words.split()) in flat

    progress = json.loads(tutor("progress", case.lesson, "--json", home=home).stdout)
    steps = progress[0]["steps"]
    assert len(steps) == total
    status = {s["id"]: s["status"] for s in steps}
    code_steps = [s["id"] for s in steps if s["kind"] == "code"]
    assert set(case.skipped) <= set(code_steps)
    assert {i: status[i] for i in code_steps} == {
        i: "skipped" if i in case.skipped else "done" for i in code_steps
    }
    assert all(s["status"] == "done" for s in steps if s["kind"] == "choice")
    assert all(s["hints_used"] == 0 and not s["solution_shown"] for s in steps)


def _verdicts(out: str) -> str:
    return "\n".join(line for line in out.splitlines() if line.startswith(("✗", "✓ Correct")))


def test_every_seed_write_up_has_a_transcript_for_both_lessons() -> None:
    seeds = sorted({c.seed for c in CASES})
    assert seeds == ["000", "001", "002", "003"]
    for case in CASES:
        assert (TRANSCRIPTS / f"{case.lesson}_seed{case.seed}.txt").is_file()
    assert sorted((c.lesson, c.seed) for c in CASES) == [
        (lesson, seed) for lesson in ("lesson1", "lesson2") for seed in seeds
    ]
