"""Output written straight to file descriptors 1 and 2 (``os.write``, ``os.system``, a
subprocess, C's ``printf``, DataLoader workers) is shown, cut and checked like ``print``'s."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from conftest import run_tutor

from tutor.engine import Tutor
from tutor.kernel.client import Kernel
from tutor.lesson import load_lesson
from tutor.progress import SQLiteStore

Chunks = list[tuple[str, str]]


def run(kernel: Kernel, code: str) -> tuple[dict, Chunks]:
    chunks: Chunks = []
    reply = kernel.exec(code, on_output=lambda stream, text: chunks.append((stream, text)))
    assert reply["ok"], reply
    return dict(reply), chunks


def shown(chunks: Chunks, stream: str | None = None) -> str:
    return "".join(text for name, text in chunks if stream in (None, name))


def test_os_write_to_fd_1_and_2_is_shown_and_kept_for_checks(kernel: Kernel) -> None:
    reply, chunks = run(kernel, "import os\n_ = os.write(1, b'out\\n')\n_ = os.write(2, b'err\\n')")
    assert shown(chunks, "stdout") == "out\n" and shown(chunks, "stderr") == "err\n"
    assert reply["output"] == "out\nerr\n"


def test_os_system_and_a_subprocess_are_shown(kernel: Kernel) -> None:
    reply, chunks = run(
        kernel,
        "import os, subprocess\n"
        "_ = os.system('echo from the shell; echo shell error >&2')\n"
        "_ = subprocess.run(['echo', 'from a subprocess'])",
    )
    assert shown(chunks, "stdout") == "from the shell\nfrom a subprocess\n"
    assert shown(chunks, "stderr") == "shell error\n"
    assert "from a subprocess" in reply["output"]


def test_sys_stdout_has_a_file_descriptor_that_is_caught_too(kernel: Kernel) -> None:
    reply, _ = run(
        kernel,
        "import subprocess, sys\nprint('first', end=' ')\n"
        "_ = subprocess.run(['echo', 'through stdout'], stdout=sys.stdout)",
    )
    assert reply["output"] == "first through stdout\n"


def test_c_code_printing_is_shown_in_order_with_print(kernel: Kernel) -> None:
    # ctypes calls C's printf as a C extension would: its stdout is line-buffered, as on a
    # terminal, so the line shows before the next print, not when the worker exits.
    reply, _ = run(
        kernel,
        "import ctypes\nlibc = ctypes.CDLL(None)\n"
        "print('before')\n_ = libc.printf(b'from C %d\\n', 42)\nprint('after')\n"
        "_ = libc.printf(b'unfinished')",
    )
    assert reply["output"] == "before\nfrom C 42\nafter\nunfinished"


def test_dataloader_workers_printing_are_shown(kernel: Kernel) -> None:
    reply, chunks = run(
        kernel,
        "import torch\nfrom torch.utils.data import DataLoader, Dataset\n"
        "class Loud(Dataset):\n"
        "    def __len__(self):\n        return 6\n"
        "    def __getitem__(self, i):\n        print('item', i)\n        return torch.tensor(i)\n"
        "for batch in DataLoader(Loud(), batch_size=3, num_workers=2):\n"
        "    print('batch', batch.tolist())",
    )
    lines = reply["output"].splitlines()
    assert sorted(line for line in lines if line.startswith("item")) == [
        f"item {i}" for i in range(6)
    ]  # whole lines: the two workers' prints never mix within a line
    assert lines.index("item 2") < lines.index("batch [0, 1, 2]")  # made before it arrived
    assert lines.index("item 5") < lines.index("batch [3, 4, 5]")
    assert shown(chunks) == reply["output"]


def test_a_forked_childs_print_is_shown(kernel: Kernel) -> None:
    reply, _ = run(
        kernel,
        "import os\npid = os.fork()\nif pid == 0:\n    print('child')\n    os._exit(0)\n"
        "_ = os.waitpid(pid, 0)\nprint('parent')",
    )
    assert reply["output"] == "child\nparent\n"


def test_a_flood_through_os_write_is_cut_with_a_count_of_hidden_lines(kernel: Kernel) -> None:
    reply, chunks = run(kernel, "import os\n_ = os.write(1, b'0123456789 line\\n' * 625_000)")
    text = shown(chunks)  # 10 MB written, 20,000 characters shown
    assert 0 < len(text) <= 20_000 and text.endswith("line\n")
    assert reply["hidden_lines"] == 625_000 - text.count("\n")
    assert len(reply["output"]) <= 200_000  # what checks may read is bounded too


def test_a_huge_error_from_a_subprocess_is_cut_like_other_output(kernel: Kernel) -> None:
    reply, chunks = run(
        kernel,
        "import subprocess, sys\n"
        "_ = subprocess.run([sys.executable, '-c', 'raise ValueError(\"e\" * 10_000_000)'])",
    )
    error = shown(chunks, "stderr")
    assert error.startswith("Traceback") and len(error) <= 20_000
    assert reply["hidden_lines"] >= 1


def test_print_and_os_write_arrive_in_the_order_they_were_flushed(kernel: Kernel) -> None:
    reply, chunks = run(
        kernel,
        "import os, sys\nfor i in range(300):\n"
        "    print('print', i)\n"
        "    _ = os.write(1 + i % 2, f'fd {i}\\n'.encode())\n",
    )
    expected = "".join(f"print {i}\nfd {i}\n" for i in range(300))
    assert shown(chunks) == expected
    assert reply["output"] == expected


def test_output_of_one_input_never_shows_in_the_next(kernel: Kernel) -> None:
    for number in range(10):
        first, _ = run(kernel, f"import os\n_ = os.system('seq 1 2000; echo end {number}')")
        assert first["output"].endswith(f"2000\nend {number}\n")
        second, chunks = run(kernel, f"print('next {number}')")
        assert chunks == [("stdout", f"next {number}\n")]
        assert second["output"] == f"next {number}\n"


def test_a_child_writing_after_its_input_ended_is_shown_at_the_next_not_checked(
    kernel: Kernel,
) -> None:
    run(kernel, "import subprocess\np = subprocess.Popen('sleep 0.3; echo late', shell=True)")
    time.sleep(1.0)  # the child writes between inputs
    assert kernel.exec("quiet = 1", quiet=True)["output"] == ""  # a silent run leaves it be
    reply, chunks = run(kernel, "_ = p.wait()\nprint('now')")
    assert shown(chunks) == "late\nnow\n"
    assert reply["output"] == "now\n"  # it is not this input's output for an `output` check


def test_a_flood_between_inputs_is_held_within_the_budget_of_the_input_before(
    kernel: Kernel,
) -> None:
    run(kernel, "import subprocess\np = subprocess.Popen('sleep 0.3; seq 1 100000', shell=True)")
    time.sleep(1.5)
    reply, chunks = run(kernel, "_ = p.wait()\nprint('mine')")
    late = shown(chunks)[: -len("mine\n")]
    assert late.startswith("1\n2\n3\n") and late.endswith("\n") and len(late) <= 20_000
    assert shown(chunks).endswith("\nmine\n")  # the learner's own print is not crowded out
    assert reply["hidden_lines"] == 100_000 - late.count("\n")
    assert reply["output"] == "mine\n"


def test_invalid_utf8_is_shown_replaced(kernel: Kernel) -> None:
    reply, _ = run(kernel, "import os\n_ = os.write(1, b'caf\\xc3\\xa9 \\xff\\n')")
    assert reply["output"] == "café \ufffd\n"


LESSON = """
id: shell
title: Shell
steps:
  - id: greet
    text: Print a greeting from the shell.
    solution: import os; _ = os.system("echo hello from the shell")
    checks:
      - output: "hello from the shell"
