"""From datasets to batches: the checks a dataset passes once, and the batches of an epoch.

``as_image_tensor`` turns a dataset (of images, or of (image, label) pairs) or a tensor into one checked
tensor (N, C, 32, 32), which the trainer keeps on the device; ``tensor_batches`` draws its batches by index,
in the order ``epoch_order`` gives, as (inputs, targets) pairs: the same images, or corrupted inputs when a
``corrupt`` function is given (a denoising autoencoder learns to restore the clean targets). The article's
pipeline, a ``DataLoader`` over the dataset, is timed against this one in ``benchmarks/throughput.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch

from .checks import check_image_batch, describe

Corrupt = Callable[[torch.Tensor], torch.Tensor]


def split_pair(item: Any) -> tuple[Any, Any]:
    """An (image, label) pair as (image, label); anything else as (item, None)."""
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return item[0], item[1]
    return item, None


def _array_hint(array: Any, batch: bool = False) -> str:
    """How to turn a NumPy image or batch (channels first or last, uint8 or float) into what the trainer expects."""
    shape, dtype = tuple(array.shape), str(getattr(array, "dtype", ""))
    if dtype == "uint8":
        return "Wrap raw 0-255 images with CustomCIFAR10(list(images), transforms=article_transform())."
    what, layout = ("x", ".permute(0, 3, 1, 2)") if batch else ("image", ".permute(2, 0, 1)")
    layout = layout if shape and shape[-1] in (1, 3) else ""
    return f"If it already lies in [-1, 1], convert it with torch.as_tensor({what}){layout} (no transform needed)."


def image_of(item: Any, name: str, index: int, channels: int | None = 3) -> torch.Tensor:
    """The image of one dataset item (the item, or the first of an (image, label) pair), shape-checked.

    ``channels=None`` accepts grayscale (1) or colour (3) images.
    """
    image, _ = split_pair(item)
    if channels is None:
        channels = 1 if isinstance(image, torch.Tensor) and image.dim() == 3 and image.shape[0] == 1 else 3
    if not isinstance(image, torch.Tensor):
        hint = _array_hint(image) if hasattr(image, "shape") else (
            "Wrap raw images with CustomCIFAR10(images, transforms=article_transform())."
        )
        raise TypeError(
            f"{name} yields {describe(item)} at index {index}; expected an image tensor ({channels}, 32, 32) in "
            f"[-1, 1] or an (image, label) pair. {hint}"
        )
    if image.dim() != 3 or tuple(image.shape) != (channels, 32, 32):
        hint = ""
        if image.dim() == 3 and image.shape[-1] == channels:
            hint = " It looks like (H, W, C); use .permute(2, 0, 1)."
        elif image.dim() == 3 and image.shape[0] == channels:
            hint = " Resize it, e.g. with torchvision.transforms.Resize(32) and CenterCrop(32)."
        raise ValueError(
            f"{name}[{index}] has shape {tuple(image.shape)}; expected an image ({channels}, 32, 32).{hint}"
        )
    check_image_batch(f"{name}[{index}]", image.unsqueeze(0), channels=channels, check_values=False)
    return image


def check_dataset(dataset: Any, name: str) -> int:
    """The length of ``dataset``; raises unless it has one of at least 1."""
    if isinstance(dataset, torch.Tensor) and dataset.dim() == 0:
        raise TypeError(f"{name} must be a dataset or a tensor (N, 3, 32, 32); got {describe(dataset)}.")
    try:
        size = len(dataset)
    except TypeError:
        raise TypeError(
            f"{name} must be a dataset with a length (e.g. CustomCIFAR10); got {describe(dataset)}."
        ) from None
    if size == 0:
        raise ValueError(f"{name} is empty; expected at least one image.")
    return size


def as_image_tensor(dataset: Any, name: str, channels: int = 3) -> torch.Tensor:
    """All images of ``dataset`` as one float tensor (N, C, 32, 32), checked once, in one pass."""
    check_dataset(dataset, name)
    if isinstance(dataset, torch.Tensor):
        return check_image_batch(name, dataset, channels=channels)
    if hasattr(dataset, "__array__") and hasattr(dataset, "shape"):  # a NumPy array of images
        hint = _array_hint(dataset, batch=True)
        raise TypeError(f"{name} is {describe(dataset)}, a NumPy array; expected a tensor. {hint}")
    images = [image_of(dataset[index], name, index, channels) for index in range(len(dataset))]
    return check_image_batch(name, torch.stack(images), channels=channels)


def epoch_order(n: int, epoch: int, seed: int, shuffle: bool) -> torch.Tensor:
    """The order of the ``n`` training images in ``epoch``: a permutation fixed by (seed, epoch), or 0..n-1.

    Each epoch has its own order, drawn from its own seed, so a run stopped and resumed mid-epoch
    finishes that epoch with the images it had not yet seen.
    """
    if not shuffle:
        return torch.arange(n)
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))


def _pairs(images: torch.Tensor, corrupt: Corrupt | None) -> tuple[torch.Tensor, torch.Tensor]:
    if corrupt is None:
        return images, images
    with torch.no_grad():
        return corrupt(images), images


def tensor_batches(
    images: torch.Tensor,
    order: torch.Tensor,
    batch_size: int,
    memory_format: torch.memory_format = torch.contiguous_format,
    corrupt: Corrupt | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The fast pipeline: (inputs, targets) drawn by index from a tensor that already lies on the device."""
    order = order.to(images.device)
    for start in range(0, len(order), batch_size):
        batch = images[order[start : start + batch_size]].contiguous(memory_format=memory_format)
        yield _pairs(batch, corrupt)
