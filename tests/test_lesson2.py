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


def test_looking_at_the_first_layers_weight_shape_completes_its_step(tmp_path: Path) -> None:
    # `model[0]`, then `model[0].weight.shape`: looking at the shape is looking at the weights
    stdin = "%skip\n" * 18 + "model[0]\nmodel[0].weight.shape\n"
    out = tutor("start", "lesson2", stdin=stdin, home=tmp_path / "home").stdout
    assert "✓ The output shows the weights of `model[0]`" in out
    assert "Layers with names" in out  # the next step has begun
    assert out.rstrip("\n").splitlines()[-1] == "lesson2: 1/20 steps complete"


def test_a_softmax_without_dim_is_named_as_nn_softmax_without_dim_is(tmp_path: Path) -> None:
    # F.softmax(x) picks dim=1 for rows (with a warning), so the outputs alone look right
    network = (
        "class Network(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc1 = nn.Linear(784, 128)\n        self.fc2 = nn.Linear(128, 64)\n"
        "        self.fc3 = nn.Linear(64, 10)\n\n    def forward(self, x):\n"
        "        return F.softmax(self.fc3(F.relu(self.fc2(F.relu(self.fc1(x))))))\n"
        "\nmodel = Network()\n"
    )
    stdin = "%skip\n" * 10 + network
    out = tutor("start", "lesson2", stdin=stdin, home=tmp_path / "home").stdout
    assert "✗ The softmax in `forward` has no `dim`" in out
    assert "`F.softmax(x, dim=1)`" in out
