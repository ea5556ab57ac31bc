"""A class: learners by name, the instructor's report, bundles exported and imported, and two
tutor sessions on one data folder (issue 10). Real stores throughout; the CLI through Typer's
runner and, where a lesson is taken, as a real subprocess.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_tutor
from typer.testing import CliRunner

from tutor.classroom import Outline, class_report
from tutor.cli import app
from tutor.progress import default_store_path, open_store
from tutor.session import DONE, SKIPPED, StepRecord

runner = CliRunner()
DAY = 86400.0
OUTLINES = {"lesson1": Outline("Tensors", ["a", "b", "c"])}
WRONG_SHAPE = "`y` has the wrong shape"


def small_class(url: str) -> None:
    """Three learners: ann finished, bob is stuck on b, cat skipped a and is on b."""
    ann = open_store(url, "ann")
    for step in ("a", "b", "c"):
        ann.save_step("lesson1", step, StepRecord(status=DONE, attempts=1))
    ann.save_place("lesson1", "", "")
    bob = open_store(url, "bob")
    bob.save_step("lesson1", "a", StepRecord(status=DONE, attempts=3, hints_used=2))
    bob.save_place("lesson1", "b", "")
    for attempts in (1, 2, 3, 4, 5):
        bob.save_step("lesson1", "b", StepRecord(attempts=attempts), shown=[WRONG_SHAPE])
    cat = open_store(url, "cat")
    cat.save_step("lesson1", "a", StepRecord(status=SKIPPED, solution_shown=True, hints_used=1))
    cat.save_place("lesson1", "b", "")
    cat.save_step("lesson1", "b", StepRecord(attempts=1), shown=[WRONG_SHAPE, "`b` is missing"])


def test_the_report_says_where_each_step_stands(store_url: str) -> None:
    small_class(store_url)
    report = class_report(open_store(store_url, "teacher").dump(), OUTLINES)
    assert report["learners"] == 3
    (lesson,) = report["lessons"]
    assert (lesson["title"], lesson["learners"], lesson["completed"]) == ("Tensors", 3, 1)
    a, b, c = lesson["steps"]
    assert (a["finished"], a["skipped"], a["on_it"]) == (2, 1, 0)
    assert (a["median_attempts"], a["median_hints"]) == (2.0, 1.0)  # of (1, 3) and (0, 2, 1)
    assert (b["finished"], b["on_it"], b["median_attempts"]) == (1, 2, 1.0)  # (1, 5, 1)
    assert b["stuck_on"] == [
        {"message": WRONG_SHAPE, "shown": 6, "learners": 2},
        {"message": "`b` is missing", "shown": 1, "learners": 1},
    ]
    assert (c["finished"], c["on_it"], c["stuck_on"]) == (1, 0, [])
    assert report["inactive"] == []


def test_learners_without_a_save_for_n_days_are_listed(store_url: str) -> None:
    small_class(store_url)
    rows = open_store(store_url, "teacher").dump()
    later = time.time() + 10 * DAY
    report = class_report(rows, OUTLINES, inactive_days=7, now=later)
    assert [(i["learner"], i["days"], i["position"]) for i in report["inactive"]] == [
        ("ann", 10, None),  # saved first, so idle longest (finished: no position)
        ("bob", 10, "b"),
        ("cat", 10, "b"),
    ]
    assert class_report(rows, OUTLINES, inactive_days=11, now=later)["inactive"] == []


def test_a_lesson_without_a_file_lists_its_steps_in_the_order_met(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'c.sqlite3'}", "ann")
    for step in ("first", "second"):
        store.save_step("mine", step, StepRecord(status=DONE, attempts=1))
        time.sleep(0.01)
    (lesson,) = class_report(store.dump(), {})["lessons"]
    assert [s["id"] for s in lesson["steps"]] == ["first", "second"]


def test_class_report_json_and_table_from_the_command(store_url: str) -> None:
    small_class(store_url)
    store = open_store(store_url, "ann")
    store.save_step("lesson1", "tensors", StepRecord(status=DONE, attempts=2))
    result = runner.invoke(app, ["class", "report", "lesson1", "--json", "--store", store_url])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    steps = report["lessons"][0]["steps"]
    assert report["lessons"][0]["title"] == "Tensors in PyTorch"  # the built-in lesson's outline
    assert steps[0]["id"] == "tensors" and steps[0]["finished"] == 1
    assert [s["id"] for s in steps[12:]] == ["a", "b", "c"]  # not in the file: listed after
    table = runner.invoke(app, ["class", "report", "--store", store_url])
    assert table.exit_code == 0, table.output
    assert "lesson1 · Tensors in PyTorch: 3 learners, 0 completed" in table.output
    assert "Every learner saved something in the last 7 days." in table.output


def test_a_store_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["class", "report", "--store", "mysql://x"])
    assert result.exit_code == 1
    assert result.output.startswith("tutor: unknown store 'mysql://x': use sqlite:///path/file")


def test_exported_bundles_import_into_a_class_store_once(
    postgres_url: str, tmp_path: Path, tutor_home: Path
) -> None:
    for learner in ("ann", "bob"):
        home = open_store(None, learner)  # each learner's own file, in the data folder
        home.save_step("lesson1", "tensors", StepRecord(status=DONE, attempts=2))
        home.save_step("lesson1", "activation", StepRecord(attempts=1), shown=[WRONG_SHAPE])
        home.save_place("lesson1", "activation", "")
        exported = runner.invoke(
            app, ["progress", "--export", str(tmp_path / f"{learner}.json"), "--learner", learner]
        )
        assert exported.output == (
            f"Wrote 2 step records of {learner} in 1 lessons to {tmp_path / learner}.json.\n"
        )
    bundles = [str(tmp_path / "ann.json"), str(tmp_path / "bob.json")]
    for _ in range(2):  # importing again changes nothing
        result = runner.invoke(app, ["class", "import", *bundles, "--store", postgres_url])
        assert result.exit_code == 0, result.output
        assert f"{bundles[0]}: 2 step records of ann merged." in result.output
    report = json.loads(
        runner.invoke(app, ["class", "report", "lesson1", "--json", "--store", postgres_url]).output
    )
    tensors, activation = report["lessons"][0]["steps"][:2]
    assert (tensors["finished"], tensors["median_attempts"]) == (2, 2.0)
    assert activation["on_it"] == 2
    assert activation["stuck_on"] == [{"message": WRONG_SHAPE, "shown": 2, "learners": 2}]


BAD_BUNDLES = {
    "not JSON": ("{", ":1:2: not JSON (Expecting property name enclosed in double quotes)"),
    "another format": ('{"format": "zip"}', ': not a progress bundle (no "format"'),
    "another learner's row": (None, ": places[0]: belongs to 'bob', not to the bundle's learner"),
    "a wrong type": (None, ": steps[0]: \"attempts\" must be a int, not '3'"),
}


@pytest.mark.parametrize("case", BAD_BUNDLES)
def test_a_bad_bundle_is_one_line_and_the_good_ones_still_import(
    case: str, tmp_path: Path, tutor_home: Path
) -> None:
    store = open_store(None, "ann")
    store.save_step("lesson1", "tensors", StepRecord(status=DONE, attempts=3))
    store.save_place("lesson1", "activation", "")
    good = tmp_path / "good.json"
    runner.invoke(app, ["progress", "--export", str(good), "--learner", "ann"])
    text, says = BAD_BUNDLES[case]
    if text is None:
        data = json.loads(good.read_text())
        if case == "a wrong type":
            data["steps"][0]["attempts"] = "3"
        else:
            data["places"][0]["learner"] = "bob"
        text = json.dumps(data)
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    target = f"sqlite:///{tmp_path / 'class.sqlite3'}"
    result = runner.invoke(app, ["class", "import", str(bad), str(good), "--store", target])
    assert result.exit_code == 1
    first, second = result.output.splitlines()
    assert first.startswith(f"tutor: {bad}") and says in first
    assert second == f"{good}: 1 step records of ann merged."
    assert open_store(target, "ann").load("lesson1")["tensors"].attempts == 3


# -- taking lessons --------------------------------------------------------------------------

TWO_STEPS = """
id: twosteps
title: Two steps
setup: import torch
steps:
  - id: ones
    text: Make `x`, three ones.
    solution: x = torch.ones(3)
    checks:
      - tensor: {name: x, shape: [3]}
    hints: ["`torch.ones(3)` makes them."]
  - id: twos
    text: Make `y`, twice `x`.
    solution: y = x * 2
    checks:
      - tensor: {name: y, shape: [3]}
