"""A lesson file runs Python: one from elsewhere is shown and confirmed once, or --trust is given.

Before, `tutor start ./file.yaml` ran the file's setup code at once with no word about it.
Each lesson here leaves a marker file when its setup runs, so a test sees whether code ran.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import run_tutor
from typer.testing import CliRunner

from tutor.cli import app
from tutor.lesson import load_lesson
from tutor.trust import TRUSTED_FILE, NotTrusted, ensure_trusted

runner = CliRunner()

LESSON = """
id: marker
title: Marker
setup: |
  import pathlib
  pathlib.Path({marker!r}).write_text("ran")
steps:
  - id: one
    text: Make `x`.
    solution: x = 1
    checks:
      - defined: x
"""


@pytest.fixture
def lesson_file(write_lesson, tmp_path: Path) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    marker = tmp_path / "setup-ran"
    return write_lesson(LESSON.format(marker=str(marker))), marker


def test_piped_start_of_an_untrusted_file_is_refused_and_names_trust(
    lesson_file: tuple[Path, Path], tutor_home: Path
) -> None:
    path, marker = lesson_file
    result = run_tutor("start", str(path), home=tutor_home, stdin="x = 1\n")
    assert result.returncode == 1
    assert result.stderr == (
        f"tutor: {path} is a lesson file from outside tutor and runs Python on your machine; "
        "read it, then add --trust to run it\n"
    )
    assert not marker.exists()


def test_trust_runs_the_file_without_asking(
    lesson_file: tuple[Path, Path], tutor_home: Path
) -> None:
    path, marker = lesson_file
    result = run_tutor("start", str(path), "--trust", home=tutor_home, stdin="x = 1\n")
    assert result.returncode == 0, result.stderr
    assert marker.read_text() == "ran"
    assert result.stdout.rstrip().endswith("marker: 1/1 steps complete")


def test_tutor_test_asks_for_trust_too(lesson_file: tuple[Path, Path]) -> None:
    path, marker = lesson_file
    refused = runner.invoke(app, ["test", str(path), "--device", "cpu"])
    assert refused.exit_code == 1 and "--trust" in refused.output
    assert not marker.exists()


def test_validate_never_runs_lesson_code(lesson_file: tuple[Path, Path]) -> None:
    path, marker = lesson_file
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0 and not marker.exists()
    assert "never runs the lesson's code" in runner.invoke(app, ["validate", "--help"]).output


def test_a_builtin_lesson_needs_no_trust() -> None:
    from tutor.catalog import find_lesson

    ensure_trusted(find_lesson("lesson1"), trust=False, ask=None)  # no one to ask, no refusal


def test_the_notice_shows_the_path_the_risk_and_the_setup_escaped(
    write_lesson, tutor_home: Path
) -> None:  # type: ignore[no-untyped-def]
    lesson = load_lesson(
        write_lesson(LESSON.format(marker="m").replace('"ran"', '"\\x1b[2J"'), "esc.yaml")
    )
    shown: list[str] = []
    questions: list[str] = []

    def no(question: str) -> bool:
        questions.append(question)
        return False

    with pytest.raises(NotTrusted, match="the lesson was not run"):
        ensure_trusted(lesson, trust=False, ask=no, show=shown.append)
    (notice,) = shown
    assert str(lesson.source.resolve()) in notice  # type: ignore[union-attr]
    assert "runs Python on your machine" in notice
    assert "    pathlib.Path('m').write_text(\"\\x1b[2J\")" in notice
    assert questions == ["Run this lesson?"]
    assert not (tutor_home / TRUSTED_FILE).exists()  # a no is not remembered


def test_a_yes_is_remembered_by_the_files_sha256_until_the_file_changes(
    lesson_file: tuple[Path, Path], tutor_home: Path
) -> None:
    path, _ = lesson_file
    asked: list[str] = []

    def yes(question: str) -> bool:
        asked.append(question)
        return True

    ensure_trusted(load_lesson(path), trust=False, ask=yes, show=lambda _: None)
    ensure_trusted(load_lesson(path), trust=False, ask=yes, show=lambda _: None)
    assert len(asked) == 1
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (tutor_home / TRUSTED_FILE).read_text().startswith(digest + "  ")
    # Once trusted, piped input runs it too, with no --trust.
    ensure_trusted(load_lesson(path), trust=False, ask=None)

    path.write_text(path.read_text() + "# edited\n")
    with pytest.raises(NotTrusted, match="--trust"):
        ensure_trusted(load_lesson(path), trust=False, ask=None)
    ensure_trusted(load_lesson(path), trust=False, ask=yes, show=lambda _: None)
    assert len(asked) == 2


@pytest.mark.slow
def test_in_a_terminal_the_learner_confirms_once(
    lesson_file: tuple[Path, Path], tmp_path: Path
) -> None:
    from test_pty import ENTER, Terminal

    path, marker = lesson_file
    home = tmp_path / "home"
    term = Terminal(home, "start", str(path), "--device", "cpu")
    shown = term.wait_for("Run this lesson? [y/N]:")
    assert "runs Python on your machine" in shown and "pathlib.Path(" in shown
    term.type("n" + ENTER)
    assert term.finish() == 1
    assert not marker.exists()

    term = Terminal(home, "start", str(path), "--device", "cpu")
    term.wait_for("Run this lesson? [y/N]:")
    term.type("y" + ENTER)
    term.wait_for(">>> ")
    assert marker.read_text() == "ran"
    term.type("%quit" + ENTER)
    term.finish()

    term = Terminal(home, "start", str(path), "--device", "cpu")
    shown = term.wait_for(">>> ")
    assert "Run this lesson?" not in shown
    term.type("%quit" + ENTER)
    term.finish()
