"""torchvision's ``ImageFolder``: a data set read from one folder per class.

::

    root/bag/bag.000.png        ->  (image, 0)
    root/dress/dress.000.png    ->  (image, 1)

``classes`` are the folder names, sorted; ``class_to_idx`` maps each to its label; ``samples``
lists ``(path, label)`` in sorted order, every picture file found under each class folder
(sub-folders included). Pictures are read with Pillow and converted to RGB, as torchvision does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PIL import Image
from torch.utils.data import Dataset

__all__ = ["IMG_EXTENSIONS", "DatasetFolder", "ImageFolder", "default_loader", "pil_loader"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path: str) -> Image.Image:
    """The picture at ``path`` as an RGB PIL image (grey pictures get three equal channels)."""
    with open(path, "rb") as f:
        img = Image.open(f)
        return img.convert("RGB")


default_loader = pil_loader


def find_classes(directory: str | os.PathLike[str]) -> tuple[list[str], dict[str, int]]:
    """The class folders in ``directory``, sorted, and the label of each."""
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: index for index, name in enumerate(classes)}


def make_dataset(
    directory: str | os.PathLike[str],
    class_to_idx: dict[str, int],
    extensions: tuple[str, ...] | None = IMG_EXTENSIONS,
    is_valid_file: Callable[[str], bool] | None = None,
    allow_empty: bool = False,
) -> list[tuple[str, int]]:
    """``(path, label)`` for every valid file under each class folder, in sorted order."""
    directory = os.path.expanduser(os.fspath(directory))
    if extensions is not None and is_valid_file is not None:
        raise ValueError("Both extensions and is_valid_file cannot be passed at the same time")
    if is_valid_file is None:
        allowed = tuple(e.lower() for e in (extensions or ()))

        def is_valid_file(path: str) -> bool:
            return path.lower().endswith(allowed)

    instances: list[tuple[str, int]] = []
    found: set[str] = set()
    for target_class in sorted(class_to_idx):
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for root, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(root, fname)
                if is_valid_file(path):
                    instances.append((path, class_to_idx[target_class]))
                    found.add(target_class)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        message = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            message += f"Supported extensions are: {', '.join(extensions)}"
        raise FileNotFoundError(message)
    return instances


class DatasetFolder(Dataset[tuple[Any, Any]]):
    """Files in one folder per class, read by ``loader``; an item is ``(sample, label)``."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        loader: Callable[[str], Any],
        extensions: tuple[str, ...] | None = None,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> None:
        self.root = os.path.expanduser(os.fspath(root))
        self.transform = transform
        self.target_transform = target_transform
        classes, class_to_idx = find_classes(self.root)
        samples = make_dataset(self.root, class_to_idx, extensions, is_valid_file, allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.classes = classes
        self.class_to_idx = class_to_idx
        self.samples = samples
        self.targets = [label for _, label in samples]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self) -> int:
        return len(self.samples)

    def __repr__(self) -> str:
        lines = [
            f"Dataset {type(self).__name__}",
            f"    Number of datapoints: {len(self)}",
            f"    Root location: {self.root}",
        ]
        if self.transform is not None:
            lines.append("    StandardTransform")
            lines.append("Transform: " + repr(self.transform).replace("\n", "\n           "))
        return "\n".join(lines)


class ImageFolder(DatasetFolder):
    """Pictures in one folder per class: ``ImageFolder("train", transform=transform)``.

    ``classes`` are the folder names sorted, ``class_to_idx`` their labels, ``samples`` (and
    ``imgs``) the ``(path, label)`` pairs; an item is ``(transform(picture), label)``.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        loader: Callable[[str], Any] = default_loader,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> None:
        super().__init__(
            root,
            loader,
            IMG_EXTENSIONS if is_valid_file is None else None,
            transform=transform,
            target_transform=target_transform,
            is_valid_file=is_valid_file,
            allow_empty=allow_empty,
        )
        self.imgs = self.samples


def __getattr__(name: str) -> Any:
    # The course's earlier parts call datasets.MNIST(...): say where the tutor keeps those.
    if name in ("MNIST", "FashionMNIST"):
        raise AttributeError(
            f"The tutor's small torchvision has no `datasets.{name}`: "
            "`from tutor.data import mnist, fashion_mnist` gives the course's loaders."
        )
    raise AttributeError(f"module 'torchvision.datasets' has no attribute {name!r}")
