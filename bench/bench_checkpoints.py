"""Checkpoint benchmark: resuming after a long step, resuming the lesson once finished, the cost
of an input after training, and the size and save time of a training lesson's checkpoint.

    python bench/bench_checkpoints.py                  # the long step runs 60 s
    python bench/bench_checkpoints.py --long 10        # a quicker look

Targets (issue 8): resuming after a step whose accepted code ran 60 s takes no longer than a
fresh start plus 1 s, with every tensor bit for bit as it was; an input after a training step
costs under 50 ms beyond its own run time. Resuming the finished lesson (issue: learner trial
C1) loads the checkpoint kept at its end: no longer than a fresh start plus 1 s, bit for bit,
where without it every step was replayed, the long one included (measured once, as before).
Each figure is set against a baseline measured in the same run: a fresh start of the same lesson,
and the same input run straight in the worker.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

LESSON = """
id: benchlong
title: A long step
setup: |
  import time
  import torch
  from torch import nn, optim
  from tutor.data import mnist
steps:
  - id: model
    text: Make the network, its loss and optimizer.
    seed: 0
    given: trainloader = mnist(train=True, batch_size=64, shuffle=True)
    solution: |
      model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                            nn.Linear(64, 10), nn.LogSoftmax(dim=1))
      criterion = nn.NLLLoss()
      optimizer = optim.SGD(model.parameters(), lr=0.003)
    checks:
      - defined: optimizer
  - id: train
    text: Train for a while.
    solution: |
      losses = []
      for images, labels in trainloader:
          optimizer.zero_grad()
          loss = criterion(model(images.view(images.shape[0], -1)), labels)
          loss.backward()
          optimizer.step()
          losses.append(loss.item())
    checks:
      - defined: losses
  - id: after
    text: Look around.
    solution: z = 1
    checks:
      - defined: z
