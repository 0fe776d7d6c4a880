"""convae_helpers: the code behind the convae notebooks.

Modules, one concern each, are listed in ``LAYERS`` below from the bottom up: each imports (at module level
or inside a function) only modules listed before it, so the package has no import cycle; tests/test_structure.py
checks it from the source. The **core** (``CORE``) is what a learner reads end to end: the article's network
(``article``), one epoch of training (``loop``), the trainer (``training``) and its checkpoint files (``state``).
Above the trainer, which never imports them, sit the experiments: notebook 5's model variants (``models``),
a run's identity and ``train_or_load`` (``checkpoints``), and each notebook's tools.
The names the notebooks use most are importable from the package itself (``__all__``); the rest from their
module, e.g. ``from convae_helpers.metrics import psnr`` or ``from convae_helpers.data import load_image_folder``.
"""

from . import vae as vae  # imported for its registration: checkpoints of a VAE then load anywhere
from .article import Autoencoder, Decoder, Encoder
from .data import CustomCIFAR10, article_datasets, article_transform, extract_each_class, load_splits
from .models import build_autoencoder, count_parameters
from .settings import report_environment
from .training import ConvolutionalAutoencoder

__version__ = "0.1.0"

LAYERS = (
    "checks",  # argument checks (torch only)
    "device",  # the device, and the speed settings measured to help on it
    "settings",  # smoke mode, folders; ``full_run``, the measured results shipped in ``full_runs/``
    "article",  # core: the article's Encoder, Decoder, Autoencoder, their initialisation and optimizer (torch only)
    "batches",  # datasets to batches
    "loop",  # core: one training epoch, evaluation, the reconstruction grid
    "graphs",  # the training step as CUDA graphs, used by the trainer on a GPU
    "state",  # core: checkpoint files, the state a training run needs to go on, read and written
    "training",  # core: the trainer, ConvolutionalAutoencoder
    "models",  # experiments: build_autoencoder and notebook 5's variants (skips, depth), layer tables
    "checkpoints",  # experiments: a run's identity and ``train_or_load``
    "data",  # CIFAR-10, the offline images, folders, ``as_tensor``
    "losses",  # SSIM, MS-SSIM + L1
    "metrics",  # MSE, PSNR, SSIM, detail, per image too; the PCA baseline
    "denoising",  # noise, classical filters
    "anomaly",  # AUROC, thresholds
    "latent",  # codes: blends, neighbours, maps
    "vae",  # the variational autoencoder of notebook 9
    "diagram",  # the architecture diagram
    "plotting",  # the figures
    "exercises",  # the notebooks' exercises and their checks
)
CORE = ("article", "loop", "training", "state")  # what a learner reads end to end: under 900 lines, tested

__all__ = [  # the names the notebooks import from the package itself; the rest come from their modules
    "Autoencoder",
    "ConvolutionalAutoencoder",
    "CustomCIFAR10",
    "Decoder",
    "Encoder",
    "article_datasets",
    "article_transform",
    "build_autoencoder",
    "count_parameters",
    "extract_each_class",
    "load_splits",
    "report_environment",
]