"""


@pytest.mark.slow
def test_learners_on_one_computer_keep_their_own_progress(write_lesson, tutor_home: Path) -> None:  # type: ignore[no-untyped-def]
    lesson = str(write_lesson(TWO_STEPS))
    ann = run_tutor("start", lesson, "--trust", "--learner", "ann", home=tutor_home,
                    stdin="x = torch.ones(3)\ny = x * 2\n")  # fmt: skip
    assert ann.stdout.rstrip().endswith("twosteps: 2/2 steps complete"), ann.stderr
    bob = run_tutor(
        "start", lesson, "--trust", home=tutor_home, stdin="%skip\n", TUTOR_LEARNER="bob"
    )
    assert bob.stdout.rstrip().endswith("twosteps: 0/2 steps complete"), bob.stderr

    def statuses(learner: str) -> list[str]:
        result = runner.invoke(app, ["progress", lesson, "--json", "--learner", learner])
        return [s["status"] for s in json.loads(result.output)[0]["steps"]]

    assert statuses("ann") == ["done", "done"]
    assert statuses("bob") == ["skipped", "pending"]
    assert statuses("cat") == ["pending", "pending"]


def _wait_for_session(path: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(path) as db:
                if db.execute("SELECT count(*) FROM sessions").fetchone()[0]:
                    return
        except sqlite3.Error:
            pass
        time.sleep(0.2)
    raise AssertionError("the first tutor session never opened")


@pytest.mark.slow
def test_a_second_session_is_told_and_the_first_cannot_undo_its_work(
    write_lesson, tutor_home: Path
) -> None:  # type: ignore[no-untyped-def]
    """Issue 10: the session opened first takes a hint on step 1 after the second finished it."""
    lesson = str(write_lesson(TWO_STEPS))
    import os

    first = subprocess.Popen(
        [sys.executable, "-m", "tutor", "start", lesson, "--trust"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, TUTOR_HOME=str(tutor_home), NO_COLOR="1"),
    )
    try:
        _wait_for_session(default_store_path())
        second = run_tutor("start", lesson, "--trust", home=tutor_home, stdin="x = torch.ones(3)\n")
        assert "Another tutor session has `twosteps` open" in second.stdout, second.stderr
        assert second.stdout.rstrip().endswith("twosteps: 1/2 steps complete")
        out, err = first.communicate("%hint\n%quit\n", timeout=120)
    finally:
        first.kill()
    assert "`torch.ones(3)` makes them." in out, err
    assert "Another tutor session" not in out  # it was the only one when it opened
    result = runner.invoke(app, ["progress", lesson, "--json"])
    ones = json.loads(result.output)[0]["steps"][0]
    assert (ones["status"], ones["attempts"], ones["hints_used"]) == ("done", 1, 1)
    third = run_tutor("start", lesson, "--trust", home=tutor_home, stdin="")
    assert "Another tutor session" not in third.stdout  # both have closed
    assert "continuing at step 2 of 2" in third.stdout


def test_with_a_server_reset_all_moves_only_the_local_copy_aside(
    postgres_url: str, tutor_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_STORE", postgres_url)
    store = open_store(None, "ann")
    store.save_step("lesson1", "tensors", StepRecord(status=DONE, attempts=1))
    store.close()
    result = runner.invoke(app, ["reset", "--all", "--yes"])
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "; progress starts afresh (your progress on the class's server is kept).\n"
    )
    assert not default_store_path().exists()
    again = open_store(None, "ann")
    assert again.load("lesson1")["tensors"].status == DONE  # from the server, copied anew
    assert default_store_path().exists()


def test_a_damaged_local_copy_does_not_stop_a_server_store(
    postgres_url: str, tutor_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_STORE", postgres_url)
    default_store_path().parent.mkdir(parents=True)
    default_store_path().write_bytes(b"\x00garbage" * 100)
    open_store(None, "ann").save_step("lesson1", "tensors", StepRecord(status=DONE), shown=[])
    result = runner.invoke(app, ["progress", "lesson1", "--json", "--learner", "ann"])
    assert result.exit_code == 0
    notice, *report = result.output.splitlines()
    assert notice.startswith("tutor: Working without a local copy of your progress: the progress")
    assert "is damaged (file is not a database)" in notice
    assert json.loads("\n".join(report))[0]["steps"][0]["status"] == "done"


def test_the_report_table_renders_at_a_fixed_width(tmp_path: Path) -> None:
    from rich.console import Console

    from tutor.class_view import show_class_report

    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    small_class(url)
    console = Console(record=True, width=100, color_system=None)
    show_class_report(console, class_report(open_store(url, "t").dump(), OUTLINES))
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert lines[0] == "lesson1 · Tensors: 3 learners, 1 completed, median 0 min"
    assert (
        "│ b    │    1 │       0 │     2 │        1 │     0 │   0 │ `y` has the wrong shape (2"
        in ("\n".join(lines))
    )
    assert lines[-1] == "Every learner saved something in the last 7 days."
