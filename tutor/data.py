"""MNIST and Fashion-MNIST as real ``torch.utils.data`` datasets, offline first.

Each loader prefers the full data set and falls back to the small subset bundled in the package::

    from tutor import data

    trainloader = data.mnist(train=True, batch_size=64, shuffle=True)
    trainset = trainloader.dataset
    print(data.describe(trainset))  # "MNIST training set: bundled subset, 20,000 images"
    images, labels = next(iter(trainloader))  # (64, 1, 28, 28) float32 in [-1, 1], (64,) int64

Where the images come from, first match wins:

1. the four standard IDX files (``train-images-idx3-ubyte`` and friends, gzipped or not) in the
   data folder, ``<user data dir>/datasets/<name>`` by default (``tutor data fetch`` puts them
   there; ``$TUTOR_HOME`` moves the user data dir);
2. torchvision's copy in the folders the course notebooks use (``~/.pytorch/MNIST_data/``,
   ``~/.pytorch/F_MNIST_data/``), when torchvision imports and the files are there;
3. the bundled subset (``tutor/datasets/*.npz``): the first training and test images of each
   class, in file order: MNIST 20,000 and 1,000 (enough for the course's 5 epochs at lr 0.003 to
   learn), Fashion-MNIST 5,000 and 1,000.

Setting ``TUTOR_DATA=bundled`` skips 1 and 2, so a lesson test sees the same images everywhere.

The loaders' iterators also answer ``.next()``, which the course's notebooks (written for PyTorch
0.4) call: ``images, labels = iter(trainloader).next()`` works as it did there, and the first
time it also prints a note that today's PyTorch needs ``next(iter(trainloader))``.

A ``DataLoader`` fetches each batch with one call to the dataset's ``__getitems__``: the
notebook's training loop then spends about a quarter of its time in the loader, not three fifths.

Images are normalised as the course does, ``transforms.Normalize((0.5,), (0.5,))`` after
``ToTensor()``: ``(x / 255 - 0.5) / 0.5``.

This module imports torch only inside functions: the front process imports it (for ``describe`` and
the paths) without paying for torch; only the worker builds datasets.
"""

from __future__ import annotations

import gzip
import os
import struct
import sys
import types
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tutor.paths import data_home

if TYPE_CHECKING:
    from torch.utils.data import DataLoader, Dataset

    class ImageDataset(Dataset[Any]):  # the real class is made by ``_make_torch_classes``
        data: Any  # uint8 tensor (N, 28, 28)
        targets: Any  # int64 tensor (N,)
        name: str
        key: str
        train: bool
        source: str
        classes: list[str]

        def __init__(
            self, images: Any, labels: Any, *, info: SetInfo, train: bool, source: str
        ) -> None: ...
        def __len__(self) -> int: ...
        def __getitem__(self, index: int) -> tuple[Any, int]: ...
        def __getitems__(self, indices: list[int]) -> list[tuple[Any, int]]: ...

    class CourseLoader(DataLoader[Any]): ...  # a DataLoader whose iterators have .next()


__all__ = [
    "BUNDLED",
    "FULL",
    "CourseLoader",
    "DataError",
    "ImageDataset",
    "data_folder",
    "dataset",
    "describe",
    "fashion_mnist",
    "mnist",
    "old_next",
    "read_idx",
]

FULL = "full set"
BUNDLED = "bundled subset"

MNIST_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]

# The standard file names of each split, without the ".gz" that the published copies carry.
IDX_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass(frozen=True)
class SetInfo:
    """What is known about one data set before any of it is read."""

    key: str  # "mnist" or "fashion-mnist": the data folder's name and `tutor data fetch`'s word
    title: str  # how the learner sees it named
    bundle: str  # file name inside tutor/datasets/
    torchvision_class: str
    torchvision_root: str  # where the course notebooks let torchvision download it
    classes: tuple[str, ...]


SETS = {
    "mnist": SetInfo(
        "mnist", "MNIST", "mnist.npz", "MNIST", "~/.pytorch/MNIST_data/", tuple(MNIST_CLASSES)
    ),
    "fashion-mnist": SetInfo(
        "fashion-mnist",
        "Fashion-MNIST",
        "fashion_mnist.npz",
        "FashionMNIST",
        "~/.pytorch/F_MNIST_data/",
        tuple(FASHION_CLASSES),
    ),
}

