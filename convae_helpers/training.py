"""``ConvolutionalAutoencoder``: the article's trainer, with the article's names, readable, fast and safe.

``train`` reads top to bottom: check the arguments and the data once, put the images on the device, plan the
learning-rate schedule, then for every epoch ``train_epoch`` and ``evaluate`` (module ``loop``; on CUDA
``graphs``), a line of log and a checkpoint. How fast it computes is ``device.speed_settings``'s choice, not an
argument: the settings measured to help on each device.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from .article import Autoencoder, configure_adam, init_weights
from .batches import Corrupt, as_image_tensor, epoch_order, tensor_batches
from .checks import check_choice, check_code, check_image_batch, check_positive_int, describe
from .device import SpeedSettings, describe_device, pick_device, speed_settings
from .graphs import GraphedStep, graphs_possible, train_epoch_graphed
from .loop import NonFiniteLoss, evaluate, reconstruction_grid, stop_after_batch, train_epoch, warmup_hold_cooldown
from .state import (
    UNFINISHED,
    check_rebuildable,
    corrupt_name,
    data_fingerprint,
    load_model,
    loss_name,
    new_log,
    save_model,
)

RECIPES = ("project", "article")
BLOW_UP = 5  # an epoch whose validation loss exceeds the best by this factor has most likely diverged


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or infinite. ``log`` holds the log up to the batch before."""

    def __init__(self, message: str, log: dict[str, Any]) -> None:
        super().__init__(message)
        self.log = log


@dataclass
class _Run:
    """What one call of ``train`` prepared, used by every epoch."""

    loss_function: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    images: tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # training, validation and test images, on the device
    speed: SpeedSettings
    scheduler: torch.optim.lr_scheduler.LRScheduler | None
    corrupt: Corrupt | None
    batch_size: int
    steps: int  # batches per epoch
    seed: int
    shuffle: bool
    checkpoints: Path | None
    progress: bool
    graphed: GraphedStep | None = None  # the step as CUDA graphs (module ``graphs``), where they can run


def _check_arguments(loss_function: Any, epochs: Any, batch_size: Any, recipe: Any, seed: Any, corrupt: Any) -> None:
    """Raise, naming the argument and the fix, unless every setting of ``train`` is usable."""
    if not callable(loss_function):
        raise TypeError(f"loss_function must be callable, e.g. nn.MSELoss(); got {describe(loss_function)}.")
    if corrupt is not None and not callable(corrupt):
        raise TypeError(
            "corrupt must be a function of a batch, e.g. lambda x: x + 0.1 * torch.randn_like(x); "
            f"got {describe(corrupt)}."
        )
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    check_choice("recipe", recipe, RECIPES)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an integer; got {seed!r}.")


