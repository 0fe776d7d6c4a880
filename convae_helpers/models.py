"""The models the notebooks build: the article's (module ``article``) and notebook 5's variants of it.

``build_autoencoder`` makes the article's autoencoder, or, given ``residual`` or other ``layers``, a variant:
the same encoder and decoder with a skip connection around each shape-keeping layer (``Residual``) and more or
fewer of them at each size. ``build_improved_autoencoder`` is notebook 5's improved model, with its recipe
(``IMPROVED_LR``, ``IMPROVED_BATCH_SIZE``). ``layer_table`` lists any model's layers. This layer sits above the
trainer, which never imports it; the variants register their classes so that checkpoints rebuild them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .article import PARTS, Autoencoder, Decoder, Encoder

# Shape-keeping layers at 32x32, 16x16 and 8x8, in each half: one at each size in the article; the deeper variant
# (notebook 5) moves the one at 32x32 to 16x16 and adds two at 16x16 and one at 8x8, where depth paid best.
ARTICLE_LAYERS = (1, 1, 1)
DEEPER_LAYERS = (0, 4, 2)


class Residual(nn.Module):
    """``x + act(conv(x))``: a layer that keeps the shape, with a skip connection around it.

    The skip lets every layer start as (almost) the identity and learn only a correction, which
    makes deep stacks easier to train; the layer itself and its parameters stay the same.
    """

    def __init__(self, conv: nn.Module, act: nn.Module) -> None:
        super().__init__()
        self.conv, self.act = conv, act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.act(self.conv(x))


def _checked_layers(layers: Any) -> list[int]:
    """``layers`` as a list of three counts (0 or more), else raise naming the argument and an example."""
    ok = isinstance(layers, (tuple, list)) and len(layers) == 3
    if not ok or any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in layers):
        raise ValueError(
            f"layers must be three counts of shape-keeping layers, at 32x32, 16x16 and 8x8, each 0 or more, "
            f"e.g. (1, 1, 1) as in the article; got {layers!r}."
        )
    return list(layers)


def _same_size(conv: Callable[[], nn.Module], act: Callable[[], nn.Module], residual: bool, count: int) -> list:
    """``count`` shape-keeping layers, each ``conv()`` and ``act()``: plain, as in the article, or in a ``Residual``."""
    layers: list[nn.Module] = []
    for _ in range(count):
        layers += [Residual(conv(), act())] if residual else [conv(), act()]
    return layers


class VariantEncoder(Encoder):
    """The article's ``Encoder`` with ``layers`` shape-keeping layers at 32x32, 16x16 and 8x8 (the article's: one
    at each), each inside a ``Residual`` skip where ``residual``; the other arguments are ``Encoder``'s."""

    def __init__(
        self, in_channels: int = 3, out_channels: int = 16, latent_dim: int = 200, act_fn: nn.Module = nn.ReLU(),
        activate_code: bool = True, residual: bool = False, layers: tuple[int, int, int] = ARTICLE_LAYERS,
    ) -> None:  # fmt: skip
        super().__init__(in_channels, out_channels, latent_dim, act_fn, activate_code)
        at_32, at_16, at_8 = _variant_config(self.config, "VariantEncoder", residual, layers)
        c, act, old = out_channels, lambda: copy.deepcopy(act_fn), self.net
        self.net = nn.Sequential(  # the article's layers, with the shape-keeping ones (2, 6, 10) replaced
            old[0], old[1], *_same_size(lambda: nn.Conv2d(c, c, 3, padding=1), act, residual, at_32),
            old[4], old[5], *_same_size(lambda: nn.Conv2d(2 * c, 2 * c, 3, padding=1), act, residual, at_16),
            old[8], old[9], *_same_size(lambda: nn.Conv2d(4 * c, 4 * c, 3, padding=1), act, residual, at_8),
            *old[12:],  # Flatten, the bottleneck and its activation
        )  # fmt: skip


class VariantDecoder(Decoder):
    """The article's ``Decoder``, mirroring ``VariantEncoder``: ``layers`` and ``residual`` as there."""

    def __init__(
        self, in_channels: int = 3, out_channels: int = 16, latent_dim: int = 200, act_fn: nn.Module = nn.ReLU(),
        residual: bool = False, layers: tuple[int, int, int] = ARTICLE_LAYERS,
    ) -> None:  # fmt: skip
        super().__init__(in_channels, out_channels, latent_dim, act_fn)
        at_32, at_16, at_8 = _variant_config(self.config, "VariantDecoder", residual, layers)
        c, act, old = out_channels, lambda: copy.deepcopy(act_fn), self.conv
        self.conv = nn.Sequential(  # the article's layers, with the shape-keeping ones (0, 4, 8) replaced
            *_same_size(lambda: nn.ConvTranspose2d(4 * c, 4 * c, 3, padding=1), act, residual, at_8),
            old[2], old[3],  # 8x8 -> 16x16
            *_same_size(lambda: nn.ConvTranspose2d(2 * c, 2 * c, 3, padding=1), act, residual, at_16),
            old[6], old[7],  # 16x16 -> 32x32
            *_same_size(lambda: nn.ConvTranspose2d(c, c, 3, padding=1), act, residual, at_32),
            old[10],  # the last layer, making the image
        )  # fmt: skip


