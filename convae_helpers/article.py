"""The article's convolutional autoencoder, layer for layer: ``Encoder``, ``Decoder`` and ``Autoencoder``.

This is the model notebook 2 has you write yourself, and checks yours against. The module imports only torch
(and ``checks``). It owns what belongs to the network: its layers, the article's weight initialisation, the
optimizer it is trained with, and ``config`` / ``autoencoder_from_config``, which let a checkpoint rebuild it.
Notebook 5's variants (skips around layers, other depths) are in ``models``, above the trainer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .checks import check_code, check_image_batch, check_positive_int, describe


def _act_fn_name(act_fn: nn.Module) -> str | None:
    """The ``torch.nn`` class name that rebuilds ``act_fn``, or None if it has settings (``nn.LeakyReLU(0.3)``)."""
    name = type(act_fn).__name__
    try:
        return name if getattr(nn, name, None) is type(act_fn) and repr(type(act_fn)()) == repr(act_fn) else None
    except TypeError:  # an activation that cannot be built without arguments
        return None


def checked_config(
    in_channels: Any, out_channels: Any, latent_dim: Any, act_fn: Any, **flags: Any
) -> tuple[dict[str, Any], Callable[[], nn.Module]]:
    """The checked arguments of an encoder or decoder, as its ``config``, and a maker of activation modules
    (a fresh copy of ``act_fn`` for every position, so that no two layers share one)."""
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("latent_dim", latent_dim)):
        check_positive_int(name, value)
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False; got {value!r}.")
    if not isinstance(act_fn, nn.Module):
        raise TypeError(f"act_fn must be an activation module such as nn.ReLU(); got {describe(act_fn)}.")
    names = dict(in_channels=in_channels, out_channels=out_channels, latent_dim=latent_dim)
    return {**names, "act_fn": _act_fn_name(act_fn), **flags}, lambda: copy.deepcopy(act_fn)


class Encoder(nn.Module):
    """Six 3x3 convolutions, each followed by ``act_fn``, and a linear bottleneck: (N, C, 32, 32) -> (N, latent_dim).

    Args:
        in_channels: colour channels of the images (3 for RGB, 1 for grayscale).
        out_channels: feature maps of the first convolution (c); later blocks use 2c and 4c.
        latent_dim: size of the bottleneck vector, the code (the article uses 200, then 1000).
        act_fn: the activation after every layer.
        activate_code: the article puts ``act_fn`` on the code too; False leaves the code linear.
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 16,
        latent_dim: int = 200,
        act_fn: nn.Module = nn.ReLU(),
        activate_code: bool = True,
    ) -> None:
        super().__init__()
        self.config, act = checked_config(in_channels, out_channels, latent_dim, act_fn, activate_code=activate_code)
        c = out_channels
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, c, 3, padding=1), act(),  # (N, c, 32, 32)
            nn.Conv2d(c, c, 3, padding=1), act(),
            nn.Conv2d(c, 2 * c, 3, padding=1, stride=2), act(),  # stride 2 halves the size: (N, 2c, 16, 16)
            nn.Conv2d(2 * c, 2 * c, 3, padding=1), act(),
            nn.Conv2d(2 * c, 4 * c, 3, padding=1, stride=2), act(),  # (N, 4c, 8, 8)
            nn.Conv2d(4 * c, 4 * c, 3, padding=1), act(),
            nn.Flatten(),  # (N, 4c * 8 * 8)
            nn.Linear(4 * c * 8 * 8, latent_dim),  # the bottleneck: (N, latent_dim)
            act() if activate_code else nn.Identity(),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The one check here reads only the shape (cheap); the trainer also scans the pixel values.
        check_image_batch("x", x, channels=self.config["in_channels"], check_values=False)
        return self.net(x)


