"""tutor.vision behaves as torchvision documents: ImageFolder's classes, labels and samples, and
each transform's sizes, value ranges, errors and (for the random ones) repeatability under
``torch.manual_seed``. Real PNG files on disk, real Pillow, real torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tutor.imagefolders import CLASSES, COUNTS, describe_folders, export_fashion
from tutor.vision import datasets, transforms


def picture(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A picture whose every pixel is different, so crops and flips can be told apart."""
    values = np.arange(width * height * 3, dtype=np.int64).reshape(height, width, 3) % 251
    image = Image.fromarray(values.astype(np.uint8), "RGB")
    return image.convert(mode) if mode != "RGB" else image


# ---------------------------------------------------------------------------------------------
# Deterministic transforms


def test_to_tensor_gives_channels_first_floats_in_zero_to_one() -> None:
    rgb = picture(7, 5)
    tensor = transforms.ToTensor()(rgb)
    assert tensor.shape == (3, 5, 7) and tensor.dtype == torch.float32
    assert torch.equal(tensor, torch.from_numpy(np.array(rgb)).permute(2, 0, 1).float() / 255)
    assert float(tensor.min()) >= 0.0 and float(tensor.max()) <= 1.0
    assert transforms.ToTensor()(rgb.convert("L")).shape == (1, 5, 7)
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        transforms.ToTensor()(tensor)


def test_resize_with_a_number_sets_the_shorter_side_and_keeps_proportions() -> None:
    assert transforms.Resize(36)(picture(66, 55)).size == (43, 36)  # PIL sizes are (w, h)
    assert transforms.Resize(36)(picture(55, 66)).size == (36, 43)
    assert transforms.Resize((20, 30))(picture(66, 55)).size == (30, 20)  # (h, w) given
    assert transforms.Resize(36)(torch.rand(3, 55, 66)).shape == (3, 36, 43)


def test_center_crop_cuts_the_middle_and_pads_a_small_image() -> None:
    image = picture(11, 10)
    cropped = transforms.CenterCrop(4)(image)
    # top = round((10 - 4) / 2) = 3, left = round((11 - 4) / 2) = round(3.5) = 4
    assert np.array_equal(np.asarray(cropped), np.asarray(image)[3:7, 4:8])
    tensor = transforms.ToTensor()(image)
    assert torch.equal(transforms.CenterCrop(4)(tensor), tensor[:, 3:7, 4:8])
    padded = transforms.CenterCrop((6, 8))(torch.ones(1, 2, 2))
    assert padded.shape == (1, 6, 8) and float(padded.sum()) == 4.0


def test_compose_applies_in_order() -> None:
    chain = transforms.Compose(
        [transforms.Resize(36), transforms.CenterCrop(32), transforms.ToTensor()]
    )
    assert chain(picture(66, 55)).shape == (3, 32, 32)
    assert [type(t).__name__ for t in chain.transforms] == ["Resize", "CenterCrop", "ToTensor"]
    assert "CenterCrop(size=(32, 32))" in repr(chain)


def test_normalize_works_per_channel_and_names_its_mistakes() -> None:
    x = torch.rand(3, 4, 4)
    out = transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])(x)
    assert torch.allclose(out, (x - 0.5) / 0.5)
    assert float(out.min()) >= -1 and float(out.max()) <= 1
    assert not torch.equal(out, x)  # not in place unless asked
    with pytest.raises(RuntimeError, match=r"doesn't match the broadcast shape \[3, 4, 4\]"):
        transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])(torch.rand(1, 4, 4))
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        transforms.Normalize((0.5,), (0.5,))(picture(4, 4))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        transforms.Normalize((0.5,), (0.0,))(torch.rand(1, 4, 4))


def test_grayscale_gives_one_channel_or_three_equal_ones() -> None:
    grey = transforms.ToTensor()(transforms.Grayscale()(picture(5, 5)))
    assert grey.shape == (1, 5, 5)
    three = transforms.ToTensor()(transforms.Grayscale(num_output_channels=3)(picture(5, 5)))
    assert three.shape == (3, 5, 5) and torch.equal(three[0], three[2])


# ---------------------------------------------------------------------------------------------
# Random transforms: torch's generator, so a seed repeats them


@pytest.mark.parametrize(
    "transform",
    [
        transforms.RandomResizedCrop(16),
        transforms.RandomRotation(30),
        transforms.RandomHorizontalFlip(),
    ],
    ids=["RandomResizedCrop", "RandomRotation", "RandomHorizontalFlip"],
)
def test_random_transforms_repeat_under_a_seed(transform: object) -> None:
    image = picture(40, 30)
    to_tensor = transforms.ToTensor()

    def draws(seed: int) -> list[torch.Tensor]:
        torch.manual_seed(seed)
        return [to_tensor(transform(image)) for _ in range(8)]  # type: ignore[operator]

    first, again, other = draws(0), draws(0), draws(1)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert any(not torch.equal(a, b) for a, b in zip(first, other, strict=True))
    assert len({bytes(t.numpy()) for t in first}) > 1  # it does change the picture


def test_random_resized_crop_has_the_asked_size_and_a_whole_crop_is_a_resize() -> None:
    torch.manual_seed(0)
    for _ in range(20):
        assert transforms.RandomResizedCrop(32)(picture(66, 55)).size == (32, 32)
        assert transforms.RandomResizedCrop((24, 16))(torch.rand(3, 40, 50)).shape == (3, 24, 16)
    square = picture(20, 20)
    whole = transforms.RandomResizedCrop(10, scale=(1.0, 1.0), ratio=(1.0, 1.0))(square)
    assert np.array_equal(
        np.asarray(whole), np.asarray(square.resize((10, 10), Image.Resampling.BILINEAR))
    )


