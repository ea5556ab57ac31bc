"""The worker as a real process: running code, output, errors, interrupts, crashes, restarts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tutor.kernel.client import Kernel, WorkerDied, WorkerUnavailable


def run(kernel: Kernel, code: str) -> tuple[dict, list[tuple[str, str]]]:
    chunks: list[tuple[str, str]] = []
    reply = kernel.exec(code, on_output=lambda s, t: chunks.append((s, t)))
    return reply, chunks


def test_a_bare_expression_is_shown_like_the_python_console(kernel: Kernel) -> None:
    reply, chunks = run(kernel, "import torch\nx = torch.ones(2)\nx * 2")
    assert reply["ok"]
    assert "".join(t for _, t in chunks) == "tensor([2., 2.])\n"


def test_device_is_predefined_in_the_namespace(kernel: Kernel) -> None:
    _, chunks = run(kernel, "device")
    assert "".join(t for _, t in chunks) == "device(type='cpu')\n"


def test_printed_lines_stream_before_the_code_finishes(kernel: Kernel) -> None:
    arrivals: list[float] = []
    start = time.perf_counter()
    kernel.exec(
        "import time\nfor i in range(3):\n    print(i)\n    time.sleep(0.2)",
        on_output=lambda s, t: arrivals.append(time.perf_counter() - start),
    )
    assert len(arrivals) == 3
    assert arrivals[0] < 0.15 and arrivals[2] - arrivals[0] > 0.3


def test_long_output_is_cut_with_a_count_of_what_was_hidden(kernel: Kernel) -> None:
    reply, chunks = run(kernel, "for i in range(10000):\n    print('line', i)")
    shown = "".join(t for _, t in chunks)
    assert len(shown) <= 20_000 and shown.endswith("\n")
    assert reply["hidden_lines"] == 10000 - shown.count("\n")


def test_an_error_shows_only_the_learners_own_frames(kernel: Kernel) -> None:
    reply, _ = run(
        kernel, "import torch\ndef f(a):\n    return torch.mm(a, a)\nf(torch.ones(1, 5))"
    )
    assert not reply["ok"]
    error = reply["error"]
    assert error.startswith("Traceback (most recent call last):")
    assert 'File "<input>", line 4' in error and 'File "<input>", line 3, in f' in error
    assert "site-packages" not in error and "torch/" not in error
    assert error.splitlines()[-1].startswith(
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied"
    )


def test_a_syntax_error_is_reported_without_running_anything(kernel: Kernel) -> None:
    reply, _ = run(kernel, "x = 1\ny = = 2")
    assert not reply["ok"] and "SyntaxError" in reply["error"]
    reply, _ = run(kernel, "x")
    assert not reply["ok"] and "NameError" in reply["error"]


def test_ctrl_c_stops_an_endless_loop_and_keeps_the_namespace(kernel: Kernel) -> None:
    run(kernel, "kept = 41")
    timer = threading.Timer(0.3, kernel.interrupt)
    timer.start()
    started = time.perf_counter()
    reply, _ = run(kernel, "while True:\n    pass")
    assert reply["interrupted"] and time.perf_counter() - started < 2
    reply, chunks = run(kernel, "kept + 1")
    assert "".join(t for _, t in chunks) == "42\n"


def test_sigint_to_the_front_process_is_forwarded_to_the_worker(kernel: Kernel) -> None:
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    reply, _ = run(kernel, "while True:\n    pass")
    assert reply["interrupted"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_exit_leaves_like_python_with_its_status(kernel: Kernel) -> None:
    reply, _ = run(kernel, "import sys\nsys.exit(3)")
    assert reply["exit_code"] == 3
    reply, _ = run(kernel, "exit()")
    assert reply["exit_code"] == 0


def test_a_dead_worker_is_reported_and_can_be_restarted() -> None:
    kernel = Kernel(device="cpu")
    try:
        kernel.wait_ready()
        try:
            run(kernel, "import os\nos._exit(7)")
        except WorkerDied as died:
            assert died.how == "the worker exited with status 7"
        else:
            raise AssertionError("the worker's death went unnoticed")
        kernel.restart()
        reply, chunks = run(kernel, "1 + 1")
        assert reply["ok"] and chunks == [("stdout", "2\n")]
    finally:
        kernel.close()


def test_a_segfault_is_named_by_its_signal() -> None:
    kernel = Kernel(device="cpu")
    try:
        try:
            run(kernel, "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)")
        except WorkerDied as died:
            assert died.how == "the worker was stopped by SIGSEGV"
        else:
            raise AssertionError("the segfault went unnoticed")
    finally:
        kernel.close()


def test_the_worker_leaves_when_the_front_process_dies() -> None:
    script = (
        "from tutor.kernel.client import Kernel\n"
        "k = Kernel(device='cpu'); k.wait_ready(); print(k.process.pid, flush=True)\n"
        "import os; os._exit(0)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    worker_pid = int(out.stdout.strip())
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            os.kill(worker_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(worker_pid, signal.SIGKILL)
    raise AssertionError("the orphaned worker kept running")


def test_the_front_process_never_imports_torch() -> None:
    script = (
        "import sys\n"
        "from tutor.kernel.client import Kernel\n"
        "import tutor.cli, tutor.engine, tutor.console, tutor.render, tutor.lesson, tutor.checks\n"
        "k = Kernel(device='cpu'); k.exec('import torch'); k.close()\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_completion_sees_the_live_namespace(kernel: Kernel) -> None:
    run(kernel, "import torch\nfeatures = torch.ones(1, 5)")
    names = {c[1] for c in kernel.complete("torch.ra")}
    assert {"rand", "randn", "randn_like"} <= names
    names = {c[1] for c in kernel.complete("features.vi")}
    assert "view" in names


def test_the_variable_table_describes_tensors(kernel: Kernel) -> None:
    run(kernel, "import torch\nfeatures = torch.ones(1, 5)\nn = 3")
    rows = {r["name"]: r for r in kernel.variables()}
    assert rows["features"]["shape"] == "(1, 5)" and rows["features"]["dtype"] == "float32"
    assert rows["features"]["device"] == "cpu" and rows["n"]["value"] == "3"
    assert "torch" not in rows


def check(kernel: Kernel, checks: list, solution: str = "") -> list:
    kernel.begin_step()
    reply = kernel.check(checks, solution)
    return reply["verdicts"]


def test_ctrl_c_stops_learner_code_that_a_check_is_calling(kernel: Kernel) -> None:
    run(kernel, "import torch\ndef activation(x):\n    while True:\n        pass")
    threading.Timer(0.5, kernel.interrupt).start()
    verdicts = check(
        kernel,
        [("function", {"name": "activation", "inputs": ["torch.ones(2)"]})],
        "def activation(x):\n    return x",
    )
    assert verdicts[-1].title == "Checking was stopped (KeyboardInterrupt)"
    _, chunks = run(kernel, "1 + 1")
    assert chunks == [("stdout", "2\n")]


def test_exit_inside_a_checked_function_does_not_end_the_worker(kernel: Kernel) -> None:
    run(kernel, "import torch\ndef activation(x):\n    raise SystemExit(4)")
    verdicts = check(
        kernel,
        [("function", {"name": "activation", "inputs": ["torch.ones(2)"]})],
        "def activation(x):\n    return x",
    )
    assert not verdicts[-1].passed and "exit()" in verdicts[-1].title
    assert kernel.alive


def test_rebinding_torch_does_not_break_the_solution_run(kernel: Kernel) -> None:
    run(kernel, "import torch\nx = torch.ones(2)")
    kernel.begin_step()
    run(kernel, "t = torch\ntorch = 5\nlen = None\ny = t.ones(2) * 2")
    reply = kernel.check(
        [("matches_solution", {"names": ["y"]})], solution="y = torch.ones(len(x)) * 2"
    )
    assert reply["verdicts"][-1].passed, reply["verdicts"]


def test_an_unavailable_device_is_refused_at_start() -> None:
    import torch

    if torch.cuda.is_available():
        return  # this machine has CUDA: nothing to refuse
    kernel = Kernel(device="cuda")
    try:
        with pytest.raises(WorkerUnavailable, match="no CUDA device"):
            kernel.wait_ready()
    finally:
        kernel.close()


def test_a_value_that_cannot_be_shown_still_gets_its_row(kernel: Kernel) -> None:
    run(kernel, "class B:\n    def __repr__(self):\n        raise ValueError\nb = B()\nx = 5")
    rows = {r["name"]: r for r in kernel.variables()}
    assert rows["b"]["value"] == "<cannot show>" and rows["x"]["value"] == "5"


def test_reset_restores_the_step_and_keeps_numpy_sharing(kernel: Kernel) -> None:
    given = "import numpy as np, torch\na = np.ones((2, 2))\nb = torch.from_numpy(a)"
    kernel.begin_step(given)
    run(kernel, "c = 1\nb.mul_(5)")
    kernel.reset_step()
    reply, chunks = run(kernel, "b.mul_(2)\nprint(a.sum())")
    assert chunks == [("stdout", "8.0\n")]  # a was 1s again, and still shares memory with b
    reply, _ = run(kernel, "c")
    assert "NameError" in reply["error"]