def _variant_config(config: dict[str, Any], name: str, residual: Any, layers: Any) -> list[int]:
    """Check ``residual`` and ``layers``, record them and the class ``name`` in ``config``; the three counts."""
    if not isinstance(residual, bool):
        raise TypeError(f"residual must be True or False; got {residual!r}.")
    config.update({"residual": residual, "layers": _checked_layers(layers), "class": name})
    return config["layers"]


PARTS.update(VariantEncoder=VariantEncoder, VariantDecoder=VariantDecoder)  # so that checkpoints rebuild them


def build_autoencoder(
    latent_dim: int = 200,
    out_channels: int = 16,
    in_channels: int = 3,
    activate_code: bool = True,
    act_fn: nn.Module = nn.ReLU(),
    residual: bool = False,
    layers: tuple[int, int, int] = ARTICLE_LAYERS,
) -> Autoencoder:
    """The article's autoencoder with a bottleneck of ``latent_dim`` values (the defaults are the article's), or,
    given ``residual`` or other ``layers``, the variant with those changes (``VariantEncoder``, ``VariantDecoder``)."""
    options = dict(in_channels=in_channels, out_channels=out_channels, latent_dim=latent_dim, act_fn=act_fn)
    if residual is False and _checked_layers(layers) == list(ARTICLE_LAYERS):
        return Autoencoder(Encoder(**options, activate_code=activate_code), Decoder(**options))
    options.update(residual=residual, layers=layers)
    return Autoencoder(VariantEncoder(**options, activate_code=activate_code), VariantDecoder(**options))


# The improved model's recipe, chosen on validation images (notebook 5): the schedule's peak (the article's: 1e-3)
# and the batch size (the article's: 64; smaller batches give ten epochs twice the steps, at more CPU time).
IMPROVED_LR = 2e-3
IMPROVED_BATCH_SIZE = 32
# The deeper variant's recipe (notebook 5): batches halved again, the article's peak rate (2e-3 blew up at 16).
DEEPER_LR = 1e-3
DEEPER_BATCH_SIZE = 16


def build_improved_autoencoder(
    latent_dim: int = 200, out_channels: int = 16, in_channels: int = 3, deeper: bool = False
) -> Autoencoder:
    """The article's layers with three changes: a linear code, GELU, and a skip around each same-size layer.

    It has exactly the article's parameters (1,786,795 at latent 200); train it with ``lr=IMPROVED_LR`` and
    batches of ``IMPROVED_BATCH_SIZE``. ``deeper=True`` makes a fourth change, in the encoder and the decoder: the
    same-size layer at 32x32 moves to 16x16, and two more are added at 16x16 and one at 8x8 (``DEEPER_LAYERS``;
    1,911,499 parameters at latent 200). That is notebook 5's best model, trained with ``lr=DEEPER_LR`` and
    batches of ``DEEPER_BATCH_SIZE``.
    """
    if not isinstance(deeper, bool):
        raise TypeError(f"deeper must be True or False; got {deeper!r}.")
    layers = DEEPER_LAYERS if deeper else ARTICLE_LAYERS
    changes = dict(activate_code=False, act_fn=nn.GELU(), residual=True, layers=layers)
    return build_autoencoder(latent_dim, out_channels, in_channels, **changes)


def count_parameters(module: nn.Module) -> int:
    """The number of trainable parameters of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def layer_table(model: Autoencoder, x: torch.Tensor) -> str:
    """A Markdown table of every layer a batch ``x`` goes through: output shape and parameters."""
    rows = []

    def record(name: str) -> Any:
        def hook(module: nn.Module, inputs: Any, output: torch.Tensor) -> None:
            params = sum(p.numel() for p in module.parameters(recurse=False))
            rows.append(f"| {name} | {type(module).__name__} | {tuple(output.shape)} | {params:,} |")

        return hook

    handles = [
        module.register_forward_hook(record(f"{part}.{name}"))
        for part, block in (("encoder", model.encoder), ("decoder", model.decoder))
        for name, module in block.named_modules()
        if not list(module.children())
    ]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    header = "| layer | type | output shape | parameters |\n|---|---|---|---|"
    return "\n".join([header, f"| input | | {tuple(x.shape)} | |", *rows])
