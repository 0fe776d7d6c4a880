"""Why notebook 5's BatchNorm row has a low PSNR but a higher SSIM: one variant, scored four ways.

    python benchmarks/batchnorm.py --data /tmp/cifar10-split/train

Trains the ablation's "+ BatchNorm" variant (linear code, GELU, residual, a BatchNorm after every convolution
but the last) exactly as ``ablation.py`` does (10,000 training images, 3 epochs, seed 0), then scores the
5,000 validation images:

* ``eval``: BatchNorm with its running statistics, as ``ablation.py`` and any deployed model score it;
* ``batch statistics``: BatchNorm normalising with each validation batch's own statistics (train mode, no update);
* ``eval, offset removed``: the eval reconstructions with their mean error per colour channel subtracted,
  which shows how much of the error is one global shift of colour;
* ``eval, each image's offset removed``: the same with each image's own mean error per colour channel
  subtracted (a shift of brightness or colour per image, which SSIM's windows largely ignore);
* ``mean error per channel``: the global shift itself; ``contrast ratio``: the reconstructions' standard
  deviation over the originals' (below 1: washed out, above 1: exaggerated).

If the running statistics are to blame, ``batch statistics`` and ``offset removed`` score far above ``eval``,
and SSIM, which subtracts each window's mean, barely moves. Results go to the screen and to ``--out`` (JSON).
"""

from __future__ import annotations

import torch
from ablation import VARIANTS, measure_network
from common import benchmark_parser, folder_split, machine, write_results

from convae_helpers.metrics import image_scores


def batch_statistics(network: torch.nn.Module):
    """A reconstruction function that normalises with each batch's statistics and updates nothing."""

    def reconstruct(images: torch.Tensor) -> torch.Tensor:
        network.train()
        for module in network.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.momentum = 0.0  # use the batch's statistics, keep the running ones as they are
        with torch.no_grad():
            return network(images)

    return reconstruct


def each_offset_removed(model):
    """Reconstructions with each image's own mean error per channel subtracted."""

    def reconstruct(images: torch.Tensor) -> torch.Tensor:
        made = model.autoencode(images)
        return made - (made - images).mean(dim=(2, 3), keepdim=True)

    return reconstruct


def main() -> None:
    """Train the ablation's BatchNorm variant and score it the four ways."""
    args = benchmark_parser(__doc__, "batchnorm.json", "data", "holdout",
                            data=dict(help="an ImageFolder tree of 32x32 images")).parse_args()  # fmt: skip
    torch.set_num_threads(1)
    train_x, val_x = folder_split(args.data, args.holdout)
    model = measure_network("  + BatchNorm", train_x[:10_000], val_x, epochs=3)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.network.state_dict(), args.out.with_suffix(".pt"))  # weights only: BatchNorm is bolted on
    model.network.eval()
    with torch.no_grad():
        shift = torch.cat([model.network(b) - b for b in val_x.split(500)]).mean(dim=(0, 2, 3), keepdim=True)
    results = {
        "eval": image_scores(model.autoencode, val_x),
        "batch statistics": image_scores(batch_statistics(model.network), val_x),
        "eval, offset removed": image_scores(lambda x: model.autoencode(x) - shift, val_x),
        "eval, each image's offset removed": image_scores(each_offset_removed(model), val_x),
        "mean error per channel": shift.flatten().tolist(),
        "contrast ratio": float(model.autoencode(val_x).std() / val_x.std()),
        "settings": f"{VARIANTS['  + BatchNorm']}, 10,000 training images, 3 epochs, seed 0; {machine()}",
    }
    for name, found in results.items():
        print(f"{name}: {found}")
    write_results(args.out, results)


if __name__ == "__main__":
    main()
