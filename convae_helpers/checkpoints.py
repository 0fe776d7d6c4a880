"""``train_or_load`` and the identity of a run: the experiments layer, above the trainer.

A run is the network's config, its training images (their fingerprint), the loss, noise, peak rate,
batch size and seed. ``train_or_load`` reuses a checkpoint (module ``state``) of the same run, goes on
from one that stopped early, or trains anew.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .models import Autoencoder, build_autoencoder
from .settings import shown  # printouts name no machine's folders (notebook outputs get committed)
from .state import corrupt_name, data_fingerprint, loss_name
from .training import ConvolutionalAutoencoder


def run_differences(model: ConvolutionalAutoencoder, wanted: dict[str, Any]) -> list[str]:
    """The keys of ``wanted`` (a run's identity: ``config``, ``lr`` and the notes the trainer keeps in
    ``model.info``, such as ``training_data``, ``loss``, ``seed``) on which ``model`` differs from it."""
    found = {**model.info, "config": model.network.config, "lr": model.lr}
    return [key for key in wanted if found.get(key) != wanted[key]]


def _earlier_run(run_dir: Path, wanted: dict[str, Any], epochs: int) -> ConvolutionalAutoencoder | None:
    """The model in ``run_dir/final.pt`` or ``latest.pt`` trained as ``wanted``, saying why another is not used."""
    for path in (run_dir / "final.pt", run_dir / "latest.pt"):
        if not path.is_file():
            continue
        candidate = ConvolutionalAutoencoder.load(path)
        differ = run_differences(candidate, wanted)
        if differ:
            print(f"not reusing {shown(path)}: its {', '.join(differ)} differ from this run's; training anew")
            continue
        if candidate.epochs_trained > epochs:
            raise ValueError(
                f"epochs: {path} holds this run trained for {candidate.epochs_trained} epochs, more than the "
                f"{epochs} asked; ask for {candidate.epochs_trained}, or move the file away to train anew."
            )
        print(f"found {shown(path)}: {candidate.epochs_trained} of {epochs} epochs done")
        return candidate
    return None


def train_or_load(
    latent_dim: int, datasets: tuple[Any, Any, Any], epochs: int, batch_size: int, run_dir: str | Path, seed: int = 0,
    *, build: Callable[[int], Autoencoder] = build_autoencoder, loss_function: nn.Module | None = None,
    lr: float = 1e-3, corrupt: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> ConvolutionalAutoencoder:  # fmt: skip
    """The autoencoder ``build(latent_dim)`` (the article's by default), trained on ``datasets`` for ``epochs``.

    Loaded from ``run_dir/final.pt`` when an earlier run of the same network on the same training
    images, with the project's recipe and the same loss (MSE by default), peak rate ``lr``, batch
    size, seed and ``corrupt`` (a noise such as ``denoising.GaussianNoise(0.2)``: a denoiser), saved
    it; continued from ``run_dir/latest.pt`` when such a run stopped early; trained from scratch
    otherwise. When the user stops the training, it raises ``KeyboardInterrupt`` (the cell stops)
    and keeps ``latest.pt``, so running the cell again goes on from there.
    """
    run_dir = Path(run_dir)
    loss_function = nn.MSELoss() if loss_function is None else loss_function
    wanted = {
        "config": build(latent_dim).config, "training_data": data_fingerprint(datasets[0]), "recipe": "project",
        "batch_size": batch_size, "seed": seed, "lr": float(lr), "loss": loss_name(loss_function),
        "corrupt": corrupt_name(corrupt),
    }  # fmt: skip
    model = _earlier_run(run_dir, wanted, epochs)
    if model is None:
        model = ConvolutionalAutoencoder(build(latent_dim), lr=lr)
    if model.epochs_trained < epochs:
        remaining = epochs - model.epochs_trained
        model.train(loss_function, remaining, batch_size, *datasets, seed=seed, checkpoint_dir=run_dir, corrupt=corrupt)
        if model.epochs_trained < epochs:
            raise KeyboardInterrupt(
                f"training stopped after {model.epochs_trained} of {epochs} epochs; run the cell again to go on "
                f"from {run_dir / 'latest.pt'}"
            )
        model.save(run_dir / "final.pt")
    return model
