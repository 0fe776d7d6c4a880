"""Reconstruction quality after 10 epochs: the article's recipe against the project's default, and PCA.

For each bottleneck size (200 and 1000) it trains the article's autoencoder twice on the same
images, from the same initial weights, with the same model, optimizer (Adam), loss (MSE),
batch size (64) and epochs (10):

* ``article``: the article's recipe, a constant learning rate of 1e-3 and batches in a fixed order;
* ``project``: the project's default, batches reshuffled every epoch, and the learning rate
  warmed up over the first 5% of the steps and cooled down towards 0 over the last 30%.

and scores each epoch on held-out images: validation MSE and PSNR = 10·log10(4 / MSE) dB
(images in [-1, 1]). PCA with as many components as the bottleneck, fitted on the training
images, is scored the same way.

Real images: an ImageFolder copy of CIFAR-10, extracted outside the repository, e.g.

    tar -xzf PATH/TO/cifar10-train-jpeg.tar.gz -C /tmp/cifar10-jpeg   # an ImageFolder tree: train/<class>/*.jpg
    python benchmarks/quality.py --data /tmp/cifar10-jpeg/train

Notebook 5's measurements add ``--model improved`` (notebook 5's improved model as it ended, the one that
beats PCA: ``build_improved_autoencoder(deeper=True)``, trained with its own recipe, ``DEEPER_LR`` and
``DEEPER_BATCH_SIZE``) or ``--model improved-base`` (its first form, the three changes without the extra depth,
which notebooks 6 and 7 use: ``build_improved_autoencoder()`` with ``IMPROVED_LR`` and ``IMPROVED_BATCH_SIZE``;
for any model ``--lr``, ``--batch-size`` and ``--width`` override its recipe),
``--loss l1`` or ``--loss ms-ssim+l1`` (scored by MSE, PSNR and SSIM all the same),
``--checkpoint-dir DIR`` (each run goes on from its checkpoints there after a stop), and
``--test-data DIR2``: an ImageFolder tree never trained on (``benchmarks/carve.py`` cuts one out of the
JPEG copy), scored after the last epoch (``test_mse``, ``test_psnr``, ``test_ssim`` for every run, PCA
included). ``--train-images N`` trains on the first N images, for pilots that say so.

``--data cifar10`` uses CIFAR-10's own training split instead (torchvision downloads it into
``data/`` when missing). The last ``--holdout`` images of each class are the validation images. The training images
come in one fixed random order, as in CIFAR-10's own files (``--order cifar``), or class by
class, as the folder lists them (``--order folder``): the article's recipe never shuffles, so
it sees that order in every epoch. Results go to the screen and, as JSON, to ``--out``
(default runs/benchmarks/quality.json).
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import torch
from common import MODELS, benchmark_parser, folder_split, machine, write_results

from convae_helpers import ConvolutionalAutoencoder
from convae_helpers.checkpoints import run_differences
from convae_helpers.data import as_tensor, load_image_folder
from convae_helpers.losses import LOSSES
from convae_helpers.metrics import PCABaseline, image_scores, psnr, reconstruction_mse
from convae_helpers.state import data_fingerprint, loss_name


def scores(reconstruct, val_x: torch.Tensor, test_x: torch.Tensor | None) -> dict:
    """Validation SSIM, and MSE, PSNR and SSIM on the test folder when there is one, after training."""
    found = {"validation_ssim": image_scores(reconstruct, val_x)["ssim"]}
    if test_x is not None:
        test = image_scores(reconstruct, test_x)
        found.update(test_mse=test["mse"], test_psnr=test["psnr"], test_ssim=test["ssim"])
    return found


def start_or_resume(folder: Path | None, build, lr: float, device: str | None, asked: dict) -> ConvolutionalAutoencoder:
    """A new model, or the one in ``folder/latest.pt`` when an earlier run of this benchmark, trained as
    ``asked`` (batch size, recipe, loss, training images), stopped there; another run there is refused."""
    if folder is None or not (folder / "latest.pt").is_file():
        return ConvolutionalAutoencoder(build(), lr=lr, device=device, verbose=True)  # a line per epoch
    model = ConvolutionalAutoencoder.load(folder / "latest.pt", device=device)
    differ = run_differences(model, asked | {"config": build().config, "lr": lr})
    if differ:
        raise SystemExit(f"--checkpoint-dir: {folder / 'latest.pt'} holds another run ({', '.join(differ)} differ); "
                         "give this run its own --checkpoint-dir")  # fmt: skip
    print(f"going on from {folder / 'latest.pt'}: {model.epochs_trained} epochs done (the rest on a new schedule)")
    return model


def clip_gradients(model: ConvolutionalAutoencoder, max_norm: float) -> None:
    """Before every Adam step, scale the gradient down to ``max_norm`` when it is longer: a cure for blow-ups."""
    parameters = list(model.network.parameters())

    def clip(*_) -> None:
        torch.nn.utils.clip_grad_norm_(parameters, max_norm)

    model.optimizer.register_step_pre_hook(clip)


def parser():
    """The options: the shared ones, what to train, and how."""
    found = benchmark_parser(__doc__, "quality.json", "data", "holdout", "device", "seed", "test-data",
                             test_data=dict(required=False, default=None, help="an ImageFolder tree never trained on, "
                                            "scored at the end"))  # fmt: skip
    found.add_argument("--epochs", type=int, default=10)
    found.add_argument("--latent", type=int, nargs="+", default=[200, 1000])
    found.add_argument("--recipes", nargs="+", default=["project", "article"], choices=["project", "article"])
    found.add_argument("--order", default="cifar", choices=["cifar", "folder"], help="order of the training images")
    found.add_argument("--model", default="article", choices=list(MODELS), help="article, improved, or improved-base")
    found.add_argument("--loss", default="mse", choices=list(LOSSES), help="the training loss (scores are always MSE)")
    found.add_argument("--train-images", type=int, default=None, help="train on the first N (pilots; label them)")
    found.add_argument("--batch-size", type=int, default=None, help="default: the model's own (64 for the article's)")
    found.add_argument("--lr", type=float, default=None, help="peak learning rate (default: the model's own)")
    found.add_argument("--width", type=int, default=16, help="channels of the first layer (the article's: 16)")
    found.add_argument(
        "--clip-grad-norm", type=float, default=None, help="scale each step's gradient down to this norm at most"
    )
    found.add_argument(
        "--checkpoint-dir", type=Path, default=None, help="keep each run's checkpoints here and go on from them"
    )
    return found


def load_data(args) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """The training images (the first ``--train-images``), the validation images, and the test folder's, if any."""
    train_x, val_x = folder_split(args.data, args.holdout, args.order)
    held_out = as_tensor(load_image_folder(args.test_data)) if args.test_data else None
    return train_x[: args.train_images], val_x, held_out


