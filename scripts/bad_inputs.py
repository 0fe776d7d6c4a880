"""The table of mistakes: one row per bad input, with the call that makes it and what it must raise.

scripts/mistakes.py writes docs/mistakes.md from the live messages, so a reworded message is edited in one
place, the code; tests/test_reliability.py checks every row. It lives beside mistakes.py, which needs it,
and the tests import it from here, so nothing outside tests/ depends on the tests.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from convae_helpers import (
    Autoencoder,
    ConvolutionalAutoencoder,
    CustomCIFAR10,
    Decoder,
    Encoder,
    article_transform,
    build_autoencoder,
    extract_each_class,
)
from convae_helpers.anomaly import auroc, threshold_for
from convae_helpers.data import load_offline_cifar10
from convae_helpers.denoising import GaussianNoise, SaltAndPepper, tune_filter
from convae_helpers.latent import nearest
from convae_helpers.losses import MSSSIML1Loss
from convae_helpers.metrics import image_scores


def example_tensors() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(training, validation, test) tensors in [-1, 1]: 640 and 200 offline images, and one per class."""
    training, validation = load_offline_cifar10(True, n=640), load_offline_cifar10(False, n=200)
    transform = article_transform()
    sets = (list(training.data), list(validation.data), extract_each_class(validation))
    return tuple(torch.stack([transform(image) for image in images]) for images in sets)


def make_model(latent_dim: int = 200, **sizes) -> ConvolutionalAutoencoder:
    """The article's model on the CPU, quiet, with the sizes given."""
    return ConvolutionalAutoencoder(build_autoencoder(latent_dim, **sizes), device="cpu", verbose=False)


def tiny_model() -> ConvolutionalAutoencoder:
    """A model of a few thousand weights, for tests of behaviour that does not depend on size."""
    return ConvolutionalAutoencoder(build_autoencoder(latent_dim=8, out_channels=4), device="cpu", verbose=False)


def train_with(tensors, model=None, **changes):
    """Call train with the test tensors, some arguments replaced."""
    arguments = dict(
        loss_function=nn.MSELoss(),
        epochs=1,
        batch_size=64,
        training_set=tensors[0],
        validation_set=tensors[1],
        test_set=tensors[2],
        progress=False,
    )
    arguments.update(changes)
    return (model or make_model()).train(**arguments)


def with_nan(x: torch.Tensor) -> torch.Tensor:
    """A copy of ``x`` with one pixel NaN."""
    x = x.clone()
    x[3, 1, 5, 5] = float("nan")
    return x


def _text_file_as_checkpoint(tmp) -> None:
    """Load a text file as if it were a checkpoint."""
    path = tmp / "notes.txt"
    path.write_text("not a model")
    ConvolutionalAutoencoder.load(path)


