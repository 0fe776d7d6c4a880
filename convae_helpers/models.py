"""The article's convolutional autoencoder: ``Encoder``, ``Decoder`` and ``Autoencoder``.

With the default ``out_channels=16`` the encoder takes a (N, 3, 32, 32) batch down to
64 feature maps of 8x8 (4096 values) and a linear bottleneck of ``latent_dim`` values;
the decoder mirrors it with transposed convolutions. Each module remembers the
arguments it was built with (``config``), so a checkpoint can rebuild it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .checks import check_image_batch, check_positive_int, describe


def _activation(act_fn: Any) -> Callable[[], nn.Module]:
    """A maker of fresh copies of ``act_fn``, one per position, so no two layers share a module."""
    if not isinstance(act_fn, nn.Module):
        raise TypeError(f"act_fn must be an activation module such as nn.ReLU(); got {describe(act_fn)}.")
    return lambda: copy.deepcopy(act_fn)


def _act_fn_name(act_fn: nn.Module) -> str | None:
    """The ``torch.nn`` class name that rebuilds ``act_fn`` in a checkpoint, or None if it has settings.

    ``nn.ReLU()`` is rebuilt from its name alone; ``nn.LeakyReLU(0.3)`` is not, and a checkpoint
    refuses it rather than reload it as ``LeakyReLU(0.01)``.
    """
    name = type(act_fn).__name__
    try:
        return name if getattr(nn, name, None) is type(act_fn) and repr(type(act_fn)()) == repr(act_fn) else None
    except TypeError:  # an activation that cannot be built without arguments
        return None


def _checked_config(
    in_channels: Any, out_channels: Any, latent_dim: Any, act_fn: Any
) -> tuple[dict[str, Any], Callable[[], nn.Module]]:
    """The checked constructor arguments of an Encoder or Decoder, and a maker of activation modules."""
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("latent_dim", latent_dim)):
        check_positive_int(name, value)
    act = _activation(act_fn)
    config = dict(
        in_channels=in_channels, out_channels=out_channels, latent_dim=latent_dim, act_fn=_act_fn_name(act_fn)
    )
    return config, act


class Encoder(nn.Module):
    """Six 3x3 convolutions and a linear bottleneck: (N, 3, 32, 32) -> (N, latent_dim).

    Args:
        in_channels: colour channels of the images (3 for RGB).
        out_channels: feature maps of the first convolution (c); later blocks use 2c and 4c.
        latent_dim: size of the bottleneck vector (the article uses 200, then 1000).
        act_fn: the activation after every layer, the bottleneck included.
    """

    def __init__(
        self, in_channels: int = 3, out_channels: int = 16, latent_dim: int = 200, act_fn: nn.Module = nn.ReLU()
    ) -> None:
        super().__init__()
        self.config, act = _checked_config(in_channels, out_channels, latent_dim, act_fn)
        c = out_channels
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, c, 3, padding=1),
            act(),
            nn.Conv2d(c, c, 3, padding=1),
            act(),
            nn.Conv2d(c, 2 * c, 3, padding=1, stride=2),  # halves the size: 32x32 -> 16x16
            act(),
            nn.Conv2d(2 * c, 2 * c, 3, padding=1),
            act(),
            nn.Conv2d(2 * c, 4 * c, 3, padding=1, stride=2),  # 16x16 -> 8x8
            act(),
            nn.Conv2d(4 * c, 4 * c, 3, padding=1),
            act(),
            nn.Flatten(),
            nn.Linear(4 * c * 8 * 8, latent_dim),  # the bottleneck
            act(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch("x", x, channels=self.config["in_channels"], check_values=False)
        return self.net(x)  # (N, C, 32, 32) -> (N, latent_dim)


class Decoder(nn.Module):
    """A linear layer and six transposed convolutions: (N, latent_dim) -> (N, 3, 32, 32).

    The arguments mirror ``Encoder``; ``act_fn`` follows every layer but the last, so the
    output is unconstrained, like the article's.
    """

    def __init__(
        self, in_channels: int = 3, out_channels: int = 16, latent_dim: int = 200, act_fn: nn.Module = nn.ReLU()
    ) -> None:
        super().__init__()
        self.config, act = _checked_config(in_channels, out_channels, latent_dim, act_fn)
        c = out_channels
        self.out_channels = c
        self.linear = nn.Sequential(nn.Linear(latent_dim, 4 * c * 8 * 8), act())
        self.conv = nn.Sequential(
            nn.ConvTranspose2d(4 * c, 4 * c, 3, padding=1),
            act(),
            # stride 2 with output_padding 1 doubles the size exactly: 8x8 -> 16x16
            nn.ConvTranspose2d(4 * c, 2 * c, 3, padding=1, stride=2, output_padding=1),
            act(),
            nn.ConvTranspose2d(2 * c, 2 * c, 3, padding=1),
            act(),
            nn.ConvTranspose2d(2 * c, c, 3, padding=1, stride=2, output_padding=1),  # 16x16 -> 32x32
            act(),
            nn.ConvTranspose2d(c, c, 3, padding=1),
            act(),
            nn.ConvTranspose2d(c, in_channels, 3, padding=1),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        latent_dim = self.config["latent_dim"]
        if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[1] != latent_dim:
            raise ValueError(f"z must be a tensor of shape (N, {latent_dim}); got {describe(z)}.")
        x = self.linear(z)  # (N, latent_dim) -> (N, 4c * 8 * 8)
        x = x.view(-1, 4 * self.out_channels, 8, 8)  # (N, 4c, 8, 8)
        return self.conv(x)  # (N, in_channels, 32, 32)


class Autoencoder(nn.Module):
    """An ``Encoder`` followed by a ``Decoder`` with the same bottleneck size."""

    def __init__(self, encoder: Encoder, decoder: Decoder) -> None:
        super().__init__()
        if not isinstance(encoder, Encoder):
            raise TypeError(f"encoder must be a convae_helpers.Encoder; got {describe(encoder)}.")
        if not isinstance(decoder, Decoder):
            raise TypeError(f"decoder must be a convae_helpers.Decoder; got {describe(decoder)}.")
        if encoder.config["latent_dim"] != decoder.config["latent_dim"]:
            raise ValueError(
                f"encoder and decoder must share latent_dim; got encoder latent_dim={encoder.config['latent_dim']} "
                f"and decoder latent_dim={decoder.config['latent_dim']}."
            )
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.encoder(x)  # (N, 3, 32, 32) -> (N, latent_dim)
        return self.decoder(z)  # (N, latent_dim) -> (N, 3, 32, 32)


def build_autoencoder(latent_dim: int = 200, out_channels: int = 16, in_channels: int = 3) -> Autoencoder:
    """The article's autoencoder with a bottleneck of ``latent_dim`` values (ReLU activations)."""
    return Autoencoder(
        Encoder(in_channels, out_channels, latent_dim, nn.ReLU()),
        Decoder(in_channels, out_channels, latent_dim, nn.ReLU()),
    )


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
