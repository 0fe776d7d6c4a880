"""Which device to train on: the first of CUDA, Apple MPS and CPU that is available.

The choice is made once, by ``ConvolutionalAutoencoder``, and printed, so that a
learner always knows whether the GPU their notebook asked for is really in use.
"""

from __future__ import annotations

import torch


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """Return ``device`` as a ``torch.device``, or the best available one when it is None."""
    if device is not None:
        try:
            chosen = torch.device(device)
        except (RuntimeError, TypeError) as error:
            raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'mps'; got {device!r} ({error}).") from None
        if chosen.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device={device!r} was asked for, but PyTorch sees no CUDA GPU here; use device='cpu'.")
        if chosen.type == "mps" and not torch.backends.mps.is_available():
            raise ValueError(f"device={device!r} was asked for, but Apple MPS is not available here; use device='cpu'.")
        return chosen
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_device(device: torch.device) -> str:
    """A human description of ``device``, with the GPU's name where there is one."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type
