"""The notebook's training loop counted in machine instructions, plain Python against the worker.

    python bench/bench_training_instructions.py              # 160 batches; ~15 min under valgrind
    python bench/bench_training_instructions.py --batches 40

Wall time on a shared 2-core machine swings tenfold with the neighbours' load (see
bench_training.py); instructions do not. valgrind counts every instruction a process executes,
once with the loop and once without, for plain ``python -c`` and for a real worker process fed
the same code as ``{"op": "exec"}`` requests; the difference is what the loop costs. Equal counts
mean the worker adds no work of its own to learner code: any gap left in wall time is the
scheduler's. One thread, so OpenMP's spinning does not add instructions that depend on timing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys

from tutor.kernel.wire import Channel

VALGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]

SETUP = """
import itertools, torch
from torch import nn, optim
from tutor.data import mnist
torch.manual_seed(0)
trainloader = mnist(train=True, batch_size=64, shuffle=True)
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                      nn.Linear(64, 10), nn.LogSoftmax(dim=1))
criterion = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.003)
"""

LOOP = """
running_loss = 0
for images, labels in itertools.islice(trainloader, {batches}):
    images = images.view(images.shape[0], -1)
    optimizer.zero_grad()
    output = model(images)
    loss = criterion(output, labels)
    loss.backward()
    optimizer.step()
    running_loss += loss.item()
print(f"Training loss: {{running_loss/len(trainloader)}}")
"""


def environment() -> dict[str, str]:
    return dict(os.environ, TUTOR_DATA="bundled", OMP_NUM_THREADS="1")


def instructions(valgrind_output: str) -> int:
    found = re.search(r"I\s+refs:\s+([\d,]+)", valgrind_output)
    if found is None:
        raise RuntimeError(f"valgrind printed no count:\n{valgrind_output[-2000:]}")
    return int(found.group(1).replace(",", ""))


def plain(batches: int) -> int:
    code = SETUP + LOOP.format(batches=batches)
    done = subprocess.run(
        [*VALGRIND, sys.executable, "-c", code], capture_output=True, text=True, env=environment()
    )
    return instructions(done.stderr)


def worker(batches: int) -> int:
    """A worker started as ``Kernel`` starts one, under valgrind, sent the set-up and the loop."""
    ours, theirs = socket.socketpair()
    command = [sys.executable, "-c", "from tutor.kernel.worker import main; main()"]
    arguments = ["--fd", str(theirs.fileno()), "--device", "cpu", "--parent", str(os.getpid())]
    process = subprocess.Popen(
        [*VALGRIND, *command, *arguments],
        pass_fds=(theirs.fileno(),),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=environment(),
    )
    theirs.close()
    channel = Channel(ours)
    if channel.recv().get("op") != "ready":
        raise RuntimeError("the worker did not start")
    for code in (SETUP, LOOP.format(batches=batches)):
        channel.send({"op": "exec", "code": code})
        reply = channel.recv()
        while reply.get("op") == "output":
            reply = channel.recv()
        if not reply.get("ok"):
            raise RuntimeError(f"the worker failed: {reply.get('error')}")
    channel.send({"op": "shutdown"})
    assert process.stderr is not None
    output = process.stderr.read()
    process.wait()
    return instructions(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=160)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("bench_training_instructions: needs valgrind on the PATH")
    print(f"the notebook's loop, {args.batches} batches, 1 thread, counted by valgrind")
    costs = {}
    for name, run in (("plain", plain), ("worker", worker)):
        without, with_loop = run(0), run(args.batches)
        costs[name] = with_loop - without
        print(
            f"{name:<7} {costs[name] / 1e6:>10,.1f} M instructions for the loop "
            f"({with_loop / 1e9:.3f} G in all, {without / 1e9:.3f} G without it)"
        )
    print(f"worker/plain {costs['worker'] / costs['plain']:.4f}")


if __name__ == "__main__":
    main()