"""

# Trains on the bundled MNIST until ``SECONDS`` have passed: the "long step".
LONG_TRAINING = """
losses = []
_deadline = time.perf_counter() + {seconds}
while time.perf_counter() < _deadline:
    for images, labels in trainloader:
        optimizer.zero_grad()
        loss = criterion(model(images.view(images.shape[0], -1)), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if time.perf_counter() >= _deadline:
            break
"""


def fingerprint(kernel: object) -> str:
    """Every parameter and the optimizer's state, as exact bytes, hashed."""
    code = (
        "import hashlib as _h\n_d = _h.sha256()\n"
        "for _p in model.parameters(): _d.update(_p.detach().numpy().tobytes())\n"
        "_d.update(str(len(losses)).encode()); _d.update(torch.get_rng_state().numpy().tobytes())\n"
        "print(_d.hexdigest())"
    )
    return kernel.exec(code, quiet=True)["output"].strip()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", type=float, default=60.0, help="seconds the long step runs")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="tutor-bench-")
    os.environ["TUTOR_HOME"] = home
    os.environ["TUTOR_DATA"] = "bundled"

    from tutor.checkpoints import checkpoint_path
    from tutor.engine import Tutor
    from tutor.kernel.client import Kernel
    from tutor.lesson import load_lesson
    from tutor.progress import SQLiteStore

    path = Path(home) / "benchlong.yaml"
    path.write_text(LESSON, encoding="utf-8")
    lesson = load_lesson(path)
    kernel = Kernel(device="cpu")
    kernel.wait_ready()

    def start(store_name: str) -> tuple[Tutor, float]:
        began = time.perf_counter()
        tutor = Tutor(lesson, SQLiteStore(Path(home) / store_name), kernel)
        tutor.prepare()
        if not tutor.session.finished:  # a finished lesson shows its end; no step begins
            tutor.enter_step()
        return tutor, time.perf_counter() - began

    fresh_times = []
    for number in range(3):
        kernel.restart()
        kernel.wait_ready()
        fresh_times.append(start(f"fresh{number}.sqlite3")[1])
    fresh = statistics.median(fresh_times)

    kernel.restart()
    kernel.wait_ready()
    tutor, _ = start("long.sqlite3")
    tutor.submit(lesson.steps[0].solution)
    tutor.enter_step()
    began = time.perf_counter()
    assert tutor.submit(LONG_TRAINING.format(seconds=args.long)).passed
    long_ran = time.perf_counter() - began
    tutor.enter_step()
    before = fingerprint(kernel)

    # An input after the training step: the tutor's cost beyond the input's own run.
    overheads = []
    for number in range(15):
        code = f"x{number} = sum(p.numel() for p in model.parameters())"
        raw_start = time.perf_counter()
        kernel.exec(code, quiet=True)
        raw = time.perf_counter() - raw_start
        judged_start = time.perf_counter()
        tutor.submit(code)
        overheads.append(time.perf_counter() - judged_start - raw)
    overhead = statistics.median(overheads)

    kernel.exec("del " + ", ".join(f"x{n}" for n in range(15)), quiet=True)
    tutor.reset_step()
    before = fingerprint(kernel)
    resume_times = []
    for _ in range(3):
        kernel.restart()
        kernel.wait_ready()
        _, seconds = start("long.sqlite3")
        resume_times.append(seconds)
        same = fingerprint(kernel) == before
    resume = statistics.median(resume_times)

    # Finish the lesson, then resume it: from the end's checkpoint, then (as before) without.
    tutor, _ = start("long.sqlite3")
    assert tutor.submit("z = 1").passed and tutor.session.finished
    finished = fingerprint(kernel)
    end_times = []
    for _ in range(3):
        kernel.restart()
        kernel.wait_ready()
        end_times.append(start("long.sqlite3")[1])
        end_same = fingerprint(kernel) == finished
    end_resume = statistics.median(end_times)
    checkpoint_path("benchlong", None).unlink()
    kernel.restart()
    kernel.wait_ready()
    replayed = start("long.sqlite3")[1]

    saved = checkpoint_path("benchlong", "after")
    save_times = []
    for _ in range(5):
        save_start = time.perf_counter()
        kernel.save_checkpoint(str(saved) + ".bench")
        save_times.append(time.perf_counter() - save_start)
    kernel.close()

    print(f"tutor checkpoint benchmark · python {sys.version.split()[0]} · {os.cpu_count()} cores")
    rows = [
        (
            "resume after the long step",
            f"{resume:.2f} s vs fresh start {fresh:.2f} s = {resume - fresh:+.2f} s "
            f"(the step ran {long_ran:.0f} s)",
            "target <= fresh + 1 s",
            resume <= fresh + 1.0,
        ),
        ("tensors and RNG after resume", "identical" if same else "DIFFERENT", "bit for bit", same),
        (
            "resume the finished lesson",
            f"{end_resume:.2f} s vs fresh start {fresh:.2f} s = {end_resume - fresh:+.2f} s "
            f"(before: {replayed:.1f} s)",
            "target <= fresh + 1 s",
            end_resume <= fresh + 1.0,
        ),
        (
            "tensors and RNG, finished lesson",
            "identical" if end_same else "DIFFERENT",
            "bit for bit",
            end_same,
        ),
        (
            "input after a training step",
            f"+{overhead * 1000:.1f} ms beyond its own run (median of 15)",
            "target < 50 ms",
            overhead < 0.050,
        ),
        (
            "lesson 3-sized checkpoint",
            f"{saved.stat().st_size / 1e6:.2f} MB, saved in "
            f"{statistics.median(save_times) * 1000:.0f} ms",
            "",
            True,
        ),
    ]
    for name, figure, target, ok in rows:
        mark = ("PASS" if ok else "MISS") if target else ""
        print(f"{name:<32} {figure:<62} {target:<22} {mark}")


if __name__ == "__main__":
    main()