def settings(args, train_x: torch.Tensor, val_x: torch.Tensor, held_out: torch.Tensor | None) -> dict:
    """What the result file says about the machine, the data and the recipe, before any run is added."""
    return {
        "machine": machine(), "data": args.data, "training_images": len(train_x), "validation_images": len(val_x),
        "order": args.order, "test_data": args.test_data, "test_images": len(held_out) if held_out is not None else 0,
        "model": args.model, "loss": args.loss, "lr": args.lr, "epochs": args.epochs, "batch_size": args.batch_size,
        "holdout": args.holdout, "width": args.width, "clip_grad_norm": args.clip_grad_norm, "seed": args.seed,
        "runs": {},
    }  # fmt: skip


def pca_run(latent: int, train_x: torch.Tensor, val_x: torch.Tensor, held_out: torch.Tensor | None) -> dict:
    """PCA with ``latent`` components, fitted on the training images and scored as the autoencoders are."""
    started = time.perf_counter()
    pca = PCABaseline(latent).fit(train_x)
    mse = reconstruction_mse(pca.reconstruct, val_x)
    print(f"PCA, {latent} components: validation MSE {mse:.5f}, PSNR {psnr(mse):.2f} dB")
    return {"validation_mse": [mse], "psnr": [psnr(mse)], "seconds": time.perf_counter() - started,
            **scores(pca.reconstruct, val_x, held_out)}  # fmt: skip


