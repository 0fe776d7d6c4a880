"""Argument checks shared by the public API.

Every check raises before any work starts, and its message names the argument,
what was given and what was expected, so a learner can fix the call at once.
"""

from __future__ import annotations

from typing import Any

import torch


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` if it is an integer >= 1, else raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a positive integer; got {value!r} of type {type(value).__name__}.")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (1 or more); got {value}.")
    return value


def describe(x: Any) -> str:
    """A short description of a value for error messages: type, and shape and dtype for tensors."""
    if isinstance(x, torch.Tensor):
        return f"a tensor of shape {tuple(x.shape)} and dtype {x.dtype}"
    shape = getattr(x, "shape", None)
    if shape is not None:
        return f"a {type(x).__name__} of shape {tuple(shape)}"
    return f"a {type(x).__name__}"


def check_image_batch(name: str, x: Any, channels: int = 3, size: int = 32, check_values: bool = True) -> torch.Tensor:
    """Check that ``x`` is a float batch of shape (N, channels, size, size) with finite values.

    ``check_values`` also scans every pixel for NaN, infinity and 0-255 values; it is a
    full pass over the data, so the training loop checks its data once, not per batch.
    """
    expected = f"a float tensor of shape (N, {channels}, {size}, {size}) with pixels in [-1, 1]"
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be {expected}; got {describe(x)}.")
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
        hint = " (grayscale? repeat it with x.repeat(1, 3, 1, 1))" if shape[1] == 1 else ""
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
    """Raise if ``x`` holds NaN or infinite values, or looks like 0-255 floats."""
    if not bool(torch.isfinite(x).all()):
        bad = int((~torch.isfinite(x)).sum())
        raise ValueError(f"{name} holds {bad} NaN or infinite pixel value(s); expected finite pixels in [-1, 1].")
    peak = float(x.abs().max()) if x.numel() else 0.0
    if peak > 10:
        raise ValueError(
            f"{name} has pixel values up to {peak:g}, which looks like 0-255 pixels stored as floats; "
            "expected pixels in [-1, 1]. Normalise with x / 127.5 - 1."
        )
