"""The article's convolutional autoencoder: ``Encoder``, ``Decoder`` and ``Autoencoder``.

The module imports only torch. It owns what belongs to the network: its layers, the
article's weight initialisation, the optimizer it is trained with, and ``config`` /
``autoencoder_from_config``, which let a checkpoint rebuild the network it came from.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .checks import check_code, check_image_batch, check_positive_int, describe


def _activation(act_fn: Any) -> Callable[[], nn.Module]:
    """A maker of fresh copies of ``act_fn``, one per position, so no two layers share a module."""
    if not isinstance(act_fn, nn.Module):
        raise TypeError(f"act_fn must be an activation module such as nn.ReLU(); got {describe(act_fn)}.")
    return lambda: copy.deepcopy(act_fn)


def _act_fn_name(act_fn: nn.Module) -> str | None:
    """The ``torch.nn`` class name that rebuilds ``act_fn``, or None if it has settings (``nn.LeakyReLU(0.3)``)."""
    name = type(act_fn).__name__
    try:
        return name if getattr(nn, name, None) is type(act_fn) and repr(type(act_fn)()) == repr(act_fn) else None
    except TypeError:  # an activation that cannot be built without arguments
        return None


def _checked_layers(layers: Any) -> list[int]:
    """``layers`` as a list of three counts (0 or more), else raise naming the argument and an example."""
    ok = isinstance(layers, (tuple, list)) and len(layers) == 3
    if not ok or any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in layers):
        raise ValueError(
            f"layers must be three counts of shape-keeping layers, at 32x32, 16x16 and 8x8, each 0 or more, "
            f"e.g. (1, 1, 1) as in the article; got {layers!r}."
        )
    return list(layers)


def _checked_config(
    in_channels: Any, out_channels: Any, latent_dim: Any, act_fn: Any, layers: Any, **flags: Any
) -> tuple[dict[str, Any], Callable[[], nn.Module]]:
    """The checked constructor arguments of an Encoder or Decoder, and a maker of activation modules."""
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("latent_dim", latent_dim)):
        check_positive_int(name, value)
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False; got {value!r}.")
    act = _activation(act_fn)
    config = dict(
        in_channels=in_channels,
        out_channels=out_channels,
        latent_dim=latent_dim,
        act_fn=_act_fn_name(act_fn),
        **flags,
        layers=_checked_layers(layers),
    )
    return config, act


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


def _same_size(conv: Callable[[], nn.Module], act: Callable[[], nn.Module], residual: bool, count: int) -> list:
    """``count`` shape-keeping layers, each ``conv()`` and ``act()``: plain, as in the article, or in a ``Residual``."""
    layers: list[nn.Module] = []
    for _ in range(count):
        layers += [Residual(conv(), act())] if residual else [conv(), act()]
    return layers


# Shape-keeping layers at 32x32, 16x16 and 8x8, in each half: one at each size in the article; the deeper variant
# (notebook 5) moves the one at 32x32 to 16x16 and adds two at 16x16 and one at 8x8, where depth paid best.
ARTICLE_LAYERS = (1, 1, 1)
DEEPER_LAYERS = (0, 4, 2)


class Encoder(nn.Module):
    """Six 3x3 convolutions (with the article's ``layers``) and a linear bottleneck: (N, C, 32, 32) -> (N, latent_dim).

    Args:
        in_channels: colour channels of the images (3 for RGB, 1 for grayscale).
        out_channels: feature maps of the first convolution (c); later blocks use 2c and 4c.
        latent_dim: size of the bottleneck vector (the article uses 200, then 1000).
        act_fn: the activation after every layer.
        activate_code: the article puts ``act_fn`` on the code too; False leaves the code linear.
        residual: a skip connection around each layer that keeps the size (not in the article).
        layers: shape-keeping layers at 32x32, 16x16 and 8x8: (1, 1, 1) in the article, ``DEEPER_LAYERS`` deeper.
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 16,
        latent_dim: int = 200,
        act_fn: nn.Module = nn.ReLU(),
        activate_code: bool = True,
        residual: bool = False,
        layers: tuple[int, int, int] = ARTICLE_LAYERS,
    ) -> None:
        super().__init__()
        self.config, act = _checked_config(
            in_channels, out_channels, latent_dim, act_fn, layers, activate_code=activate_code, residual=residual
        )
        c = out_channels
        at_32, at_16, at_8 = layers
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, c, 3, padding=1),
            act(),
            *_same_size(lambda: nn.Conv2d(c, c, 3, padding=1), act, residual, at_32),
            nn.Conv2d(c, 2 * c, 3, padding=1, stride=2),  # halves the size: 32x32 -> 16x16
            act(),
            *_same_size(lambda: nn.Conv2d(2 * c, 2 * c, 3, padding=1), act, residual, at_16),
            nn.Conv2d(2 * c, 4 * c, 3, padding=1, stride=2),  # 16x16 -> 8x8
            act(),
            *_same_size(lambda: nn.Conv2d(4 * c, 4 * c, 3, padding=1), act, residual, at_8),
            nn.Flatten(),
            nn.Linear(4 * c * 8 * 8, latent_dim),  # the bottleneck
            act() if activate_code else nn.Identity(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The one check here reads only the shape (cheap); the trainer also scans the pixel values.
        check_image_batch("x", x, channels=self.config["in_channels"], check_values=False)
        return self.net(x)  # (N, C, 32, 32) -> (N, latent_dim)


class Decoder(nn.Module):
    """A linear layer and six transposed convolutions (the article's ``layers``): (N, latent_dim) -> (N, C, 32, 32).

    The arguments mirror ``Encoder``'s (the code's activation is the encoder's); ``act_fn`` follows every
    layer but the last, so the output is unconstrained, like the article's.
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 16,
        latent_dim: int = 200,
        act_fn: nn.Module = nn.ReLU(),
        residual: bool = False,
        layers: tuple[int, int, int] = ARTICLE_LAYERS,
    ) -> None:
        super().__init__()
        self.config, act = _checked_config(in_channels, out_channels, latent_dim, act_fn, layers, residual=residual)
        c = out_channels
        self.out_channels = c
        at_32, at_16, at_8 = layers
        self.linear = nn.Sequential(nn.Linear(latent_dim, 4 * c * 8 * 8), act())
        self.conv = nn.Sequential(
            *_same_size(lambda: nn.ConvTranspose2d(4 * c, 4 * c, 3, padding=1), act, residual, at_8),
            # stride 2 with output_padding 1 doubles the size exactly: 8x8 -> 16x16
            nn.ConvTranspose2d(4 * c, 2 * c, 3, padding=1, stride=2, output_padding=1),
            act(),
            *_same_size(lambda: nn.ConvTranspose2d(2 * c, 2 * c, 3, padding=1), act, residual, at_16),
            nn.ConvTranspose2d(2 * c, c, 3, padding=1, stride=2, output_padding=1),  # 16x16 -> 32x32
            act(),
            *_same_size(lambda: nn.ConvTranspose2d(c, c, 3, padding=1), act, residual, at_32),
            nn.ConvTranspose2d(c, in_channels, 3, padding=1),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_code(z, self.config["latent_dim"], check_values=False)
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


NETWORKS: dict[str, type] = {}  # other kinds of network, each a class of (encoder, decoder): vae.py adds "vae"


def autoencoder_from_config(config: dict[str, Any]) -> Autoencoder:
    """A fresh network built from ``model.config``; raises ValueError when the config cannot be rebuilt."""
    network = {"article": Autoencoder, **NETWORKS}.get(config.get("kind", "article"))
    if network is None:
        raise ValueError(f"config describes a model of kind {config.get('kind')!r}; this version builds 'article'.")
    parts = []
    for part, cls in (("encoder", Encoder), ("decoder", Decoder)):
        arguments = dict(config[part])
        if arguments["act_fn"] is None:
            raise ValueError(
                "act_fn: only activations without settings (nn.ReLU(), nn.GELU(), ...) can be rebuilt from a "
                "checkpoint; use such an activation, or train without checkpoint_dir."
            )
        arguments["act_fn"] = getattr(nn, arguments["act_fn"])()
        parts.append(cls(**arguments))
    return network(*parts)


def build_autoencoder(
    latent_dim: int = 200,
    out_channels: int = 16,
    in_channels: int = 3,
    activate_code: bool = True,
    act_fn: nn.Module = nn.ReLU(),
    residual: bool = False,
    layers: tuple[int, int, int] = ARTICLE_LAYERS,
) -> Autoencoder:
    """The article's autoencoder with a bottleneck of ``latent_dim`` values; the defaults are the article's."""
    options = dict(in_channels=in_channels, out_channels=out_channels, latent_dim=latent_dim, act_fn=act_fn)
    options.update(residual=residual, layers=layers)
    return Autoencoder(Encoder(**options, activate_code=activate_code), Decoder(**options))


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
