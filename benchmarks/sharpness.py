"""Is MSE to blame for the blur? Sharpness that PSNR and SSIM cannot see, for notebook 5's losses and models.

    python benchmarks/sharpness.py --data /tmp/cifar10-jpeg/train --runs runs

Loads the models notebook 5 saved (``runs/latent200``: the article's model with MSE, as notebook 3 trains it;
``latent200-l1``; ``latent200-ms-ssim-l1``; ``improved200-deeper``), fits PCA-200 on the training images, and
scores the 5,000 validation images (the last 500 of each class): PSNR, SSIM, and two measures of sharpness that
do not reward blur (``metrics.sharpness_kept``: the reconstructions' neighbouring-pixel differences and their
power above 0.25 cycles per pixel, each over the originals'; 1 keeps all the detail). Results go to the screen and
to ``--out`` (JSON), which notebook 5 can plot.
"""

from __future__ import annotations

from pathlib import Path

import torch
from common import benchmark_parser, folder_split, machine, write_results

from convae_helpers import ConvolutionalAutoencoder
from convae_helpers.metrics import PCABaseline, image_scores, sharpness_kept
from convae_helpers.settings import repository_root

MODELS = {  # name in notebook 5: folder under --runs
    "MSE (the article's model)": "latent200",
    "L1": "latent200-l1",
    "MS-SSIM + L1": "latent200-ms-ssim-l1",
    "improved model, deeper (MSE)": "improved200-deeper",
}


def parser():
    """The shared options and where notebook 5's models are."""
    found = benchmark_parser(__doc__, "sharpness.json", "data", "holdout",
                             data=dict(help="the ImageFolder tree the models trained on"))  # fmt: skip
    found.add_argument("--runs", type=Path, default=repository_root() / "runs", help="where the models are")
    return found


def main() -> None:
    """Score PCA and each of notebook 5's models on the validation images, sharpness included."""
    args = parser().parse_args()
    train_x, val_x = folder_split(args.data, args.holdout)
    reconstruct = {"PCA, 200 components": PCABaseline(200).fit(train_x).reconstruct}
    for name, folder in MODELS.items():
        reconstruct[name] = ConvolutionalAutoencoder.load(args.runs / folder / "final.pt", device="cpu").autoencode
    results = {"settings": f"{len(val_x)} validation images of {Path(args.data).name}; {machine()}", "runs": {}}
    for name, method in reconstruct.items():
        with torch.inference_mode():
            results["runs"][name] = image_scores(method, val_x) | sharpness_kept(method, val_x)
        print(name, {key: round(value, 3) for key, value in results["runs"][name].items()}, flush=True)
    write_results(args.out, results)


if __name__ == "__main__":
    main()