class Decoder(nn.Module):
    """A linear layer and six transposed convolutions: (N, latent_dim) -> (N, C, 32, 32).

    The arguments mirror ``Encoder``'s (the code's activation is the encoder's); ``act_fn`` follows every
    layer but the last, so the output is unconstrained, like the article's.
    """

    def __init__(
        self, in_channels: int = 3, out_channels: int = 16, latent_dim: int = 200, act_fn: nn.Module = nn.ReLU()
    ) -> None:
        super().__init__()
        self.config, act = checked_config(in_channels, out_channels, latent_dim, act_fn)
        c = self.out_channels = out_channels
        self.linear = nn.Sequential(nn.Linear(latent_dim, 4 * c * 8 * 8), act())  # (N, 4c * 8 * 8)
        self.conv = nn.Sequential(
            nn.ConvTranspose2d(4 * c, 4 * c, 3, padding=1), act(),  # (N, 4c, 8, 8)
            # stride 2 with output_padding 1 doubles the size exactly: (N, 2c, 16, 16)
            nn.ConvTranspose2d(4 * c, 2 * c, 3, padding=1, stride=2, output_padding=1), act(),
            nn.ConvTranspose2d(2 * c, 2 * c, 3, padding=1), act(),
            nn.ConvTranspose2d(2 * c, c, 3, padding=1, stride=2, output_padding=1), act(),  # (N, c, 32, 32)
            nn.ConvTranspose2d(c, c, 3, padding=1), act(),
            nn.ConvTranspose2d(c, in_channels, 3, padding=1),  # no activation: (N, in_channels, 32, 32)
        )  # fmt: skip

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_code(z, self.config["latent_dim"], check_values=False)
        x = self.linear(z)  # (N, latent_dim) -> (N, 4c * 8 * 8)
        x = x.view(-1, 4 * self.out_channels, 8, 8)  # (N, 4c, 8, 8)
        return self.conv(x)


class Autoencoder(nn.Module):
    """An ``Encoder`` followed by a ``Decoder`` with the same bottleneck size."""

    def __init__(self, encoder: Encoder, decoder: Decoder) -> None:
        super().__init__()
        if not isinstance(encoder, Encoder):
            raise TypeError(f"encoder must be a convae_helpers.Encoder; got {describe(encoder)}.")
        if not isinstance(decoder, Decoder):
            raise TypeError(f"decoder must be a convae_helpers.Decoder; got {describe(decoder)}.")
        for key in ("latent_dim", "in_channels"):
            if encoder.config[key] != decoder.config[key]:
                raise ValueError(
                    f"encoder and decoder must share {key}; got encoder {key}={encoder.config[key]} "
                    f"and decoder {key}={decoder.config[key]}."
                )
        self.encoder = encoder
        self.decoder = decoder

    @property
    def config(self) -> dict[str, Any]:
        """What ``autoencoder_from_config`` needs to build this network again (weights aside)."""
        return {"kind": "article", "encoder": dict(self.encoder.config), "decoder": dict(self.decoder.config)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.encoder(x)  # (N, C, 32, 32) -> (N, latent_dim)
        return self.decoder(z)  # (N, latent_dim) -> (N, C, 32, 32)


# What a config can name, beyond the article's: other networks (vae.py adds "vae") and other encoder and decoder
# classes (models.py adds notebook 5's), each registered where it is defined.
NETWORKS: dict[str, type] = {"article": Autoencoder}
PARTS: dict[str, type] = {"Encoder": Encoder, "Decoder": Decoder}


def autoencoder_from_config(config: dict[str, Any]) -> Autoencoder:
    """A fresh network built from ``model.config``; raises ValueError when the config cannot be rebuilt."""
    network = NETWORKS.get(config.get("kind", "article"))
    if network is None:
        kinds = ", ".join(map(repr, NETWORKS))
        raise ValueError(f"config describes a model of kind {config.get('kind')!r}; this version builds {kinds}.")
    parts = []
    for part in ("encoder", "decoder"):
        arguments = dict(config[part])
        cls = PARTS[arguments.pop("class", part.capitalize())]
        if arguments["act_fn"] is None:
            raise ValueError(
                "act_fn: only activations without settings (nn.ReLU(), nn.GELU(), ...) can be rebuilt from a "
                "checkpoint; use such an activation, or train without checkpoint_dir."
            )
        arguments["act_fn"] = getattr(nn, arguments["act_fn"])()
        parts.append(cls(**arguments))
    return network(*parts)


def init_weights(module: nn.Module) -> None:
    """The article's initialisation: Xavier-uniform weights and bias 0.01 for Conv2d and Linear layers.

    Other layers with parameters (the decoder's ConvTranspose2d, which is not a Conv2d) get
    PyTorch's default initialisation again, so that a seed fixes every starting weight.
    Use it as ``network.apply(init_weights)``.
    """
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        nn.init.xavier_uniform_(module.weight)
        nn.init.constant_(module.bias, 0.01)
    elif hasattr(module, "reset_parameters"):
        module.reset_parameters()


def configure_adam(network: nn.Module, lr: float) -> torch.optim.Adam:
    """The article's optimizer, Adam, in its fused form (the same maths in one kernel) where this PyTorch has it."""
    try:
        return torch.optim.Adam(network.parameters(), lr=lr, fused=True)
    except RuntimeError:  # no fused Adam for this device here (e.g. CPU before torch 2.4, MPS)
        return torch.optim.Adam(network.parameters(), lr=lr)
