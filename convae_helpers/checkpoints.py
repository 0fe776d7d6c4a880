"""Checkpoint files, the identity of a training set, and ``train_or_load``.

A checkpoint is one file holding what a training run needs to go on: the network's config
and weights, the optimizer's state, the log and the epoch count. It is written atomically
(to a temporary file, then renamed) and read with ``weights_only=True``, which runs no code.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from .batches import check_dataset, image_of
from .models import Autoencoder, autoencoder_from_config, build_autoencoder
from .settings import shown  # printouts name no machine's folders (notebook outputs get committed)

if TYPE_CHECKING:
    from .training import ConvolutionalAutoencoder

CHECKPOINT_FORMAT = "convae-checkpoint-v1"


def check_rebuildable(network: Autoencoder) -> None:
    """Raise, before any training, unless a checkpoint can rebuild ``network`` as it is."""
    with torch.device("meta"):  # what a checkpoint would rebuild, without allocating weights
        rebuilt = autoencoder_from_config(network.config)
    if repr(rebuilt) != repr(network):
        raise ValueError(
            "network: its layers were changed after it was built (or it is a subclass), and a checkpoint rebuilds "
            "only what its config describes; build the change through the constructor (e.g. "
            "Encoder(activate_code=False)), or drop checkpoint_dir and use train(), not train_or_load."
        )


def write_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Write ``state`` to ``path`` atomically: a temporary file beside it, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            torch.save({"format": CHECKPOINT_FORMAT, **state}, file)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_checkpoint(path: str | Path) -> tuple[dict[str, Any], Autoencoder]:
    """The state stored in ``path`` and the network it describes, with its weights loaded."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {str(path)!r} does not exist; expected a file written by model.save().")
    foreign = (
        f"checkpoint {str(path)!r} is not a convae checkpoint (format {CHECKPOINT_FORMAT}); "
        "expected a file written by ConvolutionalAutoencoder.save()."
    )
    if not path.read_bytes()[:4].startswith(b"PK"):  # torch.save writes a zip archive
        raise ValueError(foreign)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ValueError(
            f"checkpoint {str(path)!r} could not be read (truncated or corrupt?): {type(error).__name__}: {error}"
        ) from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(foreign)
    try:
        config = state.get("config") or {"kind": "article", "encoder": state["encoder"], "decoder": state["decoder"]}
        for part in ("encoder", "decoder"):
            config[part].setdefault("activate_code", True)  # checkpoints written before these options existed
            config[part].setdefault("residual", False)
        network = autoencoder_from_config(config)
        network.load_state_dict(state["network"])
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as error:
        raise ValueError(
            f"checkpoint {str(path)!r} does not match the architecture it describes "
            f"({state.get('config') or state.get('encoder')}): {error}"
        ) from None
    return state, network


def save_model(model: ConvolutionalAutoencoder, path: str | Path) -> Path:
    """Write what ``model`` needs to go on (network, optimizer, log, progress, notes) to ``path`` atomically."""
    check_rebuildable(model.network)
    state = {
        "config": model.network.config,
        "network": {k: v.detach().cpu().contiguous() for k, v in model.network.state_dict().items()},
        "optimizer": model.optimizer.state_dict(),
        "lr": model.lr,
        "epochs_trained": model.epochs_trained,
        "batches_done": model.batches_done,
        "log": model.log_dict,
        "info": model.info,
    }
    return write_checkpoint(path, state)


def load_model(cls: type, path: str | Path, device: Any = None, verbose: bool = True) -> ConvolutionalAutoencoder:
    """A ``cls`` (ConvolutionalAutoencoder) rebuilt from the checkpoint ``path``, ready to use or to train on."""
    state, network = read_checkpoint(path)
    model = cls(network, lr=state["lr"], device=device, verbose=verbose)
    chosen = {key: model.optimizer.param_groups[0][key] for key in ("fused", "foreach")}
    model.optimizer.load_state_dict(state["optimizer"])
    for group in model.optimizer.param_groups:  # the implementation this device has, not the saving one's
        group.update(chosen)
    model.epochs_trained = int(state["epochs_trained"])
    model.batches_done = int(state.get("batches_done", 0))
    model.initialised = True
    model.info = dict(state.get("info", {}))
    model.log_dict = {key: list(state["log"].get(key, [])) for key in model.log_dict}
    return model


def data_fingerprint(dataset: Any) -> str:
    """A short identity of a dataset: its size and a weighted sum of 64 images spread over it."""
    size = check_dataset(dataset, "dataset")
    picked = torch.linspace(0, size - 1, min(64, size)).long().tolist()
    images = torch.stack([image_of(dataset[i], "dataset", i, channels=None) for i in picked]).double().cpu()
    weights = torch.arange(1, len(picked) + 1, dtype=torch.float64).view(-1, 1, 1, 1)  # order counts too
    return f"{size} images, checksum {float((images * weights).sum()):.4f}"


def loss_name(loss_function: Any) -> str:
    """How checkpoints record a loss (or a noise): its repr (``MSELoss()``), or "a function" for a plain function."""
    text = repr(loss_function)
    return "a function" if text.startswith("<") else text  # "<function ... at 0x...>" would differ every run


def corrupt_name(corrupt: Any) -> str:
    """How checkpoints record a denoiser's noise: "none", or as ``loss_name`` does (``GaussianNoise(sigma=0.1)``)."""
    return "none" if corrupt is None else loss_name(corrupt)


def _run_of(model: ConvolutionalAutoencoder) -> dict[str, Any]:
    """What ``train_or_load`` compares: the network, its training images and how it learned."""
    keys = ("training_data", "recipe", "batch_size", "seed")
    return {
        "config": model.network.config, **{key: model.info.get(key) for key in keys}, "lr": model.lr,
        "loss": model.info.get("loss", "MSELoss()"),  # checkpoints from before the loss was recorded used MSE
        "corrupt": model.info.get("corrupt", "none"),  # and trained on clean inputs
    }  # fmt: skip


def _earlier_run(run_dir: Path, wanted: dict[str, Any], epochs: int) -> ConvolutionalAutoencoder | None:
    """The model in ``run_dir/final.pt`` or ``latest.pt`` trained as ``wanted``, saying why another is not used."""
    from .training import ConvolutionalAutoencoder  # here, not above: training imports this module

    for path in (run_dir / "final.pt", run_dir / "latest.pt"):
        if not path.is_file():
            continue
        candidate = ConvolutionalAutoencoder.load(path)
        found = _run_of(candidate)
        differ = [key for key in wanted if found[key] != wanted[key]]
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
    from .training import ConvolutionalAutoencoder  # here, not above: training imports this module

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
