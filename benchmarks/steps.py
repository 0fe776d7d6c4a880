"""What each speed setting is worth, one training step at a time, side by side in one process.

Trains the article's autoencoder (latent 200) for rounds of 20 steps of batch 64 on random
images in [-1, 1], each variant in turn, and prints the median images per second of each and
its ratio to plain fp32 steps. No data pipeline and no validation: only the step.

    python benchmarks/steps.py              # fp32, channels_last, fused Adam, both, fewer threads, bf16
    python benchmarks/steps.py --compile    # also torch.compile (slow to compile: tens of seconds)

On a CPU, "half the threads" runs the default settings (channels_last + fused Adam) with half
of PyTorch's default thread count (one per core), for the question whether fewer threads help.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from common import machine
from torch import nn

from convae_helpers import build_autoencoder

VARIANTS = {  # name: (channels_last, fused Adam, bf16 autocast, torch.compile)
    "fp32": (False, False, False, False),
    "channels_last": (True, False, False, False),
    "fused Adam": (False, True, False, False),
    "channels_last + fused": (True, True, False, False),
    "half the threads (+ channels_last, fused)": (True, True, False, False),
    "bf16 autocast": (False, False, True, False),
    "compile (+ channels_last, fused)": (True, True, False, True),
}
FEWER_THREADS = "half the threads (+ channels_last, fused)"


def make_step(channels_last: bool, fused: bool, bf16: bool, compiled: bool, device: str):
    """A function that runs one training step on a batch, with the given settings."""
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    network = build_autoencoder(200).to(device, memory_format=memory_format)
    optimizer = torch.optim.Adam(network.parameters(), 1e-3, fused=fused)
    forward = torch.compile(network) if compiled else network

    def step(batch: torch.Tensor) -> None:
        batch = batch.contiguous(memory_format=memory_format)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            loss = nn.functional.mse_loss(forward(batch), batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    names = [name for name in VARIANTS if args.compile or not VARIANTS[name][3]]
    default_threads = torch.get_num_threads()
    if args.device != "cpu" or default_threads < 2:
        names.remove(FEWER_THREADS)
    threads = {name: max(1, default_threads // 2) if name == FEWER_THREADS else default_threads for name in names}
    batches = (torch.rand(args.steps, 64, 3, 32, 32, device=args.device) * 2 - 1).unbind()
    steps = {}
    for name in names:  # build, then warm up (compilation happens here)
        torch.set_num_threads(threads[name])
        steps[name] = make_step(*VARIANTS[name], args.device)
        for batch in batches[:3]:
            steps[name](batch)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(args.rounds):
        for name in names:
            torch.set_num_threads(threads[name])
            if args.device == "cuda":
                torch.cuda.synchronize()
            started = time.perf_counter()
            for batch in batches:
                steps[name](batch)
            if args.device == "cuda":
                torch.cuda.synchronize()
            rates[name].append(64 * args.steps / (time.perf_counter() - started))
    torch.set_num_threads(default_threads)
    print(f"machine: {machine()}; {args.rounds} rounds of {args.steps} steps of batch 64 on {args.device}")
    base = statistics.median(rates["fp32"])
    for name in names:
        median = statistics.median(rates[name])
        print(f"{name:42s} {threads[name]:2d} threads {median:7.0f} images/s  {median / base:5.2f}x")


if __name__ == "__main__":
    main()
