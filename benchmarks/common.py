"""What the benchmarks share: the machine's description and real images from an ImageFolder copy of CIFAR-10."""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
import torch

from convae_helpers import get_settings, load_cifar10, load_image_folder
from convae_helpers.data import as_tensor


def machine() -> str:
    """The CPU model and core count, the GPU if any, and the library versions."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return (
        f"{cpu}, {torch.get_num_threads()} threads{gpu}; python {platform.python_version()}, torch {torch.__version__}"
    )


def folder_split(
    path: str, holdout_per_class: int, order: str = "cifar", seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Training and validation tensors from an ImageFolder tree, holding out the last images of each class.

    ``path="cifar10"`` reads CIFAR-10's own training split through torchvision instead (downloaded
    into the data folder when missing).

    An ImageFolder copy lists its images class by class, while CIFAR-10's own files come in a
    fixed random order. ``order="cifar"`` puts the training images in one seeded random order,
    so that a recipe without shuffling sees what it would see on CIFAR-10 itself;
    ``order="folder"`` keeps them class by class, as the folder lists them.
    """
    train_x, _, val_x, _ = labelled_split(path, holdout_per_class, order, seed)
    return train_x, val_x


def labelled_split(
    path: str, holdout_per_class: int, order: str = "cifar", seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``folder_split``'s training and validation images, each followed by its class labels."""
    if order not in ("cifar", "folder"):
        raise ValueError(f"order must be 'cifar' or 'folder'; got {order!r}.")
    images = load_cifar10(get_settings().data_dir) if path == "cifar10" else load_image_folder(path)
    targets = np.asarray(images.targets)
    validation = np.concatenate([np.flatnonzero(targets == c)[-holdout_per_class:] for c in range(len(images.classes))])
    training = np.setdiff1d(np.arange(len(targets)), validation)
    if order == "cifar":
        training = np.random.default_rng(seed).permutation(training)
    else:  # class by class, each class in the order the files list it
        training = training[np.argsort(targets[training], kind="stable")]
    labels = torch.as_tensor(targets)
    return as_tensor(images.data[training]), labels[training], as_tensor(images.data[validation]), labels[validation]
