"""Figures of the series: loss curves and grids of originals above their reconstructions.

Every function returns the matplotlib ``Figure`` (a notebook shows it) and writes it to
``save_to`` when that is given. Images are drawn with ``interpolation="nearest"``: a learner sees the
32×32 pixels as they are, not smoothed, and the PNG a notebook stores is about four times smaller.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .diagram import layer_shapes as layer_shapes  # the architecture diagram has a module of its own
from .diagram import plot_architecture as plot_architecture
from .loop import image_grid
from .loop import reconstruction_grid as reconstruction_grid  # the trainer draws these grids too; defined there


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
    with sns.axes_style("whitegrid"):
        figure, axis = plt.subplots(figsize=(8, 4))
        x_batches = batch_positions(len(per_batch), log.get("batches_per_epoch") or [], len(per_epoch))
        axis.plot(x_batches, per_batch, lw=0.6, alpha=0.7, label="training (per batch)")
        axis.plot(range(1, len(per_epoch) + 1), per_epoch, "o-", label="validation (mean per epoch)")
        axis.set(xlabel="epoch", ylabel="MSE loss", title=title, yscale="log")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        plain_decimals(axis)
        axis.legend()
    return _finish(figure, save_to)


def batch_positions(n_batches: int, batches_per_epoch: Sequence[int], n_epochs: int) -> list[float]:
    """Where each logged batch lies on an epoch axis (batch k of an epoch of B batches: epoch - 1 + k / B).

    ``batches_per_epoch`` is the log's count per complete epoch; batches of an unfinished epoch after
    them (a stop in mid-epoch) continue at the last epoch's pace. Older logs without the counts: an even split.
    """
    counts = list(batches_per_epoch) or [max(1, n_batches // max(1, n_epochs))] * n_epochs
    positions: list[float] = []
    for epoch, count in enumerate(counts):
        positions += [epoch + (k + 1) / count for k in range(count)]
    pace = counts[-1] if counts else max(1, n_batches)
    while len(positions) < n_batches:
        positions.append(positions[-1] + 1 / pace if positions else 1 / pace)
    return positions[:n_batches]


def plain_decimals(axis: Any) -> None:
    """Label a logarithmic y-axis with plain decimals (0.05), not powers of ten (5×10⁻²); minor ticks at 2, 3, 5."""

    def minor(value: float, _: int) -> str:
        return f"{value:g}" if value > 0 and round(value / 10 ** math.floor(math.log10(value))) in (2, 3, 5) else ""

    axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.yaxis.set_minor_formatter(FuncFormatter(minor))


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


def image_row(images: torch.Tensor) -> torch.Tensor:
    """Images (N, C, 32, 32) in [-1, 1] side by side, as one picture (H, W, 3) for ``plot_grids``."""
    return image_grid([images])


def plot_grids(grids: Mapping[str, torch.Tensor], title: str = "", save_to: str | Path | None = None) -> Figure:
    """Grids from ``reconstruction_grid`` or ``image_row`` (or a log's ``visualizations``), each labelled."""
    figure, axes = plt.subplots(len(grids), 1, figsize=(10, 1.25 * len(grids) + 0.4), squeeze=False)
    for axis, (label, grid) in zip(axes[:, 0], grids.items()):
        axis.imshow(grid.numpy(), interpolation="nearest")
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
                axis.imshow(images[picked[column]], interpolation="nearest")
        axes[row, 0].text(-4, 16, name, ha="right", va="center", fontsize=8)
    if title:
        figure.suptitle(title)
    return _finish(figure, save_to)


def plot_row(
    images: Sequence[np.ndarray], labels: Sequence[str], title: str = "", save_to: str | Path | None = None
) -> Figure:
    """Images (uint8 arrays (32, 32, 3)) side by side in one row, each with its label below."""
    figure, axes = plt.subplots(1, len(images), figsize=(1.1 * len(images), 1.6), squeeze=False)
    for axis, image, label in zip(axes[0], images, labels):
        axis.imshow(image, interpolation="nearest")
        axis.set_axis_off()
        axis.set_title(label, fontsize=8, y=-0.3)
    if title:
        figure.suptitle(title, fontsize=10)
    return _finish(figure, save_to)


def plot_lines(
    curves: Mapping[str, Mapping[float, float]], xlabel: str, ylabel: str, title: str = "", log_x: bool = False,
    save_to: str | Path | None = None,
) -> Figure:  # fmt: skip
    """One line per name through its points: ``curves[name][x] = y``, e.g. PSNR against the noise level."""
    with sns.axes_style("whitegrid"):
        figure, axis = plt.subplots(figsize=(7, 4))
        for index, (label, points) in enumerate(curves.items()):
            xs = sorted(points)
            axis.plot(xs, [points[x] for x in xs], "o-", label=label, color=f"C{index}")
        if log_x:
            axis.set_xscale("log")
            xs = sorted({x for points in curves.values() for x in points})
            axis.set_xticks(xs, [f"{x:g}" for x in xs])
            axis.minorticks_off()
        axis.set(xlabel=xlabel, ylabel=ylabel, title=title)
        axis.legend(fontsize=8)
    return _finish(figure, save_to)


def plot_rate_distortion(
    curves: Mapping[str, Mapping[int, float]], title: str = "", save_to: str | Path | None = None
) -> Figure:
    """PSNR (dB) against code size, one line per method: ``curves[method][code_size] = psnr``."""
    return plot_lines(curves, "code size (numbers per image)", "validation PSNR (dB)", title, True, save_to)


def plot_bars(values: Mapping[str, float], label: str, title: str = "", save_to: str | Path | None = None) -> Figure:
    """One horizontal bar per name, e.g. the PSNR of each class, each labelled with its value; ``label`` names the
    values' axis. The bars start at zero, so their lengths compare honestly; the labels give the gaps."""
    with sns.axes_style("whitegrid"):
        figure, axis = plt.subplots(figsize=(6, 0.3 * len(values) + 1))
        bars = axis.barh(list(values), list(values.values()), color="C0")
        axis.bar_label(bars, fmt="%.2f", padding=3, fontsize=8)
        axis.invert_yaxis()  # the first name on top
        axis.set_xlim(min(0, *values.values()) * 1.15, max(0, *values.values()) * 1.15)
        axis.set(xlabel=label, title=title)
    return _finish(figure, save_to)


def plot_roc(
    curves: Mapping[str, tuple[torch.Tensor, torch.Tensor]], title: str = "", save_to: str | Path | None = None
) -> Figure:
    """ROC curves: ``curves[name] = (false-alarm rates, detection rates)``, with chance as a dashed diagonal."""
    with sns.axes_style("whitegrid"):
        figure, axis = plt.subplots(figsize=(4.5, 4.5))
        for index, (label, (false_alarms, detections)) in enumerate(curves.items()):
            axis.plot(false_alarms.numpy(), detections.numpy(), label=label, color=f"C{index}")
        axis.plot([0, 1], [0, 1], "--", color="gray", label="chance")
        axis.set(xlabel="false-alarm rate (normal images flagged)", ylabel="detection rate (anomalies caught)")
        axis.set(xlim=(0, 1), ylim=(0, 1), title=title)
        axis.legend(loc="lower right", fontsize=8)
    return _finish(figure, save_to)


def plot_map(
    maps: Mapping[str, torch.Tensor], labels: Sequence[int], classes: Sequence[str], title: str = "",
    images: torch.Tensor | None = None, thumbnails: int = 0, save_to: str | Path | None = None,
) -> Figure:  # fmt: skip
    """2-D maps of the same points (N, 2), side by side (e.g. ``latent.map_2d`` and ``latent.tsne_2d``), by class.

    With ``images`` (N, C, 32, 32), ``thumbnails`` of them, evenly spread, are drawn at their points.
    """
    labels = np.asarray(labels)
    with sns.axes_style("white"):
        figure, axes = plt.subplots(1, len(maps), figsize=(5.5 * len(maps) + 1.5, 5.5), squeeze=False)
        for axis, (name, points) in zip(axes[0], maps.items()):
            for k, label in enumerate(classes):
                chosen = labels == k
                if chosen.any():
                    axis.scatter(*points[chosen].T.numpy(), s=4, alpha=0.5, color=f"C{k % 10}", label=label)
            if images is not None and thumbnails:
                _thumbnails(axis, points, images, labels, thumbnails)
            axis.set(title=name, xticks=[], yticks=[])
        axes[0, -1].legend(markerscale=4, fontsize=9, loc="center left", bbox_to_anchor=(1, 0.5))
        figure.suptitle(title)
    return _finish(figure, save_to)


def _picture(image: torch.Tensor) -> np.ndarray:
    """One image (C, 32, 32) in [-1, 1] as an (32, 32, C) array in [0, 1], as imshow takes it."""
    return ((image.detach().float().cpu().clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()


def _thumbnails(axis: Any, points: torch.Tensor, images: torch.Tensor, labels: np.ndarray, n: int) -> None:
    """Draw ``n`` of the images, evenly spread, at their points, framed in their class's colour."""
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    for i in torch.linspace(0, len(points) - 1, min(n, len(points))).long().tolist():
        box = OffsetImage(_picture(images[i]), zoom=0.8, interpolation="nearest")
        frame = dict(edgecolor=f"C{int(labels[i]) % 10}", linewidth=1.5)
        axis.add_artist(AnnotationBbox(box, points[i].tolist(), frameon=True, pad=0.1, bboxprops=frame))


def plot_labelled_rows(
    rows: Mapping[str, tuple[torch.Tensor, Sequence[str]]], title: str = "", save_to: str | Path | None = None
) -> Figure:
    """Rows of images (N, C, 32, 32) in [-1, 1], each image captioned (e.g. with its class), each row named."""
    columns = max(len(images) for images, _ in rows.values())
    figure, axes = plt.subplots(len(rows), columns, figsize=(1.3 * columns + 1.5, 1.55 * len(rows)), squeeze=False)
    for r, (name, (images, captions)) in enumerate(rows.items()):
        for c, axis in enumerate(axes[r]):
            axis.axis("off")
            if c < len(images):
                axis.imshow(_picture(images[c]), interpolation="nearest")
                axis.set_title(captions[c], fontsize=8, pad=2)
        axes[r, 0].text(-0.15, 0.5, name, transform=axes[r, 0].transAxes, ha="right", va="center", fontsize=9)
    figure.suptitle(title)
    return _finish(figure, save_to)
