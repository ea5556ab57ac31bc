"""Lesson 4 end to end: the course's Fashion-MNIST notebook code, typed in order, completes it.

The transcript (`transcripts/lesson4_notebook.txt`) is Part 4's code as a learner copies it
(the torchvision download cell left out: the loaders are ready), with a `losses` list the lesson
asks for, Part 5's way of measuring accuracy, and the answer to the choice step. It trains one
epoch on the bundled subset through the real program, piped: several seconds, so it is slow.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import run_tutor, type_notebook


def tutor(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_tutor(*args, home=home, stdin=stdin, TUTOR_DATA="bundled", timeout=300)


@pytest.mark.slow
def test_typing_the_notebook_code_completes_lesson4(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = type_notebook("lesson4", 6, home, timeout=300)
    assert "Traceback" not in out

    # the network was judged by what it achieves: the check's figure, at or above 70%
    measured = re.search(r"✓ `model` classifies (\d+\.\d)% of the test images right", out)
    assert measured and float(measured.group(1)) >= 70.0, out
    # the learner's own figure agreed with the check's
    assert re.search(r"✓ `model` gets \d+\.\d% of `testloader` right", out)
    # the prediction is drawn with the names of the clothes
    assert "Class probability" in out and "Ankle boot" in out and "Pullover" in out

    progress = json.loads(tutor("progress", "lesson4", "--json", home=home).stdout)
    steps = progress[0]["steps"]
    assert [s["status"] for s in steps] == ["done"] * 6
    assert all(s["hints_used"] == 0 and not s["solution_shown"] for s in steps)
