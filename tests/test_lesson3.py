"""Lesson 3 end to end: typing the notebook's Part 3 code, in order, completes every step.

The transcript (`transcripts/lesson3_notebook.txt`) is the Part 3 notebook's code as a learner
copies it: CrossEntropyLoss on a Sequential, then LogSoftmax with NLLLoss, autograd on `x**2`,
one SGD step at lr 0.01, a fresh network trained 5 epochs at lr 0.003 with `running_loss`
printed per epoch, one more epoch keeping `losses` for the loss curve, `view_classify`, and the
test accuracy with `topk`; the answers to the choice steps sit between them. It runs through the
real program, piped, on the bundled MNIST subset. Six epochs take tens of seconds: slow.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import run_tutor, type_notebook


def tutor(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_tutor(*args, home=home, stdin=stdin, timeout=600, TUTOR_DATA="bundled")


@pytest.mark.slow
def test_typing_the_notebook_code_completes_lesson3(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = type_notebook("lesson3", 14, home)
    assert "\x1b[" not in out

    # the notebook's five epochs print a falling mean loss
    epochs = [float(x) for x in re.findall(r"Training loss: ([0-9.]+)", out)]
    assert len(epochs) == 5
    assert epochs[-1] < 0.8 * epochs[0]
    # the loss curve and the trained network's guess are drawn; the accuracy is printed
    assert re.search(r"Loss: 313 values, from [0-9.]+ to [0-9.]+", out)
    assert "▁" in out and "█" in out
    assert "Class probability" in out
    accuracy = float(re.findall(r"Accuracy: ([0-9.]+)%", out)[-1])
    assert accuracy > 50

    progress = json.loads(tutor("progress", "lesson3", "--json", home=home).stdout)
    steps = progress[0]["steps"]
    assert len(steps) == 14
    assert all(s["status"] == "done" for s in steps)
    assert all(s["hints_used"] == 0 and not s["solution_shown"] for s in steps)
