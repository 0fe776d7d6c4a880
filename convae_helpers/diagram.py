"""The architecture diagram: every layer of an autoencoder drawn as a block sized by its output's shape.

``layer_shapes`` runs one batch through a model and records, in order, the kind and output shape of every
convolution, linear layer and residual layer; ``plot_architecture`` draws them left to right, labelled, so the
figure follows the model it is given (the article's, either bottleneck, the improved and deeper ones).
It is drawn by code, not stored as a picture, so it looks the same on GitHub, in Colab and offline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

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
        Path(save_to).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(save_to, dpi=120, bbox_inches="tight")
    return figure