def test_flip_and_rotation_move_pixels_as_documented() -> None:
    image = picture(6, 4)
    assert np.array_equal(
        np.asarray(transforms.RandomHorizontalFlip(p=1.0)(image)), np.asarray(image)[:, ::-1]
    )
    assert transforms.RandomHorizontalFlip(p=0.0)(image) is image
    square = picture(5, 5)
    turned = transforms.RandomRotation((90, 90))(square)  # anticlockwise, as torchvision
    assert np.array_equal(np.asarray(turned), np.rot90(np.asarray(square)))
    corners = transforms.ToTensor()(
        transforms.RandomRotation((45, 45))(Image.new("L", (9, 9), 255))
    )
    assert float(corners[0, 0, 0]) == 0.0  # the empty corner gets `fill`


# ---------------------------------------------------------------------------------------------
# ImageFolder


def make_folders(root: Path) -> Path:
    for name, count in (("dogs", 3), ("cats", 2)):
        (root / name).mkdir(parents=True)
        for k in range(count):
            picture(10 + k, 8).save(root / name / f"{name[:-1]}.{k}.png")
    (root / "cats" / "notes.txt").write_text("not a picture")
    (root / "dogs" / "more").mkdir()
    picture(9, 9, "L").save(root / "dogs" / "more" / "dog.9.jpg")
    return root


def test_image_folder_sorts_classes_and_lists_samples(tmp_path: Path) -> None:
    root = make_folders(tmp_path / "pets")
    data = datasets.ImageFolder(str(root))
    assert data.classes == ["cats", "dogs"]
    assert data.class_to_idx == {"cats": 0, "dogs": 1}
    assert [Path(p).relative_to(root).as_posix() for p, _ in data.samples] == [
        "cats/cat.0.png",
        "cats/cat.1.png",
        "dogs/dog.0.png",
        "dogs/dog.1.png",
        "dogs/dog.2.png",
        "dogs/more/dog.9.jpg",  # sub-folders count; the .txt does not
    ]
    assert data.targets == [0, 0, 1, 1, 1, 1] and data.imgs == data.samples and len(data) == 6
    image, label = data[5]
    assert isinstance(image, Image.Image) and image.mode == "RGB" and label == 1
    assert "Number of datapoints: 6" in repr(data)


def test_image_folder_with_transforms_feeds_a_dataloader(tmp_path: Path) -> None:
    chain = transforms.Compose(
        [transforms.Resize(8), transforms.CenterCrop(8), transforms.ToTensor()]
    )
    data = datasets.ImageFolder(make_folders(tmp_path / "pets"), transform=chain)
    images, labels = next(iter(torch.utils.data.DataLoader(data, batch_size=6)))
    assert images.shape == (6, 3, 8, 8) and labels.tolist() == [0, 0, 1, 1, 1, 1]


def test_image_folder_errors_read_as_torchvisions(tmp_path: Path) -> None:
    flat = tmp_path / "flat"
    flat.mkdir()
    picture(4, 4).save(flat / "a.png")
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        datasets.ImageFolder(flat)
    (flat / "empty").mkdir()
    (flat / "full").mkdir()
    picture(4, 4).save(flat / "full" / "b.png")
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(flat)
    assert datasets.ImageFolder(flat, allow_empty=True).classes == ["empty", "full"]
    with pytest.raises(AttributeError, match=r"tutor\.data import mnist"):
        datasets.MNIST  # noqa: B018


def test_install_makes_the_course_import_work() -> None:
    code = (
        "import sys, tutor.vision as v\n"
        "print(v.install()[:20])\n"
        "from torchvision import datasets, transforms\n"
        "print(datasets.ImageFolder.__module__, transforms.ToTensor.__module__)\n"
        "import torchvision; print(torchvision.transforms is transforms)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    if out[0].startswith("torchvision is not"):
        assert out[1:] == ["tutor.vision.datasets tutor.vision.transforms", "True"]
    else:  # the real torchvision imports here: it is used as it is
        assert out[0].startswith("torchvision")


# ---------------------------------------------------------------------------------------------
# The lesson's folders


def test_export_is_deterministic_and_not_redone(tmp_path: Path) -> None:
    first, second = export_fashion(tmp_path / "a"), export_fashion(tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*.png"))
    assert len(files) == len(CLASSES) * sum(COUNTS.values())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*.png"))
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files[::37])
    stamp = (first / files[0]).stat().st_mtime_ns
    assert export_fashion(first) == first and (first / files[0]).stat().st_mtime_ns == stamp
    train = datasets.ImageFolder(first / "train")
    assert train.classes == sorted(CLASSES) and len(train) == len(CLASSES) * COUNTS["train"]
    sizes = {Image.open(p).size for p, _ in train.samples[:40]}
    assert len(sizes) > 10 and all(min(s) >= 32 and max(s) <= 74 for s in sizes)
    assert "bag/" in describe_folders(first) and "150 pictures" in describe_folders(first)


def test_transforms_v2_is_named_with_the_classic_transforms_to_use() -> None:
    code = (
        "import tutor.vision as v\n"
        "if v.install().startswith('torchvision is not'):\n"
        "    try:\n"
        "        from torchvision.transforms import v2\n"
        "    except ImportError as error:\n"
        "        print(f'{type(error).__name__}: {error}')\n"
        "    from torchvision import transforms\n"
        "    print(hasattr(transforms, 'RandomErasing'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    if out:  # the stand-in is in use (the real torchvision has v2)
        assert out[0].startswith("ImportError: The tutor's small torchvision has no")
        assert "`from torchvision import transforms`" in out[0] and "ToTensor()" in out[0]
        assert out[1] == "False"  # other missing names are plain AttributeErrors
