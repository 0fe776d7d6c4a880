"""The article's trainer, ``ConvolutionalAutoencoder``, mended, made fast and made safe.

What changed from the article, and why (the notebooks say the same where it shows):

* Training batches are shuffled with a seeded generator (the article's DataLoader did
  not shuffle, so every epoch saw the images in the same order and ended on the same ones).
* The validation loss of an epoch is the mean over the whole validation set, not the
  loss of its last batch.
* The project's recipe adds a learning-rate schedule: a short linear warm-up to ``lr``, the
  article's constant rate, then a linear cool-down towards 0 over the last 30% of the steps,
  which settles the weights; ``recipe="article"`` keeps the constant rate and fixed order.
* Speed (``pipeline="fast"``): each dataset is turned into one tensor once and kept on
  the training device, batches are drawn by index, per-batch losses stay on the device
  until the end of the epoch (only the NaN check reads one flag per step). On CUDA it adds
  mixed precision, ``channels_last``, fused Adam and ``cudnn.benchmark``; on CPU
  ``channels_last`` and fused Adam. ``pipeline="article"`` runs the article's DataLoader
  pipeline instead, so the two can be compared; both draw the same batches in the same
  order, so in fp32 they compute the same thing.
* Safety: arguments and data are checked before the first step; a NaN or infinite loss
  stops training before it reaches the weights; Ctrl-C (or the notebook's stop button)
  stops after the current batch and returns the log so far; ``save``/``load`` write and
  read checkpoints atomically; ``checkpoint_dir`` keeps the latest and the best model.
"""

from __future__ import annotations

import math
import os
import signal
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, Sampler, SequentialSampler
from tqdm.auto import tqdm

from .checks import check_image_batch, check_positive_int, describe
from .device import describe_device, pick_device
from .models import Autoencoder, Decoder, Encoder
from .plotting import reconstruction_grid

Recipe = Literal["project", "article"]
Pipeline = Literal["fast", "article"]
Precision = Literal["auto", "fp32", "bf16", "fp16"]

CHECKPOINT_FORMAT = "convae-checkpoint-v1"
# The project's recipe warms the learning rate up over the first 5% of the steps and cools it
# down towards 0 over the last 30%; in between it is the article's constant rate.
WARMUP_FRACTION = 0.05
COOLDOWN_FRACTION = 0.3
LOG_KEYS = (
    "training_loss_per_batch",
    "validation_loss_per_batch",
    "training_loss_per_epoch",
    "validation_loss_per_epoch",
    "epoch_seconds",
    "visualizations",
)


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or infinite. ``log`` holds the log up to the batch before."""

    def __init__(self, message: str, log: dict[str, list]) -> None:
        super().__init__(message)
        self.log = log


def warmup_hold_cooldown(
    total_steps: int, warmup: float = WARMUP_FRACTION, cooldown: float = COOLDOWN_FRACTION
) -> Callable[[int], float]:
    """The learning-rate factor of the project's recipe at each step.

    A linear warm-up from near 0 to 1 over the first ``warmup`` of the steps, the article's
    constant rate in the middle, and a linear cool-down towards 0 over the last ``cooldown``.
    """
    warm = max(1, round(warmup * total_steps))
    cool = max(1, round(cooldown * total_steps))

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return min(1.0, max(0.0, (total_steps - step) / cool))

    return factor


def new_log() -> dict[str, list]:
    """An empty training log with the article's keys and the per-epoch means."""
    return {key: [] for key in LOG_KEYS}


def init_weights(module: nn.Module) -> None:
    """The article's initialisation: Xavier-uniform weights and bias 0.01 for Conv2d and Linear layers.

    Other layers with parameters (the decoder's ConvTranspose2d, which is not a Conv2d) get
    PyTorch's default initialisation again, so that a seed fixes every starting weight.
    """
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        nn.init.xavier_uniform_(module.weight)
        nn.init.constant_(module.bias, 0.01)
    elif hasattr(module, "reset_parameters"):
        module.reset_parameters()


def _check_not_empty(dataset: Any, name: str) -> None:
    """Raise unless ``dataset`` has a length of at least 1."""
    try:
        size = len(dataset)
    except TypeError:
        raise TypeError(
            f"{name} must be a dataset with a length (e.g. CustomCIFAR10); got {describe(dataset)}."
        ) from None
    if size == 0:
        raise ValueError(f"{name} is empty; expected at least one image.")


