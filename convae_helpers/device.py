"""Which device to train on, and how to train fast there.

``pick_device`` chooses the first of CUDA, Apple MPS and CPU that is available (the trainer
prints its choice once). ``speed_settings`` gives the memory layout and CUDA graphs measured
to help on each kind of device, so the training loop itself holds none of these decisions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

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
        threads = torch.get_num_threads()
        return f"cpu ({threads} thread{'' if threads == 1 else 's'})"
    return device.type


@dataclass(frozen=True)
class SpeedSettings:
    """How a training run computes, always in fp32: the images' memory layout, and whether CUDA graphs replay it."""

    memory_format: torch.memory_format
    cuda_graphs: bool = False  # replay each training step from a CUDA graph (module ``graphs``)

    def describe(self) -> str:
        layout = "channels_last, " if self.memory_format == torch.channels_last else ""
        graphs = ", CUDA graphs" if self.cuda_graphs else ""
        return f"{layout}torch.float32{graphs}"


def speed_settings(device: torch.device) -> SpeedSettings:
    """The trainer's settings for ``device``, each chosen by a measurement (docs/performance.md); all fp32.

    CPU: ``channels_last``, oneDNN's faster layout (1.09x; 1.15x with fused Adam, which ``models.configure_adam``
    picks wherever this PyTorch has it). CUDA: the default layout and CUDA graphs (module ``graphs``; 1.28x on an
    H200, where ``channels_last`` and bf16 autocast each made training slower: the GPU waits on kernel launches at
    this model's size, and they add kernels); ``CONVAE_CUDA_GRAPHS=0`` turns the graphs off. Elsewhere (MPS): the
    defaults. Other settings (bf16, fp16, ``torch.compile``) are measured in ``benchmarks/throughput.py --per-step``.
    """
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # picks the fastest convolution algorithm for the fixed shapes
        return SpeedSettings(torch.contiguous_format, os.environ.get("CONVAE_CUDA_GRAPHS", "1") != "0")
    layout = torch.channels_last if device.type == "cpu" else torch.contiguous_format
    return SpeedSettings(layout)
