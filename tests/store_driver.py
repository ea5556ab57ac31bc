"""Light learners for the load tests: processes that save what lesson 1 saves, with no worker.

    run_learner(url, "light07", barrier)   # connects, waits for the others, then saves
    replay_lesson(url, "learner30", home, reference_steps, delay=3.0, pause=0.2)

Kept apart from the test module so that a forkserver can preload it (and psycopg) once, and 50
processes start in milliseconds instead of each importing everything again.
"""

from __future__ import annotations

import os
import sys
import time
from multiprocessing.synchronize import Barrier
from typing import Any

from tutor.progress import open_store
from tutor.session import DONE, PENDING, StepRecord

STEPS = 12


def run_learner(url: str, name: str, barrier: Barrier) -> None:
    store = open_store(url, name, local_copy=False)
    store.load("lesson1")  # connected (and the schema made) before the release
    barrier.wait()
    for number in range(STEPS):
        step = f"step{number:02d}"
        store.save_place("lesson1", step, "")
        record = StepRecord()
        for attempt in range(1, 4):  # two wrong answers, then a right one
            record.attempts = attempt
            record.code.append(f"y = {attempt}")
            record.status = DONE if attempt == 3 else PENDING
            store.save_step("lesson1", step, record, shown=[] if attempt == 3 else ["`y` is off"])
    store.save_place("lesson1", "", "")
    store.close()


def replay_lesson(
    url: str, name: str, home: str, steps: list[dict[str, Any]], delay: float, pause: float
) -> None:
    """A learner who makes, step by step, the saves that end where ``steps`` (a reference
    `tutor progress --json`) ends: each attempt saved, ``pause`` seconds apart, from a data
    folder of its own (its local copy), starting after ``delay`` seconds."""
    os.environ["TUTOR_HOME"] = home
    time.sleep(delay)
    store = open_store(url, name, on_notice=lambda text: print(f"{name}: {text}", file=sys.stderr))
    store.load("lesson1")
    for step in steps:
        store.save_place("lesson1", step["id"], "")
        record = StepRecord(hints_used=step["hints_used"], solution_shown=step["solution_shown"])
        for attempt in range(1, step["attempts"] + 1):
            time.sleep(pause)
            record.attempts = attempt
            record.code.append(f"y = {attempt}")
            record.status = step["status"] if attempt == step["attempts"] else PENDING
            store.save_step("lesson1", step["id"], record)
    store.save_place("lesson1", "", "")
    store.close()
