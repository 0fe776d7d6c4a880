"""Argument checks shared by the public API (imports only torch).

Every check raises before any work starts, and its message names the argument,
what was given and what was expected, and the fix, so a learner can correct the call at once.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` if it is an integer >= 1, else raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a positive integer; got {value!r} of type {type(value).__name__}.")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (1 or more); got {value}.")
    return value


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming ``name``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}.")
    return value


def describe(x: Any) -> str:
    """A short description of a value for error messages: type, and shape and dtype for tensors."""
    if isinstance(x, torch.Tensor):
        return f"a tensor of shape {tuple(x.shape)} and dtype {x.dtype}"
    shape = getattr(x, "shape", None)
    if shape is not None:
        return f"a {type(x).__name__} of shape {tuple(shape)} and dtype {getattr(x, 'dtype', '?')}"
    return f"a {type(x).__name__}"


def _channel_hint(given: int, channels: int) -> str:
    if given == 1 and channels == 3:
        return " (grayscale? repeat it with x.repeat(1, 3, 1, 1), or build the model with in_channels=1)"
    if given == 3 and channels == 1:
        return " (colour images for a grayscale model? average them with x.mean(1, keepdim=True))"
    return ""


def check_image_batch(name: str, x: Any, channels: int = 3, size: int = 32, check_values: bool = True) -> torch.Tensor:
    """Check that ``x`` is a float batch of shape (N, channels, size, size) with finite values.

    ``check_values`` also scans every pixel for NaN, infinity and 0-255 values; it is a
    full pass over the data, so the trainer does it once per dataset, not per batch.
    """
    expected = f"a float tensor of shape (N, {channels}, {size}, {size}) with pixels in [-1, 1]"
    if not isinstance(x, torch.Tensor):
        hint = " Convert an array with torch.as_tensor(x)." if hasattr(x, "shape") else ""
        raise TypeError(f"{name} must be {expected}; got {describe(x)}.{hint}")
    shape = tuple(x.shape)
    if x.dim() == 3 and shape[0] == channels:
        raise ValueError(
            f"{name} has shape {shape}, a single image; expected {expected}. Add a batch dimension with x.unsqueeze(0)."
        )
    if x.dim() != 4:
        raise ValueError(f"{name} has shape {shape}; expected {expected}.")
    if shape[1] != channels and shape[3] == channels:
        raise ValueError(
            f"{name} has shape {shape}, which looks like (N, H, W, C); use .permute(0, 3, 1, 2) to get {expected}."
        )
    if shape[1] != channels:
        hint = _channel_hint(shape[1], channels)
        raise ValueError(f"{name} has {shape[1]} channel(s){hint} in shape {shape}; expected {expected}.")
    if shape[2:] != (size, size):
        raise ValueError(
            f"{name} has images of {shape[2]}x{shape[3]} pixels in shape {shape}; expected {expected}. "
            f"Resize them, e.g. with torchvision.transforms.Resize({size}) and CenterCrop({size})."
        )
    if not x.is_floating_point():
        raise TypeError(
            f"{name} has dtype {x.dtype} (raw 0-255 pixels?); expected {expected}. "
            "Normalise it first, e.g. x.float() / 127.5 - 1, or with convae_helpers.article_transform()."
        )
    if check_values:
        check_finite_pixels(name, x)
    return x


def check_finite_pixels(name: str, x: torch.Tensor) -> None:
    """Raise if ``x`` holds NaN or infinite values or looks like 0-255 floats; warn if it all lies in [0, 1]."""
    if not bool(torch.isfinite(x).all()):
        bad = int((~torch.isfinite(x)).sum())
        raise ValueError(f"{name} holds {bad} NaN or infinite pixel value(s); expected finite pixels in [-1, 1].")
    if not x.numel():
        return
    low, high = float(x.min()), float(x.max())
    if max(-low, high) > 10:
        raise ValueError(
            f"{name} has pixel values up to {max(-low, high):g}, which looks like 0-255 pixels stored as floats; "
            "expected pixels in [-1, 1]. Normalise with x / 127.5 - 1."
        )
    if low >= 0 and high <= 1 and x.numel() > 3 * 32 * 32:
        warnings.warn(
            f"{name}: every pixel lies in [0, 1], not [-1, 1]; a forgotten Normalize? "
            "article_transform() maps images to [-1, 1] (or use x * 2 - 1).",
            stacklevel=4,
        )


def check_code(z: Any, latent_dim: int, check_values: bool = True) -> torch.Tensor:
    """Check that ``z`` is a float batch of codes (N, latent_dim), finite where ``check_values``."""
    if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[1] != latent_dim:
        raise ValueError(f"z must be a tensor of shape (N, {latent_dim}); got {describe(z)}.")
    if check_values and (not z.is_floating_point() or not bool(torch.isfinite(z).all())):
        raise ValueError(f"z must hold finite float values; got {describe(z)} with NaN or infinite values.")
    return z
