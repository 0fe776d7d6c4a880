"""Notebook 6's sweep: a denoiser for each noise level against the noisy input and two classical filters.

    python benchmarks/denoising.py --data /tmp/cifar10-split/train --test-data /tmp/cifar10-split/test \\
        --train-images 20000 --checkpoint-dir runs/benchmarks/denoising

For each noise (``gaussian:0.1`` is Gaussian noise of σ 0.1 on the [0, 1] scale; ``salt-and-pepper:0.1``
blackens or whitens 10% of the pixels) it trains the improved model of notebook 5 (bottleneck 200, its own
rate and batch size, the project's recipe) to map noisy images to clean ones, with ``train_or_load``, so a
stopped job goes on from its checkpoints. The Gaussian blur and the median filter are tuned on noisy copies
of the validation images (the setting of least MSE); everything is then scored on noisy copies of the
``--test-data`` images, never trained or tuned on: PSNR = 10·log10(4 / MSE) on [-1, 1] images, and SSIM.
Each denoiser trained on Gaussian noise is also scored at other levels (``--stronger``), beside the noisy
input and the filters tuned anew for each level (``--stronger`` with no level: none). ``--seed S`` sets the
denoisers' initial weights, batch order and training noise, each seed in its own checkpoint folders; the noisy
validation and test copies stay the same.
The JSON (``--out``) is written after every level; folder paths are kept to their last part.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from common import RESULTS, benchmark_parser, folder_split, machine, seed_folder, write_results

from convae_helpers.checkpoints import train_or_load
from convae_helpers.data import as_tensor, load_image_folder
from convae_helpers.denoising import FILTERS, GaussianNoise, SaltAndPepper, fixed_noise, tune_filter
from convae_helpers.metrics import image_scores
from convae_helpers.models import IMPROVED_BATCH_SIZE, IMPROVED_LR, build_improved_autoencoder

NOISES = {"gaussian": GaussianNoise, "salt-and-pepper": SaltAndPepper}
DEFAULT_NOISES = ("gaussian:0.1", "gaussian:0.2", "gaussian:0.3", "salt-and-pepper:0.1")


def parse_noise(text: str) -> GaussianNoise | SaltAndPepper:
    """``kind:level`` (e.g. ``gaussian:0.2``) as a noise object."""
    kind, _, level = text.partition(":")
    if kind not in NOISES or not level:
        raise argparse.ArgumentTypeError(f"expected {' or '.join(NOISES)}, a colon and a level, e.g. gaussian:0.2")
    return NOISES[kind](float(level))


def slug(noise: object) -> str:
    """A folder name for a noise: ``gaussiannoise-sigma-0.2``."""
    return re.sub(r"[^a-z0-9.]+", "-", repr(noise).lower()).strip("-")


def restorers(noise, model, val_clean, seed: int = 0) -> dict:
    """The noisy input, each classical filter tuned on noisy validation images, and the denoiser."""
    val_noisy = fixed_noise(noise, val_clean, seed)
    found = {"noisy input": lambda x: x}
    for name in FILTERS:
        setting, function = tune_filter(name, val_noisy, val_clean)
        found[f"{name} ({setting:g})"] = function
    if model is not None:
        found["denoiser"] = model.autoencode
    return found


def score_all(noise, found: dict, test_clean, seed: int = 1) -> dict:
    """PSNR and SSIM of every restorer on one fixed noisy copy of the test images."""
    test_noisy = fixed_noise(noise, test_clean, seed)
    return {name: image_scores(function, test_clean, inputs=test_noisy) for name, function in found.items()}


def parser():
    """The shared options, the noises to train for and the stronger levels to test at."""
    found = benchmark_parser(__doc__, "denoising.json", "data", "test-data", "holdout", "seed",
                             data=dict(help="an ImageFolder tree of 32x32 images"))  # fmt: skip
    found.add_argument("--train-images", type=int, default=None, help="train on the first N (say so)")
    found.add_argument("--epochs", type=int, default=10)
    found.add_argument("--noise", type=parse_noise, nargs="+", default=[parse_noise(t) for t in DEFAULT_NOISES])
    found.add_argument("--stronger", type=float, nargs="*", default=[0.1, 0.2, 0.3, 0.4, 0.5], help="test sigmas")
    found.add_argument("--checkpoint-dir", type=Path, default=RESULTS / "denoising")
    return found


def one_level(args, noise, data: tuple) -> tuple:
    """The denoiser trained for ``noise`` (or loaded from its checkpoints), and its rows beside the filters'."""
    train_x, val_x, test_x = data
    started = time.perf_counter()
    run_dir = seed_folder(args.checkpoint_dir / slug(noise), args.seed)
    model = train_or_load(
        200, (train_x, val_x, val_x[:10]), args.epochs, IMPROVED_BATCH_SIZE, run_dir, args.seed,
        build=build_improved_autoencoder, lr=IMPROVED_LR, corrupt=noise,
    )  # fmt: skip
    rows = score_all(noise, restorers(noise, model, val_x), test_x)
    print(repr(noise), {name: round(r["psnr"], 2) for name, r in rows.items()}, flush=True)
    level = {"rows": rows, "seconds": time.perf_counter() - started, "epoch_seconds": model.log_dict["epoch_seconds"]}
    return model, level


def stronger(sigma: float, models: dict, val_x, test_x) -> dict:
    """Every Gaussian denoiser, the noisy input and the filters tuned anew, scored at Gaussian noise ``sigma``."""
    noise = GaussianNoise(sigma)
    found = {name.split(" (")[0]: function for name, function in restorers(noise, None, val_x).items()}
    gaussian = {n: m for n, m in models.items() if isinstance(n, GaussianNoise)}
    found.update({f"denoiser trained on {n!r}": m.autoencode for n, m in gaussian.items()})
    return score_all(noise, found, test_x)


def main() -> None:
    """Train a denoiser per noise, score it beside the filters, then every Gaussian one at stronger levels."""
    args = parser().parse_args()
    train_x, val_x = folder_split(args.data, args.holdout)
    data = (train_x[: args.train_images], val_x, as_tensor(load_image_folder(args.test_data)))
    results: dict = {
        "machine": machine(), "data": Path(args.data).name, "test_data": Path(args.test_data).name,
        "training_images": len(data[0]), "validation_images": len(val_x), "test_images": len(data[2]),
        "model": "improved", "latent": 200, "epochs": args.epochs, "batch_size": IMPROVED_BATCH_SIZE,
        "lr": IMPROVED_LR, "seed": args.seed, "levels": {}, "stronger": {},
    }  # fmt: skip
    models = {}
    for noise in args.noise:
        models[noise], results["levels"][repr(noise)] = one_level(args, noise, data)
        write_results(args.out, results)
    for sigma in args.stronger:
        for name, row in stronger(sigma, models, val_x, data[2]).items():
            results["stronger"].setdefault(name, {})[f"{sigma:g}"] = row
    write_results(args.out, results)
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