MEAN = 0.5
STD = 0.5


class DataError(Exception):
    """A data file is missing or malformed; the message names the file and what to do."""


def set_info(name: str) -> SetInfo:
    """The data set called ``name``: "mnist", "fashion-mnist" (or "fashion_mnist", "fashion")."""
    key = name.strip().lower().replace("_", "-")
    key = "fashion-mnist" if key == "fashion" else key
    try:
        return SETS[key]
    except KeyError:
        known = ", ".join(SETS)
        raise DataError(f"There is no data set called {name!r}; the tutor knows {known}.") from None


def data_folder(name: str) -> Path:
    """The folder where the full set's IDX files live: ``<user data dir>/datasets/<name>``."""
    return data_home() / "datasets" / set_info(name).key


# ---------------------------------------------------------------------------------------------
# Reading


# IDX type codes (the third byte of the magic number) and the NumPy types they stand for.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path | str) -> np.ndarray:
    """The array in an IDX file (the MNIST file format), gzipped or not.

    >>> images = read_idx("train-images-idx3-ubyte.gz")  # doctest: +SKIP
    >>> images.shape, images.dtype
    ((60000, 28, 28), dtype('uint8'))
    """
    path = Path(path)
    try:
        with path.open("rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"  # gzip's magic, whatever the file is called
        opener: Any = gzip.open if gzipped else open
        with opener(path, "rb") as stream:
            content: bytes = stream.read()
    except (OSError, EOFError) as error:
        raise DataError(f"Cannot read {path}: {error}") from error
    if len(content) < 4 or content[:2] != b"\x00\x00" or content[2] not in _IDX_TYPES:
        raise DataError(f"{path} is not an IDX file (it does not start with an IDX magic number).")
    ndim = content[3]
    header = 4 + 4 * ndim
    if len(content) < header:
        raise DataError(f"{path} ends inside its header; the file is cut short.")
    shape = struct.unpack(f">{ndim}I", content[4:header])
    dtype = np.dtype(_IDX_TYPES[content[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(content) - header != expected:
        raise DataError(
            f"{path} holds {len(content) - header:,} bytes of data; its header {shape} asks for "
            f"{expected:,}. The file is damaged: delete it and fetch it again."
        )
    array = np.frombuffer(content, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # native byte order, and a writable copy


def _find_idx(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _checked(images: np.ndarray, labels: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DataError(f"{where}: images should be (N, 28, 28) uint8, not {images.shape}.")
    if labels.shape != images.shape[:1]:
        raise DataError(f"{where}: {len(images):,} images but {labels.size:,} labels.")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DataError(f"{where}: labels should lie in 0..9.")
    return images, labels.astype(np.int64)


def _from_folder(train: bool, folder: Path) -> tuple[np.ndarray, np.ndarray] | None:
    paths = [_find_idx(folder, stem) for stem in IDX_FILES[train]]
    if paths[0] is None or paths[1] is None:
        return None
    return _checked(read_idx(paths[0]), read_idx(paths[1]), str(folder))


def _from_torchvision(info: SetInfo, train: bool) -> tuple[np.ndarray, np.ndarray] | None:
    # Anything can go wrong in a third-party import (a torchvision built for another torch raises
    # RuntimeError, not ImportError), and a missing download raises RuntimeError too: in every
    # case the tutor simply goes on to the next source.
    try:
        import torchvision.datasets

        cls = getattr(torchvision.datasets, info.torchvision_class)
        root = os.path.expanduser(info.torchvision_root)
        tv = cls(root, train=train, download=False)
        return _checked(tv.data.numpy(), tv.targets.numpy(), f"torchvision's {info.title}")
    except Exception:
        return None


def _bundled(info: SetInfo, train: bool) -> tuple[np.ndarray, np.ndarray]:
    split = "train" if train else "test"
    bundle = resources.files("tutor.datasets").joinpath(info.bundle)
    with bundle.open("rb") as stream, np.load(stream, allow_pickle=False) as npz:
        images, labels = npz[f"{split}_images"], npz[f"{split}_labels"]
    return _checked(images, labels, f"the bundled {info.title} subset")


def load_arrays(
    name: str, train: bool = True, root: Path | str | None = None, *, full: bool = True
) -> tuple[np.ndarray, np.ndarray, str]:
    """``(images, labels, source)``: uint8 (N, 28, 28), int64 (N,), and FULL or BUNDLED.

    ``full=False`` (or ``TUTOR_DATA=bundled`` in the environment) skips the full set.
    """
    info = set_info(name)
    if full and os.environ.get("TUTOR_DATA", "").lower() != "bundled":
        folder = Path(root).expanduser() if root is not None else data_folder(info.key)
        found = _from_folder(train, folder) or _from_torchvision(info, train)
        if found is not None:
            return (*found, FULL)
    return (*_bundled(info, train), BUNDLED)


# ---------------------------------------------------------------------------------------------
# The Dataset and DataLoader


def _make_torch_classes() -> dict[str, type]:
    import torch
    from torch.utils.data import DataLoader, Dataset

    class ImageDataset(Dataset):  # type: ignore[type-arg]
        """28x28 grey images with labels; an item is ``(image, label)``.

        ``image`` is a float32 tensor (1, 28, 28) normalised to [-1, 1]; ``label`` an int. Like
        torchvision's MNIST, ``data`` holds the uint8 images (N, 28, 28), ``targets`` the int64
        labels and ``classes`` the class names.
        """

        def __init__(
            self, images: np.ndarray, labels: np.ndarray, *, info: SetInfo, train: bool, source: str
        ) -> None:
            self.data = torch.from_numpy(np.ascontiguousarray(images, dtype=np.uint8))
            self.targets = torch.from_numpy(np.asarray(labels, dtype=np.int64))
            self.name = info.title
            self.key = info.key
            self.train = train
            self.source = source
            self.classes = list(info.classes)

        def __len__(self) -> int:
            return len(self.data)

        def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
            # The same operations, in the same order, as ToTensor() then Normalize((0.5,), (0.5,))
            # so that the numbers match the course's to the last bit.
            image = self.data[index].to(torch.float32).div(255).unsqueeze(0)
            return image.sub_(MEAN).div_(STD), int(self.targets[index])

        def __getitems__(self, indices: list[int]) -> list[tuple[torch.Tensor, int]]:
            # A DataLoader asks for a whole batch at once when a dataset has this method: five
            # tensor operations per batch instead of five per image. Per image, they were three
            # fifths of the notebook's training loop. The same element-wise operations as
            # __getitem__, so every image is bit for bit the one it returns.
            index = torch.as_tensor(indices, dtype=torch.int64)
            images = self.data[index].to(torch.float32).div(255).unsqueeze(1)
            images.sub_(MEAN).div_(STD)
            return list(zip(images.unbind(0), self.targets[index].tolist(), strict=True))

        def __repr__(self) -> str:
            return f"<{describe(self)}>"

        def __reduce__(self) -> tuple[Any, tuple[str, bool, bool]]:
            # Pickled (a checkpoint, a copy) as where it comes from, never as its images: the
            # data sets are shared, read again from the package or the data folder.
            return shared_dataset, (self.key, self.train, self.source != BUNDLED)

    class CourseLoader(DataLoader):  # type: ignore[type-arg]
        """A ``DataLoader`` whose iterators also answer ``.next()``.

        The course's notebooks were written for PyTorch 0.4 and call ``iter(trainloader).next()``;
        today's iterators only have ``__next__``. Learners copying the notebook should not stumble
        on that, so each iterator gets a ``next`` that works and, the first time, says how
        today's PyTorch spells it (``old_next``).
        """

        def __iter__(self) -> Any:
            iterator = super().__iter__()
            iterator.next = types.MethodType(old_next, iterator)  # type: ignore[attr-defined]
            return iterator

    classes: dict[str, type] = {"ImageDataset": ImageDataset, "CourseLoader": CourseLoader}
    for name, cls in classes.items():
        cls.__module__ = __name__
        cls.__qualname__ = name
    return classes


_old_next_noted = False


def old_next(iterator: Any) -> Any:
    """``iterator.next()``: the next batch, and once per process a note on stderr that today's
    PyTorch needs ``next(iterator)``, in the learner's own names where their code has them."""
    global _old_next_noted
    if not _old_next_noted:
        _old_next_noted = True
        old, new = _old_next_spellings(iterator, sys._getframe(1))
        print(
            f"Note: `{old}` is the old spelling, from the PyTorch 0.4 of the course's notebooks. "
            f"Today's PyTorch has no `.next()` on a loader's iterator: write `{new}`. "
            "The tutor's loaders take both, so this line ran.",
            file=sys.stderr,
        )
    return next(iterator)


def _old_next_spellings(iterator: Any, frame: Any) -> tuple[str, str]:
    """("dataiter.next()", "next(dataiter)") with the caller's names for the iterator (or for
    its loader, when the code was ``iter(trainloader).next()``)."""
    names = {**frame.f_globals, **frame.f_locals}
    for name, value in names.items():
        if value is iterator:
            return f"{name}.next()", f"next({name})"
    from torch.utils.data import DataLoader  # loaded already: the iterator came from one

    dataset = getattr(iterator, "_dataset", None)
    for name, value in names.items():
        # isinstance first: getattr on an arbitrary learner object could run their code.
        if isinstance(value, DataLoader) and dataset is not None and value.dataset is dataset:
            return f"iter({name}).next()", f"next(iter({name}))"
    return "iterator.next()", "next(iterator)"


def _torch_class(name: str) -> type:
    # These classes subclass torch's, so they are made on first use rather than at import (the
    # front process imports this module without torch). Keeping them in the module's globals
    # gives them a stable address, ``tutor.data.ImageDataset``, so datasets pickle for loader
    # worker processes.
    if name not in globals():
        globals().update(_make_torch_classes())
    cls: type = globals()[name]
    return cls


def __getattr__(name: str) -> Any:
    if name in ("ImageDataset", "CourseLoader"):
        return _torch_class(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_shared: dict[tuple[str, bool, bool], Any] = {}


def shared_dataset(name: str, train: bool, full: bool) -> ImageDataset:
    """``dataset(name, train, full=full)``, made once per process and shared by every copy."""
    key = (name, train, full)
    if key not in _shared:
        _shared[key] = dataset(name, train, full=full)
    found: ImageDataset = _shared[key]
    return found


def dataset(
    name: str, train: bool = True, root: Path | str | None = None, *, full: bool = True
) -> ImageDataset:
    """The ``ImageDataset`` for ``name`` ("mnist" or "fashion-mnist").

    >>> testset = dataset("mnist", train=False, full=False)  # doctest: +SKIP
    >>> len(testset), testset.source
    (1000, 'bundled subset')
    """
    images, labels, source = load_arrays(name, train, root, full=full)
    made: ImageDataset = _torch_class("ImageDataset")(
        images, labels, info=set_info(name), train=train, source=source
    )
    return made


def mnist(
    train: bool = True,
    batch_size: int = 64,
    shuffle: bool = True,
    root: Path | str | None = None,
    *,
    full: bool = True,
) -> DataLoader[Any]:
    """A ``DataLoader`` over MNIST: batches ``(images, labels)`` of (64, 1, 28, 28) and (64,).

    >>> trainloader = mnist(train=True, batch_size=64, shuffle=True)  # doctest: +SKIP
    >>> trainset = trainloader.dataset
    >>> images, labels = next(iter(trainloader))
    """
    return _loader("mnist", train, batch_size, shuffle, root, full)


def fashion_mnist(
    train: bool = True,
    batch_size: int = 64,
    shuffle: bool = True,
    root: Path | str | None = None,
    *,
    full: bool = True,
) -> DataLoader[Any]:
    """A ``DataLoader`` over Fashion-MNIST, shaped and normalised as ``mnist``'s."""
    return _loader("fashion-mnist", train, batch_size, shuffle, root, full)


def _loader(
    name: str, train: bool, batch_size: int, shuffle: bool, root: Path | str | None, full: bool
) -> DataLoader[Any]:
    loader: DataLoader[Any] = _torch_class("CourseLoader")(
        dataset(name, train, root, full=full), batch_size=batch_size, shuffle=shuffle
    )
    return loader


def describe(data: Any) -> str:
    """Which images a dataset (or a loader's dataset) holds, for the learner to read.

    >>> describe(mnist().dataset)  # doctest: +SKIP
    'MNIST training set: bundled subset, 20,000 images'
    """
    ds = getattr(data, "dataset", data)  # a DataLoader carries its dataset
    split = "training" if ds.train else "test"
    return f"{ds.name} {split} set: {ds.source}, {len(ds):,} images"
