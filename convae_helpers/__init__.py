"""convae_helpers: the code behind the convae notebooks.

Modules, one concern each, each importing only those listed before it: ``checks`` (argument
checks), ``settings`` (smoke mode, folders; ``full_run``, the measured results shipped in ``full_runs/``),
``models`` (Encoder, Decoder, Autoencoder, their initialisation and optimizer; torch only), ``device``
(device, precision, memory layout), ``batches`` (datasets to batches, both pipelines), ``loop`` (one
training epoch, evaluation), ``checkpoints`` (files, ``train_or_load``), ``training`` (the trainer,
ConvolutionalAutoencoder), ``data`` (CIFAR-10, offline images, folders, ``as_tensor``), ``losses``
(SSIM, MS-SSIM + L1), ``metrics`` (MSE, PSNR, SSIM, detail, per image too; the PCA baseline),
``denoising`` (noise, classical filters), ``anomaly`` (AUROC, thresholds), ``latent`` (codes:
blends, neighbours, maps), ``diagram`` (the architecture diagram), ``plotting``, ``graphs`` (CUDA graphs, used
by the trainer on a GPU), ``vae`` (the variational autoencoder of notebook 9).
The most used names are importable from the package itself; the rest from their module, e.g.
``from convae_helpers.metrics import psnr``.
"""

from . import vae as vae  # imported for its registration: checkpoints of a VAE then load anywhere
from .data import (
    CLASS_NAMES,
    CIFAR10UnavailableError,
    CustomCIFAR10,
    ImageSet,
    article_datasets,
    article_transform,
    extract_each_class,
    load_cifar10,
    load_image_folder,
    load_offline_cifar10,
    load_splits,
)
from .device import pick_device
from .models import Autoencoder, Decoder, Encoder, build_autoencoder, count_parameters
from .settings import Settings, get_settings, report_environment
from .training import ConvolutionalAutoencoder, TrainingDivergedError

__version__ = "0.1.0"

__all__ = [
    "CLASS_NAMES",
    "CIFAR10UnavailableError",
    "Autoencoder",
    "ConvolutionalAutoencoder",
    "CustomCIFAR10",
    "Decoder",
    "Encoder",
    "ImageSet",
    "Settings",
    "TrainingDivergedError",
    "article_datasets",
    "article_transform",
    "build_autoencoder",
    "count_parameters",
    "extract_each_class",
    "get_settings",
    "load_cifar10",
    "load_image_folder",
    "load_offline_cifar10",
    "load_splits",
    "pick_device",
    "report_environment",
]
