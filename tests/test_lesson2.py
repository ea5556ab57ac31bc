"""Lesson 2 end to end: typing the notebook's Part 2 code, in order, completes every step.

The transcript (`transcripts/lesson2_seed.txt`) is the notebook's code cells as a learner copies
them, `%matplotlib` lines and `import helper` included, with the answers to the choice steps
between them. It runs through the real program, piped, on the bundled MNIST subset. It takes
about 2 to 3 seconds, so it is not marked slow.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import run_tutor

TRANSCRIPT = Path(__file__).parent / "transcripts" / "lesson2_seed.txt"


def tutor(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_tutor(*args, home=home, stdin=stdin, TUTOR_DATA="bundled")


def test_typing_the_notebook_code_completes_lesson2(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = tutor("start", "lesson2", stdin=TRANSCRIPT.read_text(), home=home)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert out.rstrip("\n").splitlines()[-1] == "lesson2: 20/20 steps complete"
    assert "\x1b[" not in out
    assert "✗" not in out  # copying the notebook never meets a failing check

    # the tutor says which images it uses, and the notebook's extras are handled kindly
    assert "MNIST training set: bundled subset, 20,000 images" in out
    assert "`%matplotlib` is a Jupyter notebook command; the tutor does not need it" in out
    assert "No module named 'helper'" not in out
    # pictures: a digit in shade blocks, and a digit beside its ten probability bars
    assert "░" in out and "█" in out
    assert out.count("Class probability") == 2

    progress = json.loads(tutor("progress", "lesson2", "--json", home=home).stdout)
    steps = progress[0]["steps"]
    assert len(steps) == 20
    code_steps = [s for s in steps if s["kind"] == "code"]
    assert len(code_steps) == 14
    assert all(s["status"] == "done" for s in steps)
    assert all(s["hints_used"] == 0 and not s["solution_shown"] for s in steps)
