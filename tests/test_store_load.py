"""Load: 50 learners on one PostgreSQL server, with a server restart in the middle (issue 12).

Two tests, both slow:

- 50 real `tutor start lesson1 --store postgresql://... --learner learnerNN` processes in piped
  mode, each typing the lesson-1 transcript from its own data folder (its own computer). Each
  starts a torch worker, which 2 cores cannot do 50 times at once in reasonable time, so they
  run ``CONCURRENCY`` at a time (10; ``TUTOR_LOAD_CONCURRENCY=50`` runs all at once on a large
  machine). Once 15 have finished and at least 5 are connected, the server is restarted
  (down for 2 s), cutting off the sessions then running. Every learner's `tutor progress
  --json` must then equal a SQLite run of the same transcript, and the server must hold
  exactly one row per learner and step.
- 50 light processes (no worker: the store alone, saving what a learner's lesson 1 saves)
  released at the same instant on a fresh database: the first-use migration runs once, and
  every count arrives exactly.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import run_tutor
from postgres import PostgresServer

from tutor.classroom import Outline, class_report
from tutor.progress import open_store

LEARNERS = 50
CONCURRENCY = int(os.environ.get("TUTOR_LOAD_CONCURRENCY", "10"))
RESTART_AFTER = 15
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
    names = [f"learner{n:02d}" for n in range(LEARNERS)]
    finished: list[str] = []
    cut_off: list[int] = []

    def restart_in_the_middle() -> None:
        """Once RESTART_AFTER learners are done and 5 are connected, restart the server."""
        while len(finished) < LEARNERS:
            connected = _connected(own_postgres, url.rsplit("/", 1)[1])
            if len(finished) >= RESTART_AFTER and connected >= 5:
                cut_off.append(connected)
                own_postgres.restart(down_for=2.0)
                return
            time.sleep(0.1)

    def take(name: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        outcome = _take_lesson1(name, tmp_path, url)
        finished.append(name)
        return outcome

    started, cpu = time.monotonic(), _children_cpu()
    watcher = threading.Thread(target=restart_in_the_middle)
    watcher.start()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        reference = pool.submit(_take_lesson1, "reference", tmp_path, None)  # SQLite, alone
        results = dict(pool.map(take, names))
    watcher.join()
    lessons_took = time.monotonic() - started
    assert cut_off, "the server was never restarted while learners were connected"
    assert reference.result()[1].returncode == 0
    for name, result in results.items():
        assert result.returncode == 0, (name, result.stderr)
        assert result.stdout.rstrip().endswith("lesson1: 12/12 steps complete"), name
        assert "Traceback" not in result.stderr
    told = [n for n, r in results.items() if "Cannot reach the progress server" in r.stderr]

    expected = _progress("reference", tmp_path, None)
    assert all(s["status"] == "done" for s in expected[0]["steps"])  # type: ignore[index]
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
        f"\n{LEARNERS} learners, {CONCURRENCY} at a time: lessons {lessons_took:.0f} s, all "
        f"{time.monotonic() - started:.0f} s, {_children_cpu() - cpu:.0f} CPU s; the restart "
        f"cut off {cut_off[0]} connected sessions, {len(told)} of them saved while it was down"
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


LIGHT_LEARNER = """
import sys, time
from tutor.progress import open_store
from tutor.session import StepRecord

url, name, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
store = open_store(url, name, local_copy=False)
while time.time() < start_at:
    time.sleep(0.005)
store.load("lesson1")
for number in range(12):
    step = f"step{number:02d}"
    store.save_place("lesson1", step, "")
    record = StepRecord()
    for attempt in range(1, 4):  # two wrong answers and a right one, as lesson 1's saves do
        record.attempts = attempt
        record.code.append(f"y = {attempt}")
        record.status = "done" if attempt == 3 else "pending"
        store.save_step("lesson1", step, record, shown=[] if attempt == 3 else ["`y` is off"])
store.save_place("lesson1", "", "")
store.close()
"""


def test_fifty_store_processes_released_at_once_count_exactly(postgres_url: str) -> None:
    start_at = str(time.time() + 4.0)  # every process is connected and waiting by then
    learners = [
        subprocess.Popen(
            [sys.executable, "-c", LIGHT_LEARNER, postgres_url, f"light{n:02d}", start_at],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(LEARNERS)
    ]
    errors = [p.communicate(timeout=120)[1] for p in learners]
    assert [p.returncode for p in learners] == [0] * LEARNERS, next(e for e in errors if e)
    rows = open_store(postgres_url, "teacher", local_copy=False).dump()
    assert len(rows.steps) == LEARNERS * 12 and len(rows.shown) == LEARNERS * 12
    assert {(r.status, r.attempts, len(r.code)) for r in rows.steps} == {("done", 3, 3)}
    assert {s.count for s in rows.shown} == {2}
    assert {p.position for p in rows.places} == {""}