# (row name, call taking the test tensors and a temporary folder, exception, text the message must contain)
BAD_INPUTS = [
    ("latent_dim=0", lambda t, tmp: Encoder(latent_dim=0), ValueError, "latent_dim"),
    ("latent_dim=2.5", lambda t, tmp: Encoder(latent_dim=2.5), TypeError, "latent_dim"),
    ("out_channels=-16", lambda t, tmp: Encoder(out_channels=-16), ValueError, "out_channels"),
    ("in_channels=0", lambda t, tmp: Encoder(in_channels=0), ValueError, "in_channels"),
    ("activate_code='no'", lambda t, tmp: Encoder(activate_code="no"), TypeError, "activate_code"),
    ("residual=1", lambda t, tmp: build_autoencoder(residual=1), TypeError, "residual"),
    ("layers=(2, 2), two counts for three sizes", lambda t, tmp: build_autoencoder(layers=(2, 2)), ValueError,
     "layers"),
    ("MSSSIML1Loss(alpha=84)", lambda t, tmp: MSSSIML1Loss(alpha=84), ValueError, "alpha"),
    ("GaussianNoise(sigma=25), a level on the 0-255 scale", lambda t, tmp: GaussianNoise(25), ValueError, "sigma"),
    ("SaltAndPepper(amount=0)", lambda t, tmp: SaltAndPepper(0), ValueError, "amount"),
    ("tune_filter('wiener', ...)", lambda t, tmp: tune_filter("wiener", t[2], t[2]), ValueError, "name"),
    (
        "image_scores with inputs of another shape",
        lambda t, tmp: image_scores(lambda x: x, t[1], inputs=t[2]),
        ValueError,
        "inputs",
    ),
    ("auroc with no anomaly among the images", lambda t, tmp: auroc(torch.rand(4), torch.zeros(4)), ValueError,
     "is_anomaly"),  # fmt: skip
    ("threshold_for(scores, 5) for 5%", lambda t, tmp: threshold_for(torch.rand(9), 5), ValueError,
     "false_alarm_rate"),  # fmt: skip
    ("nearest(..., k=) as many as the images", lambda t, tmp: nearest(t[2], torch.tensor([0]), k=10), ValueError,
     "k"),  # fmt: skip
    (
        "encoder and decoder of other sizes",
        lambda t, tmp: Autoencoder(Encoder(latent_dim=200), Decoder(latent_dim=1000)),
        ValueError,
        "latent_dim",
    ),
    (
        "grayscale batch (N, 1, 32, 32)",
        lambda t, tmp: make_model().autoencode(t[2][:, :1]),
        ValueError,
        "x has 1 channel",
    ),
    (
        "colour batch for a grayscale model",
        lambda t, tmp: make_model(in_channels=1).autoencode(t[2]),
        ValueError,
        "x.mean(1, keepdim=True)",
    ),
    ("28x28 batch", lambda t, tmp: make_model().encode(t[2][:, :, :28, :28]), ValueError, "28x28"),
    (
        "channels-last batch (N, 32, 32, 3)",
        lambda t, tmp: make_model().autoencode(t[2].permute(0, 2, 3, 1)),
        ValueError,
        "looks like (N, H, W, C); use .permute(0, 3, 1, 2)",
    ),
    ("uint8 batch", lambda t, tmp: make_model().autoencode((t[2] * 127.5 + 127.5).to(torch.uint8)), TypeError, "uint8"),
    ("NaN pixels in a batch", lambda t, tmp: make_model().autoencode(with_nan(t[2])), ValueError, "NaN"),
    ("NumPy batch", lambda t, tmp: make_model().autoencode(t[2].numpy()), TypeError, "torch.as_tensor"),
    ("decode(z) with the wrong size", lambda t, tmp: make_model().decode(torch.zeros(2, 1000)), ValueError, "z must"),
    ("epochs=0", lambda t, tmp: train_with(t, epochs=0), ValueError, "epochs"),
    ("batch_size=0", lambda t, tmp: train_with(t, batch_size=0), ValueError, "batch_size"),
    ("batch_size=64.0", lambda t, tmp: train_with(t, batch_size=64.0), TypeError, "batch_size"),
    ("loss_function not callable", lambda t, tmp: train_with(t, loss_function="mse"), TypeError, "loss_function"),
    ("corrupt not callable", lambda t, tmp: train_with(t, corrupt=0.1), TypeError, "corrupt"),
    (
        "empty training_set",
        lambda t, tmp: train_with(t, training_set=CustomCIFAR10([])),
        ValueError,
        "training_set is empty",
    ),
    (
        "empty training tensor (0, 3, 32, 32)",
        lambda t, tmp: train_with(t, training_set=t[0][:0]),
        ValueError,
        "training_set is empty",
    ),
    (
        "dataset of raw images (no transform)",
        lambda t, tmp: train_with(t, training_set=CustomCIFAR10([np.zeros((32, 32, 3), np.uint8)])),
        TypeError,
        "training_set yields",
    ),
    (
        "dataset of float HWC arrays in [-1, 1]",
        lambda t, tmp: train_with(t, training_set=[x.permute(1, 2, 0).numpy() for x in t[0][:4]]),
        TypeError,
        "torch.as_tensor(image).permute(2, 0, 1)",
    ),
    (
        "float NCHW NumPy array as a dataset",
        lambda t, tmp: train_with(t, training_set=t[0].numpy()),
        TypeError,
        "NumPy array",
    ),
    (
        "dataset of (image, label, extra) triples",
        lambda t, tmp: train_with(t, validation_set=[(t[1][0], 0, "x")]),
        TypeError,
        "validation_set yields",
    ),
    (
        "an image of the wrong size in a dataset",
        lambda t, tmp: train_with(t, training_set=[t[0][0], t[0][1], torch.zeros(3, 28, 28)]),
        ValueError,
        "training_set[2]",
    ),
    (
        "NaN pixels in a dataset",
        lambda t, tmp: train_with(t, training_set=with_nan(t[0])),
        ValueError,
        "training_set holds",
    ),
    ("uint8 images in a dataset", lambda t, tmp: train_with(t, test_set=t[2].to(torch.uint8)), TypeError, "test_set"),
    (
        "colour images for a grayscale model",
        lambda t, tmp: train_with(t, model=make_model(in_channels=1)),
        ValueError,
        "training_set has 3 channel(s)",
    ),
    ("recipe='fast'", lambda t, tmp: train_with(t, recipe="fast"), ValueError, "recipe"),
    (
        "device='cuda:7' without a GPU",
        lambda t, tmp: ConvolutionalAutoencoder(build_autoencoder(), device="cuda:7"),
        ValueError,
        "device",
    ),
    ("lr=10", lambda t, tmp: ConvolutionalAutoencoder(build_autoencoder(), lr=10), ValueError, "lr"),
    ("a text file as a checkpoint", lambda t, tmp: _text_file_as_checkpoint(tmp), ValueError, "not a convae"),
]
