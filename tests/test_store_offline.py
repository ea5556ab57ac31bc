"""A class's server that is away: the learner works on the local file, told in one line, and what
they did reaches the server when it is back, nothing lost and nothing counted twice.

Each test stops and starts a real PostgreSQL server of its own (`own_postgres`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import run_tutor
from postgres import PostgresServer

import tutor.progress
from tutor.progress import LearnerStore, open_store
from tutor.session import DONE, StepRecord


def on_server(url: str, learner: str = "ann") -> LearnerStore:
    """The server's own view (no local copy), as an instructor's report reads it."""
    return open_store(url, learner, on_notice=pytest.fail, local_copy=False)


@pytest.fixture
def quick_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Try the server again after 0.2 s rather than 5 s, so a test need not wait."""
    monkeypatch.setattr(tutor.progress, "RETRY_SERVER", 0.2)


def test_an_unreachable_server_is_one_line_and_the_work_is_sent_next_time(
    own_postgres: PostgresServer,
) -> None:
    url = own_postgres.new_database()
    on_server(url).save_step("lesson1", "a", StepRecord(status=DONE, attempts=1))
    own_postgres.stop()

    notices: list[str] = []
    store = open_store(url, "ann", on_notice=notices.append)
    record = store.load("lesson1").get("b", StepRecord())
    record.attempts += 2
    store.save_step("lesson1", "b", record)
    store.save_place("lesson1", "c", "")
    assert len(notices) == 1
    assert notices[0].startswith(f"Cannot reach the progress server 127.0.0.1:{own_postgres.port}/")
    assert notices[0].endswith(
        "You keep working on this computer; what you do is sent when the server is back."
    )
    assert store.load("lesson1")["b"].attempts == 2
    store.close()
    assert notices[1].startswith("The progress server")
    assert notices[1].endswith(
        "is still out of reach: your work is kept on this computer and sent the next time "
        "tutor reaches it."
    )

    own_postgres.start_again()
    later = open_store(url, "ann", on_notice=notices.append)  # the next run sends it
    later.close()
    for _ in range(2):  # and only once: a later run finds nothing left to send
        server = on_server(url)
        assert server.load("lesson1") == {
            "a": StepRecord(status=DONE, attempts=1),
            "b": StepRecord(attempts=2),
        }
        assert server.place("lesson1").position == "c"  # type: ignore[union-attr]
        assert len(server.dump("ann").steps) == 2
        open_store(url, "ann", on_notice=notices.append).close()
    assert len(notices) == 2


@pytest.mark.usefixtures("quick_retry")
def test_a_server_restart_mid_lesson_loses_nothing_and_counts_nothing_twice(
    own_postgres: PostgresServer,
) -> None:
    url = own_postgres.new_database()
    notices: list[str] = []
    store = open_store(url, "ann", on_notice=notices.append)
    store.load("lesson1")
    store.save_step("lesson1", "a", StepRecord(status=DONE, attempts=1))
    own_postgres.stop()  # the server cuts the learner's connection
    for attempts in (1, 2, 3):
        store.save_step("lesson1", "b", StepRecord(attempts=attempts), shown=["`y` is off"])
    own_postgres.start_again()
    time.sleep(0.3)
    store.save_step("lesson1", "b", StepRecord(status=DONE, attempts=4))
    assert [n.split(" (")[0] for n in notices] == [
        f"Cannot reach the progress server 127.0.0.1:{own_postgres.port}/t1",
        f"The progress server 127.0.0.1:{own_postgres.port}/t1 is back; what you did meanwhile "
        "is saved there.",
    ]
    server = on_server(url)
    assert server.load("lesson1") == {
        "a": StepRecord(status=DONE, attempts=1),
        "b": StepRecord(status=DONE, attempts=4),
    }
    rows = server.dump("ann")
    assert len(rows.steps) == 2 and [s.count for s in rows.shown] == [3]


@pytest.mark.slow
def test_tutor_start_works_while_the_server_is_away(
    own_postgres: PostgresServer, write_lesson, tutor_home: Path
) -> None:  # type: ignore[no-untyped-def]
    lesson = write_lesson(
        """
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
    )
    url = own_postgres.new_database()
    own_postgres.stop()
    args = ("--store", url, "--learner", "ann")
    result = run_tutor(
        "start", str(lesson), "--trust", *args, home=tutor_home, stdin="x = torch.ones(3)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("tiny: 1/1 steps complete")
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("tutor: Cannot reach the progress server")
    assert "still out of reach" in lines[1]

    own_postgres.start_again()
    shown = run_tutor("progress", str(lesson), "--json", *args, home=tutor_home)
    assert shown.returncode == 0 and shown.stderr == ""
    (report,) = json.loads(shown.stdout)
    assert [(s["status"], s["attempts"]) for s in report["steps"]] == [("done", 1)]
    assert on_server(url).load("tiny")["ones"].status == DONE  # it reached the server


@pytest.mark.usefixtures("quick_retry")
def test_reads_return_to_the_server_once_it_answers(own_postgres: PostgresServer) -> None:
    url = own_postgres.new_database()
    on_server(url).save_step("lesson1", "a", StepRecord(status=DONE, attempts=1))
    own_postgres.stop()
    notices: list[str] = []
    store = open_store(url, "ann", on_notice=notices.append)
    assert store.load("lesson1") == {}  # the local copy has not seen step a
    own_postgres.start_again()
    time.sleep(0.3)
    assert store.load("lesson1") == {"a": StepRecord(status=DONE, attempts=1)}
    store.close()
    assert len(notices) == 2 and notices[1].endswith(f"{own_postgres.port}/t1 is back.")


def test_reset_needs_the_server_and_says_so_in_one_line(tutor_home: Path) -> None:
    away = "postgresql://tutor@127.0.0.1:1/class"  # nothing listens on port 1
    result = run_tutor("reset", "lesson1", "--yes", home=tutor_home, TUTOR_STORE=away)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("tutor: cannot clear progress on the progress server 127.0.0.1:1/class")
