"""What the benchmarks share: their options, their JSON, the models they train, the machine, and real images.

Every script builds its parser with ``benchmark_parser``, so an option two scripts share (``--data``,
``--holdout``, ``--device``, ``--seed``, ``--out``) is declared once, here, and means the same everywhere;
``write_results`` writes every result file; ``MODELS`` is the one table of the models a benchmark can train,
made from the package's builders and recipes.
"""

from __future__ import annotations

import argparse
import json
import platform
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from convae_helpers import build_autoencoder
from convae_helpers.data import as_tensor, load_cifar10, load_image_folder
from convae_helpers.models import (
    DEEPER_BATCH_SIZE,
    DEEPER_LR,
    IMPROVED_BATCH_SIZE,
    IMPROVED_LR,
    build_improved_autoencoder,
)
from convae_helpers.settings import get_settings, repository_root

RESULTS = repository_root() / "runs" / "benchmarks"


class Recipe(NamedTuple):
    """A model a benchmark trains: ``build(latent, width)`` makes the network; the peak rate and batch size train it."""

    build: Callable
    lr: float
    batch_size: int


MODELS = {  # each model trains with its own recipe unless a script is told otherwise
    "article": Recipe(build_autoencoder, 1e-3, 64),
    "improved": Recipe(partial(build_improved_autoencoder, deeper=True), DEEPER_LR, DEEPER_BATCH_SIZE),
    "improved-base": Recipe(build_improved_autoencoder, IMPROVED_LR, IMPROVED_BATCH_SIZE),
}

SHARED = {  # option: what add_argument gets, unless a script changes part of it
    "data": dict(required=True, help="an ImageFolder tree of 32x32 images, or 'cifar10' for torchvision's CIFAR-10"),
    "test-data": dict(required=True, help="an ImageFolder tree never trained or tuned on"),
    "holdout": dict(type=int, default=500, help="validation images per class (the last ones)"),
    "device": dict(default=None, help="cpu, cuda or mps (default: the best available)"),
    "seed": dict(type=int, default=0, help="initial weights and batch order (not the data split)"),
}


def benchmark_parser(doc: str, out: str | None, *shared: str, **changes: dict) -> argparse.ArgumentParser:
    """A script's parser, described by its docstring, with the shared options it names and ``--out``.

    ``out`` is the result file's default name under runs/benchmarks (None: the script takes no ``--out``);
    ``changes`` replaces parts of a shared option for one script, e.g. ``data=dict(help=...)``.
    """
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in shared:
        parser.add_argument(f"--{name}", **SHARED[name] | changes.get(name.replace("-", "_"), {}))
    if out is not None:
        parser.add_argument("--out", type=Path, default=RESULTS / out, help="the JSON file of results")
    return parser


def seed_folder(folder: Path, seed: int) -> Path:
    """``folder`` for seed 0 (where the first runs keep their checkpoints), ``folder-seedS`` for another seed."""
    return folder if seed == 0 else folder.with_name(f"{folder.name}-seed{seed}")


def write_results(path: Path, results: dict) -> None:
    """Write ``results`` (the settings beside the measurements) as JSON, making the folder; call it after every
    run, so a long job that stops keeps what it measured."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, default=str) + "\n")


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
