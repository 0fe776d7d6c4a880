"""Notebook 5's ablation: each change to the article's autoencoder alone, then together, at bottleneck 200.

    python benchmarks/ablation.py --data /tmp/cifar10-split/train --train-images 10000 --epochs 3

Every variant trains with the project's recipe (reshuffled batches, warm-up and cool-down), from
seed 0, on the same first ``--train-images`` training images, and is scored on all the held-out
validation images (the last ``--holdout`` of each class): PSNR = 10·log10(4 / MSE) and SSIM
(torchmetrics, data range 2) on images in [-1, 1]. "Seconds per epoch" is first the median of the
trainer's epoch times (training and validation), which other jobs on the machine distort; then

    python benchmarks/ablation.py --data /tmp/cifar10-split/train --train-images 10000 --time 3

on an otherwise idle machine replaces it by the median of three turns of one epoch each, the
variants taking turns (training only), on ``--threads`` threads. Ratios to the article's model are
what carries over to other machines.
A pilot this short ranks the changes; it does not give their value after ten full epochs
(``quality.py`` measures that). Results go to ``--out`` (default runs/benchmarks/ablation.json); variants
already there, measured with the same settings, are kept and not measured again.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import torch
from common import benchmark_parser, folder_split, machine, write_results
from torch import nn

from convae_helpers import Autoencoder, ConvolutionalAutoencoder, build_autoencoder
from convae_helpers.metrics import image_scores
from convae_helpers.models import DEEPER_LAYERS

IMPROVED = dict(activate_code=False, act_fn=nn.GELU(), residual=True)
TIME_IMAGES = 1000  # images per timed epoch (--time)
# name: (changes to build_autoencoder, or linear_skip (``LinearSkip``), BatchNorm?, width, peak rate, batch size)
VARIANTS = {
    "the article's model": ({}, False, 16, 1e-3, 64),
    "linear code": (dict(activate_code=False), False, 16, 1e-3, 64),
    "BatchNorm": ({}, True, 16, 1e-3, 64),
    "GELU": (dict(act_fn=nn.GELU()), False, 16, 1e-3, 64),
    "residual": (dict(residual=True), False, 16, 1e-3, 64),
    "width 24": ({}, False, 24, 1e-3, 64),
    "linear skip": (dict(linear_skip=True), False, 16, 1e-3, 64),
    "linear code + GELU + residual": (IMPROVED, False, 16, 1e-3, 64),
    "  + BatchNorm": (IMPROVED, True, 16, 1e-3, 64),
    "  + peak rate 2e-3": (IMPROVED, False, 16, 2e-3, 64),
    "  + peak rate 3e-3": (IMPROVED, False, 16, 3e-3, 64),
    "  + peak rate 2e-3, width 20": (IMPROVED, False, 20, 2e-3, 64),
    "  + peak rate 3e-3, width 20": (IMPROVED, False, 20, 3e-3, 64),
    "  + peak rate 2e-3, batch 32": (IMPROVED, False, 16, 2e-3, 32),
    "  + peak rate 2e-3, batch 32, width 20": (IMPROVED, False, 20, 2e-3, 32),
    "  + peak rate 2e-3, linear skip": (IMPROVED | dict(linear_skip=True), False, 16, 2e-3, 64),
    "  + peak rate 2e-3, batch 32, deeper": (IMPROVED | dict(layers=DEEPER_LAYERS), False, 16, 2e-3, 32),
    "  + batch 16": (IMPROVED, False, 16, 1e-3, 16),
    "  + batch 16, deeper": (IMPROVED | dict(layers=DEEPER_LAYERS), False, 16, 1e-3, 16),
}


def with_batchnorm(network: nn.Module) -> nn.Module:
    """``network`` with a BatchNorm after every convolution but the last (for this measurement only)."""
    convolutions = [
        (parent, name, child)
        for parent in network.modules()
        for name, child in parent.named_children()
        if isinstance(child, (nn.Conv2d, nn.ConvTranspose2d))
    ]
    for parent, name, conv in convolutions[:-1]:  # the last one makes the image
        setattr(parent, name, nn.Sequential(conv, nn.BatchNorm2d(conv.out_channels)))
    return network


class LinearSkip(Autoencoder):
    """``network`` with linear maps from the pixels straight to the code and from the code straight to the pixels,
    added to the convolutions' (for this measurement only): on their own they can learn what PCA finds."""

    def __init__(self, network: Autoencoder) -> None:
        super().__init__(network.encoder, network.decoder)
        pixels, latent = 3 * 32 * 32, network.encoder.config["latent_dim"]
        self.to_code, self.to_pixels = nn.Linear(pixels, latent), nn.Linear(latent, pixels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        code = self.encoder(x) + self.to_code(x.flatten(1))
        images = self.decoder(code)
        return images + self.to_pixels(code).view(images.shape)


def new_model(name: str) -> ConvolutionalAutoencoder:
    """Variant ``name``, untrained, with its peak learning rate."""
    changes, batchnorm, width, lr, _ = VARIANTS[name]
    changes = dict(changes)
    skip = changes.pop("linear_skip", False)
    network = build_autoencoder(200, width, **changes)
    network = with_batchnorm(network) if batchnorm else network
    return ConvolutionalAutoencoder(LinearSkip(network) if skip else network, lr=lr, verbose=False)


def measure_network(name: str, train_x: torch.Tensor, val_x: torch.Tensor, epochs: int) -> ConvolutionalAutoencoder:
    """Train one variant from seed 0; its log is ``model.log_dict``."""
    model = new_model(name)
    model.train(nn.MSELoss(), epochs, VARIANTS[name][4], train_x, val_x, val_x[:10], seed=0, progress=False)
    return model


def measure(name: str, train_x: torch.Tensor, val_x: torch.Tensor, epochs: int) -> dict:
    """Train one variant and score it."""
    _, _, width, lr, batch_size = VARIANTS[name]
    model = measure_network(name, train_x, val_x, epochs)
    log = model.log_dict
    found = image_scores(model.autoencode, val_x)
    return {
        "psnr": found["psnr"],
        "ssim": found["ssim"],
        "mse": found["mse"],
        "parameters": sum(p.numel() for p in model.network.parameters()),
        "seconds_per_epoch": statistics.median(log["epoch_seconds"]),
        "lr": lr,
        "batch_size": batch_size,
        "width": width,
    }


def time_epochs(names: list[str], train_x: torch.Tensor, rounds: int) -> dict[str, float]:
    """Median seconds of one training epoch on ``train_x`` for each variant, the variants taking turns."""
    seconds: dict[str, list[float]] = {name: [] for name in names}
    models = {name: new_model(name) for name in names}
    for _ in range(rounds + 1):  # the first round warms up and is not counted
        for name, model in models.items():
            started = time.perf_counter()
            model.train(nn.MSELoss(), 1, VARIANTS[name][4], train_x, train_x[:64], train_x[:10], progress=False)
            seconds[name].append(time.perf_counter() - started)
    return {name: statistics.median(times[1:]) for name, times in seconds.items()}


def parser():
    """The shared options, and which variants to measure or time, on how many images and threads."""
    found = benchmark_parser(__doc__, "ablation.json", "data", "holdout")
    found.add_argument("--train-images", type=int, default=10_000)
    found.add_argument("--epochs", type=int, default=3)
    found.add_argument("--threads", type=int, default=1)
    found.add_argument("--only", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    found.add_argument(
        "--time", type=int, default=0, metavar="ROUNDS",
        help="instead of training: time one epoch of 1,000 images of every variant in --out, taking turns, ROUNDS "
        "times (on an idle machine), and write the medians, scaled to --train-images, as seconds_per_epoch",
    )  # fmt: skip
    return found


def earlier_results(args, results: dict) -> dict:
    """What ``--out`` holds already, refused when it was measured with other settings (or is missing for --time)."""
    earlier = json.loads(args.out.read_text()) if args.out.is_file() else {}
    same = ("data", "training_images") if args.time else [key for key in results if key != "runs"]
    if earlier and any(earlier.get(key) != results[key] for key in same):
        raise SystemExit(f"--out: {args.out} holds a measurement with other settings; choose another --out")
    if args.time and not earlier:
        raise SystemExit(f"--time: {args.out} holds no measurement to time; run without --time first")
    return earlier


def time_measured(args, results: dict, train_x: torch.Tensor) -> None:
    """Replace the seconds per epoch of the variants already measured by timed turns on an idle machine."""
    n = min(TIME_IMAGES, len(train_x))
    timed = time_epochs([name for name in args.only if name in results["runs"]], train_x[:n], args.time)
    for name, seconds in timed.items():
        results["runs"][name]["seconds_per_epoch"] = seconds * len(train_x) / n
        print(f"{name:40s} {seconds:6.1f} s per {n:,} images ({seconds / timed[next(iter(timed))]:.2f}x)")
    results["timing"] = (
        f"median of {args.time} turns of one epoch of {n:,} images each (after one turn to warm up), "
        f"variants taking turns on an otherwise idle machine, {args.threads} thread(s), scaled to "
        f"{len(train_x):,} images; validation not included"
    )
    write_results(args.out, results)


def measure_missing(args, results: dict, train_x: torch.Tensor, val_x: torch.Tensor) -> None:
    """Train and score every variant asked for that ``results`` lacks, writing the JSON after each."""
    for name in (name for name in args.only if name not in results["runs"]):
        results["runs"][name] = found = measure(name, train_x, val_x, args.epochs)
        print(
            f"{name:40s} {found['psnr']:6.2f} dB  SSIM {found['ssim']:.3f}  {found['parameters']:>9,d} parameters  "
            f"{found['seconds_per_epoch']:6.1f} s/epoch",
            flush=True,
        )
        write_results(args.out, results)
    print(f"written: {args.out}")


def main() -> None:
    """Measure the variants not yet in ``--out``, or (``--time``) time those that are."""
    args = parser().parse_args()
    torch.set_num_threads(args.threads)
    train_x, val_x = folder_split(args.data, args.holdout)
    train_x = train_x[: args.train_images]
    results = {"machine": machine(), "threads": args.threads, "data": Path(args.data).name, "epochs": args.epochs}
    results.update(training_images=len(train_x), validation_images=len(val_x), latent=200, runs={})
    earlier = earlier_results(args, results)
    if args.time:
        time_measured(args, earlier, train_x)
    else:
        results["runs"] = earlier.get("runs", {})  # variants measured already are kept, not measured again
        measure_missing(args, results, train_x, val_x)


if __name__ == "__main__":
    main()
