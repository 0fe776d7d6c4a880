"""Worked answers to the exercises at the end of every notebook, for teachers to hand out after class.

Each function computes its answer the way a learner would in the notebook; its docstring says
why. ``tests/test_exercises.py`` runs every check with these answers (they must pass) and with a
typical wrong answer (it must fail and print its hint). In a notebook, the answer to exercise
"03.2" is what ``answer_03_2()`` returns; the keyword arguments are the objects the notebook's
check cell passes along (``check("04.2", answer, pca=pca, images=validation_x)``).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from convae_helpers import article_transform, build_autoencoder
from convae_helpers.anomaly import auroc
from convae_helpers.denoising import GaussianNoise, fixed_noise
from convae_helpers.metrics import psnr, reconstruction_mse
from convae_helpers.settings import full_run


def answer_01_1() -> tuple:
    """ToTensor moves the channels first: a (32, 32, 3) file image becomes (3, 32, 32)."""
    return tuple(article_transform()(np.zeros((32, 32, 3), np.uint8)).shape)


def answer_01_2() -> float:
    """51 / 255 = 0.2, then (0.2 - 0.5) / 0.5 = -0.6: the same as 51 / 127.5 - 1."""
    return float(article_transform()(np.full((32, 32, 3), 51, np.uint8))[0, 0, 0])


def answer_02_1() -> tuple:
    """The encoder ends in a linear layer to the bottleneck: one code of 1000 numbers per image."""
    return tuple(build_autoencoder(1000).encoder(torch.zeros(8, 3, 32, 32)).shape)


def answer_02_2() -> int:
    """4,096 inputs (64 maps of 8x8) times 200 outputs, plus 200 biases: 819,400."""
    linear = [m for m in build_autoencoder(200).encoder.modules() if isinstance(m, torch.nn.Linear)][0]
    return sum(p.numel() for p in linear.parameters())


def answer_03_1() -> int:
    """781 full batches of 64 hold 49,984 images; the 16 left over make batch 782."""
    return math.ceil(50_000 / 64)


def answer_03_2() -> float:
    """The range of [-1, 1] is 2, so the peak squared is 4: 10·log10(4 / 0.01) = 26.02 dB."""
    return psnr(0.01)


def answer_04_1() -> float:
    """An image holds 3 · 32 · 32 = 3,072 numbers: 3.072 times as many as a code of 1000."""
    return 3 * 32 * 32 / 1000


def answer_04_2(pca, images: torch.Tensor) -> float:
    """Keep 50 of PCA's components, score the reconstructions, and turn the MSE into dB."""
    return psnr(reconstruction_mse(lambda x: pca.reconstruct(x, 50), images))


def answer_05_1() -> str:
    """The loss whose model has the highest test PSNR in the full-run table: MSE, which also wins on SSIM."""
    runs = full_run("notebook5")["losses"]["runs"]
    return max(runs, key=lambda loss: runs[loss]["test_psnr"])


def answer_05_2() -> float:
    """The deeper improved model's test PSNR minus PCA's, from the full-run table."""
    runs = full_run("notebook5")["improved"]["runs"]
    return runs["improved model, deeper"]["test_psnr"] - runs["PCA, 200 components"]["test_psnr"]


def answer_06_1() -> float:
    """σ = 0.1 on [0, 1] is 0.2 on [-1, 1], a range twice as wide; measured on mid-grey images, which hardly clip."""
    return float(fixed_noise(GaussianNoise(0.1), torch.zeros(100, 3, 32, 32)).std())


def answer_06_2() -> float:
    """Noise of standard deviation 0.2 has an MSE of 0.2² = 0.04, so the PSNR is 10·log10(4 / 0.04) = 20 dB."""
    return psnr(0.2**2)


def answer_07_1() -> float:
    """No anomaly outscores any normal image: the chance is 0 (turn the score around and it is perfect)."""
    return auroc(torch.tensor([0.0, 0.1, 0.9, 1.0]), torch.tensor([1, 1, 0, 0]))


def answer_07_2() -> float:
    """Four (anomaly, normal) pairs: 0.3 > 0.1, 0.3 < 0.35, 0.8 > 0.1, 0.8 > 0.35: three of four."""
    return auroc(torch.tensor([0.1, 0.3, 0.35, 0.8]), torch.tensor([0, 1, 0, 1]))


def answer_08_1(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Half of each: 0.5 · a + 0.5 · b."""
    return 0.5 * a + 0.5 * b


def answer_08_2() -> float:
    """Each neighbour shares the query's class with probability 1/4 (the share of its class), whatever k is."""
    return 1 / 4


# "03.2": answer_03_2, for every answer above
ANSWERS = {
    name.removeprefix("answer_").replace("_", "."): function
    for name, function in dict(globals()).items()
    if name.startswith("answer_")
}
