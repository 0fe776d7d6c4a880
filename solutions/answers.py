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

from convae_helpers import article_transform
from convae_helpers.anomaly import auroc
from convae_helpers.denoising import SaltAndPepper, fixed_noise
from convae_helpers.latent import retrieval_precision
from convae_helpers.metrics import per_image_mse, psnr, reconstruction_mse
from convae_helpers.settings import full_run


def answer_01_1() -> tuple:
    """ToTensor gives [0, 1]; (0 - 0.5) / 0.25 = -2 and (1 - 0.5) / 0.25 = 2: a range twice the article's."""
    from torchvision import transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.25,) * 3)])
    black, white = (transform(np.full((32, 32, 3), value, np.uint8)) for value in (0, 255))
    return float(black.min()), float(white.max())


def answer_01_2() -> float:
    """51 / 255 = 0.2, then (0.2 - 0.5) / 0.5 = -0.6: the same as 51 / 127.5 - 1."""
    return float(article_transform()(np.full((32, 32, 3), 51, np.uint8))[0, 0, 0])


def answer_02_1() -> int:
    """The wide encoder, written as in notebook 2 with c=32, counted: 1,925,608 (2.16 times the article's 891,480:
    the convolutions grow about four times, the linear layer, which holds most of the weights, twice)."""
    c, latent_dim = 32, 200
    layers = [
        torch.nn.Conv2d(3, c, 3, padding=1), torch.nn.Conv2d(c, c, 3, padding=1),
        torch.nn.Conv2d(c, 2 * c, 3, padding=1, stride=2), torch.nn.Conv2d(2 * c, 2 * c, 3, padding=1),
        torch.nn.Conv2d(2 * c, 4 * c, 3, padding=1, stride=2), torch.nn.Conv2d(4 * c, 4 * c, 3, padding=1),
        torch.nn.Linear(4 * c * 8 * 8, latent_dim),
    ]  # fmt: skip
    return sum(p.numel() for layer in layers for p in layer.parameters())


def answer_02_2() -> int:
    """With stride 1 the maps stay 16x16: 64 * 16 * 16 = 16,384 inputs, times 200, plus 200 biases: 3,277,000.

    The unchanged linear layer fails with "mat1 and mat2 shapes cannot be multiplied (8x16384 and 4096x200)".
    """
    return 64 * 16 * 16 * 200 + 200


def answer_03_1(images: torch.Tensor) -> int:
    """One step per batch of 32, the last one smaller: 5,000 images make 157 steps (640 in smoke mode: 20)."""
    return math.ceil(len(images) / 32)


def answer_03_2() -> float:
    """The range of [-1, 1] is 2, so the peak squared is 4: 10·log10(4 / 0.01) = 26.02 dB."""
    return psnr(0.01)


def answer_04_1(log: dict, level: float) -> int:
    """The first epoch whose validation MSE (the curve) lies below PCA-200's MSE (the dashed level); 0 if none."""
    below = [epoch for epoch, mse in enumerate(log["validation_loss_per_epoch"], start=1) if mse < level]
    return below[0] if below else 0


def answer_04_2(pca, images: torch.Tensor) -> float:
    """Keep 50 of PCA's components, score the reconstructions, and turn the MSE into dB."""
    return psnr(reconstruction_mse(lambda x: pca.reconstruct(x, 50), images))


def answer_05_1(model, images: torch.Tensor) -> int:
    """A code unit is dead when the ReLU on the code zeroes it for every image: count the all-zero columns.

    Predict first: with a ReLU on the code, a unit whose input turned negative for every image gets no gradient
    and stays dead; notebook 5's improved model leaves the code linear for that reason.
    """
    codes = model.encode(images)  # (N, 200)
    return int((codes == 0).all(dim=0).sum())


def answer_05_2() -> float:
    """At code size 1000 the PCA curve ends near 42.6 dB and the deeper model's near 24.4 dB: about 18.2 dB apart."""
    curves = full_run("notebook5")["rate_distortion"]["psnr"]
    return curves["PCA"]["1000"] - curves["improved model, deeper"]["1000"]


def answer_06_1() -> float:
    """A share 0.1 of the pixels become -1 or 1, each an error of 1 (squared: 1) against grey's 0; the others stay
    exact: the MSE is 0.1. Measured on 1,000 grey images it comes out within a few thousandths of that."""
    grey = torch.zeros(1000, 3, 32, 32)
    return float(((fixed_noise(SaltAndPepper(0.1), grey) - grey) ** 2).mean())


def answer_06_2() -> float:
    """Noise of standard deviation 0.2 has an MSE of 0.2² = 0.04, so the PSNR is 10·log10(4 / 0.04) = 20 dB."""
    return psnr(0.2**2)


def answer_07_1(model, images: torch.Tensor, is_anomaly: torch.Tensor, normal_class: str) -> float:
    """With normal_class = "truck" and the model trained on trucks, the autoencoder's AUROC, as its table shows it."""
    assert normal_class == "truck", "set normal_class = 'truck' in the data cell and run the notebook down to here"
    return auroc(per_image_mse(model.autoencode, images), is_anomaly)


def answer_07_2() -> float:
    """Four (anomaly, normal) pairs: 0.3 > 0.1, 0.3 < 0.35, 0.8 > 0.1, 0.8 > 0.35: three of four."""
    return auroc(torch.tensor([0.1, 0.3, 0.35, 0.8]), torch.tensor([0, 1, 0, 1]))


def answer_08_1(codes: torch.Tensor, labels: torch.Tensor) -> float:
    """The same call as the table's, with k=1: the share of queries whose single nearest code shares their class."""
    return retrieval_precision(codes, labels, k=1)


def answer_08_2() -> float:
    """Each neighbour shares the query's class with probability 1/4 (the share of its class), whatever k is."""
    return 1 / 4


def answer_09_1(model, images: torch.Tensor) -> int:
    """The KL of each code value averaged over the images (code_kl), counted above 0.1 nats: no more than above
    0.01, as every value over 0.1 is also over 0.01."""
    from convae_helpers.vae import code_kl

    return int((code_kl(model, images).mean(dim=0) > 0.1).sum())


def answer_09_2(sweep: dict) -> float:
    """The point of beta = 0.01 on the figure: its rate, the KL per image (the first of rate, active values, PSNR)."""
    return sweep[0.01][0]


# "03.2": answer_03_2, for every answer above
ANSWERS = {
    name.removeprefix("answer_").replace("_", "."): function
    for name, function in dict(globals()).items()
    if name.startswith("answer_")
}

