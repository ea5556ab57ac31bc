"""A small network pretrained on handwritten digits, shipped with the tutor, for lesson 8.

The course's Part 8 loads DenseNet-121, trained on the million photos of ImageNet, and keeps its
``features`` while it trains a new ``classifier``. Those weights are tens of megabytes fetched
from the internet; the tutor works offline. So it ships a network of the same shape, a
convolutional ``features`` part and a ``classifier`` part, trained on the bundled MNIST
training set by ``scripts/pretrain_mnist_cnn.py`` (about 100 kB)::

    from tutor import pretrained as models

    model = models.mnist_cnn(pretrained=True)   # as models.densenet121(pretrained=True)
    model.features      # Conv-ReLU-MaxPool twice, then Flatten: (N, 1, 28, 28) -> (N, 1568)
    model.classifier    # Linear(1568, 10): the ten digits

Only the worker imports this module (it needs torch).
"""

from __future__ import annotations

from importlib import resources
from typing import Any, NoReturn

import torch
from torch import nn

__all__ = ["FEATURES", "PARITY_CLASSES", "WEIGHTS", "MnistCNN", "mnist_cnn", "parity_loaders"]

WEIGHTS = "mnist_cnn.pt"  # in tutor/datasets/
FEATURES = 32 * 7 * 7  # what `features` gives for one 28 × 28 picture


class MnistCNN(nn.Module):
    """Two convolutional layers that find strokes and shapes, then a linear classifier."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.classifier = nn.Linear(FEATURES, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.classifier(self.features(x.view(-1, 1, 28, 28)))
        return out


_UNSET: Any = object()


def mnist_cnn(pretrained: bool = True, *, weights: Any = _UNSET) -> MnistCNN:
    """The network, with the shipped weights (``pretrained=True``) or freshly initialised.

    ``weights`` is torchvision's newer spelling, accepted so the course's code in either style
    works: ``weights="DEFAULT"`` loads the shipped weights, ``weights=None`` gives random ones.

    >>> mnist_cnn(weights="DEFAULT").classifier
    Linear(in_features=1568, out_features=10, bias=True)
    """
    if weights is not _UNSET:
        pretrained = _pretrained_from(weights)
    model = MnistCNN()
    if pretrained:
        with resources.files("tutor.datasets").joinpath(WEIGHTS).open("rb") as stream:
            state = torch.load(stream, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    return model


def _pretrained_from(weights: Any) -> bool:
    """Whether torchvision-style ``weights`` asks for the shipped weights."""
    if weights is None:
        return False
    if str(weights).rsplit(".", 1)[-1].upper() == "DEFAULT":  # "DEFAULT", or an enum's member
        return True
    raise ValueError(
        f"mnist_cnn: weights={weights!r} is not known here. Use weights='DEFAULT' for the "
        "shipped weights (or pretrained=True), weights=None for random ones."
    )


# torchvision's networks trained on ImageNet that learners type from the course and tutorials.
_IMAGENET_NETWORKS = frozenset(
    {"alexnet", "googlenet", "inception_v3", "vit_b_16", "efficientnet_b0"}
    | {f"densenet{n}" for n in (121, 161, 169, 201)}
    | {f"resnet{n}" for n in (18, 34, 50, 101, 152)}
    | {f"vgg{n}" for n in (11, 13, 16, 19)}
    | {"mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large"}
    | {"squeezenet1_0", "squeezenet1_1"}
)


def __getattr__(name: str) -> NoReturn:
    """`models.densenet121` and its kin: say what stands in for them, in the error itself."""
    if name in _IMAGENET_NETWORKS:
        raise AttributeError(
            f"The tutor works offline and has no `{name}` (its ImageNet weights are a download "
            "of many megabytes): `models.mnist_cnn(pretrained=True)` is its small stand-in, "
            "with the same `features` and `classifier` parts."
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


PARITY_CLASSES = ["even", "odd"]


def parity_loaders(per_digit: int = 2, batch_size: int = 10) -> tuple[Any, Any]:
    """Lesson 8's new task: is a digit even or odd? ``(trainloader, testloader)``.

    Few labels: ``per_digit`` training pictures of each digit (20 by default, the last ones of
    each digit in the bundled set), shuffled in batches of ``batch_size``; the test loader
    holds the 1,000 bundled test pictures, in order. Pictures as the MNIST loaders give them,
    (1, 28, 28) in [-1, 1]; labels 0 for even, 1 for odd.
    """
    from torch.utils.data import DataLoader, TensorDataset

    from tutor.data import dataset

    def pictures(train: bool, keep: torch.Tensor | None = None) -> TensorDataset:
        data = dataset("mnist", train, full=False)
        images, digits = data.data, data.targets
        if keep is not None:
            images, digits = images[keep], digits[keep]
        images = images.to(torch.float32).div(255).unsqueeze(1).sub(0.5).div(0.5)
        return TensorDataset(images, digits % 2)

    digits = dataset("mnist", True, full=False).targets
    keep = torch.cat([(digits == d).nonzero().flatten()[-per_digit:] for d in range(10)])
    train_set, test_set = pictures(True, keep), pictures(False)
    for one in (train_set, test_set):
        one.classes = PARITY_CLASSES  # type: ignore[attr-defined]
    return DataLoader(train_set, batch_size=batch_size, shuffle=True), DataLoader(
        test_set, batch_size=100
    )
