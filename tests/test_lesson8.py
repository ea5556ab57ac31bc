"""Lesson 8 end to end: the course's Part 8 code (transfer learning), with the tutor's
pretrained digit network in place of DenseNet-121, completes every step through the real
program, piped. It trains two networks, so it is marked slow.

The notebook's cells are typed statement by statement, and the tutor judges after each one: a
network made but not yet trained, or an accuracy summed over half the batches, gets its
feedback on the way. Only those in-between verdicts may fail.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_tutor

TRANSCRIPT = Path(__file__).parent / "transcripts" / "lesson8_notebook.txt"


@pytest.mark.slow
def test_typing_the_notebook_code_completes_lesson8(tmp_path: Path) -> None:
    home = tmp_path / "home"
    stdin = TRANSCRIPT.read_text()
    result = run_tutor("start", "lesson8", home=home, stdin=stdin, TUTOR_DATA="bundled")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert out.rstrip("\n").splitlines()[-1] == "lesson8: 8/8 steps complete", out[-3000:]
    in_between = ("✗ `scratch` ", "✗ `transfer_accuracy` is ", "✗ `scratch_accuracy` is ")
    failures = [line for line in out.splitlines() if line.startswith("✗")]
    assert all(line.startswith(in_between) for line in failures), failures
    assert "Traceback" not in out

    # the pretrained features beat training from scratch on the same 40 labels
    found = re.search(r"Transfer accuracy: ([\d.]+)\.\. Scratch accuracy: ([\d.]+)", out)
    assert found is not None
    transfer, scratch = float(found[1]), float(found[2])
    assert transfer > 0.62 and transfer > scratch

    progress = json.loads(
        run_tutor("progress", "lesson8", "--json", home=home, TUTOR_DATA="bundled").stdout
    )
    assert all(s["status"] == "done" for s in progress[0]["steps"])
