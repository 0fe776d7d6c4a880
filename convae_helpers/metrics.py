"""Scores for reconstructions, and the honest baseline: PCA with as many components as the bottleneck.

PSNR here is measured on images in [-1, 1], whose value range is 2, so
PSNR = 10 * log10(2**2 / MSE) = 10 * log10(4 / MSE) dB; higher is better, and
+1 dB means about 21% lower MSE.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from .checks import check_image_batch, check_positive_int


def psnr(mse: float) -> float:
    """Peak signal-to-noise ratio in dB of a mean squared error on [-1, 1] images: 10·log10(4 / MSE)."""
    if not mse > 0:
        raise ValueError(f"mse must be a positive number; got {mse!r}.")
    return 10 * math.log10(4 / mse)


@torch.inference_mode()
def reconstruction_mse(
    reconstruct: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, batch_size: int = 500
) -> float:
    """Mean squared error per pixel of ``reconstruct`` over ``images`` (N, 3, 32, 32), in batches."""
    check_image_batch("images", images)
    total = 0.0
    for batch in images.split(batch_size):
        total += float(((reconstruct(batch).float() - batch) ** 2).sum())
    return total / images.numel()


class PCABaseline:
    """Principal component analysis of flattened images: the best linear code of a given size.

    ``fit`` finds the ``n_components`` directions of largest variance among the training
    images; ``reconstruct`` projects images onto them and back. An autoencoder with a
    bottleneck of the same size should beat it, or its non-linearity bought nothing.
    """

    def __init__(self, n_components: int) -> None:
        self.n_components = check_positive_int("n_components", n_components)
        self.mean: torch.Tensor | None = None
        self.components: torch.Tensor | None = None  # (features, k), the leading direction first

    def fit(self, images: torch.Tensor) -> PCABaseline:
        """Fit on training images (N, 3, 32, 32); ``n_components`` is capped at N - 1 and the pixel count."""
        check_image_batch("images", images)
        flat = images.reshape(len(images), -1).float()  # (N, 3072)
        k = min(self.n_components, len(flat) - 1, flat.shape[1])
        if k < self.n_components:
            print(f"PCA: only {len(flat)} training images, so {k} components instead of {self.n_components}.")
        self.mean = flat.mean(0)
        centred = flat - self.mean
        # Few images: the SVD of the data itself is cheaper; many: the (3072, 3072) covariance matrix.
        directions = _by_svd if len(flat) < flat.shape[1] else _by_covariance
        self.components = directions(centred, k)
        return self

    def encode(self, images: torch.Tensor, n_components: int | None = None) -> torch.Tensor:
        """The codes (N, k) of images (N, 3, 32, 32): their coordinates along the leading ``n_components``."""
        if self.components is None or self.mean is None:
            raise RuntimeError("PCABaseline.encode needs fit() first.")
        k = self.components.shape[1] if n_components is None else min(n_components, self.components.shape[1])
        return (images.reshape(len(images), -1).float() - self.mean) @ self.components[:, :k]

    def reconstruct(self, images: torch.Tensor, n_components: int | None = None) -> torch.Tensor:
        """Project (N, 3, 32, 32) images onto the leading ``n_components`` (default: all fitted) and back."""
        if self.components is None or self.mean is None:
            raise RuntimeError("PCABaseline.reconstruct needs fit() first.")
        k = self.components.shape[1] if n_components is None else check_positive_int("n_components", n_components)
        if k > self.components.shape[1]:
            raise ValueError(f"n_components must be at most the {self.components.shape[1]} fitted; got {k}.")
        components = self.components[:, :k]
        flat = images.reshape(len(images), -1).float() - self.mean
        code = flat @ components  # (N, k)
        return (code @ components.T + self.mean).reshape(images.shape)


def _by_svd(centred: torch.Tensor, k: int) -> torch.Tensor:
    """The ``k`` leading principal directions (features, k) from the SVD of the centred data (N, features)."""
    _, _, rows = torch.linalg.svd(centred.double(), full_matrices=False)  # rows: leading direction first
    return rows[:k].T.float()


def _by_covariance(centred: torch.Tensor, k: int) -> torch.Tensor:
    """The same directions as ``_by_svd``, from the eigenvectors of the covariance matrix (features, features)."""
    centred = centred.double()  # sums over tens of thousands of images: float64 keeps the small directions
    covariance = centred.T @ centred / (len(centred) - 1)
    _, vectors = torch.linalg.eigh(covariance)  # eigenvalues in ascending order
    return vectors[:, -k:].flip(1).float()


@torch.inference_mode()
def image_scores(
    reconstruct: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, batch_size: int = 500,
    inputs: torch.Tensor | None = None,
) -> dict[str, float]:  # fmt: skip
    """MSE, PSNR (dB) and mean SSIM of ``reconstruct`` over ``images`` (N, C, 32, 32) in [-1, 1], in batches.

    With ``inputs`` (e.g. noisy copies of ``images``), ``reconstruct`` gets those and is scored against ``images``.
    """
    from .losses import ssim  # torchmetrics loads only when SSIM is asked for

    check_image_batch("images", images, channels=images.shape[1] if images.dim() == 4 else 3)
    inputs = images if inputs is None else inputs
    if inputs.shape != images.shape:
        raise ValueError(f"inputs must have the shape of images, {tuple(images.shape)}; got {tuple(inputs.shape)}.")
    squared, similarity = 0.0, 0.0
    for batch, given in zip(images.split(batch_size), inputs.split(batch_size)):
        output = reconstruct(given).float()
        squared += float(((output - batch) ** 2).sum())
        similarity += float(ssim(output, batch)) * len(batch)
    mse = squared / images.numel()
    return {"mse": mse, "psnr": psnr(mse), "ssim": similarity / len(images)}


@torch.inference_mode()
def per_image_mse(
    reconstruct: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, batch_size: int = 500
) -> torch.Tensor:
    """The MSE of each image's reconstruction, shape (N,): to rank images, or average over one class.

    The PSNR of a group of images is ``psnr(float(errors[group].mean()))``: that of their mean error,
    as everywhere in this project, not the mean of their PSNRs.
    """
    check_image_batch("images", images, channels=images.shape[1] if images.dim() == 4 else 3)
    errors = [((reconstruct(batch).float() - batch) ** 2).mean(dim=(1, 2, 3)) for batch in images.split(batch_size)]
    return torch.cat(errors).cpu()


def image_detail(images: torch.Tensor) -> torch.Tensor:
    """How busy each image is, shape (N,): the mean absolute difference between neighbouring pixels.

    A smooth sky scores near 0, a field of grass high. Reconstruction errors follow it closely
    (notebooks 5 and 7), whatever the class of the image.
    """
    across = images.diff(dim=-1).abs().mean(dim=(1, 2, 3))
    down = images.diff(dim=-2).abs().mean(dim=(1, 2, 3))
    return ((across + down) / 2).cpu()


def high_frequency_power(images: torch.Tensor, cutoff: float = 0.25) -> torch.Tensor:
    """Each image's power above ``cutoff`` cycles per pixel, shape (N,): the fine detail that blur removes.

    The power spectrum of each channel (its mean taken out), summed over the frequencies whose radius
    sqrt(fx² + fy²) is above ``cutoff`` (0.5 is the highest a pixel grid holds). Unlike PSNR and SSIM, it
    never rewards blur: a blurred image has less of it, noise or invented texture more.
    """
    check_image_batch("images", images)
    centred = images.float() - images.float().mean(dim=(-2, -1), keepdim=True)
    power = torch.fft.fft2(centred).abs() ** 2 / images.shape[-1] ** 2 / images.shape[-2] ** 2
    fy = torch.fft.fftfreq(images.shape[-2]).view(-1, 1)
    fx = torch.fft.fftfreq(images.shape[-1]).view(1, -1)
    high = (fy**2 + fx**2).sqrt() > cutoff
    return (power * high).sum(dim=(1, 2, 3)).cpu()


@torch.inference_mode()
def sharpness_kept(
    reconstruct: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, batch_size: int = 500
) -> dict[str, float]:
    """How much of the originals' fine detail ``reconstruct`` keeps, by two measures that do not reward blur.

    ``detail``: mean ``image_detail`` (neighbouring-pixel differences) of the reconstructions over the
    originals'; ``high_frequency``: the same ratio for ``high_frequency_power``. 1 keeps it all, below 1 is
    blurrier than the originals, above 1 adds texture they do not have.
    """
    made = torch.cat([reconstruct(batch).float().cpu() for batch in images.split(batch_size)])
    images = images.float().cpu()
    return {
        "detail": float(image_detail(made).mean() / image_detail(images).mean()),
        "high_frequency": float(high_frequency_power(made).mean() / high_frequency_power(images).mean()),
    }