def _image_of(item: Any, name: str, index: int) -> torch.Tensor:
    """The image of one dataset item: the item itself, or the first of an (image, label) pair."""
    if isinstance(item, (tuple, list)) and len(item) == 2:
        item = item[0]
    if not isinstance(item, torch.Tensor):
        raise TypeError(
            f"{name} yields {describe(item)} at index {index}; expected an image tensor (3, 32, 32) in [-1, 1] or an "
            "(image, label) pair. Wrap raw images with CustomCIFAR10(images, transforms=article_transform())."
        )
    if tuple(item.shape) != (3, 32, 32):
        hint = ""
        if item.dim() == 3 and item.shape[-1] == 3:
            hint = " It looks like (H, W, C); use .permute(2, 0, 1)."
        elif item.dim() == 3 and item.shape[0] == 3:
            hint = " Resize it, e.g. with torchvision.transforms.Resize(32) and CenterCrop(32)."
        raise ValueError(f"{name}[{index}] has shape {tuple(item.shape)}; expected an image (3, 32, 32).{hint}")
    check_image_batch(f"{name}[{index}]", item.unsqueeze(0), check_values=False)
    return item


def _as_tensor(dataset: Any, name: str) -> torch.Tensor:
    """All images of ``dataset`` as one float tensor (N, 3, 32, 32), checked once, in one pass."""
    _check_not_empty(dataset, name)
    if isinstance(dataset, torch.Tensor):
        return check_image_batch(name, dataset)
    images = [_image_of(dataset[index], name, index) for index in range(len(dataset))]
    return check_image_batch(name, torch.stack(images))


def _shuffled_order(n: int, generator: torch.Generator | None) -> Sampler[int]:
    """Random order when a generator is given, else the dataset order: the article's DataLoader."""
    return RandomSampler(range(n), generator=generator) if generator is not None else SequentialSampler(range(n))


@contextmanager
def _stop_after_batch() -> Iterator[dict[str, bool]]:
    """Turn the first Ctrl-C into a request to stop after the current batch; a second one interrupts at once."""
    state = {"requested": False}
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def request_stop(signum: int, frame: Any) -> None:
        if state["requested"]:
            raise KeyboardInterrupt
        state["requested"] = True
        print("\nStop requested: finishing the current batch (press again to stop at once).")

    previous = signal.signal(signal.SIGINT, request_stop)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)


class _StopTraining(Exception):
    """Raised inside the loop when a stop was requested; carries nothing."""


@dataclass
class _Step:
    """One optimisation step after another: the inner loop of ``train``, with its checks."""

    net: nn.Module
    loss_function: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    autocast: Callable[[], Any]
    scaler: torch.amp.GradScaler | None
    scheduler: torch.optim.lr_scheduler.LRScheduler | None
    optimizer: torch.optim.Optimizer
    lr: float
    device: torch.device
    position: str = "the set-up"

    def epoch(
        self, batches: Iterator[torch.Tensor], epoch: int, steps: int, stop: dict[str, bool], log: dict[str, list]
    ) -> torch.Tensor:
        """Train on every batch; return the batch losses. They stay on the device and reach the log once."""
        losses = torch.zeros(steps, device=self.device)
        done = 0
        try:
            for images in batches:
                self.position = f"epoch {epoch}, batch {done + 1}"
                with self.autocast():
                    loss = self.loss_function(self.net(images), images)
                if not bool(torch.isfinite(loss)):  # checked before backward(): the weights stay good
                    raise TrainingDivergedError(
                        f"The loss became {float(loss.detach())} at {self.position}; training stopped before it "
                        "reached the weights, which are those of the batch before. Usual cures: a lower learning "
                        f"rate (lr={self.lr:g} now), or check the images for extreme values.",
                        log,
                    )
                self.optimizer.zero_grad(set_to_none=True)
                if self.scaler is not None:  # fp16 on CUDA: scale the loss so small gradients survive
                    self.scaler.scale(loss).backward()
                    self.scaler.step(self.optimizer)
                    self.scaler.update()
                else:
                    loss.backward()
                    self.optimizer.step()
                if self.scheduler is not None:
                    self.scheduler.step()
                losses[done] = loss.detach()
                done += 1
                if stop["requested"]:
                    raise _StopTraining
        finally:
            getattr(batches, "close", lambda: None)()
            log["training_loss_per_batch"].extend(losses[:done].tolist())
        self.position = f"the validation of epoch {epoch}"
        return losses[:done]


