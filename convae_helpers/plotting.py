"""Figures of the series: loss curves and grids of originals above their reconstructions.

Every function returns the matplotlib ``Figure`` (a notebook shows it) and writes it to
``save_to`` when that is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from torchvision.utils import make_grid


def reconstruction_grid(originals: torch.Tensor, reconstructions: torch.Tensor) -> torch.Tensor:
    """One image (H, W, 3) on the CPU: ``originals`` in the top row, ``reconstructions`` below.

    Both are (N, 3, 32, 32) in [-1, 1]; the grid maps that fixed range to [0, 1] and clips what lies
    outside, so the originals keep their colours however far a reconstruction strays. (The article
    lets ``make_grid`` stretch each grid's own minimum and maximum, which shifts the originals' colours
    from one epoch to the next.)
    """
    both = torch.cat([originals.float(), reconstructions.float()]).cpu()
    return make_grid(both, nrow=len(originals), normalize=True, value_range=(-1, 1), padding=1).permute(1, 2, 0)


def _finish(figure: Figure, save_to: str | Path | None) -> Figure:
    figure.tight_layout()
    if save_to is not None:
        Path(save_to).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(save_to, dpi=120, bbox_inches="tight")
    return figure


def plot_losses(log: Mapping[str, Sequence[float]], title: str = "Losses", save_to: str | Path | None = None) -> Figure:
    """Training loss of every batch and validation loss of every epoch, against epochs."""
    per_batch = log["training_loss_per_batch"]
    per_epoch = log["validation_loss_per_epoch"]
    batches_per_epoch = max(1, len(per_batch) // max(1, len(per_epoch)))
    with sns.axes_style("whitegrid"):
        figure, axis = plt.subplots(figsize=(8, 4))
        x_batches = [(i + 1) / batches_per_epoch for i in range(len(per_batch))]
        axis.plot(x_batches, per_batch, lw=0.6, alpha=0.7, label="training (per batch)")
        axis.plot(range(1, len(per_epoch) + 1), per_epoch, "o-", label="validation (mean per epoch)")
        axis.set(xlabel="epoch", ylabel="MSE loss", title=title, yscale="log")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.legend()
    return _finish(figure, save_to)


def plot_validation_curves(
    logs: Mapping[str, Mapping[str, Sequence[float]]],
    baselines: Mapping[str, float] | None = None,
    title: str = "Validation loss",
    save_to: str | Path | None = None,
) -> Figure:
    """The per-epoch validation loss of several runs on one plot, and ``baselines`` as dashed levels.

    The i-th baseline is drawn in the colour of the i-th run, so a run and its reference pair up.
    """
    with sns.axes_style("whitegrid"):
        figure, axis = plt.subplots(figsize=(7, 4))
        for index, (label, log) in enumerate(logs.items()):
            values = log["validation_loss_per_epoch"]
            axis.plot(range(1, len(values) + 1), values, "o-", label=label, color=f"C{index}")
        for index, (label, level) in enumerate((baselines or {}).items()):
            axis.axhline(level, ls="--", color=f"C{index}", label=label)
        axis.set(xlabel="epoch", ylabel="validation MSE", title=title)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.legend()
    return _finish(figure, save_to)


def plot_grids(grids: Mapping[str, torch.Tensor], title: str = "", save_to: str | Path | None = None) -> Figure:
    """Grids from ``reconstruction_grid`` (or a log's ``visualizations``), one row each, labelled."""
    figure, axes = plt.subplots(len(grids), 1, figsize=(10, 1.25 * len(grids) + 0.4), squeeze=False)
    for axis, (label, grid) in zip(axes[:, 0], grids.items()):
        axis.imshow(grid.numpy())
        axis.set_axis_off()
        axis.set_title(label, fontsize=9, loc="left")
    if title:
        figure.suptitle(title)
    return _finish(figure, save_to)


def plot_epochs(
    log: Mapping[str, Sequence[torch.Tensor]], title: str = "", save_to: str | Path | None = None
) -> Figure:
    """The reconstructions after every epoch: one row per epoch (originals above, reconstructions below)."""
    grids = {f"epoch {i}": grid for i, grid in enumerate(log["visualizations"], start=1)}
    return plot_grids(grids, title, save_to)


def plot_first_vs_last(
    log: Mapping[str, Sequence[torch.Tensor]], title: str = "", save_to: str | Path | None = None
) -> Figure:
    """The reconstructions after the first epoch against those after the last."""
    grids = log["visualizations"]
    return plot_grids({"epoch 1": grids[0], f"epoch {len(grids)}": grids[-1]}, title, save_to)


def plot_class_samples(
    images: np.ndarray,
    labels: Sequence[int],
    classes: Sequence[str],
    per_class: int = 8,
    title: str = "",
    save_to: str | Path | None = None,
) -> Figure:
    """The first ``per_class`` images of every class, one row per class.

    ``images`` is a uint8 array (N, 32, 32, 3), like ``CIFAR10.data``.
    """
    figure, axes = plt.subplots(len(classes), per_class, figsize=(per_class * 0.9, len(classes) * 0.95), squeeze=False)
    for row, name in enumerate(classes):
        picked = [i for i, label in enumerate(labels) if label == row][:per_class]
        for column, axis in enumerate(axes[row]):
            axis.set_axis_off()
            if column < len(picked):
                axis.imshow(images[picked[column]])
        axes[row, 0].text(-4, 16, name, ha="right", va="center", fontsize=8)
    if title:
        figure.suptitle(title)
    return _finish(figure, save_to)
