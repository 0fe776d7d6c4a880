"""CUDA graphs: one whole training step recorded once, then replayed with a single launch.

At this model's size a training step on a large GPU is a few hundred small kernels of microseconds each,
and the GPU spends most of a step waiting for Python to launch them (docs/performance.md). A CUDA graph
records the launches of one step (forward, loss, backward, Adam) once and replays them all with one call,
so the step costs the GPU's time, not Python's. The maths is the same as ``loop.train_epoch``'s.

Two things differ from the plain loop, both because a replayed step cannot ask the host a question:
- the non-finite check: Adam skips the update of a batch whose loss is NaN or infinite (``found_inf``, the
  way PyTorch's fp16 loss scaler does it), so the weights stay finite, and the losses are checked every
  ``CHECK_EVERY`` batches instead of before every ``backward()``;
- the learning rate lives in a tensor on the GPU, which the schedule fills before each replay.
Used by the trainer on CUDA in fp32 with fused Adam (``device.speed_settings``); ``CONVAE_CUDA_GRAPHS=0``
turns it off. On the CPU nothing here runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .loop import Batches, NonFiniteLoss, StopRequest

CHECK_EVERY = 100  # batches between two looks at the losses (each look waits for the GPU once)
WARMUP_STEPS = 3  # eager steps before a capture: cuDNN picks its algorithms, Adam makes its state


class GraphedStep:
    """A training step of ``network`` with ``loss_function`` and a fused ``optimizer``, as CUDA graphs.

    One graph is recorded per batch shape (a smaller last batch gets its own). Recording runs a few
    warm-up steps, which would train the network, so the weights and Adam's state are put back afterwards:
    a graphed run starts from exactly the weights an eager run would.
    """

    def __init__(self, network: nn.Module, loss_function: Callable, optimizer: torch.optim.Optimizer) -> None:
        self.network, self.loss_function, self.optimizer = network, loss_function, optimizer
        device = next(network.parameters()).device
        self.lr = torch.zeros((), device=device)
        self.found_inf = torch.zeros((), device=device)
        self.graphs: dict[tuple, tuple] = {}
        self.eager = False  # set when a step could not be recorded (e.g. a loss that reads values on the host)

    def __call__(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Train on one batch; return its loss (a tensor on the GPU, not yet read by the host)."""
        key = (tuple(inputs.shape), tuple(targets.shape))
        if key not in self.graphs and not self.eager:
            try:
                self.graphs[key] = self._record(inputs, targets)
            except RuntimeError as error:
                self.eager = True
                print(f"CUDA graphs could not record this step ({error}); training goes on without them.")
        if self.eager:
            return self._step(inputs, targets)
        graph, static_inputs, static_targets, static_loss = self.graphs[key]
        self._install_lr()
        static_inputs.copy_(inputs)
        static_targets.copy_(targets)
        graph.replay()
        return static_loss.clone()

    def release(self) -> None:
        """Give the optimizer plain numbers back (for checkpoints); the next step takes them up again."""
        for group in self.optimizer.param_groups:
            if group["lr"] is self.lr:
                group["lr"] = float(self.lr)

    def _install_lr(self) -> None:
        """Point every parameter group at the GPU tensor the graphs read, holding the schedule's present rate."""
        for group in self.optimizer.param_groups:
            if group["lr"] is not self.lr:  # the schedule set a plain number (older PyTorch, or a new call)
                self.lr.fill_(float(group["lr"]))
                group["lr"] = self.lr

    def _step(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_function(self.network(inputs), targets)
        if self.eager and not bool(torch.isfinite(loss)):  # without graphs: the plain loop's check
            raise NonFiniteLoss(float(loss.detach()))
        self.found_inf.copy_((~torch.isfinite(loss)).float())  # 1: fused Adam leaves this batch out
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    def _record(self, inputs: torch.Tensor, targets: torch.Tensor) -> tuple:
        self._install_lr()
        capturable = [group.get("capturable", False) for group in self.optimizer.param_groups]
        for group in self.optimizer.param_groups:  # only while recording: a checkpoint must load on a CPU too
            group["capturable"] = True
        saved = self._snapshot()
        static_inputs, static_targets = inputs.clone(), targets.clone()
        self.optimizer.found_inf, self.optimizer.grad_scale = self.found_inf, None
        try:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(WARMUP_STEPS):
                    self._step(static_inputs, static_targets)
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                static_loss = self._step(static_inputs, static_targets)
        finally:
            del self.optimizer.found_inf, self.optimizer.grad_scale
            for group, before in zip(self.optimizer.param_groups, capturable):
                group["capturable"] = before
            self._restore(saved)
        return graph, static_inputs, static_targets, static_loss

    def _snapshot(self) -> tuple[list[torch.Tensor], dict]:
        state = {id(p): {k: v.clone() for k, v in s.items()} for p, s in self.optimizer.state.items()}
        return [p.detach().clone() for p in self.network.parameters()], state

    def _restore(self, saved: tuple[list[torch.Tensor], dict]) -> None:
        """Put the weights and Adam's state back in place (the graphs read these very tensors)."""
        weights, state = saved
        with torch.no_grad():
            for p, w in zip(self.network.parameters(), weights):
                p.copy_(w)
            for p, s in self.optimizer.state.items():
                before = state.get(id(p))
                for k, v in s.items():
                    if before is None:  # no state before the warm-up: Adam's fresh state is zeros
                        v.zero_()
                    else:
                        v.copy_(before[k])


def graphs_possible(optimizer: torch.optim.Optimizer, speed: Any, loss_function: Any, wanted: bool = True) -> bool:
    """True where ``GraphedStep`` can run: wanted, on CUDA, fused Adam, a known loss.

    Only losses known to be recordable take graphs: MSE, L1, and those that say so (``cuda_graph_safe = True``,
    e.g. ``vae.VAELoss``). Others (notebook 5's MS-SSIM + L1, from torchmetrics, was not tried on a GPU) train
    with the plain loop.
    """
    groups = optimizer.param_groups
    on_cuda = all(p.is_cuda for group in groups for p in group["params"])
    fused = all(group.get("fused") for group in groups)
    if not (wanted and on_cuda and fused and speed.cuda_graphs):
        return False
    return isinstance(loss_function, (nn.MSELoss, nn.L1Loss)) or getattr(loss_function, "cuda_graph_safe", False)


def train_epoch_graphed(
    step: GraphedStep, batches: Batches, losses: list[torch.Tensor], scheduler: Any = None,
    stop: StopRequest | None = None,
) -> list[torch.Tensor]:  # fmt: skip
    """``loop.train_epoch`` with the step replayed from CUDA graphs; raises ``NonFiniteLoss`` at the next check."""
    step.network.train()
    checked = len(losses)
    try:
        for inputs, targets in batches:
            losses.append(step(inputs, targets))
            if scheduler is not None:
                scheduler.step()
            if len(losses) - checked >= CHECK_EVERY or (stop is not None and stop.requested):
                checked = _check_losses(losses, checked)
            if stop is not None and stop.requested:
                break
        _check_losses(losses, checked)
    finally:
        step.release()
    return losses


def _check_losses(losses: list[torch.Tensor], start: int) -> int:
    """Raise ``NonFiniteLoss`` (value, where) at the first bad loss after ``start``; else the number checked."""
    if len(losses) > start:
        recent = torch.stack(losses[start:])
        bad = (~torch.isfinite(recent)).nonzero()
        if len(bad):
            first = start + int(bad[0])
            where = (
                f"batch {first + 1} of the batches this call trained in that epoch; Adam skipped it, and the "
                f"{len(losses) - first - 1} batches after it, up to the check (every {CHECK_EVERY}), trained as usual"
            )
            raise NonFiniteLoss(float(recent[int(bad[0])]), where)
    return len(losses)