class ConvolutionalAutoencoder:
    """Trains an ``Autoencoder`` and uses it: the article's class, with its names.

    Args:
        autoencoder: the network, e.g. ``Autoencoder(Encoder(), Decoder())``; kept as ``network``.
        lr: Adam's learning rate (the article's 1e-3); with ``recipe="project"`` the schedule's peak.
        device: ``"cpu"``, ``"cuda"``, ``"mps"``, or None for the best available (CUDA, MPS, CPU).
        fused: Adam's fused implementation (one kernel per step; the same maths as plain Adam).
            None uses it where this PyTorch has it for the device (CUDA; CPU from torch 2.4).
        verbose: print the device now and one line per epoch when training.
    """

    def __init__(
        self,
        autoencoder: Autoencoder,
        *,
        lr: float = 1e-3,
        device: str | torch.device | None = None,
        fused: bool | None = None,
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
        self.optimizer = _adam(self.network, self.lr, fused)
        self.epochs_trained = 0
        self.initialised = False  # train() initialises the weights on its first call, as the article does
        self.info: dict[str, Any] = {}  # notes kept in checkpoints: train() records its training data here
        self.log_dict = new_log()
        if verbose:
            print(f"device: {describe_device(self.device)}")

    # ------------------------------------------------------------------ training
    def train(
        self,
        loss_function: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        epochs: int,
        batch_size: int,
        training_set: Any,
        validation_set: Any,
        test_set: Any,
        *,
        recipe: Recipe = "project",
        pipeline: Pipeline = "fast",
        seed: int = 0,
        checkpoint_dir: str | Path | None = None,
        precision: Precision = "auto",
        channels_last: bool | None = None,
        compile: bool = False,
        progress: bool = True,
    ) -> dict[str, list]:
        """Train for ``epochs`` more epochs and return the log (it goes on across calls and checkpoints).

        The first call initialises the weights as the article does (Xavier-uniform, bias 0.01), so
        weights put into the network beforehand are replaced; a model from ``load`` is not re-initialised.

        Args:
            loss_function: called as ``loss_function(reconstruction, images)``, e.g. ``nn.MSELoss()``.
            epochs: epochs to train in this call (a loaded model continues its count).
            batch_size: images per step (the article's 64); validation uses the same.
            training_set, validation_set, test_set: datasets of image tensors (3, 32, 32) in [-1, 1],
                or of (image, label) pairs, or tensors (N, 3, 32, 32). ``test_set`` holds the few
                images shown above their reconstructions after every epoch.
            recipe: ``"project"`` (shuffled batches, warm-up and cool-down of the rate) or ``"article"``
                (fixed order, constant learning rate).
            pipeline: ``"fast"`` (tensors on the device) or ``"article"`` (the article's DataLoaders).
            seed: seeds the weight initialisation of a fresh model and the batch order; two CPU
                runs with the same seed give identical losses.
            checkpoint_dir: if given, ``latest.pt`` is written after every epoch (and when training
                stops early) and ``best.pt`` whenever the validation loss is the lowest so far.
            precision: ``"auto"`` is mixed precision on CUDA (bf16 where supported, else fp16
                with a gradient scaler) and fp32 elsewhere; ``"fp32"`` forces full precision;
                ``"bf16"`` and ``"fp16"`` force that autocast dtype on any device (fp16 with a
                gradient scaler), e.g. ``"bf16"`` on CPUs with native bf16.
            channels_last: memory layout for the convolutions; None picks what measured faster
                (on for CUDA and CPU). Only the fast pipeline uses it.
            compile: wrap the network in ``torch.compile`` (fast pipeline only; see benchmarks/).
            progress: show a progress bar per epoch.

        Side effects beyond the model: the first call seeds PyTorch's global random generator
        (``torch.manual_seed(seed)``), and on CUDA it turns on ``torch.backends.cudnn.benchmark``.

        Returns:
            The log: ``training_loss_per_batch``, ``validation_loss_per_batch``, the per-epoch
            means ``training_loss_per_epoch`` and ``validation_loss_per_epoch``,
            ``epoch_seconds``, and ``visualizations`` (one image grid (H, W, 3) per epoch:
            the test images above their reconstructions).
        """
        if not callable(loss_function):
            raise TypeError(f"loss_function must be callable, e.g. nn.MSELoss(); got {describe(loss_function)}.")
        check_positive_int("epochs", epochs)
        check_positive_int("batch_size", batch_size)
        _check_choice("recipe", recipe, ("project", "article"))
        _check_choice("pipeline", pipeline, ("fast", "article"))
        _check_choice("precision", precision, ("auto", "fp32", "bf16", "fp16"))
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an integer; got {seed!r}.")
        fast = pipeline == "fast"
        if fast:
            train_x = _as_tensor(training_set, "training_set")
            val_x = _as_tensor(validation_set, "validation_set")
            test_x = _as_tensor(test_set, "test_set")
        else:
            for name, dataset in (
                ("training_set", training_set),
                ("validation_set", validation_set),
                ("test_set", test_set),
            ):
                _check_not_empty(dataset, name)
                check_image_batch(name, _image_of(dataset[0], name, 0).unsqueeze(0))
        checkpoints = Path(checkpoint_dir) if checkpoint_dir is not None else None
        if checkpoints is not None:
            self._check_saveable()
            checkpoints.mkdir(parents=True, exist_ok=True)

        if not self.initialised:  # the first call; later calls, and loaded models, go on from their weights
            torch.manual_seed(seed)
            self.network.apply(init_weights)
            self.initialised = True
            self.info["training_data"] = data_fingerprint(train_x if fast else training_set)
        # What and how the model learns, kept in its checkpoints: train_or_load reuses only a matching model,
        # so a call that trains another way than the first marks the setting "mixed".
        for key, value in (("recipe", recipe), ("batch_size", batch_size), ("seed", seed)):
            self.info[key] = value if self.info.get(key, value) == value else "mixed"
        log = self.log_dict
        # A resumed run draws new batch orders, not those of its first epochs again.
        generator = torch.Generator().manual_seed(seed + self.epochs_trained) if recipe == "project" else None
        for group in self.optimizer.param_groups:  # a schedule of an earlier call may have left it at 0
            group["lr"] = group["initial_lr"] = self.lr
        device = self.device
        amp_dtype = _amp_dtype(precision, device)
        memory_format = torch.channels_last if fast and channels_last is not False else torch.contiguous_format
        self.network.to(memory_format=memory_format)
        scaler = torch.amp.GradScaler(device.type) if amp_dtype == torch.float16 else None
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = True
        net = torch.compile(self.network) if compile and fast else self.network
        n_train = len(train_x) if fast else len(training_set)
        steps_per_epoch = math.ceil(n_train / batch_size)
        scheduler = None
        if recipe == "project":
            scheduler = torch.optim.lr_scheduler.LambdaLR(
                self.optimizer, warmup_hold_cooldown(epochs * steps_per_epoch)
            )

        if fast:
            train_x, val_x, test_x = (x.to(device, memory_format=memory_format) for x in (train_x, val_x, test_x))

            def training_batches(order: Sampler[int]) -> Iterator[torch.Tensor]:
                index = torch.tensor(list(order), device=device)
                for start in range(0, n_train, batch_size):
                    yield train_x[index[start : start + batch_size]].contiguous(memory_format=memory_format)

            def validation_batches() -> Iterator[torch.Tensor]:
                return iter(val_x.split(batch_size))

            test_images = test_x
        else:

            def training_batches(order: Sampler[int]) -> Iterator[torch.Tensor]:
                for images in DataLoader(training_set, batch_size, sampler=order):
                    yield _batch_images(images).to(device)

            def validation_batches() -> Iterator[torch.Tensor]:
                for images in DataLoader(validation_set, batch_size):
                    yield _batch_images(images).to(device)

            test_images = torch.cat([_batch_images(b) for b in DataLoader(test_set, 64)]).to(device)

        order = _shuffled_order(n_train, generator)
        autocast = (
            (lambda: torch.autocast(device.type, dtype=amp_dtype)) if amp_dtype is not None else (lambda: nullcontext())
        )
        first_epoch = self.epochs_trained + 1
        last_epoch = self.epochs_trained + epochs
        if self.verbose:
            speed = f"{'channels_last, ' if memory_format == torch.channels_last else ''}{amp_dtype or torch.float32}"
            print(
                f"training on {n_train} images, batch {batch_size}, epochs {first_epoch}-{last_epoch}, "
                f"recipe {recipe}, pipeline {pipeline} ({speed})"
            )
        best = min(log["validation_loss_per_epoch"], default=math.inf)
        step = _Step(net, loss_function, autocast, scaler, scheduler, self.optimizer, self.lr, device)
        with _stop_after_batch() as stop:
            try:
                for epoch in range(first_epoch, last_epoch + 1):
                    if stop["requested"]:  # pressed during the validation of the epoch before
                        raise _StopTraining
                    started = time.perf_counter()
                    self.network.train()
                    bar = tqdm(
                        training_batches(order),
                        total=steps_per_epoch,
                        desc=f"epoch {epoch}",
                        disable=not progress,
                        leave=False,
                    )
                    losses = step.epoch(bar, epoch, steps_per_epoch, stop, log)
                    val_losses, val_mean = self._evaluate(net, validation_batches(), loss_function)
                    log["validation_loss_per_batch"].extend(val_losses)
                    log["visualizations"].append(self._visualize(net, test_images))
                    log["training_loss_per_epoch"].append(float(losses.mean()))
                    log["validation_loss_per_epoch"].append(val_mean)
                    log["epoch_seconds"].append(time.perf_counter() - started)
                    self.epochs_trained = epoch
                    if self.verbose:
                        print(
                            f"epoch {epoch}/{last_epoch}: training loss {log['training_loss_per_epoch'][-1]:.4f}, "
                            f"validation loss {val_mean:.4f}, {log['epoch_seconds'][-1]:.1f} s"
                        )
                    if checkpoints is not None:
                        self.save(checkpoints / "latest.pt")
                        if val_mean < best:
                            self.save(checkpoints / "best.pt")
                    best = min(best, val_mean)
            except (KeyboardInterrupt, _StopTraining, TrainingDivergedError) as stopped:
                if checkpoints is not None:
                    self.save(checkpoints / "latest.pt")
                if isinstance(stopped, TrainingDivergedError):
                    raise
                print(
                    f"\nTraining stopped by the user during {step.position}. Completed epochs: {self.epochs_trained}; "
                    "the log so far is returned and the model is usable: train() again goes on from here."
                )
            finally:
                self.network.to(memory_format=torch.contiguous_format)
        return log

    @torch.inference_mode()
    def _evaluate(
        self, net: nn.Module, batches: Iterator[torch.Tensor], loss_function: Callable
    ) -> tuple[list[float], float]:
        """Per-batch losses in fp32 and their mean over the whole set, each batch weighted by its size."""
        self.network.eval()
        losses, sizes = [], []
        for images in batches:
            losses.append(loss_function(net(images), images).float())
            sizes.append(len(images))
        values = torch.stack(losses)
        weights = torch.tensor(sizes, dtype=values.dtype, device=values.device)
        mean = float((values * weights).sum() / weights.sum())
        return values.tolist(), mean

    @torch.inference_mode()
    def _visualize(self, net: nn.Module, images: torch.Tensor) -> torch.Tensor:
        """A grid (H, W, 3) on the CPU: the images in the top row, their reconstructions below."""
        self.network.eval()
        return reconstruction_grid(images, net(images))

    # ------------------------------------------------------------------ using the model
    def _run(self, part: nn.Module, x: torch.Tensor) -> torch.Tensor:
        self.network.eval()
        with torch.inference_mode():
            return part(x.to(self.device)).to(x.device)

    def autoencode(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct a batch (N, 3, 32, 32) in [-1, 1]; returned on the device of ``x``."""
        return self._run(self.network, check_image_batch("x", x))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The bottleneck vectors (N, latent_dim) of a batch (N, 3, 32, 32)."""
        return self._run(self.network.encoder, check_image_batch("x", x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images (N, 3, 32, 32) decoded from bottleneck vectors ``z`` of shape (N, latent_dim)."""
        latent_dim = self.network.decoder.config["latent_dim"]
        if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[1] != latent_dim:
            raise ValueError(f"z must be a tensor of shape (N, {latent_dim}); got {describe(z)}.")
        if not z.is_floating_point() or not bool(torch.isfinite(z).all()):
            raise ValueError(f"z must hold finite float values; got {describe(z)} with NaN or infinite values.")
        return self._run(self.network.decoder, z)

    # ------------------------------------------------------------------ checkpoints
    def _check_saveable(self) -> None:
        """Raise, before any training, if a checkpoint could not rebuild this network as it is."""
        for part in (self.network.encoder, self.network.decoder):
            if part.config["act_fn"] is None:
                raise ValueError(
                    "act_fn: checkpoints rebuild activations from their class name, so only ones without settings "
                    "(nn.ReLU(), nn.GELU(), ...) can be saved; drop checkpoint_dir or use such an activation."
                )
        encoder, decoder = self.network.encoder, self.network.decoder
        with torch.device("meta"):  # what load() would rebuild, without allocating weights
            rebuilt = Autoencoder(Encoder(**_with_act_fn(encoder.config)), Decoder(**_with_act_fn(decoder.config)))
        if repr(rebuilt) != repr(self.network):
            raise ValueError(
                "network: its layers were changed after it was built (or it is a subclass), and a checkpoint "
                "rebuilds only what Encoder and Decoder build from their arguments; drop checkpoint_dir (and use "
                "train(), not train_or_load) to train a changed network."
            )

    def save(self, path: str | Path) -> Path:
        """Write weights, optimizer state, architecture, log and epoch count to ``path`` atomically.

        The file is written beside ``path`` under a temporary name and then renamed, so an
        interruption never leaves a half-written checkpoint in its place.
        """
        self._check_saveable()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "format": CHECKPOINT_FORMAT,
            "encoder": self.network.encoder.config,
            "decoder": self.network.decoder.config,
            "network": {k: v.detach().cpu().contiguous() for k, v in self.network.state_dict().items()},
            "optimizer": self.optimizer.state_dict(),
            "lr": self.lr,
            "epochs_trained": self.epochs_trained,
            "log": self.log_dict,
            "info": self.info,
        }
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                torch.save(state, file)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(
        cls, path: str | Path, *, device: str | torch.device | None = None, verbose: bool = True
    ) -> ConvolutionalAutoencoder:
        """Rebuild a model from a checkpoint written by ``save``, ready to use or to train further."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"checkpoint {str(path)!r} does not exist; expected a file written by model.save()."
            )
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:
            raise ValueError(
                f"checkpoint {str(path)!r} could not be read (truncated or corrupt?): {type(error).__name__}: {error}"
            ) from None
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(
                f"checkpoint {str(path)!r} is not a convae checkpoint (format {CHECKPOINT_FORMAT}); "
                "expected a file written by ConvolutionalAutoencoder.save()."
            )
        try:
            encoder = Encoder(**_with_act_fn(state["encoder"]))
            decoder = Decoder(**_with_act_fn(state["decoder"]))
            network = Autoencoder(encoder, decoder)
            network.load_state_dict(state["network"])
        except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as error:
            raise ValueError(
                f"checkpoint {str(path)!r} does not match the architecture it describes "
                f"(encoder {state.get('encoder')}, decoder {state.get('decoder')}): {error}"
            ) from None
        model = cls(network, lr=state["lr"], device=device, verbose=verbose)
        chosen = {key: model.optimizer.param_groups[0][key] for key in ("fused", "foreach")}
        model.optimizer.load_state_dict(state["optimizer"])
        for group in model.optimizer.param_groups:  # the implementation this device has, not the saving one's
            group.update(chosen)
        model.epochs_trained = int(state["epochs_trained"])
        model.initialised = True
        model.info = dict(state.get("info", {}))
        model.log_dict = {key: list(state["log"].get(key, [])) for key in LOG_KEYS}
        return model


def _adam(network: nn.Module, lr: float, fused: bool | None) -> torch.optim.Adam:
    """The article's optimizer, Adam, fused where asked for or (``fused=None``) where available."""
    if fused is False:
        return torch.optim.Adam(network.parameters(), lr=lr)
    try:
        return torch.optim.Adam(network.parameters(), lr=lr, fused=True)
    except RuntimeError:  # this PyTorch has no fused Adam for the device (e.g. CPU before 2.4, MPS)
        if fused:
            raise
        return torch.optim.Adam(network.parameters(), lr=lr)


def _with_act_fn(config: dict[str, Any]) -> dict[str, Any]:
    """A stored module config with its activation name turned back into a module."""
    return {**config, "act_fn": getattr(nn, config["act_fn"])()}


def _batch_images(batch: Any) -> torch.Tensor:
    """The images of a DataLoader batch, which is either images or [images, labels]."""
    return batch[0] if isinstance(batch, (list, tuple)) else batch


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}.")


def _cpu_has_native_bf16() -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def _amp_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``precision`` on ``device``, or None for plain fp32."""
    if precision == "fp32" or (precision == "auto" and device.type != "cuda"):
        return None
    # bf16 needs Ampere (compute capability 8) or newer; older GPUs such as Colab's T4 emulate it slowly.
    if precision == "bf16" or (precision == "auto" and torch.cuda.get_device_capability(device)[0] >= 8):
        if device.type == "cpu" and not _cpu_has_native_bf16():
            warnings.warn(
                "precision='bf16' on a CPU without native bf16 instructions (AVX-512 BF16 or AMX) is emulated and "
                "much slower than fp32 (about 14x slower on the 2-core AVX2 machine of benchmarks/); use 'fp32'.",
                stacklevel=3,
            )
        return torch.bfloat16
    return torch.float16


def data_fingerprint(dataset: Any) -> str:
    """A short identity of a dataset: its size and a weighted sum of 64 images spread over it."""
    _check_not_empty(dataset, "dataset")
    picked = torch.linspace(0, len(dataset) - 1, min(64, len(dataset))).long().tolist()
    images = torch.stack([_image_of(dataset[i], "dataset", i) for i in picked]).double()
    weights = torch.arange(1, len(picked) + 1, dtype=torch.float64).view(-1, 1, 1, 1)  # order counts too
    return f"{len(dataset)} images, checksum {float((images * weights).sum()):.4f}"


def train_or_load(
    latent_dim: int, datasets: tuple[Any, Any, Any], epochs: int, batch_size: int, run_dir: str | Path, seed: int = 0
) -> ConvolutionalAutoencoder:
    """The article's autoencoder with bottleneck ``latent_dim``, trained on ``datasets`` for ``epochs``.

    Loaded from ``run_dir/final.pt`` when an earlier run on the same training images, with the
    project's recipe and the same batch size and seed, saved it; continued from ``run_dir/latest.pt``
    when such a run stopped early; trained from scratch otherwise. When the user stops the
    training, it raises ``KeyboardInterrupt`` (the cell stops) and keeps ``latest.pt``, so running
    the cell again goes on from there, with a learning-rate schedule planned afresh over the
    remaining epochs.
    """
    run_dir = Path(run_dir)
    fingerprint = data_fingerprint(datasets[0])
    model = None
    for path in (run_dir / "final.pt", run_dir / "latest.pt"):
        if path.is_file():
            candidate = ConvolutionalAutoencoder.load(path)
            same_run = (
                candidate.info.get("training_data") == fingerprint
                and (candidate.info.get("recipe"), candidate.info.get("batch_size")) == ("project", batch_size)
                and candidate.info.get("seed") == seed
                and candidate.network.encoder.config["latent_dim"] == latent_dim
                and candidate.epochs_trained <= epochs
            )
            if same_run:
                print(f"found {path}: {candidate.epochs_trained} of {epochs} epochs done")
                model = candidate
                break
    if model is None:
        model = ConvolutionalAutoencoder(Autoencoder(Encoder(latent_dim=latent_dim), Decoder(latent_dim=latent_dim)))
    if model.epochs_trained < epochs:
        model.train(
            nn.MSELoss(), epochs - model.epochs_trained, batch_size, *datasets, seed=seed, checkpoint_dir=run_dir
        )
        if model.epochs_trained < epochs:
            raise KeyboardInterrupt(
                f"training stopped after {model.epochs_trained} of {epochs} epochs; run the cell again to go on "
                f"from {run_dir / 'latest.pt'}"
            )
        model.save(run_dir / "final.pt")
    return model
