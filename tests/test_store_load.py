"""Load: 50 learners on one PostgreSQL server, with a server restart in the middle (issue 12).

Two tests, both slow:

- 50 learners on one server at once. ``REAL`` of them (25; ``TUTOR_LOAD_REAL=50`` for all) are
  the real `tutor start lesson1 --store postgresql://... --learner learnerNN` in piped mode,
  typing the lesson-1 transcript from a data folder of their own (their own computer),
  ``CONCURRENCY`` at a time (10). Each starts a torch worker: about 3 CPU seconds, so 50 of
  them alone take 75 s of 2 cores. The others are light processes (``store_driver``) making
  the saves that end where lesson 1 ends, each attempt 0.2 s apart, started 1.5 s apart: the
  same store calls, without a worker. Once half the real learners are done and 5 learners are
  connected, the server is restarted (down 2 s), cutting off the sessions then running. Every
  learner's `tutor progress --json` must then equal a SQLite run of the transcript, and the
  server must hold exactly one row per learner and step.
- 50 light processes (``store_driver``: the store alone, saving what a learner's lesson 1
  saves, forked from a server that imported it once) connect to a fresh database, making its
  schema at once, and are released together: every count arrives exactly.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import pytest
from conftest import run_tutor
from postgres import PostgresServer
from store_driver import replay_lesson, run_learner

from tutor.classroom import Outline, class_report
from tutor.progress import open_store

LEARNERS = 50
REAL = int(os.environ.get("TUTOR_LOAD_REAL", "25"))
CONCURRENCY = int(os.environ.get("TUTOR_LOAD_CONCURRENCY", "10"))
TRANSCRIPT = (Path(__file__).parent / "transcripts" / "lesson1_seed.txt").read_text()

pytestmark = pytest.mark.slow


def _take_lesson1(
    name: str, homes: Path, url: str | None
) -> tuple[str, subprocess.CompletedProcess[str]]:
    store = ("--store", url, "--learner", name) if url else ()
    result = run_tutor(
        "start", "lesson1", "--device", "cpu", *store,
        home=homes / name, stdin=TRANSCRIPT, timeout=300,
    )  # fmt: skip
    return name, result


def _progress(name: str, homes: Path, url: str | None) -> list[dict[str, object]]:
    store = ("--store", url, "--learner", name) if url else ()
    result = run_tutor("progress", "lesson1", "--json", *store, home=homes / name, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _connected(server: PostgresServer, database: str) -> int:
    """How many learner sessions are connected to ``database`` now."""
    import psycopg

    with psycopg.connect(server.url, autocommit=True) as admin:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        return int(admin.execute(query, (database,)).fetchone()[0])  # type: ignore[index]


def test_fifty_learners_take_lesson1_at_once_through_a_server_restart(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    url = own_postgres.new_database()
    _, reference = _take_lesson1("reference", tmp_path, None)  # the oracle: SQLite, alone
    assert reference.returncode == 0, reference.stderr
    expected = _progress("reference", tmp_path, None)
    assert all(s["status"] == "done" for s in expected[0]["steps"])  # type: ignore[index]
    real = [f"learner{n:02d}" for n in range(REAL)]
    light = [f"learner{n:02d}" for n in range(REAL, LEARNERS)]
    finished: list[str] = []
    cut_off: list[int] = []

    def restart_in_the_middle() -> None:
        """Once half the real learners are done and 5 learners connected, restart the server."""
        while len(finished) < len(real):
            connected = _connected(own_postgres, url.rsplit("/", 1)[1])
            if len(finished) >= len(real) // 2 and connected >= 5:
                cut_off.append(connected)
                own_postgres.restart(down_for=2.0)
                return
            time.sleep(0.1)

    def take(name: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        outcome = _take_lesson1(name, tmp_path, url)
        finished.append(name)
        return outcome

    started, cpu = time.monotonic(), _children_cpu()
    replays = _start_replays(url, light, tmp_path, expected[0]["steps"])  # type: ignore[index]
    watcher = threading.Thread(target=restart_in_the_middle)
    watcher.start()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = dict(pool.map(take, real))
    watcher.join()
    for replay in replays:
        replay.join(timeout=300)
    lessons_took = time.monotonic() - started
    assert cut_off, "the server was never restarted while learners were connected"
    assert [r.exitcode for r in replays] == [0] * len(light)
    for name, result in results.items():
        assert result.returncode == 0, (name, result.stderr)
        assert result.stdout.rstrip().endswith("lesson1: 12/12 steps complete"), name
        assert "Traceback" not in result.stderr
    told = [n for n, r in results.items() if "Cannot reach the progress server" in r.stderr]

    names = real + light
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        found = pool.map(lambda n: _progress(n, tmp_path, url), names)
        reports = dict(zip(names, found, strict=True))
    wrong = [name for name, report in reports.items() if report != expected]
    assert wrong == [], f"{len(wrong)} learners' progress differs, e.g. {reports[wrong[0]]}"

    server = open_store(url, "teacher", local_copy=False).dump(None, "lesson1")
    steps = [s["id"] for s in expected[0]["steps"]]  # type: ignore[index]
    keys = [(r.learner, r.step) for r in server.steps]
    assert len(keys) == len(set(keys)) == LEARNERS * len(steps)  # one row each: no duplicate
    report = class_report(server, {"lesson1": Outline("Tensors", steps)})
    assert report["lessons"][0]["completed"] == LEARNERS
    print(
        f"\n{len(real)} real and {len(light)} replaying learners, {CONCURRENCY} real at a time: "
        f"lessons {lessons_took:.0f} s, all {time.monotonic() - started:.0f} s, "
        f"{_children_cpu() - cpu:.0f} CPU s; the restart cut off {cut_off[0]} connections and "
        f"{len(told)} real learners were told the server was away"
    )


def _start_replays(
    url: str, names: list[str], homes: Path, steps: list[dict[str, Any]]
) -> list[BaseProcess]:
    """The light learners, started one every 1.5 s, each saving every 0.2 s."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["store_driver", "psycopg"])
    replays = [
        context.Process(
            target=replay_lesson,
            args=(url, name, str(homes / name), steps, 1.5 * number, 0.2),
        )
        for number, name in enumerate(names)
    ]
    for replay in replays:
        replay.start()
    return replays


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_fifty_store_processes_released_at_once_count_exactly(postgres_url: str) -> None:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["store_driver", "psycopg"])
    barrier = context.Barrier(LEARNERS, timeout=120)
    learners = [
        context.Process(target=run_learner, args=(postgres_url, f"light{n:02d}", barrier))
        for n in range(LEARNERS)
    ]
    started = time.monotonic()
    for learner in learners:
        learner.start()
    for learner in learners:
        learner.join(timeout=180)
    assert [p.exitcode for p in learners] == [0] * LEARNERS
    rows = open_store(postgres_url, "teacher", local_copy=False).dump()
    assert len(rows.steps) == LEARNERS * 12 and len(rows.shown) == LEARNERS * 12
    assert {(r.status, r.attempts, len(r.code)) for r in rows.steps} == {("done", 3, 3)}
    assert {s.count for s in rows.shown} == {2}
    assert {p.position for p in rows.places} == {""}
    print(
        f"\n{LEARNERS} store processes, {LEARNERS * 49} saves: {time.monotonic() - started:.1f} s"
    )
