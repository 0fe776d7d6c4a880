"""Notebook 7's sweep: one-class anomaly detection with each CIFAR-10 class as the normal one.

    python benchmarks/anomaly.py --data /tmp/cifar10-jpeg/train --checkpoint-dir runs/benchmarks/anomaly

The protocol of Ruff et al. 2018 (Deep SVDD) as far as the JPEG copy of CIFAR-10's training split allows:
the last ``--holdout`` (500) images of every class are held out, 5,000 in all; for each class, a model
learns its remaining images (4,500) only, and scores all 5,000 held-out images by reconstruction error.
(Ruff et al. train on 5,000 and score CIFAR-10's 10,000 test images.) AUROC (torchmetrics) for:

* the autoencoder: the improved model of notebook 5, bottleneck ``--latent``, trained with
  ``train_or_load`` (so a stopped job goes on), its own rate and batch size, the project's recipe;
* PCA with as many components, fitted on the same normal images;
* "detail": no model at all, the image's busyness (``metrics.image_detail``); where it scores as
  well as the models, they detect busy images rather than another class.

Also recorded: the share of anomalies caught at 5% false alarms, and the rank correlation (Spearman)
between the autoencoder's error and the detail of the held-out images. JSON after every class.

``--preprocess gcn`` applies Ruff et al.'s preprocessing first, for a like-for-like comparison with their rows:
global contrast normalisation (each image minus its mean, divided by its mean absolute deviation), then min-max
scaling with the extremes of the normal class's training images: to [0, 1] in Ruff et al.'s code, to [-1, 1] here,
the range the decoder outputs (anomalies may fall outside it).
Models, PCA and the detail score then all see the preprocessed images.

``--seed S`` sets the models' initial weights and batch order (not the split); each seed keeps its own checkpoints.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from common import RESULTS, benchmark_parser, labelled_split, machine, seed_folder, write_results

from convae_helpers.anomaly import DEEP_SVDD_AUROC, auroc, roc_curve
from convae_helpers.checkpoints import train_or_load
from convae_helpers.data import CLASS_NAMES
from convae_helpers.metrics import PCABaseline, image_detail, per_image_mse
from convae_helpers.models import IMPROVED_BATCH_SIZE, IMPROVED_LR, build_improved_autoencoder


def ranks(values: torch.Tensor) -> torch.Tensor:
    """Each value's rank, 0 for the smallest, as floats for a correlation."""
    return values.argsort().argsort().double()


def spearman(a: torch.Tensor, b: torch.Tensor) -> float:
    """Rank correlation: 1 when ``b`` grows whenever ``a`` does, 0 when they are unrelated."""
    return float(torch.corrcoef(torch.stack([ranks(a), ranks(b)]))[0, 1])


def detected_at(scores: torch.Tensor, is_anomaly: torch.Tensor, false_alarm_rate: float = 0.05) -> float:
    """The share of anomalies caught when the threshold lets ``false_alarm_rate`` of normal images through."""
    false_alarms, detections = roc_curve(scores, is_anomaly)
    return float(detections[false_alarms <= false_alarm_rate].max())


def contrast_normalised(images: torch.Tensor) -> torch.Tensor:
    """Global contrast normalisation with the L1 norm: each image minus its mean, over its mean absolute deviation."""
    centred = images - images.mean(dim=(1, 2, 3), keepdim=True)
    return centred / centred.abs().mean(dim=(1, 2, 3), keepdim=True).clamp_min(1e-8)


def ruff_preprocessing(normal_x: torch.Tensor):
    """Contrast normalisation, then min-max scaling to [-1, 1] fitted on the normal class's training images."""
    normalised = contrast_normalised(normal_x)
    low, high = float(normalised.min()), float(normalised.max())
    return lambda images: (contrast_normalised(images) - low) / (high - low) * 2 - 1


def parser():
    """The shared options, the classes to sweep, the model's size and training, and the preprocessing."""
    found = benchmark_parser(__doc__, "anomaly.json", "data", "holdout", "seed",
                             data=dict(help="an ImageFolder tree of CIFAR-10's ten classes"),
                             holdout=dict(help="held-out images per class, all scored"))  # fmt: skip
    found.add_argument("--epochs", type=int, default=10)
    found.add_argument("--latent", type=int, default=200)
    found.add_argument("--classes", nargs="+", default=list(CLASS_NAMES), choices=CLASS_NAMES)
    found.add_argument("--preprocess", choices=("none", "gcn"), default="none", help="gcn: Ruff et al.'s")
    found.add_argument("--checkpoint-dir", type=Path, default=RESULTS / "anomaly")
    return found


def run_folder(args, name: str) -> Path:
    """The checkpoint folder of one normal class: its name, then the preprocessing and the seed unless 0."""
    folder = name if args.preprocess == "none" else f"{name}-{args.preprocess}"
    return seed_folder(args.checkpoint_dir / folder, args.seed)


def one_class(args, name: str, split: tuple) -> dict:
    """Train on the normal class ``name`` alone and score every held-out image: AUROC of each method, and more."""
    train_x, train_y, val_x, val_y = split
    normal = CLASS_NAMES.index(name)
    started = time.perf_counter()
    normal_x, is_anomaly, scored = train_x[train_y == normal], val_y != normal, val_x
    if args.preprocess == "gcn":
        preprocess = ruff_preprocessing(normal_x)
        normal_x, scored = preprocess(normal_x), preprocess(val_x)
    model = train_or_load(
        args.latent, (normal_x, scored[~is_anomaly], scored[~is_anomaly][:10]), args.epochs, IMPROVED_BATCH_SIZE,
        run_folder(args, name), args.seed, build=build_improved_autoencoder, lr=IMPROVED_LR,
    )  # fmt: skip
    pca = PCABaseline(args.latent).fit(normal_x)
    scores = {"autoencoder": per_image_mse(model.autoencode, scored), "pca": per_image_mse(pca.reconstruct, scored)}
    detail = image_detail(scored)
    return {
        "training_images": len(normal_x),
        **{f"auroc_{method}": auroc(s, is_anomaly) for method, s in scores.items()},
        "auroc_detail": auroc(detail, is_anomaly),
        "detected_at_5pct_false_alarms": detected_at(scores["autoencoder"], is_anomaly),
        "spearman_error_detail": spearman(scores["autoencoder"], detail),
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    """Sweep the normal classes, writing the JSON after each."""
    args = parser().parse_args()
    split = labelled_split(args.data, args.holdout, order="folder")
    results: dict = {
        "machine": machine(), "data": Path(args.data).name, "holdout_per_class": args.holdout,
        "scored_images": len(split[2]), "model": "improved", "latent": args.latent, "epochs": args.epochs,
        "batch_size": IMPROVED_BATCH_SIZE, "lr": IMPROVED_LR, "deep_svdd": DEEP_SVDD_AUROC,
        "preprocess": args.preprocess, "seed": args.seed, "classes": {},
    }  # fmt: skip
    for name in args.classes:
        results["classes"][name] = one_class(args, name, split)
        print(name, {k: round(v, 3) for k, v in results["classes"][name].items()}, flush=True)
        write_results(args.out, results)
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
