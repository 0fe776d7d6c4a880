"""Checkpoint files: the state a training run needs to go on, read and written below the trainer.

A checkpoint is one file holding the network's config and weights, the optimizer's state, the log,
the epoch count and notes on how the model learned (its training images' fingerprint, loss, noise).
It is written atomically (to a temporary file, then renamed) and read with ``weights_only=True``, which
runs no code. The trainer (module ``training``) imports this module; ``checkpoints`` above it compares
the notes to reuse a run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from .article import Autoencoder, autoencoder_from_config
from .batches import check_dataset, image_of

CHECKPOINT_FORMAT = "convae-checkpoint-v1"
LOG_KEYS = (  # lists: one entry per batch, or per complete epoch
    "training_loss_per_batch",  # every batch trained, those of an epoch a stop left unfinished too
    "validation_loss_per_batch",
    "training_loss_per_epoch",
    "validation_loss_per_epoch",
    "epoch_seconds",
    "batches_per_epoch",  # complete epochs only
    "visualizations",  # the test images above their reconstructions, after every epoch
)
# A count, not a list: how many of the last ``training_loss_per_batch`` entries belong to the epoch a stop left
# unfinished (no ``batches_per_epoch`` entry counts them yet); 0 when none.
UNFINISHED = "unfinished_epoch_batches"


def new_log() -> dict[str, Any]:
    """An empty training log: the article's keys (per batch), the per-epoch means and counts, ``UNFINISHED``."""
    return {**{key: [] for key in LOG_KEYS}, UNFINISHED: 0}


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
        network = autoencoder_from_config(state["config"])
        network.load_state_dict(state["network"])
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as error:
        raise ValueError(
            f"checkpoint {str(path)!r} does not match the architecture it describes ({state.get('config')}): {error}. "
            "Written by another version of convae_helpers? Load it with that version, or move it away to train anew."
        ) from None
    return state, network


def save_model(model: Any, path: str | Path) -> Path:
    """Write what ``model`` (a ConvolutionalAutoencoder) needs to go on (network, optimizer, log, notes) to ``path``.

    It does not check that the network can be rebuilt: ``model.save`` and ``train`` do that, once."""
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


def load_model(cls: type, path: str | Path, device: Any = None, verbose: bool = True) -> Any:
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
    model.log_dict = {key: list(state["log"].get(key, [])) for key in LOG_KEYS} | {UNFINISHED: model.batches_done}
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
