"""The training loop as a lesson: one epoch of learning, one evaluation, one picture.

``train_epoch`` is the heart of every PyTorch training: for each batch, forward, loss,
backward, step. ``ConvolutionalAutoencoder.train`` calls it once per epoch, and
``evaluate`` after it. Nothing here knows about files, logs or printing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torchvision.utils import make_grid

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]
LossFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
# The project's recipe warms the learning rate up over the first 5% of the steps and cools it
# down towards 0 over the last 30%; in between it is the article's constant rate.
WARMUP_FRACTION = 0.05
COOLDOWN_FRACTION = 0.3


class NonFiniteLoss(FloatingPointError):
    """The loss of a batch was NaN or infinite; raised before it could reach the weights."""


@dataclass
class StopRequest:
    """Set by the first Ctrl-C (or the notebook's stop button): stop after the current batch."""

    requested: bool = False


def train_epoch(
    network: nn.Module, batches: Batches, loss_function: LossFunction, optimizer: torch.optim.Optimizer,
    losses: list[torch.Tensor], scheduler: Any = None, stop: StopRequest | None = None
) -> list[torch.Tensor]:
    """Train on every (inputs, targets) batch once; append each batch's loss (kept on the device) to ``losses``."""
    network.train()
    for inputs, targets in batches:
        loss = loss_function(network(inputs), targets)  # forward pass, then the loss
        if not bool(torch.isfinite(loss)):  # checked before backward(), so the weights stay good
            raise NonFiniteLoss(float(loss.detach()))
        optimizer.zero_grad(set_to_none=True)  # forget the previous batch's gradients
        loss.backward()  # the gradient of the loss with respect to every weight
        optimizer.step()  # one Adam step along it
        if scheduler is not None:
            scheduler.step()  # the learning rate for the next batch
        losses.append(loss.detach())
        if stop is not None and stop.requested:  # Ctrl-C: stop after this batch
            break
    return losses


def warmup_hold_cooldown(
    total_steps: int, warmup: float = WARMUP_FRACTION, cooldown: float = COOLDOWN_FRACTION
) -> Callable[[int], float]:
    """The learning-rate factor of the project's recipe at each step: linear warm-up, hold, linear cool-down."""
    warm = max(1, round(warmup * total_steps))
    cool = max(1, round(cooldown * total_steps))

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return min(1.0, max(0.0, (total_steps - step) / cool))

    return factor


@torch.inference_mode()
def evaluate(network: nn.Module, batches: Batches, loss_function: LossFunction) -> tuple[list[float], float]:
    """Per-batch losses (fp32) and their mean over the whole set, each batch weighted by its size."""
    network.eval()
    losses, sizes = [], []
    for inputs, targets in batches:
        losses.append(loss_function(network(inputs).float(), targets.float()))
        sizes.append(len(targets))
    values = torch.stack(losses)
    weights = torch.tensor(sizes, dtype=values.dtype, device=values.device)
    return values.tolist(), float((values * weights).sum() / weights.sum())


def reconstruction_grid(
    originals: torch.Tensor, reconstructions: torch.Tensor, inputs: torch.Tensor | None = None
) -> torch.Tensor:
    """One image (H, W, 3) on the CPU: ``originals`` in the top row, ``reconstructions`` below.

    With ``inputs`` (corrupted images a model restored), three rows: inputs, reconstructions, originals.
    All are (N, C, 32, 32) in [-1, 1]; the grid maps that fixed range to [0, 1] and clips what lies
    outside, so the originals keep their colours however far a reconstruction strays. (The article
    lets ``make_grid`` stretch each grid's own minimum and maximum, which shifts the originals' colours.)
    """
    rows = [originals, reconstructions] if inputs is None else [inputs, reconstructions, originals]
    return image_grid(rows)


def image_grid(rows: list[torch.Tensor]) -> torch.Tensor:
    """Rows of images (N, C, 32, 32) in [-1, 1], one above the other, as one picture (H, W, 3) on the CPU."""
    both = torch.cat([row.detach().float() for row in rows]).cpu()
    if both.shape[1] == 1:
        both = both.repeat(1, 3, 1, 1)
    return make_grid(both, nrow=len(rows[0]), normalize=True, value_range=(-1, 1), padding=1).permute(1, 2, 0)


@contextmanager
def stop_after_batch() -> Iterator[StopRequest]:
    """Turn the first Ctrl-C into a request to stop after the current batch; a second one interrupts at once."""
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def request_stop(signum: int, frame: Any) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.requested = True
        print("\nStop requested: finishing the current batch (press again to stop at once).")

    previous = signal.signal(signal.SIGINT, request_stop)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
