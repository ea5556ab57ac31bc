"""Issue 10, the progress file: old files migrate, damage is one line with a way out, a full disk
never ends a lesson, and two sessions on one data folder merge instead of overwriting.

All on real SQLite files; a full disk is made real twice: SQLite's own page limit, and (where user
namespaces allow it) a tiny tmpfs that the learner's own code fills and empties mid-lesson.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import run_tutor
from typer.testing import CliRunner

from tutor.cli import app
from tutor.progress import SQLiteStore, StoreError, default_store_path
from tutor.session import DONE, StepRecord

runner = CliRunner()

# The progress file as tutor 0.1 wrote it, before learners had names.
OLD_SCHEMA = """
CREATE TABLE steps (lesson TEXT NOT NULL, step TEXT NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL, hints_used INTEGER NOT NULL, solution_shown INTEGER NOT NULL,
    code TEXT NOT NULL, answer TEXT NOT NULL, updated REAL NOT NULL, PRIMARY KEY (lesson, step));
CREATE TABLE lessons (lesson TEXT PRIMARY KEY, position TEXT NOT NULL, source TEXT NOT NULL,
    updated REAL NOT NULL);
INSERT INTO steps VALUES ('lesson1', 'tensors', 'done', 2, 1, 0, '["def activation(x): ..."]',
    '', 1700000000.0);
INSERT INTO steps VALUES ('lesson1', 'activation', 'pending', 1, 0, 0, '[]', '', 1700000100.0);
INSERT INTO lessons VALUES ('lesson1', 'activation', '', 1700000100.0);
"""


def old_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
    db.close()
    return path


# -- migration -------------------------------------------------------------------------------


def test_an_old_progress_file_is_migrated_to_the_learner_who_opens_it(tmp_path: Path) -> None:
    path = old_file(tmp_path / "progress.sqlite3")
    store = SQLiteStore(path, learner="ann")
    records = store.load("lesson1")
    assert records["tensors"] == StepRecord(DONE, 2, 1, False, ["def activation(x): ..."], "")
    assert records["activation"].attempts == 1
    place = store.place("lesson1")
    assert place is not None and place.position == "activation" and place.learner == "ann"
    store.close()
    # migrated once: reopened by someone else, the records stay ann's
    assert SQLiteStore(path, learner="bob").load("lesson1") == {}
    assert SQLiteStore(path, learner="ann").load("lesson1") == records
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "lessons" not in tables and "legacy_steps" not in tables


def test_tutor_progress_reads_an_old_file_in_the_data_folder(tutor_home: Path) -> None:
    old_file(default_store_path())
    result = runner.invoke(app, ["progress", "lesson1", "--json"])
    assert result.exit_code == 0, result.output
    steps = json.loads(result.output)[0]["steps"]
    assert steps[0]["status"] == "done" and steps[0]["attempts"] == 2


# -- damage ----------------------------------------------------------------------------------


def _with_records(path: Path) -> Path:
    store = SQLiteStore(path, learner="ann")
    for number in range(200):  # several pages, so that damage in the middle hits a table
        store.save_step("lesson1", f"s{number}", StepRecord(code=["x = 1" * 40]))
    store.close()
    return path


def malformed_pages(path: Path) -> None:
    _with_records(path)
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 2, min(len(data), 4096 * 6), 7):
        data[offset] = 0xFF
    path.write_bytes(bytes(data))


def foreign_schema(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE steps (id INTEGER PRIMARY KEY, title TEXT)")
    db.close()


def non_json_cell(path: Path) -> None:
    _with_records(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE steps SET code = 'x = 1' WHERE step = 's7'")
    db.close()


def newer_schema(path: Path) -> None:
    SQLiteStore(path, learner="ann").close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = 99")
    db.close()


def not_a_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00garbage" * 1000)


DAMAGE = {
    "malformed pages": (malformed_pages, "is damaged"),
    "foreign schema": (foreign_schema, "is not a tutor progress file (it holds tables steps)"),
    "non-JSON cell": (non_json_cell, "the record of ann/lesson1/s7 is not JSON"),
    "newer schema": (newer_schema, "was written by a newer tutor (schema version 99"),
    "not a database": (not_a_database, "is damaged (file is not a database)"),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_a_damaged_file_is_one_line_naming_it_and_the_way_out(case: str, tmp_path: Path) -> None:
    damage, says = DAMAGE[case]
    path = tmp_path / "progress.sqlite3"
    damage(path)
    with pytest.raises(StoreError) as raised:
        SQLiteStore(path, learner="ann")
    message = str(raised.value)
    assert str(path) in message and says in message and "\n" not in message
    if case != "newer schema":
        assert message.endswith("`tutor reset --all` moves it aside and starts afresh")


@pytest.mark.parametrize("case", DAMAGE)
def test_every_command_says_so_in_one_line_and_reset_all_recovers(
    case: str, tutor_home: Path
) -> None:
    damage, says = DAMAGE[case]
    path = default_store_path()
    damage(path)
    for command in (["list"], ["progress"], ["progress", "--json"], ["reset", "lesson1", "-y"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1, (command, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        (line,) = result.output.splitlines()
        assert line.startswith("tutor: ") and says in line and "tutor reset --all" in line

    moved = runner.invoke(app, ["reset", "--all", "--yes"])
    assert moved.exit_code == 0, moved.output
    assert moved.output.startswith(f"Moved {path} to {path}.") and moved.output.endswith(
        ".aside; progress starts afresh.\n"
    )
    assert not path.exists() and len(list(path.parent.glob("progress.sqlite3.*.aside"))) == 1
    listed = runner.invoke(app, ["list"])
    assert listed.exit_code == 0 and "not started" in listed.output


@pytest.mark.slow
def test_tutor_start_on_a_damaged_file_is_one_line(tutor_home: Path) -> None:
    malformed_pages(default_store_path())
    result = run_tutor("start", "lesson1", home=tutor_home, stdin="")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert "is damaged" in line and "`tutor reset --all`" in line


def test_reset_needs_a_lesson_or_all() -> None:
    result = runner.invoke(app, ["reset"])
    assert result.exit_code == 2
    assert result.output == "tutor: name one lesson to clear, or --all for every lesson\n"


# -- a full disk -----------------------------------------------------------------------------


def test_a_full_disk_is_said_once_kept_and_saved_when_space_returns(tmp_path: Path) -> None:
    notices: list[str] = []
    path = tmp_path / "progress.sqlite3"
    store = SQLiteStore(path, learner="ann", on_notice=notices.append)
    store.save_step("lesson1", "s0", StepRecord(attempts=1))
    db = sqlite3.connect(path)  # SQLite's page limit is per connection: set it on the store's
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()
    store.backend._db.execute(f"PRAGMA max_page_count = {pages}")  # type: ignore[attr-defined]
    big = ["w = 1  # " + "x" * 3000]
    for number in range(1, 6):
        store.save_step("lesson1", f"s{number}", StepRecord(status=DONE, attempts=1, code=big))
    store.save_place("lesson1", "s6", "")
    assert len(notices) == 1
    assert notices[0].startswith(
        "Your progress cannot be saved just now (database or disk is full)"
    )
    # the lesson goes on: what was done is there for the rest of the session
    assert len(store.load("lesson1")) == 6 and store.place("lesson1").position == "s6"  # type: ignore[union-attr]
    assert len(SQLiteStore(path, learner="ann").load("lesson1")) < 6  # not all on disk yet

    store.backend._db.execute("PRAGMA max_page_count = 100000")  # type: ignore[attr-defined]
    store.save_step("lesson1", "s6", StepRecord(attempts=1))
    assert notices[1:] == ["Your progress is saved again."]
    again = SQLiteStore(path, learner="ann")
    assert len(again.load("lesson1")) == 7 and again.place("lesson1").position == "s6"  # type: ignore[union-attr]


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
    hints: ["`torch.ones(3)`"]
  - id: twos
    text: Make `y`, twice `x`.
    solution: y = x * 2
    checks:
      - tensor: {name: y, shape: [3]}
"""

