"""Store benchmark: save latency per step on SQLite and PostgreSQL, and the class report's time.

    python bench/bench_store.py            # starts its own PostgreSQL (tests/postgres.py)

Figures, each with a plain baseline measured in the same run on the same database:
- a learner's save (``LearnerStore.save_step``, what the engine calls after each input): median
  and p95 over a lesson's worth of saves, against one bare `INSERT ... ON CONFLICT` commit
  through the driver alone (sqlite3, psycopg);
- `tutor class report` for 300 learners x 3 lessons x 12 steps: reading the rows and building
  the report in the process, against building it from rows already in memory; and the
  command itself (`tutor class report --json --store URL`, start-up included).
Targets (issue 12): a save well under the time a learner notices (p95 under 50 ms on either
store); the 300-learner report within 2 s in the process.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from postgres import PostgresServer, find_binaries

from tutor.classroom import Outline, class_report
from tutor.progress import LearnerStore, Rows, ShownRow, StepRow, open_store
from tutor.session import DONE, PENDING, SKIPPED, StepRecord

SAVES = 300
LEARNERS, LESSONS, STEPS = 300, 3, 12
MESSAGES = ["`y` has the wrong shape", "`y` is missing", "`weights` has the wrong dtype"]


def timings(action: Callable[[int], None], count: int) -> list[float]:
    spent = []
    for number in range(count):
        start = time.perf_counter()
        action(number)
        spent.append(time.perf_counter() - start)
    return spent


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def learner_saves(store: LearnerStore) -> list[float]:
    """A lesson's worth of saves: inputs, attempts with a failing check shown, places."""
    store.load("lesson1")
    per_step = SAVES // STEPS
    records = [StepRecord() for _ in range(STEPS)]

    def save(number: int) -> None:
        record = records[number // per_step]
        record.code.append(f"y = activation(torch.sum(features * weights) + bias)  # {number}")
        record.attempts += 1
        store.save_step("lesson1", f"step{number // per_step}", record, shown=[MESSAGES[0]])

    return timings(save, per_step * STEPS)


def bare_sqlite(path: Path) -> list[float]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE bare (k TEXT PRIMARY KEY, v TEXT)")
    statement = "INSERT INTO bare VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v"
    return timings(lambda n: db.execute(statement, (f"k{n % STEPS}", "x" * 200)), SAVES)


def bare_postgres(url: str) -> list[float]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE TABLE bare (k TEXT PRIMARY KEY, v TEXT)")
        statement = "INSERT INTO bare VALUES (%s, %s) ON CONFLICT (k) DO UPDATE SET v = excluded.v"
        return timings(lambda n: db.execute(statement, (f"k{n % STEPS}", "x" * 200)), SAVES)


def class_rows(now: float) -> Rows:
    """300 learners x 3 lessons x 12 steps, one or two sessions each, messages shown."""
    rng = random.Random(12)
    rows = Rows()
    for learner in (f"learner{n:03d}" for n in range(LEARNERS)):
        for lesson in (f"lesson{n}" for n in range(1, LESSONS + 1)):
            reached = rng.randint(1, STEPS)
            for index in range(reached):
                step = f"step{index:02d}"
                for origin in ("a", "b")[: rng.randint(1, 2)]:
                    status = DONE if index < reached - 1 else rng.choice([PENDING, SKIPPED, DONE])
                    updated = now - rng.uniform(0, 20 * 86400)
                    rows.steps.append(StepRow(
                        learner, lesson, step, origin, status, rng.randint(0, 4),
                        rng.randint(0, 2), False, ("x = 1", "y = x + 1"), "",
                        rng.uniform(10, 600), updated - 600, updated,
                    ))  # fmt: skip
                    if rng.random() < 0.4:
                        message = rng.choice(MESSAGES)
                        rows.shown.append(ShownRow(
                            learner, lesson, step, origin, message, rng.randint(1, 3), updated
                        ))  # fmt: skip
    return rows


def outlines() -> dict[str, Outline]:
    steps = [f"step{index:02d}" for index in range(STEPS)]
    return {f"lesson{n}": Outline(f"Lesson {n}", steps) for n in range(1, LESSONS + 1)}


def report_times(url: str, rows: Rows) -> tuple[float, float, float]:
    """(read + build in process, build only from rows in memory, the command) in seconds."""
    store = open_store(url, "teacher", local_copy=False)
    store.merge(rows)
    shapes = outlines()
    in_process = statistics.median(timings(lambda _: class_report(store.dump(), shapes), 5))
    in_memory = statistics.median(timings(lambda _: class_report(rows, shapes), 5))
    env = dict(os.environ, NO_COLOR="1")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tutor", "class", "report", "--json", "--store", url],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    command = time.perf_counter() - start
    store.close()
    return in_process, in_memory, command


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    if find_binaries() is None:
        sys.exit("bench_store: PostgreSQL is not installed (apt-get install postgresql)")
    print(f"tutor store benchmark · python {sys.version.split()[0]} · {os.cpu_count()} cores")
    folder = Path(tempfile.mkdtemp(prefix="tutor-bench-"))
    os.environ["TUTOR_HOME"] = str(folder / "home")
    server = PostgresServer.start()
    try:
        sqlite_url = f"sqlite:///{folder / 'class.sqlite3'}"
        postgres_url = server.new_database()
        stores = {"SQLite": sqlite_url, "PostgreSQL": postgres_url}
        bare = {
            "SQLite": bare_sqlite(folder / "bare.sqlite3"),
            "PostgreSQL": bare_postgres(server.new_database()),
        }
        print(f"\nsave latency per step ({SAVES} saves)     median      p95   bare commit  ratio")
        for name, url in stores.items():
            spent = learner_saves(open_store(url, "bench"))  # as `tutor start`: a local copy too
            base = statistics.median(bare[name])
            ok = p95(spent) < 0.050
            print(
                f"  {name:<34} {ms(statistics.median(spent)):>9} {ms(p95(spent)):>9}"
                f" {ms(base):>10} {statistics.median(spent) / base:>6.2f}x  {verdict(ok)}"
            )
        rows = class_rows(time.time())
        print(
            f"\nclass report, {LEARNERS} learners x {LESSONS} lessons "
            f"({len(rows.steps)} step rows)   read+build  build only  ratio   command"
        )
        for name, url in stores.items():
            in_process, in_memory, command = report_times(url, rows)
            ratio = in_process / in_memory
            print(
                f"  {name:<34} {in_process:>8.3f} s {in_memory:>9.3f} s {ratio:>5.1f}x"
                f" {command:>7.2f} s  {verdict(in_process < 2.0)}"
            )
    finally:
        server.remove()


if __name__ == "__main__":
    main()