class ConvolutionalAutoencoder:
    """Trains an ``Autoencoder`` and uses it: the article's class, with its names.

    Args:
        autoencoder: the network, e.g. ``Autoencoder(Encoder(), Decoder())``; kept as ``network``.
        lr: Adam's learning rate (the article's 1e-3); with ``recipe="project"`` the schedule's peak.
        device: ``"cpu"``, ``"cuda"``, ``"mps"``, or None for the best available (CUDA, MPS, CPU).
        verbose: print the device now and one line per epoch when training.
    """

    def __init__(
        self,
        autoencoder: Autoencoder,
        *,
        lr: float = 1e-3,
        device: str | torch.device | None = None,
        verbose: bool = True,
    ) -> None:
        if not isinstance(autoencoder, Autoencoder):
            raise TypeError(
                f"autoencoder must be a convae_helpers.Autoencoder, e.g. Autoencoder(Encoder(), Decoder()); "
                f"got {describe(autoencoder)}."
            )
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < 1:
            raise ValueError(f"lr must be a number between 0 and 1 (the article uses 1e-3); got {lr!r}.")
        self.device = pick_device(device)
        self.verbose = verbose
        self.lr = float(lr)
        self.network = autoencoder.to(self.device)
        self.optimizer = configure_adam(self.network, self.lr)
        self.epochs_trained = 0  # complete epochs
        self.batches_done = 0  # batches of the next epoch trained already (a stop in mid-epoch)
        self.initialised = False  # train() initialises the weights on its first call, as the article does
        self.info: dict[str, Any] = {}  # notes kept in checkpoints: what and how the model was trained
        self.log_dict = new_log()
        if verbose:
            print(f"device: {describe_device(self.device)}")

    @property
    def channels(self) -> int:
        """The colour channels the network was built for (3, or 1 for grayscale)."""
        return self.network.encoder.config["in_channels"]

    def train(
        self, loss_function: Callable, epochs: int, batch_size: int, training_set: Any, validation_set: Any,
        test_set: Any, *, recipe: str = "project", seed: int = 0, checkpoint_dir: str | Path | None = None,
        corrupt: Corrupt | None = None, progress: bool = True,
    ) -> dict[str, Any]:  # fmt: skip
        """Train for ``epochs`` more epochs and return the log (keys: ``state.new_log``; it goes on across calls).

        The first call seeds PyTorch with ``seed`` and initialises the weights as the article does; later calls
        go on from the weights (after a stop in mid-epoch, the first of ``epochs`` is the unfinished one). Datasets
        hold images (C, 32, 32) in [-1, 1] or (image, label) pairs, or are tensors (N, C, 32, 32); ``test_set``
        holds the images drawn after every epoch. ``recipe``: "project" (shuffled, warm-up and cool-down) or "article"
        (fixed order, constant rate); ``checkpoint_dir``: a folder for latest.pt and best.pt; ``corrupt``: a function
        making inputs from a batch of targets (denoising); ``progress``: a progress bar per epoch.
        """
        datasets = (training_set, validation_set, test_set)
        run = self._prepare(loss_function, epochs, batch_size, datasets, recipe, seed, checkpoint_dir, corrupt)
        run.progress = progress
        last_epoch = self.epochs_trained + epochs
        self._say(
            f"training on {len(run.images[0])} images, batch {batch_size}, epochs {self.epochs_trained + 1}-"
            f"{last_epoch}, recipe {recipe} ({run.speed.describe()})"
        )
        with stop_after_batch() as stop:
            try:
                while self.epochs_trained < last_epoch and not stop.requested:
                    self._train_one_epoch(run, stop)
            except NonFiniteLoss as error:
                weights_good = all(bool(torch.isfinite(p).all()) for p in self.network.parameters())
                if weights_good:  # else latest.pt keeps the last good epoch rather than broken weights
                    self._save(run, "latest.pt")
                message = self._diverged_message(error, weights_good)
                raise TrainingDivergedError(message, self.log_dict) from None
            except KeyboardInterrupt:
                stop.requested = True
            finally:
                self.network.to(memory_format=torch.contiguous_format)
        if self.epochs_trained < last_epoch:
            self._save(run, "latest.pt")
            print(f"\nTraining stopped by the user. {self.progress_report(run.steps)}")
        return self.log_dict

    def _train_one_epoch(self, run: _Run, stop: Any) -> None:
        """Train the next epoch's remaining batches, then (if it was not stopped) validate it and record it."""
        epoch, started = self.epochs_trained + 1, time.perf_counter()
        order = epoch_order(len(run.images[0]), epoch, run.seed, run.shuffle)[self.batches_done * run.batch_size :]
        training = tensor_batches(run.images[0], order, run.batch_size, run.speed.memory_format, run.corrupt)
        batches = tqdm(
            training, total=run.steps, initial=self.batches_done, desc=f"epoch {epoch}",
            disable=not run.progress, leave=False,
        )  # fmt: skip
        losses: list[torch.Tensor] = []
        try:
            if run.graphed is not None:
                train_epoch_graphed(run.graphed, batches, losses, run.scheduler, stop)
            else:
                net, loss = self.network, run.loss_function
                train_epoch(net, batches, loss, self.optimizer, losses, run.scheduler, stop)
        finally:  # the batches trained are in the weights, so they go into the log, stopped or not
            batches.close()
            self.log_dict["training_loss_per_batch"].extend(torch.stack(losses).tolist() if losses else [])
            self.batches_done += len(losses)
            self.log_dict[UNFINISHED] = self.batches_done  # these last entries: no epoch counted in the log yet
        if self.batches_done == run.steps:  # a complete epoch: score it and keep it
            self._record_epoch(run, epoch, time.perf_counter() - started)

    def _record_epoch(self, run: _Run, epoch: int, seconds: float) -> None:
        """Validate the epoch just trained, log it, print a line and write the checkpoints."""
        log = self.log_dict
        best = min(log["validation_loss_per_epoch"], default=math.inf)
        validation = run.images[1]
        in_order = tensor_batches(validation, torch.arange(len(validation)), run.batch_size, corrupt=run.corrupt)
        val_losses, val_mean = evaluate(self.network, in_order, run.loss_function)
        picture = self._picture(run)
        # Everything slow is done: the log takes the whole epoch at once, or (interrupted above) none of it.
        log["validation_loss_per_batch"].extend(val_losses)
        finite = [v for v in log["training_loss_per_batch"][-run.steps :] if math.isfinite(v)]  # (graphs skip NaN)
        log["training_loss_per_epoch"].append(sum(finite) / max(1, len(finite)))
        log["validation_loss_per_epoch"].append(val_mean)
        log["epoch_seconds"].append(seconds)
        log["batches_per_epoch"].append(run.steps)
        log["visualizations"].append(picture)
        self.epochs_trained, self.batches_done, log[UNFINISHED] = epoch, 0, 0
        self._say(
            f"epoch {epoch}: training loss {log['training_loss_per_epoch'][-1]:.4f}, "
            f"validation loss {val_mean:.4f}, {seconds:.1f} s"
        )
        self._save(run, "latest.pt")
        if val_mean < best:
            self._save(run, "best.pt")
        elif val_mean > BLOW_UP * best:  # a finite loss that exploded: the NaN check cannot see it
            print(
                f"warning: the validation loss jumped to {val_mean:.4f}, {val_mean / best:.0f} times the best so far "
                f"({best:.4f}): training has probably diverged. Stop it; best.pt (with a checkpoint_dir) keeps the "
                f"best epoch: load it and train on with a lower rate (lr={self.lr:g} now; try {self.lr / 2:g})."
            )

    @torch.inference_mode()
    def _picture(self, run: _Run) -> torch.Tensor:
        """The test images above their reconstructions (with the corrupted inputs on top when denoising)."""
        self.network.eval()
        targets = run.images[2]
        inputs = run.corrupt(targets) if run.corrupt is not None else targets
        return reconstruction_grid(targets, self.network(inputs), inputs if run.corrupt is not None else None)

    def progress_report(self, steps: int | None = None) -> str:
        """Where training stands, in words: complete epochs and the batches of an unfinished one."""
        text = f"Completed epochs: {self.epochs_trained}"
        if self.batches_done:
            of = f" of {steps}" if steps else ""
            text += f", and {self.batches_done}{of} batches of epoch {self.epochs_trained + 1}, kept in the weights"
        return text + "; the log so far is returned and the model is usable: train() again goes on from here."

    def _diverged_message(self, error: NonFiniteLoss, weights_good: bool) -> str:
        at = error.args[1] if len(error.args) > 1 else f"batch {self.batches_done + 1}"  # CUDA graphs say where
        where = f"The loss became {error.args[0]} at epoch {self.epochs_trained + 1}, {at}; "
        weights = (
            "it never reached the weights, which are finite."
            if weights_good
            else "the step before had already broken some weights (NaN or infinite): reload a checkpoint."
        )
        return (
            f"{where}{weights} Usual cures: a lower learning rate (lr={self.lr:g} now: set model.lr = "
            f"{self.lr / 10:g}, then train() again goes on), or check the images for extreme values."
        )

    def _say(self, text: str) -> None:
        if self.verbose:
            print(text)

    def _save(self, run: _Run, name: str) -> None:
        if run.checkpoints is not None:  # the network was checked once, in _prepare, to be rebuildable
            save_model(self, run.checkpoints / name)

    def _prepare(
        self, loss_function: Callable, epochs: int, batch_size: int, datasets: tuple[Any, Any, Any], recipe: str,
        seed: int, checkpoint_dir: str | Path | None, corrupt: Corrupt | None,
    ) -> _Run:  # fmt: skip
        """Check every argument and the data (before any step), then set up seed, weights, schedule and batches."""
        _check_arguments(loss_function, epochs, batch_size, recipe, seed, corrupt)
        speed = speed_settings(self.device)
        names = ("training_set", "validation_set", "test_set")
        images = tuple(
            as_image_tensor(data, name, self.channels).to(self.device, memory_format=speed.memory_format)
            for data, name in zip(datasets, names)
        )
        size = len(images[0])
        steps = math.ceil(size / batch_size)
        self._check_same_epoch({"batch_size": batch_size, "seed": seed, "recipe": recipe, "training_set": size})
        if checkpoint_dir is not None:
            check_rebuildable(self.network)
        if not self.initialised:  # the first call; later calls, and loaded models, go on from their weights
            torch.manual_seed(seed)
            self.network.apply(init_weights)
            self.initialised = True
            self.info["training_data"] = data_fingerprint(images[0])
        # How the model learned, kept in its checkpoints (train_or_load reuses a match; a change marks it "mixed").
        loss, noise = loss_name(loss_function), corrupt_name(corrupt)
        how = (("recipe", recipe), ("batch_size", batch_size), ("seed", seed), ("loss", loss), ("corrupt", noise))
        for key, value in how:
            self.info[key] = value if self.info.get(key, value) == value else "mixed"
        self.network.to(memory_format=speed.memory_format)
        speed = replace(speed, cuda_graphs=graphs_possible(self.optimizer, speed, loss_function))
        return _Run(
            loss_function, images, speed, self._schedule(recipe, epochs * steps - self.batches_done), corrupt,
            batch_size, steps, seed, recipe == "project", Path(checkpoint_dir) if checkpoint_dir else None, True,
            GraphedStep(self.network, loss_function, self.optimizer) if speed.cuda_graphs else None,
        )  # fmt: skip

    def _check_same_epoch(self, settings: dict[str, Any]) -> None:
        """Refuse to finish an epoch that a stop left unfinished with other batches than it began with."""
        began = self.info.get("epoch_settings", {})
        changed = [key for key in settings if self.batches_done and began.get(key, settings[key]) != settings[key]]
        if changed:
            key = changed[0]
            unit = " images" if key == "training_set" else ""
            raise ValueError(
                f"{key}: this model stopped after batch {self.batches_done} of epoch {self.epochs_trained + 1}, which "
                f"began with {key} {began[key]!r}{unit}; finish that epoch with the same {key} (got {settings[key]!r}"
                f"{unit}), as the rest of its images are drawn in that epoch's order."
            )
        self.info["epoch_settings"] = settings

    def _schedule(self, recipe: str, total_steps: int) -> torch.optim.lr_scheduler.LRScheduler | None:
        """The project's warm-up and cool-down over this call's steps; the article's constant rate: none."""
        for group in self.optimizer.param_groups:  # a schedule of an earlier call may have left it near 0
            group["lr"] = group["initial_lr"] = self.lr
        if recipe == "article":
            return None
        return torch.optim.lr_scheduler.LambdaLR(self.optimizer, warmup_hold_cooldown(total_steps))

    def _run(self, part: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
        self.network.eval()
        with torch.inference_mode():
            return part(x.to(self.device)).to(x.device)

    def autoencode(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct a batch (N, C, 32, 32) in [-1, 1]; returned on the device of ``x``."""
        return self._run(self.network, check_image_batch("x", x, channels=self.channels))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The bottleneck vectors (N, latent_dim) of a batch (N, C, 32, 32)."""
        return self._run(self.network.encoder, check_image_batch("x", x, channels=self.channels))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images (N, C, 32, 32) decoded from bottleneck vectors ``z`` of shape (N, latent_dim)."""
        return self._run(self.network.decoder, check_code(z, self.network.decoder.config["latent_dim"]))

    def save(self, path: str | Path) -> Path:
        """Write network, optimizer state, log and progress to ``path`` atomically (see ``state``)."""
        check_rebuildable(self.network)
        return save_model(self, path)

    @classmethod
    def load(
        cls, path: str | Path, *, device: str | torch.device | None = None, verbose: bool = True
    ) -> ConvolutionalAutoencoder:
        """Rebuild a model from a checkpoint written by ``save``, ready to use or to train further."""
        return load_model(cls, path, device=device, verbose=verbose)
