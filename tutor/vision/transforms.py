"""The image transforms of torchvision that the course uses, with the same behaviour.

Each is a callable object. Those that change the picture's geometry take a PIL image (or a
tensor shaped ``(C, H, W)``) and return the same kind; ``ToTensor`` turns a PIL image into a
float tensor ``(C, H, W)`` in [0, 1]; ``Normalize`` works on tensors only. The random ones draw
from torch's generator, as torchvision's do, so ``torch.manual_seed`` repeats them::

    train_transforms = Compose([RandomRotation(30), RandomResizedCrop(32),
                                RandomHorizontalFlip(), ToTensor(),
                                Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])])
    image = train_transforms(Image.open("bag.000.png").convert("RGB"))  # (3, 32, 32) in [-1, 1]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from PIL import Image

__all__ = [
    "CenterCrop",
    "Compose",
    "Grayscale",
    "InterpolationMode",
    "Normalize",
    "RandomHorizontalFlip",
    "RandomResizedCrop",
    "RandomRotation",
    "Resize",
    "ToTensor",
]


class InterpolationMode:
    """The names torchvision gives PIL's resampling filters."""

    NEAREST = Image.Resampling.NEAREST
    BILINEAR = Image.Resampling.BILINEAR
    BICUBIC = Image.Resampling.BICUBIC


def _pair(size: int | Sequence[int], name: str) -> tuple[int, int]:
    """``size`` as (height, width): a number n is (n, n)."""
    if isinstance(size, int):
        return size, size
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError(f"{name}: size should be an int or a sequence of 1 or 2 ints, not {size!r}")


def _size(image: Any) -> tuple[int, int]:
    """(height, width) of a PIL image or a (..., H, W) tensor."""
    if isinstance(image, Image.Image):
        return image.height, image.width
    if isinstance(image, torch.Tensor) and image.dim() >= 2:
        return int(image.shape[-2]), int(image.shape[-1])
    raise TypeError(f"Unexpected type {type(image)}: expected a PIL Image or a tensor")


def _crop(image: Any, top: int, left: int, height: int, width: int) -> Any:
    """A crop that pads with zeros where it reaches past the image, as torchvision's does."""
    if isinstance(image, Image.Image):
        return image.crop((left, top, left + width, top + height))
    h, w = _size(image)
    pad = (max(0, -left), max(0, left + width - w), max(0, -top), max(0, top + height - h))
    if any(pad):
        image = torch.nn.functional.pad(image, pad)
        top, left = top + pad[2], left + pad[0]
    return image[..., top : top + height, left : left + width]


def _resize(image: Any, height: int, width: int, interpolation: Any) -> Any:
    if isinstance(image, Image.Image):
        return image.resize((width, height), interpolation)
    batch = image.unsqueeze(0) if image.dim() == 3 else image
    mode = {InterpolationMode.NEAREST: "nearest", InterpolationMode.BICUBIC: "bicubic"}
    name = mode.get(interpolation, "bilinear")
    out = torch.nn.functional.interpolate(
        batch.float(),
        size=(height, width),
        mode=name,
        antialias=name != "nearest",
        **({} if name == "nearest" else {"align_corners": False}),
    )
    out = out.to(image.dtype) if image.dtype.is_floating_point else out.round().to(image.dtype)
    return out[0] if image.dim() == 3 else out


