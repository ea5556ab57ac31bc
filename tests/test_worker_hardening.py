"""Nothing the learner's code does to its worker breaks the tutor: forks, threads, children,
huge errors, a poisoned interpreter, a worker that dies while the learner reads, Ctrl-C ignored."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tutor.engine import Tutor
from tutor.kernel.client import Kernel
from tutor.lesson import load_lesson
from tutor.progress import SQLiteStore

LESSON = """
id: hard
title: Hard
setup: import torch
steps:
  - id: one
    text: Make `x`.
    solution: x = torch.ones(3)
    checks:
      - tensor: {name: x, shape: [3]}
  - id: two
    text: Make `y`.
    solution: y = 2
    checks:
      - defined: y
"""


def test_a_forked_child_never_answers_in_the_workers_place(kernel: Kernel) -> None:
    reply = kernel.exec(
        "import os\npid = os.fork()\nif pid == 0:\n    x = 'child'\nelse:\n    os.waitpid(pid, 0)"
    )
    assert reply["ok"], reply
    for number in range(5):  # every later reply is the answer to its own request
        assert kernel.exec(f"print({number})")["output"] == f"{number}\n"


def test_a_learners_thread_printing_during_a_large_reply_cannot_desynchronise(
    kernel: Kernel,
) -> None:
    kernel.exec(
        "import sys, threading, time\nout = sys.stdout\nstop = False\n"
        "def chatter():\n    while not stop:\n        out.write('x' * 5000)\n"
        "threading.Thread(target=chatter, daemon=True).start()"
    )
    for _ in range(20):
        assert kernel.exec("len('y' * 100000)")["ok"]
    assert kernel.exec("stop = True\nprint('done')")["ok"]


def test_children_started_by_learner_code_end_with_the_worker() -> None:
    kernel = Kernel(device="cpu")
    kernel.wait_ready()
    reply = kernel.exec("import subprocess\np = subprocess.Popen(['sleep', '60'])\nprint(p.pid)")
    child = int(reply["output"])
    kernel.close()
    time.sleep(0.2)
    assert not running(child), "the learner's `sleep 60` outlived the tutor"


def running(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for a parent to reap it has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_an_enormous_error_message_is_cut_like_other_output(kernel: Kernel) -> None:
    reply = kernel.exec("raise ValueError('e' * 10_000_000)")
    assert len(reply["error"]) < 30_000
    assert "characters hidden" in reply["error"]


def test_a_tiny_recursion_limit_or_no_display_hook_is_repaired_and_said(kernel: Kernel) -> None:
    reply = kernel.exec("import sys\nsys.setrecursionlimit(30)")
    assert "recursion limit is back at 1000" in " ".join(reply["explanation"])
    assert kernel.exec("import torch\ntorch.ones(2).sum()")["output"] == "tensor(2.)\n"
    reply = kernel.exec("sys.displayhook = None")
    assert "displayhook" in " ".join(reply["explanation"])
    assert kernel.exec("1 + 1")["output"] == "2\n"


def test_an_input_after_the_worker_died_while_reading_runs_on_the_new_one(
    write_lesson,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    kernel = Kernel(device="cpu")
    try:
        tutor = Tutor(load_lesson(write_lesson(LESSON)), SQLiteStore(tmp_path / "p.db"), kernel)
        tutor.prepare()
        tutor.enter_step()
        os.kill(kernel.process.pid, signal.SIGKILL)  # as the out-of-memory killer would
        kernel.process.wait()
        submission = tutor.submit("x = torch.ones(3)")
        assert (
            "SIGKILL" in submission.run.restarted
            and "no progress was lost" in submission.run.restarted
        )
        assert submission.passed  # the input was not thrown away
    finally:
        kernel.close()


def test_code_that_ignores_ctrl_c_is_stopped_by_the_third(
    write_lesson,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    kernel = Kernel(device="cpu")
    try:
        tutor = Tutor(load_lesson(write_lesson(LESSON)), SQLiteStore(tmp_path / "p.db"), kernel)
        tutor.prepare()
        tutor.enter_step()
        tutor.submit("n = 41")
        import threading

        def press() -> None:
            for _ in range(3):
                time.sleep(0.5)
                kernel.interrupt()

        threading.Thread(target=press, daemon=True).start()
        code = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass"
        stopped = tutor.submit(code)
        assert "A new worker was started" in stopped.run.restarted
        assert tutor.submit("print(n + 1)").run.output == "42\n"  # the step's work is back
    finally:
        kernel.close()
