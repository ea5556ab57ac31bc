"""Shared fixtures: a private TUTOR_HOME per test, small lessons written inline, one real worker."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres import own_postgres, postgres_url, store_url  # noqa: F401  (a real PostgreSQL)

from tutor.kernel.client import Kernel


@pytest.fixture(autouse=True)
def tutor_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own progress folder; nothing touches the real user's data."""
    home = tmp_path / "tutor-home"
    monkeypatch.setenv("TUTOR_HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    return home


@pytest.fixture
def write_lesson(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a lesson's YAML (dedented) to a file and return its path."""

    def write(text: str, name: str = "lesson.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def shared_kernel() -> Iterator[Kernel]:
    """One real worker process for the tests that only need code to run (torch imports once)."""
    kernel = Kernel(device="cpu")
    kernel.wait_ready()
    yield kernel
    kernel.close()


@pytest.fixture
def kernel(shared_kernel: Kernel) -> Kernel:
    """The shared worker with a fresh namespace (restarted first if an earlier test killed it)."""
    if not shared_kernel.alive:
        shared_kernel.restart()
    shared_kernel.reset_all()
    return shared_kernel


def run_tutor(
    *args: str, home: Path, stdin: str = "", timeout: float = 180, **env: str
) -> subprocess.CompletedProcess[str]:
    """The real `tutor` program as a subprocess, piped, with its own TUTOR_HOME and no colour."""
    environment = dict(os.environ, TUTOR_HOME=str(home), NO_COLOR="1", **env)
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
    )


def type_notebook(lesson: str, steps: int, home: Path, timeout: float = 600) -> str:
    """Type tests/transcripts/<lesson>_notebook.txt into `tutor start <lesson>` (bundled data)
    and return what it printed, once it has ended with every one of ``steps`` steps complete."""
    typed = (Path(__file__).parent / "transcripts" / f"{lesson}_notebook.txt").read_text()
    result = run_tutor(
        "start", lesson, home=home, stdin=typed, TUTOR_DATA="bundled", timeout=timeout
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    last = out.rstrip("\n").splitlines()[-1]
    assert last == f"{lesson}: {steps}/{steps} steps complete", out[-3000:]
    return out
