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
    """One horizontal bar per name, e.g. the PSNR of each class; ``label`` names the values' axis."""
    with sns.axes_style("whitegrid"):
        figure, axis = plt.subplots(figsize=(6, 0.3 * len(values) + 1))
        axis.barh(list(values), list(values.values()), color="C0")
        axis.invert_yaxis()  # the first name on top
        low, high = min(values.values()), max(values.values())
        axis.set_xlim(low - 0.15 * (high - low) - 0.5, high + 0.15 * (high - low) + 0.5)
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
    points: torch.Tensor, labels: Sequence[int], classes: Sequence[str], title: str = "",
    save_to: str | Path | None = None,
) -> Figure:  # fmt: skip
    """A 2-D map of points (N, 2), e.g. codes projected by ``latent.map_2d``, coloured by class."""
    labels = np.asarray(labels)
    with sns.axes_style("white"):
        figure, axis = plt.subplots(figsize=(6, 5))
        for k, name in enumerate(classes):
            chosen = labels == k
            if chosen.any():
                axis.scatter(*points[chosen].T.numpy(), s=4, alpha=0.6, color=f"C{k % 10}", label=name)
        axis.set(xlabel="first direction", ylabel="second direction", title=title)
        axis.legend(markerscale=3, fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
    return _finish(figure, save_to)


# Colour and legend label of each kind of layer in the architecture diagram.
LAYER_KINDS = {
    "input": ("#bbbbbb", "image"),
    "conv": ("#4c72b0", "3×3 convolution"),
    "down": ("#1f3f7a", "3×3 convolution, stride 2 (halves the size)"),
    "linear": ("#dd8452", "linear layer (its output is the code, or the decoder's 4,096 values)"),
    "up": ("#2a7a3f", "transposed convolution, stride 2 (doubles the size)"),
    "convT": ("#55a868", "transposed convolution"),
    "residual": ("#8172b3", "layer with a skip connection (notebook 5)"),
}


def layer_shapes(model: torch.nn.Module, x: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    """The kind (a key of ``LAYER_KINDS``) and output shape, batch left out, of every layer that ``x`` goes through."""
    residuals = [name for name, m in model.named_modules() if type(m).__name__ == "Residual"]
    layers, handles = [("input", tuple(x.shape[1:]))], []

    def kind(module: torch.nn.Module) -> str:
        if type(module).__name__ == "Residual":
            return "residual"
        if isinstance(module, torch.nn.Linear):
            return "linear"
        stride = module.stride[0]
        if isinstance(module, torch.nn.ConvTranspose2d):
            return "up" if stride > 1 else "convT"
        return "down" if stride > 1 else "conv"

    for name, module in model.named_modules():
        inside = any(name.startswith(r + ".") for r in residuals)
        wanted = isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)) or name in residuals
        if wanted and not inside and not name.endswith("skip"):
            hook = lambda m, i, out, k=kind(module): layers.append((k, tuple(out.shape[1:])))  # noqa: E731
            handles.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model.eval()(x)
    finally:
        for handle in handles:
            handle.remove()
    return layers


def _draw_layers(axis: Any, layers: list[tuple[str, tuple[int, ...]]]) -> None:
    """One block per layer, left to right: height follows the maps' side (or a vector's length), width the channels."""
    x, code_at = 0.0, None
    for kind, shape in layers:
        if kind == "linear" and code_at is None:  # the encoder's linear layer makes the code
            code_at = x
        if len(shape) == 3:  # maps (C, H, W)
            width, height, label = 0.25 * math.sqrt(shape[0]), 0.1 * shape[1], "×".join(map(str, shape))
        else:  # a vector: the code, or the values around it
            width, height, label = 0.35, math.sqrt(shape[0]) / 20, f"{shape[0]:,}"
        axis.add_patch(plt.Rectangle((x, -height / 2), width, height, color=LAYER_KINDS[kind][0]))
        axis.text(x + width / 2, -1.9, label, rotation=90, ha="center", va="top", fontsize=7)
        x += width + 0.3
    if code_at is not None:
        axis.text(code_at / 2, 1.7, "encoder", ha="center", fontsize=9)
        axis.text(code_at + 0.17, 1.7, "code", ha="center", fontsize=9, weight="bold")
        axis.text((code_at + x) / 2, 1.7, "decoder", ha="center", fontsize=9)
    axis.set_xlim(-0.3, x)
    axis.set_ylim(-4.6, 1.9)
    axis.axis("off")


def plot_architecture(
    models: torch.nn.Module | Mapping[str, torch.nn.Module], title: str = "", save_to: str | Path | None = None
) -> Figure:
    """The architecture diagram: each layer a block sized by its output's shape, labelled with it (C×H×W, or a length).

    ``models``: one autoencoder, or several by name (one row each, e.g. bottleneck 200 against 1000).
    """
    models = models if isinstance(models, Mapping) else {"": models}
    x = torch.zeros(1, 3, 32, 32)
    figure, axes = plt.subplots(len(models), 1, figsize=(11, 2.6 * len(models)), squeeze=False)
    kinds_seen: set[str] = set()
    for axis, (name, model) in zip(axes[:, 0], models.items()):
        layers = layer_shapes(model, x)
        kinds_seen.update(kind for kind, _ in layers)
        _draw_layers(axis, layers)
        axis.set_title(name, loc="left", fontsize=10)
    handles = [plt.Rectangle((0, 0), 1, 1, color=color) for k, (color, _) in LAYER_KINDS.items() if k in kinds_seen]
    labels = [label for k, (_, label) in LAYER_KINDS.items() if k in kinds_seen]
    figure.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
    figure.suptitle(title)
    figure.tight_layout(rect=(0, 0.12 if len(models) == 1 else 0.15, 1, 1))
    if save_to is not None:
        _finish(figure, save_to)
    return figure
