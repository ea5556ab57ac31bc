"""The `tutor` command: through Typer's runner, and as a real subprocess in piped mode."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_tutor
from typer.testing import CliRunner

from tutor.cli import app

TRANSCRIPTS = Path(__file__).parent / "transcripts"
runner = CliRunner()

TINY = """
id: tiny
title: Tiny
setup: import torch
steps:
  - id: ones
    text: Make `x`, three ones.
    solution: x = torch.ones(3)
    checks:
      - tensor: {name: x, shape: [3]}
"""


def tutor(
    *args: str, stdin: str = "", home: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return run_tutor(*args, home=home, stdin=stdin, timeout=timeout)


# -- commands through Typer's runner ------------------------------------------------------------


def test_validate_prints_each_problem_with_its_place(write_lesson) -> None:  # type: ignore[no-untyped-def]
    path = write_lesson(TINY.replace("    checks:", "    hint: x\n    checks:"))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.output == f"{path}:8:5: unknown field 'hint' (did you mean 'hints'?)\n"


def test_validate_accepts_a_good_lesson(write_lesson) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["validate", str(write_lesson(TINY))])
    assert result.exit_code == 0 and result.output == "1 lesson file valid.\n"


def test_schema_is_json_schema_naming_every_check() -> None:
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.output)
    assert schema["$schema"].endswith("2020-12/schema")
    checks = schema["properties"]["steps"]["items"]["properties"]["checks"]["items"]
    assert {"tensor", "matches_solution", "function", "shares_memory"} <= set(checks["properties"])


def test_list_shows_the_builtin_lessons() -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    assert "lesson1" in result.output and "not started" in result.output


def test_progress_json_lists_every_step_as_pending_at_first() -> None:
    result = runner.invoke(app, ["progress", "lesson1", "--json"])
    (report,) = json.loads(result.output)
    assert report["lesson"] == "lesson1"
    assert all(s["status"] == "pending" and s["attempts"] == 0 for s in report["steps"])
    assert {s["kind"] for s in report["steps"]} == {"code", "choice"}


def test_an_unknown_lesson_is_one_line_not_a_traceback() -> None:
    result = runner.invoke(app, ["start", "lesson99"])
    assert result.exit_code == 2
    assert result.output.startswith("tutor: no lesson called 'lesson99' (built-in lessons: lesson1")
    assert "Traceback" not in result.output


def test_tutor_test_fails_a_step_whose_checks_pass_without_any_work(write_lesson) -> None:  # type: ignore[no-untyped-def]
    lazy = TINY.replace("- tensor: {name: x, shape: [3]}", "- defined: torch")
    result = runner.invoke(app, ["test", str(write_lesson(lazy)), "--device", "cpu", "--trust"])
    assert result.exit_code == 1
    assert (
        "FAIL tiny/ones: an empty attempt passes the checks: they test nothing new" in result.output
    )


def test_tutor_test_fails_a_solution_that_does_not_pass(write_lesson) -> None:  # type: ignore[no-untyped-def]
    wrong = TINY.replace("solution: x = torch.ones(3)", "solution: x = torch.ones(4)")
    result = runner.invoke(app, ["test", str(write_lesson(wrong)), "--device", "cpu", "--trust"])
    assert result.exit_code == 1
    assert "FAIL tiny/ones: the solution fails: `x` has the wrong shape" in result.output


# -- the real program, piped ---------------------------------------------------------------------


@pytest.mark.slow
def test_typing_the_notebook_code_completes_lesson1(tutor_home: Path) -> None:
    transcript = (TRANSCRIPTS / "lesson1_seed.txt").read_text()
    result = tutor("start", "lesson1", stdin=transcript, home=tutor_home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip("\n").splitlines()
    assert lines[-1] == "lesson1: 12/12 steps complete"
    assert "\x1b[" not in result.stdout
    assert "✗" not in result.stdout  # copying the notebook never meets a failure
    assert "y: shape (1, 1)" in result.stdout.replace("`", "")

    progress = json.loads(tutor("progress", "lesson1", "--json", home=tutor_home).stdout)
    steps = progress[0]["steps"]
    assert len(steps) == 12
    assert all(s["status"] == "done" for s in steps)
    assert all(s["attempts"] >= 1 and s["hints_used"] == 0 for s in steps)


def test_a_lesson_file_can_be_started_by_path(write_lesson, tutor_home: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_lesson(TINY)
    result = tutor(
        "start",
        str(path),
        "--trust",
        stdin="x = torch.ones(2)\n%hint\nx = torch.ones(3)\n",
        home=tutor_home,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Tiny · step 1 of 1" in out
    assert "✗ `x` has the wrong shape" in out
    assert "No more hints for this step." in out
    assert "✓ `x`: shape (3,)" in out
    assert out.rstrip().endswith("tiny: 1/1 steps complete")


def test_progress_is_kept_across_runs_and_the_lesson_resumes(tutor_home: Path) -> None:
    first = tutor("start", "lesson1", stdin="3\n%quit\n", home=tutor_home)
    assert first.stdout.rstrip().endswith("lesson1: 1/12 steps complete")
    second = tutor("start", "lesson1", stdin="", home=tutor_home)
    assert "Welcome back: continuing at step 2 of 12." in second.stdout


def test_exit_leaves_like_python_and_keeps_progress(tutor_home: Path) -> None:
    result = tutor(
        "start", "lesson1", stdin="3\nimport sys\nsys.exit(4)\nprint('never')\n", home=tutor_home
    )
    assert result.returncode == 4
    assert "never" not in result.stdout.replace(">>> print('never')", "")
    assert result.stdout.rstrip().endswith("lesson1: 1/12 steps complete")


def test_a_broken_lesson_file_is_reported_by_place(write_lesson, tutor_home: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_lesson(TINY.replace("id: ones", "id: ones\n    kind: quiz"))
    result = tutor("start", str(path), home=tutor_home)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"{path}:6:11: 'kind' must be one of 'code', 'choice'"
    assert "Traceback" not in result.stderr


def test_ctrl_c_in_piped_mode_stops_the_loop_and_the_lesson_goes_on(tutor_home: Path) -> None:
    env = dict(os.environ, TUTOR_HOME=str(tutor_home), NO_COLOR="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "start", "lesson1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    for line in process.stdout:  # wait until the worker is ready, however slow the machine
        if line.startswith("Your code runs on"):
            break
    process.stdin.write("while True:\n    pass\n\nprint('still here')\n")
    process.stdin.flush()
    time.sleep(1.5)  # the loop is running
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "KeyboardInterrupt: stopped. Your variables keep the values they had then." in out
    assert "still here" in out.split("KeyboardInterrupt")[1]


@pytest.mark.slow
def test_every_builtin_lesson_passes_tutor_test(tutor_home: Path) -> None:
    result = tutor("test", "--device", "cpu", home=tutor_home, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    assert "lesson1: 12/12 steps pass" in result.stdout
    assert "lesson2: 20/20 steps pass" in result.stdout


def test_start_without_a_lesson_continues_the_last_one(tutor_home: Path) -> None:
    tutor("start", "lesson1", stdin="3\n", home=tutor_home)
    result = tutor("start", stdin="", home=tutor_home)
    assert "Welcome back: continuing at step 2 of 12." in result.stdout


def test_the_example_in_the_authoring_guide_is_a_working_lesson(tmp_path: Path) -> None:
    import re

    guide = (Path(__file__).parent.parent / "docs" / "writing-lessons.md").read_text()
    example = tmp_path / "example.yaml"
    example.write_text(re.search(r"```yaml\n(.*?)```", guide, re.S).group(1))  # type: ignore[union-attr]
    assert runner.invoke(app, ["validate", str(example)]).exit_code == 0
    result = runner.invoke(app, ["test", str(example), "--device", "cpu", "--trust"])
    assert result.exit_code == 0, result.output


def test_reset_clears_one_lessons_progress(tutor_home: Path) -> None:
    tutor("start", "lesson1", stdin="3\n", home=tutor_home)
    assert "1/12 done" in runner.invoke(app, ["list"]).output
    result = runner.invoke(app, ["reset", "lesson1", "--yes"])
    assert result.exit_code == 0 and result.output == "Progress in lesson1 cleared.\n"
    assert "not started" in runner.invoke(app, ["list"]).output


def test_a_started_lesson_file_is_known_by_its_id_to_list_progress_and_reset(
    write_lesson,  # type: ignore[no-untyped-def]
    tutor_home: Path,
) -> None:
    path = write_lesson(
        """
        id: mine
        title: My own lesson
        setup: import torch
        steps:
          - id: one
            text: Make `x`.
            solution: x = 1
            checks:
              - defined: x
        """
    )
    started = tutor("start", str(path), "--trust", stdin="x = 1\n", home=tutor_home)
    assert started.returncode == 0, started.stderr
    listed = tutor("list", home=tutor_home)
    assert "mine" in listed.stdout and "My own lesson" in listed.stdout
    progress = tutor("progress", "mine", "--json", home=tutor_home)
    assert progress.returncode == 0, progress.stderr
    assert json.loads(progress.stdout)[0]["steps"][0]["status"] == "done"
    cleared = tutor("reset", "mine", "--yes", home=tutor_home)
    assert cleared.returncode == 0 and "Progress in mine cleared." in cleared.stdout