"""


def test_an_output_check_reads_what_a_subprocess_printed(
    kernel: Kernel,
    write_lesson,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    tutor = Tutor(load_lesson(write_lesson(LESSON)), SQLiteStore(tmp_path / "p.db"), kernel)
    tutor.prepare()
    tutor.enter_step()
    assert not tutor.submit("import os\n_ = os.system('echo hello from elsewhere')").passed
    assert tutor.submit("import os\n_ = os.system('echo hello from the shell')").passed


@pytest.mark.slow
def test_piped_mode_shows_and_checks_what_a_subprocess_printed(
    write_lesson,  # type: ignore[no-untyped-def]
    tutor_home: Path,
) -> None:
    code = "import os\n_ = os.system('echo hello from the shell; seq 1 30000')\n"
    result = run_tutor("start", str(write_lesson(LESSON)), "--trust", stdin=code, home=tutor_home)
    assert result.returncode == 0, result.stderr
    assert "hello from the shell\n1\n2\n" in result.stdout and "hello" not in result.stderr
    hidden = re.search(r"… ([\d,]+) more lines of output hidden", result.stdout)
    assert hidden is not None and int(hidden.group(1).replace(",", "")) > 25_000
    assert result.stdout.rstrip().endswith("shell: 1/1 steps complete")


@pytest.mark.slow
def test_a_real_terminal_shows_what_a_subprocess_printed(
    write_lesson,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    from test_pty import ENTER, Terminal

    term = Terminal(tmp_path / "home", "start", str(write_lesson(LESSON)), "--trust")
    term.wait_for("F1 hint")
    term.type("import os, shutil" + ENTER)
    term.wait_for("F1 hint")
    term.type("print('width', shutil.get_terminal_size().columns)" + ENTER)
    term.wait_for("width 100")  # fd 1 is a pipe now, yet the terminal's size is known
    term.wait_for("F1 hint")
    term.type("_ = os.system('echo hello from the shell; seq 1 30000')" + ENTER)
    shown = term.wait_for("more lines of output hidden")
    assert "hello from the shell" in shown and "29999" not in shown  # cut, not a flood
    term.wait_for("F1 hint")
    term.type("%quit" + ENTER)
    assert term.finish() == 0
    assert "shell: 1/1 steps complete" in term.seen


def test_ctrl_c_stops_a_subprocess_flooding_fd_1_and_the_next_input_is_clean(
    kernel: Kernel,
) -> None:
    timer = threading.Timer(1.0, kernel.interrupt)
    timer.start()
    started = time.perf_counter()
    reply = kernel.exec("import subprocess\n_ = subprocess.run(['yes'])")
    assert reply["interrupted"] and time.perf_counter() - started < 5
    assert reply["hidden_lines"] > 10_000
    # `yes` may write a little more while it dies: the tail of output already cut is dropped.
    after, chunks = run(kernel, "print('calm')")
    assert chunks == [("stdout", "calm\n")] and after["output"] == "calm\n"