class Compose:
    """Apply ``transforms`` one after the other: ``Compose([Resize(36), ToTensor()])``."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({lines}\n)"


class Resize:
    """Resize to ``size``: a number sets the shorter side and keeps the proportions (a 60×40
    picture with ``Resize(36)`` becomes 54×36); ``(h, w)`` sets both sides."""

    def __init__(
        self,
        size: int | Sequence[int],
        interpolation: Any = InterpolationMode.BILINEAR,
        max_size: int | None = None,
        antialias: bool | None = True,
    ) -> None:
        if not isinstance(size, int | Sequence):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        self.size = size
        self.interpolation = interpolation
        self.max_size = max_size
        self.antialias = antialias

    def __call__(self, img: Any) -> Any:
        height, width = _size(img)
        if isinstance(self.size, int) or len(self.size) == 1:
            short = self.size if isinstance(self.size, int) else int(self.size[0])
            small, large = sorted((height, width))
            new_short, new_long = short, int(short * large / small)
            if self.max_size is not None and new_long > self.max_size:
                new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
            new_h, new_w = (new_short, new_long) if height <= width else (new_long, new_short)
        else:
            new_h, new_w = int(self.size[0]), int(self.size[1])
        if (new_h, new_w) == (height, width):
            return img
        return _resize(img, new_h, new_w, self.interpolation)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, interpolation=bilinear, antialias=True)"


class CenterCrop:
    """Cut ``size`` (a number for a square, or ``(h, w)``) out of the middle of the image."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _pair(size, "CenterCrop")

    def __call__(self, img: Any) -> Any:
        height, width = _size(img)
        crop_h, crop_w = self.size
        top = round((height - crop_h) / 2.0)
        left = round((width - crop_w) / 2.0)
        return _crop(img, top, left, crop_h, crop_w)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class RandomResizedCrop:
    """Cut a random part of the image (``scale``: its share of the area; ``ratio``: width over
    height) and resize it to ``size``."""

    def __init__(
        self,
        size: int | Sequence[int],
        scale: tuple[float, float] = (0.08, 1.0),
        ratio: tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0),
        interpolation: Any = InterpolationMode.BILINEAR,
        antialias: bool | None = True,
    ) -> None:
        self.size = _pair(size, "RandomResizedCrop")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError("Scale and ratio should be of kind (min, max)")
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self.antialias = antialias

    @staticmethod
    def get_params(
        img: Any, scale: Sequence[float], ratio: Sequence[float]
    ) -> tuple[int, int, int, int]:
        """(top, left, height, width) of a random crop: torchvision's draws, in its order."""
        height, width = _size(img)
        area = height * width
        log_ratio = torch.log(torch.tensor(ratio))
        for _ in range(10):
            target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
            aspect = math.exp(
                torch.empty(1).uniform_(float(log_ratio[0]), float(log_ratio[1])).item()
            )
            w = round(math.sqrt(target_area * aspect))
            h = round(math.sqrt(target_area / aspect))
            if 0 < w <= width and 0 < h <= height:
                top = int(torch.randint(0, height - h + 1, size=(1,)).item())
                left = int(torch.randint(0, width - w + 1, size=(1,)).item())
                return top, left, h, w
        in_ratio = float(width) / float(height)  # ten misses: fall back to a central crop
        if in_ratio < min(ratio):
            w, h = width, round(width / min(ratio))
        elif in_ratio > max(ratio):
            h, w = height, round(height * max(ratio))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img: Any) -> Any:
        top, left, h, w = self.get_params(img, self.scale, self.ratio)
        return _resize(_crop(img, top, left, h, w), *self.size, self.interpolation)

    def __repr__(self) -> str:
        scale = tuple(round(s, 4) for s in self.scale)
        ratio = tuple(round(r, 4) for r in self.ratio)
        return f"{type(self).__name__}(size={self.size}, scale={scale}, ratio={ratio})"