def trained_model(args, recipe: str, latent: int, train_x: torch.Tensor) -> tuple[ConvolutionalAutoencoder, Path]:
    """The model of one run, new or going on from its checkpoint, and its checkpoint folder (or None)."""
    folder = args.checkpoint_dir / f"{recipe}-{latent}" if args.checkpoint_dir else None
    asked = dict(batch_size=args.batch_size, recipe=recipe, loss=loss_name(LOSSES[args.loss]()))
    asked["training_data"] = data_fingerprint(train_x)
    build = partial(MODELS[args.model].build, latent, args.width)
    model = start_or_resume(folder, build, args.lr, args.device, asked)
    if args.clip_grad_norm:
        clip_gradients(model, args.clip_grad_norm)
    return model, folder


def train_run(args, recipe: str, latent: int, data: tuple) -> dict:
    """Train one recipe at one bottleneck for the epochs still missing, and score it."""
    train_x, val_x, held_out = data
    model, folder = trained_model(args, recipe, latent, train_x)
    resumed_after, started, log = model.epochs_trained, time.perf_counter(), model.log_dict
    if model.epochs_trained < args.epochs:
        log = model.train(LOSSES[args.loss](), args.epochs - model.epochs_trained, args.batch_size, train_x, val_x,
                          val_x[:: len(val_x) // 10][:10], recipe=recipe, seed=args.seed, checkpoint_dir=folder,
                          progress=False)  # fmt: skip
    seconds = time.perf_counter() - started
    # The log holds the training loss per epoch; another loss than MSE is scored by MSE at the end.
    mses = log["validation_loss_per_epoch"] if args.loss == "mse" else [reconstruction_mse(model.autoencode, val_x)]
    print(f"{recipe} recipe, latent {latent}: PSNR per epoch " + " ".join(f"{psnr(m):.2f}" for m in mses)
          + f" dB; last MSE {mses[-1]:.5f}; {seconds:.0f} s", flush=True)  # fmt: skip
    return {
        "validation_loss": log["validation_loss_per_epoch"], "validation_mse": mses, "psnr": [psnr(m) for m in mses],
        "seconds": seconds, "epoch_seconds": log["epoch_seconds"],
        "resumed_after_epoch": resumed_after,  # > 0: a stop, and the epochs after it on a new schedule
        "parameters": sum(p.numel() for p in model.network.parameters()), **scores(model.autoencode, val_x, held_out),
    }  # fmt: skip


def print_summary(results: dict, latents: list[int]) -> None:
    """The final PSNR of each recipe and of PCA at each bottleneck, and the project's gain."""
    print("\nlatent  article PSNR  project PSNR  gain     PCA PSNR")
    runs = results["runs"]
    for latent in latents:
        article = runs.get(f"article-{latent}", {}).get("psnr", [float("nan")])[-1]
        project = runs.get(f"project-{latent}", {}).get("psnr", [float("nan")])[-1]
        pca = runs[f"pca-{latent}"]["psnr"][0]
        print(f"{latent:6d}  {article:10.2f} dB {project:10.2f} dB {project - article:+.2f} dB {pca:8.2f} dB")


def main() -> None:
    """Train and score every recipe at every bottleneck, beside PCA, writing the JSON after every run."""
    args = parser().parse_args()
    torch.manual_seed(args.seed)
    data = load_data(args)
    own = MODELS[args.model]
    args.lr = args.lr if args.lr is not None else own.lr
    args.batch_size = args.batch_size or own.batch_size
    print(f"machine: {machine()}")
    print(f"data: {args.data}: {len(data[0])} training images in {args.order} order, {len(data[1])} validation images;"
          f" batch {args.batch_size}, {args.epochs} epochs, peak rate {args.lr:g}, width {args.width}")  # fmt: skip
    results = settings(args, *data)
    for latent in args.latent:
        results["runs"][f"pca-{latent}"] = pca_run(latent, *data)
        for recipe in args.recipes:
            results["runs"][f"{recipe}-{latent}"] = train_run(args, recipe, latent, data)
            write_results(args.out, results)  # after every run, so a long job keeps what it did
    print_summary(results, args.latent)
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
