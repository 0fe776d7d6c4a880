"""Which device to train on, and how to train fast there.

``pick_device`` chooses the first of CUDA, Apple MPS and CPU that is available (the trainer
prints its choice once). ``speed_settings`` sets up precision and memory layout, one
function per kind of device, so the training loop itself holds none of these decisions.
"""

from __future__ import annotations

import os
import warnings
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import torch

from .checks import check_choice

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}  # "auto" and "fp32": no autocast


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
    """How a training run computes: autocast dtype (None: fp32), memory layout, and the fp16 loss scaler."""

    amp_dtype: torch.dtype | None
    memory_format: torch.memory_format
    scaler: torch.amp.GradScaler | None
    cuda_graphs: bool = False  # replay each training step from a CUDA graph (module ``graphs``)

    def autocast(self, device: torch.device) -> AbstractContextManager:
        """The context a forward pass runs in: autocast to ``amp_dtype``, or nothing for fp32."""
        return torch.autocast(device.type, dtype=self.amp_dtype) if self.amp_dtype else nullcontext()

    def describe(self) -> str:
        layout = "channels_last, " if self.memory_format == torch.channels_last else ""
        graphs = ", CUDA graphs" if self.cuda_graphs else ""
        return f"{layout}{self.amp_dtype or torch.float32}{graphs}"


def speed_settings(device: torch.device, precision: str = "auto", channels_last: bool | None = None) -> SpeedSettings:
    """Precision and memory layout for ``device``; ``channels_last=None``: on where it was measured to help (CPU)."""
    check_choice("precision", precision, PRECISIONS)
    if device.type == "cuda":
        return _cuda_settings(device, precision, channels_last)
    if device.type == "cpu":
        return _cpu_settings(precision, channels_last)
    dtype = AUTOCAST_DTYPES.get(precision)  # MPS: fp32 unless asked
    return SpeedSettings(dtype, torch.channels_last if channels_last else torch.contiguous_format, None)


def _cpu_settings(precision: str, channels_last: bool | None) -> SpeedSettings:
    """CPU: fp32 unless bf16 or fp16 is asked for; channels_last (oneDNN's faster layout) by default."""
    dtype = AUTOCAST_DTYPES.get(precision)
    if dtype is torch.bfloat16 and not cpu_has_native_bf16():
        warnings.warn(
            "precision='bf16' on a CPU without native bf16 instructions (AVX-512 BF16 or AMX) is emulated, "
            "so it is much slower than fp32 there; use precision='fp32'.",
            stacklevel=4,
        )
    layout = torch.contiguous_format if channels_last is False else torch.channels_last
    return SpeedSettings(dtype, layout, torch.amp.GradScaler("cpu") if dtype is torch.float16 else None)


def _cuda_settings(device: torch.device, precision: str, channels_last: bool | None) -> SpeedSettings:
    """CUDA: fp32, the default layout and CUDA graphs unless asked; bf16 autocast, or fp16 with a loss scaler.

    Measured on an H200 (docs/performance.md): at this model's size and batch 64 the GPU waits on kernel
    launches, and autocast's casts and channels_last's conversions add kernels, so each alone made training
    slower; without both, ``train()`` ran 1.14x the article's pipeline, against 0.84x with them. CUDA graphs
    (fp32 only; ``CONVAE_CUDA_GRAPHS=0`` turns them off) replay a whole step with one launch.
    """
    torch.backends.cudnn.benchmark = True  # picks the fastest convolution algorithm for the fixed shapes
    dtype = AUTOCAST_DTYPES.get(precision)
    scaler = torch.amp.GradScaler("cuda") if dtype is torch.float16 else None  # small fp16 gradients survive
    graphs = dtype is None and os.environ.get("CONVAE_CUDA_GRAPHS", "1") != "0"
    return SpeedSettings(dtype, torch.channels_last if channels_last else torch.contiguous_format, scaler, graphs)


def cpu_has_native_bf16() -> bool:
    """True when oneDNN reports native bf16 instructions on this CPU."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False
