"""Lesson 8 end to end: the course's Part 8 code (transfer learning), with the tutor's
pretrained digit network in place of DenseNet-121, completes every step through the real
program, piped. It trains two networks, so it is marked slow."""

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
    assert out.rstrip("\n").splitlines()[-1] == "lesson8: 8/8 steps complete"
    assert "✗" not in out
    assert "Traceback" not in out

    # the pretrained features beat training from scratch on the same 40 labels
    found = re.search(r"Transfer accuracy: ([\d.]+)\.\. Scratch accuracy: ([\d.]+)", out)
    assert found is not None
    transfer, scratch = float(found[1]), float(found[2])
    assert transfer > 0.8 and transfer > scratch

    progress = json.loads(
        run_tutor("progress", "lesson8", "--json", home=home, TUTOR_DATA="bundled").stdout
    )
    assert all(s["status"] == "done" for s in progress[0]["steps"])
