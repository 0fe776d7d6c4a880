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

import argparse
import json
from pathlib import Path

import torch
from common import folder_split, machine

from convae_helpers import ConvolutionalAutoencoder
from convae_helpers.metrics import PCABaseline, image_scores, sharpness_kept
from convae_helpers.settings import repository_root

MODELS = {  # name in notebook 5: folder under --runs
    "MSE (the article's model)": "latent200",
    "L1": "latent200-l1",
    "MS-SSIM + L1": "latent200-ms-ssim-l1",
    "improved model, deeper (MSE)": "improved200-deeper",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the ImageFolder tree the models trained on")
    parser.add_argument("--runs", type=Path, default=repository_root() / "runs", help="where the models are")
    parser.add_argument("--out", type=Path, default=repository_root() / "runs" / "benchmarks" / "sharpness.json")
    args = parser.parse_args()
    train_x, val_x = folder_split(args.data, 500)
    reconstruct = {"PCA, 200 components": PCABaseline(200).fit(train_x).reconstruct}
    for name, folder in MODELS.items():
        reconstruct[name] = ConvolutionalAutoencoder.load(args.runs / folder / "final.pt", device="cpu").autoencode
    results = {"settings": f"{len(val_x)} validation images of {Path(args.data).name}; {machine()}", "runs": {}}
    for name, method in reconstruct.items():
        with torch.inference_mode():
            results["runs"][name] = image_scores(method, val_x) | sharpness_kept(method, val_x)
        print(name, {key: round(value, 3) for key, value in results["runs"][name].items()}, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