class RandomRotation:
    """Rotate by an angle drawn from ``(-degrees, degrees)`` (or the pair given), anticlockwise;
    corners left empty get ``fill``."""

    def __init__(
        self,
        degrees: float | Sequence[float],
        interpolation: Any = InterpolationMode.NEAREST,
        expand: bool = False,
        center: Sequence[int] | None = None,
        fill: float | Sequence[float] = 0,
    ) -> None:
        if isinstance(degrees, int | float):
            if degrees < 0:
                raise ValueError("If degrees is a single number, it must be positive.")
            self.degrees = [-float(degrees), float(degrees)]
        else:
            if len(degrees) != 2:
                raise ValueError("If degrees is a sequence, it must be of len 2.")
            self.degrees = [float(d) for d in degrees]
        self.interpolation = interpolation
        self.expand = expand
        self.center = center
        self.fill = fill

    @staticmethod
    def get_params(degrees: Sequence[float]) -> float:
        return float(torch.empty(1).uniform_(float(degrees[0]), float(degrees[1])).item())

    def __call__(self, img: Any) -> Any:
        angle = self.get_params(self.degrees)
        if isinstance(img, torch.Tensor):
            return _rotate_tensor(img, angle, self.fill)
        bands = len(img.getbands())
        fill = self.fill if isinstance(self.fill, Sequence) else [self.fill] * bands
        fillcolor: Any = tuple(int(f) for f in fill) if bands > 1 else int(fill[0])
        center = tuple(self.center) if self.center is not None else None
        return img.rotate(
            angle, self.interpolation, expand=self.expand, center=center, fillcolor=fillcolor
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(degrees={self.degrees}, interpolation=nearest, expand=False)"


def _rotate_tensor(img: torch.Tensor, angle: float, fill: float | Sequence[float]) -> torch.Tensor:
    """A tensor rotated by the PIL path: each channel as a float image."""
    value = float(fill[0]) if isinstance(fill, Sequence) else float(fill)
    channels = [
        Image.fromarray(channel.detach().cpu().float().numpy(), mode="F").rotate(
            angle, Image.Resampling.NEAREST, fillcolor=value
        )
        for channel in img.reshape(-1, *img.shape[-2:])
    ]
    out = torch.from_numpy(np.stack([np.asarray(c) for c in channels]))
    return out.reshape(img.shape).to(img.dtype)


class RandomHorizontalFlip:
    """Mirror the image left to right, with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Any) -> Any:
        if torch.rand(1) < self.p:
            if isinstance(img, Image.Image):
                return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            return img.flip(-1)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class Grayscale:
    """Convert to grey: 1 channel, or 3 equal ones with ``num_output_channels=3``."""

    def __init__(self, num_output_channels: int = 1) -> None:
        if num_output_channels not in (1, 3):
            raise ValueError("num_output_channels should be either 1 or 3")
        self.num_output_channels = num_output_channels

    def __call__(self, img: Any) -> Any:
        if isinstance(img, torch.Tensor):
            weights = torch.tensor([0.2989, 0.587, 0.114], dtype=torch.float32)
            grey = (img.float() * weights.view(3, 1, 1)).sum(0, keepdim=True)
            grey = grey if img.dtype.is_floating_point else grey.round()
            return grey.to(img.dtype).expand(self.num_output_channels, -1, -1).clone()
        grey_image = img.convert("L")
        if self.num_output_channels == 3:
            return Image.merge("RGB", [grey_image] * 3)
        return grey_image

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_output_channels={self.num_output_channels})"


class ToTensor:
    """A PIL image (or a H×W×C uint8 array) as a float tensor (C, H, W) in [0, 1]."""

    def __call__(self, pic: Any) -> torch.Tensor:
        if isinstance(pic, Image.Image):
            if pic.mode not in ("L", "RGB", "RGBA", "P", "1", "LA", "I;16", "I", "F", "CMYK"):
                pic = pic.convert("RGB")
            if pic.mode in ("P", "1"):
                pic = pic.convert("L" if pic.mode == "1" else "RGB")
            array = np.array(pic, copy=True)
        elif isinstance(pic, np.ndarray):
            array = pic
        else:
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        if array.ndim == 2:
            array = array[:, :, None]
        tensor = torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))
        if tensor.dtype == torch.uint8:
            return tensor.to(torch.float32).div(255)
        return tensor.to(torch.float32)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Normalize:
    """``(tensor - mean) / std`` per channel: one mean and one std for each channel."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor: Any) -> torch.Tensor:
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError(
                "Expected tensor to be a tensor image of size (..., C, H, W). Got "
                f"tensor.size() = {tensor.size()}"
            )
        if not self.inplace:
            tensor = tensor.clone()
        mean = torch.as_tensor(self.mean, dtype=tensor.dtype, device=tensor.device)
        std = torch.as_tensor(self.std, dtype=tensor.dtype, device=tensor.device)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}")
        # In place, as torchvision does: 3 means on a 1-channel image raise the same error.
        result: torch.Tensor = tensor.sub_(mean.view(-1, 1, 1)).div_(std.view(-1, 1, 1))
        return result

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


def __getattr__(name: str) -> Any:
    # `from torchvision.transforms import v2` (today's tutorials): Python asks this module for
    # `v2`. An ImportError raised here reaches the learner as it is; an AttributeError would be
    # replaced by Python's bare "cannot import name 'v2'".
    if name == "v2":
        raise ImportError(
            "The tutor's small torchvision has no `transforms.v2`, only the classic transforms "
            "the course uses: `from torchvision import transforms`, then `transforms.Compose`, "
            "`transforms.Resize` and the rest, with `transforms.ToTensor()` where v2 has "
            "`ToImage()` and `ToDtype(torch.float32, scale=True)`.",
            name="torchvision.transforms.v2",
        )
    raise AttributeError(f"module 'torchvision.transforms' has no attribute {name!r}")
