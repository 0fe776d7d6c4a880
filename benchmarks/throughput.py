"""Training speed: the article's pipeline against the project's ``train``, side by side in one process.

Both train the same model (the article's autoencoder, latent 200, the same initial weights)
on the same images with the same optimizer (Adam), loss (MSE) and batch size, for one epoch
including validation, on the same device:

* ``article``: plain Adam and ``train(pipeline="article", recipe="article")``: the article's
  DataLoaders over the article's dataset class, converting and normalising every image in every
  epoch, fp32, the default memory layout;
* ``project``: the defaults of ``device.speed_settings`` (tensors on the device, fused Adam; on the CPU
  channels_last; on CUDA fp32 in the default layout, cudnn.benchmark and CUDA graphs). ``--variant`` swaps
  in another setting to measure it alone.

After a warm-up of each, the runs alternate A B A B ... so that drifts of the machine's speed
hit both alike; the figure of merit is the median of the per-pair ratios. Each time is the
whole ``train`` call, the project's one-off conversion of the datasets into tensors included.

    python benchmarks/throughput.py                 # offline images, 6,400 training images
    python benchmarks/throughput.py --data /tmp/cifar10-jpeg/train --images 12800
    python benchmarks/throughput.py --variant compile   # also torch.compile (off by default)
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

import numpy as np
import torch
from common import machine
from torch import nn

from convae_helpers import (
    ConvolutionalAutoencoder,
    CustomCIFAR10,
    article_transform,
    build_autoencoder,
    load_image_folder,
    load_offline_cifar10,
)
from convae_helpers.models import build_improved_autoencoder

# Keyword arguments of the trainer (fused) and of train (the rest), per variant.
VARIANTS = {
    "article": dict(pipeline="article", recipe="article", precision="fp32", fused=False),
    "project": dict(),
    "no-channels-last": dict(channels_last=False),
    "no-fused-adam": dict(fused=False),
    "compile": dict(compile=True),
    "bf16": dict(precision="bf16"),
    "fp32": dict(precision="fp32"),
    "fp32-no-channels-last": dict(precision="fp32", channels_last=False),
    "no-cuda-graphs": dict(env={"CONVAE_CUDA_GRAPHS": "0"}),  # the project's defaults, each step launched eagerly
}
MODELS = {"article": lambda: build_autoencoder(200), "improved": lambda: build_improved_autoencoder(200)}
MODELS["deeper"] = lambda: build_improved_autoencoder(200, deeper=True)


def images(source: str | None, n: int) -> np.ndarray:
    """``n`` uint8 images (N, 32, 32, 3): from an ImageFolder tree, or the offline images."""
    data = load_image_folder(source).data if source else load_offline_cifar10(True, n=n).data
    return data[np.random.default_rng(0).permutation(len(data))[:n]]


def peak_memory_mb(device: torch.device) -> float:
    """Peak memory so far: allocated on the GPU, or the process's resident set on the CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(
    name: str, data: list, device: str | None, batch_size: int, epochs: int = 1, network: str = "article"
) -> tuple[float, torch.device]:
    """Seconds for one ``train`` call of ``epochs`` epochs with the settings of variant ``name``."""
    training, validation, test = (CustomCIFAR10(d, article_transform()) for d in data)
    options = dict(VARIANTS[name])
    fused, env = options.pop("fused", None), options.pop("env", {})
    model = ConvolutionalAutoencoder(MODELS[network](), device=device, fused=fused, verbose=False)
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    if model.device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    try:
        model.train(nn.MSELoss(), epochs, batch_size, training, validation, test, progress=False, **options)
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.update({key: value})
    if model.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started, model.device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="ImageFolder tree (default: the offline images)")
    parser.add_argument("--images", type=int, default=6400, help="training images per epoch")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--pairs", type=int, default=3, help="timed A B pairs after the warm-up")
    parser.add_argument("--variant", default="project", choices=list(VARIANTS), help="B, the setting measured")
    parser.add_argument("--against", default="article", choices=list(VARIANTS), help="A, what B is compared with")
    parser.add_argument("--device", default=None)
    parser.add_argument("--epochs", type=int, default=1, help="epochs per run: one-off costs amortise over more")
    parser.add_argument("--model", default="article", choices=list(MODELS), help="the network both sides train")
    args = parser.parse_args()

    pool = images(args.data, args.images + args.images // 10)
    data = [list(pool[: args.images]), list(pool[args.images :]), list(pool[-10:])]
    pair = (args.against, args.variant)
    print(f"machine: {machine()}")
    print(
        f"data: {args.data or 'offline images'}; {args.images} training + {len(data[1])} validation images, "
        f"batch {args.batch_size}, {args.epochs} epoch(s) per run, model {args.model}; A = {pair[0]}, B = {pair[1]}"
    )
    for name in pair:  # warm-up: first-call costs (allocators, cudnn autotuning, compilation)
        seconds, device = run(name, data, args.device, args.batch_size, args.epochs, args.model)
        print(f"warm-up {name}: {seconds:.1f} s")
    times: dict[str, list[float]] = {name: [] for name in pair}
    work = args.images * args.epochs  # training images per run
    for i in range(args.pairs):
        for name in pair:
            seconds, device = run(name, data, args.device, args.batch_size, args.epochs, args.model)
            times[name].append(seconds)
            print(f"pair {i + 1} {name}: {work / seconds:.0f} images/s ({seconds:.1f} s)", flush=True)
    ratios = [a / b for a, b in zip(times[args.against], times[args.variant])]
    for name in pair:
        print(f"{name:32s} median {work / statistics.median(times[name]):7.0f} images/s")
    print(
        f"speed-up {args.variant} / {args.against}: median {statistics.median(ratios):.2f}x "
        f"(pairs: {', '.join(f'{r:.2f}' for r in ratios)}); peak memory {peak_memory_mb(device):.0f} MB on {device}"
    )


if __name__ == "__main__":
    main()
