"""Losses to train with besides MSE, and the SSIM score, for notebook 5's question: is MSE to blame for the blur?

SSIM compares local means, contrasts and structures of two images rather than pixels one by one.
It and its multi-scale form come from torchmetrics, a maintained and widely used library, rather than
being written here. On images in [-1, 1] the data range is 2.
"""

from __future__ import annotations

import torch
from torch import nn
from torchmetrics.functional.image import (
    multiscale_structural_similarity_index_measure,
    structural_similarity_index_measure,
)

DATA_RANGE = 2.0  # images in [-1, 1]
# MS-SSIM at 32x32: the original's five scales and 11-pixel window (sigma 1.5) need images of more than 160
# pixels. Here three scales (32, 16, 8 pixels) with a 7-pixel Gaussian window (sigma 1.0, the same reach in
# sigmas), and the first three of the original's scale weights, rescaled to sum to 1.
MS_SSIM_WINDOW, MS_SSIM_SIGMA = 7, 1.0
MS_SSIM_BETAS = tuple(b / (0.0448 + 0.2856 + 0.3001) for b in (0.0448, 0.2856, 0.3001))


def ssim(reconstructions: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """Mean SSIM of a batch of reconstructions against their images (1 is identical), on [-1, 1] images."""
    return structural_similarity_index_measure(reconstructions.float(), images.float(), data_range=DATA_RANGE)


def ms_ssim(reconstructions: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """Mean multi-scale SSIM over three scales (32, 16 and 8 pixels), on images of at least 25x25 pixels."""
    return multiscale_structural_similarity_index_measure(
        reconstructions.float(), images.float(), data_range=DATA_RANGE, betas=MS_SSIM_BETAS, normalize="relu",
        kernel_size=MS_SSIM_WINDOW, sigma=MS_SSIM_SIGMA,
    )  # fmt: skip


class MSSSIML1Loss(nn.Module):
    """Zhao, Gallo, Frosio and Kautz (IEEE TCI 2017): ``alpha * (1 - MS-SSIM) + (1 - alpha) * L1``, alpha 0.84."""

    def __init__(self, alpha: float = 0.84) -> None:
        super().__init__()
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must lie in [0, 1] (the paper uses 0.84); got {alpha!r}.")
        self.alpha = alpha

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"  # in the repr, so checkpoints tell runs of another alpha apart

    def forward(self, reconstructions: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        l1 = nn.functional.l1_loss(reconstructions, images)
        return self.alpha * (1 - ms_ssim(reconstructions, images)) + (1 - self.alpha) * l1


LOSSES = {"mse": nn.MSELoss, "l1": nn.L1Loss, "ms-ssim+l1": MSSSIML1Loss}  # notebook 5's comparison
