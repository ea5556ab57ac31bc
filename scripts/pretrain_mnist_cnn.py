"""Rebuild tutor/datasets/mnist_cnn.pt: tutor.pretrained's network trained on bundled MNIST.

    python scripts/pretrain_mnist_cnn.py            # writes tutor/datasets/mnist_cnn.pt
    python scripts/pretrain_mnist_cnn.py --check    # rebuilds in memory, compares with the file

Deterministic: a fixed seed, one thread, the bundled 20,000 training images in a seeded order,
Adam lr 0.001 for 3 epochs of batches of 64. It prints the test accuracy (97.3%) and the
file's size.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import torch
from torch import nn

from tutor.data import dataset
from tutor.pretrained import WEIGHTS, MnistCNN

OUT = Path(__file__).resolve().parent.parent / "tutor" / "datasets" / WEIGHTS
SEED = 0
EPOCHS = 3


def train() -> tuple[dict[str, torch.Tensor], float]:
    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # the same sums in the same order on every machine
    train_set, test_set = dataset("mnist", True, full=False), dataset("mnist", False, full=False)
    generator = torch.Generator().manual_seed(SEED)
    loader = torch.utils.data.DataLoader(
        train_set, batch_size=64, shuffle=True, generator=generator
    )
    model = MnistCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(EPOCHS):
        total = 0.0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(f"epoch {epoch + 1}: mean loss {total / len(loader):.4f}")
    model.eval()
    with torch.no_grad():
        images = torch.stack([test_set[i][0] for i in range(len(test_set))])
        accuracy = (model(images).argmax(1) == test_set.targets).float().mean().item()
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    return state, accuracy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args()
    state, accuracy = train()
    print(f"bundled MNIST test accuracy: {accuracy:.1%}")
    if args.check:
        shipped = torch.load(OUT, weights_only=True)
        same = shipped.keys() == state.keys() and all(
            torch.equal(shipped[k], state[k]) for k in state
        )
        print("the shipped weights match" if same else "the shipped weights DIFFER")
        return 0 if same else 1
    buffer = io.BytesIO()
    torch.save(state, buffer)
    OUT.write_bytes(buffer.getvalue())
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
