"""The course's `fc_model` helper: a fully connected network of any sizes, and its training loop.

Lesson 6 (saving and loading) makes `import fc_model` find this module, as the course's notebook
imports its own file of that name::

    import fc_model

    model = fc_model.Network(784, 10, [512, 256, 128])
    criterion = nn.NLLLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    fc_model.train(model, trainloader, testloader, criterion, optimizer, epochs=2)

Its layers are `hidden_layers.0`, `hidden_layers.1`, ... and `output`, so a state dict's keys
read `hidden_layers.0.weight`. This module imports torch: only the worker imports it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class Network(nn.Module):
    """Linear layers of the sizes given, each followed by a ReLU and dropout; a log-softmax out.

    >>> Network(784, 10, [512, 256]).hidden_layers[1]
    Linear(in_features=512, out_features=256, bias=True)
    """

    def __init__(
        self, input_size: int, output_size: int, hidden_layers: list[int], drop_p: float = 0.5
    ) -> None:
        super().__init__()
        sizes = [input_size, *hidden_layers]
        self.hidden_layers = nn.ModuleList(
            nn.Linear(n_in, n_out) for n_in, n_out in itertools.pairwise(sizes)
        )
        self.output = nn.Linear(sizes[-1], output_size)
        self.dropout = nn.Dropout(p=drop_p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden_layers:
            x = self.dropout(F.relu(layer(x)))
        return F.log_softmax(self.output(x), dim=1)


def validation(
    model: nn.Module, testloader: Iterable[Any], criterion: nn.Module
) -> tuple[float, float]:
    """The summed loss and summed batch accuracy of ``model`` over ``testloader``."""
    device = next(model.parameters()).device
    test_loss = 0.0
    accuracy = 0.0
    for images, labels in testloader:
        images = images.view(images.shape[0], -1).to(device)
        labels = labels.to(device)
        output = model(images)
        test_loss += criterion(output, labels).item()
        equal = labels == output.argmax(dim=1)
        accuracy += equal.float().mean().item()
    return test_loss, accuracy


def train(
    model: nn.Module,
    trainloader: Iterable[Any],
    testloader: Any,
    criterion: nn.Module,
    optimizer: torch.optim.Optimizer,
    epochs: int = 5,
    print_every: int = 40,
) -> None:
    """Train ``model``, printing the training loss and the test loss and accuracy every
    ``print_every`` batches, and at the end of an epoch that has not reported since."""
    device = next(model.parameters()).device
    since = 0  # batches since the last report
    running_loss = 0.0
    for epoch in range(epochs):
        model.train()
        for images, labels in trainloader:
            since += 1
            images = images.view(images.shape[0], -1).to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), labels.to(device))
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if since == print_every:
                _report(model, testloader, criterion, epoch, epochs, running_loss / since)
                since, running_loss = 0, 0.0
        if since:  # a short epoch still reports once, at its end
            _report(model, testloader, criterion, epoch, epochs, running_loss / since)
            since, running_loss = 0, 0.0
    model.train()


def _report(
    model: nn.Module,
    testloader: Any,
    criterion: nn.Module,
    epoch: int,
    epochs: int,
    training_loss: float,
) -> None:
    model.eval()  # no dropout while measuring
    with torch.no_grad():
        test_loss, accuracy = validation(model, testloader, criterion)
    batches = len(testloader)
    print(
        f"Epoch: {epoch + 1}/{epochs}..  Training Loss: {training_loss:.3f}..  "
        f"Test Loss: {test_loss / batches:.3f}..  Test Accuracy: {accuracy / batches:.3f}"
    )
    model.train()
