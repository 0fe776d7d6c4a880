"""Notebook 8's numbers: do images with near codes show the same class? Retrieval precision by code and by pixels.

    python benchmarks/latent.py --data /tmp/cifar10-split/train --test-data /tmp/cifar10-split/test \\
        --checkpoints runs/benchmarks/quality/project-200/latest.pt runs/benchmarks/quality/project-1000/latest.pt

Each checkpoint is one of the article's autoencoders trained by ``quality.py`` on ``--data``. For every
``--queries`` test image, its ``k`` nearest other test images are found by Euclidean distance between
pixels, between PCA codes (as many components as the bottleneck, fitted on ``--data``) and between the
autoencoder's codes; precision@k is the share of them that have the query's class (chance: about 10%).
Also recorded: each model's test PSNR = 10·log10(4 / MSE) on [-1, 1] images.
"""

from __future__ import annotations

from pathlib import Path

import torch
from common import benchmark_parser, folder_split, machine, write_results

from convae_helpers import ConvolutionalAutoencoder
from convae_helpers.data import as_tensor, load_image_folder
from convae_helpers.latent import encode_all, retrieval_precision
from convae_helpers.metrics import PCABaseline, psnr, reconstruction_mse


def parser():
    """The shared options, the checkpoints to compare, and k and the number of queries."""
    found = benchmark_parser(__doc__, "latent.json", "data", "test-data", "holdout",
                             data=dict(help="the ImageFolder tree the models trained on (for PCA)"),
                             test_data=dict(help="an ImageFolder tree never trained on"),
                             holdout=dict(help="as quality.py held out: PCA fits the rest"))  # fmt: skip
    found.add_argument("--checkpoints", type=Path, nargs="+", required=True)
    found.add_argument("--k", type=int, nargs="+", default=[1, 10])
    found.add_argument("--queries", type=int, default=5000)
    return found


def codes(checkpoints: list[Path], train_x: torch.Tensor, test_x: torch.Tensor) -> tuple[dict, dict]:
    """Each model's epochs and test PSNR, and the test images as pixels, PCA codes and autoencoder codes."""
    features, models = {"pixels": test_x.flatten(1)}, {}
    for path in checkpoints:
        model = ConvolutionalAutoencoder.load(path, verbose=False)
        latent = model.network.encoder.config["latent_dim"]
        test_psnr = psnr(reconstruction_mse(model.autoencode, test_x))
        models[latent] = {"epochs": model.epochs_trained, "test_psnr": test_psnr, "seed": model.info.get("seed")}
        features[f"autoencoder code, {latent}"] = encode_all(model.encode, test_x)
        pca = PCABaseline(latent).fit(train_x)
        features[f"PCA code, {latent}"] = pca.encode(test_x)
    return models, features


def main() -> None:
    """Precision@k of the nearest test images by pixels, PCA codes and autoencoder codes."""
    args = parser().parse_args()
    train_x, _ = folder_split(args.data, args.holdout)
    test = load_image_folder(args.test_data)
    test_x, labels = as_tensor(test), torch.tensor(test.targets)
    models, features = codes(args.checkpoints, train_x, test_x)
    precision = {
        name: {f"{k}": retrieval_precision(f, labels, k, args.queries) for k in args.k} for name, f in features.items()
    }
    for name, row in precision.items():
        print(f"{name:28s}", "  ".join(f"precision@{k} {100 * v:.1f}%" for k, v in row.items()))
    results = {
        "machine": machine(), "data": Path(args.data).name, "test_data": Path(args.test_data).name,
        "training_images": len(train_x), "test_images": len(test_x), "queries": min(args.queries, len(test_x)),
        "models": models, "precision": precision,
    }  # fmt: skip
    write_results(args.out, results)
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