# One line each, as a learner would type them: take every free block of the disk, then give it back.
FILL = (
    "import os; filler = os.path.join(os.environ['TUTOR_HOME'], 'filler'); "
    "free = os.statvfs(os.environ['TUTOR_HOME']); fd = os.open(filler, os.O_WRONLY | os.O_CREAT); "
    "os.posix_fallocate(fd, 0, free.f_bavail * free.f_frsize); os.close(fd)"
)
FILL_AND_FREE = f"""\
{FILL}
x = torch.ones(4)
x = torch.ones(3)
os.remove(filler)
y = x * 2
"""


def _can_mount_tmpfs() -> bool:
    if sys.platform != "linux" or not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare and a tmpfs mount (Linux)")
def test_a_disk_filled_mid_lesson_warns_once_and_the_lesson_goes_on(
    write_lesson, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The learner's own code fills a 4 MB disk holding the progress file, then frees it."""
    lesson = write_lesson(TWO_STEPS)
    home = tmp_path / "small-disk"
    home.mkdir()
    script = textwrap.dedent(
        f"""
        mount -t tmpfs -o size=4m tmpfs {home} || exit 99
        "{sys.executable}" -m tutor start {lesson} --trust --learner ann || exit $?
        "{sys.executable}" -m tutor progress {lesson} --json --learner ann
        """
    )
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script],
        input=FILL_AND_FREE,
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(os.environ, TUTOR_HOME=str(home), NO_COLOR="1"),
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "cannot be saved" in line]
    assert len(warnings) == 1 and "disk is full" in warnings[0]
    assert "Your progress is saved again." in result.stderr
    assert "twosteps: 2/2 steps complete" in result.stdout
    report = json.loads(result.stdout[result.stdout.index("[\n") :])
    assert [s["status"] for s in report[0]["steps"]] == ["done", "done"]
    assert report[0]["steps"][0]["attempts"] == 2  # the wrong shape, then the right one
