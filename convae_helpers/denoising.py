"""Noise for a denoising autoencoder to remove, and the classical filters it must beat (notebook 6).

Noise levels are given on the [0, 1] pixel scale, as papers and tutorials state them: Gaussian
noise of σ = 0.1 on [0, 1] has a standard deviation of 0.2 on the [-1, 1] images the models use.
Noisy images are clipped to [-1, 1], as a camera's pixels saturate. Each noise is a small class
whose ``repr`` names it and its level, so a checkpoint records which noise a denoiser learned.

The Gaussian blur is torchvision's; the median filter is a few lines of ``unfold``, as torchvision
has none and kornia's would add a dependency for one function. Non-local means and BM3D, the classical
denoisers experts compare with, come from maintained packages (scikit-image and ``bm3d``), image by image
on the CPU: writing either by hand is long and easy to get subtly wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.transforms.v2.functional import gaussian_blur as _torchvision_blur

Filter = Callable[[torch.Tensor, float], torch.Tensor]


def _check_level(name: str, value: object, high: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= high:
        big = not isinstance(value, bool) and isinstance(value, (int, float)) and value > high
        scale = f" (on the 0-255 scale? divide by 255: {value / 255:.3g})" if big else ""
        raise ValueError(f"{name} must be a number in (0, {high:g}] on the [0, 1] pixel scale; got {value!r}{scale}.")
    return float(value)


class GaussianNoise:
    """Adds Gaussian noise of standard deviation ``sigma`` (on the [0, 1] scale) to every value, then clips."""

    def __init__(self, sigma: float) -> None:
        self.sigma = _check_level("sigma", sigma)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        noise = torch.randn_like(images) * (2 * self.sigma)  # x2: the [-1, 1] scale is twice as wide
        return (images + noise).clamp(-1, 1)

    def __repr__(self) -> str:
        return f"GaussianNoise(sigma={self.sigma:g})"


class SaltAndPepper:
    """Sets a fraction ``amount`` of the pixels (all channels of each) to black or white, half and half."""

    def __init__(self, amount: float) -> None:
        self.amount = _check_level("amount", amount)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        n, _, h, w = images.shape
        hit = torch.rand(n, 1, h, w, device=images.device) < self.amount
        white = torch.rand(n, 1, h, w, device=images.device) < 0.5
        return torch.where(hit, torch.where(white, 1.0, -1.0).to(images.dtype), images)

    def __repr__(self) -> str:
        return f"SaltAndPepper(amount={self.amount:g})"


def fixed_noise(noise: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """``noise(images)`` with its own seed: the same noisy copy every time, whatever ran before."""
    with torch.random.fork_rng(devices=range(torch.cuda.device_count())):  # every generator restored afterwards
        torch.manual_seed(seed)
        return noise(images)


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur (N, C, H, W) images with a Gaussian of ``sigma`` pixels (a window of ±3σ, edges mirrored)."""
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not 0 < sigma <= 5:
        raise ValueError(f"sigma must be a width in pixels between 0 and 5, e.g. 1.0; got {sigma!r}.")
    size = 2 * math.ceil(3 * sigma) + 1
    return _torchvision_blur(images, kernel_size=[size, size], sigma=[sigma, sigma])


def median_filter(images: torch.Tensor, size: int) -> torch.Tensor:
    """Replace each value by the median of its ``size`` x ``size`` neighbourhood (per channel, edges mirrored)."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 3 or size % 2 == 0 or size > 15:
        raise ValueError(f"size must be an odd window width from 3 to 15 pixels, e.g. 3 or 5; got {size!r}.")
    n, c, h, w = images.shape
    padded = F.pad(images, [size // 2] * 4, mode="reflect")
    windows = F.unfold(padded, size)  # (N, C * size * size, H * W)
    return windows.view(n, c, size * size, h * w).median(dim=2).values.view(n, c, h, w)


def _image_by_image(images: torch.Tensor, denoise: Callable[[np.ndarray], np.ndarray]) -> torch.Tensor:
    """Apply a NumPy denoiser of one (H, W, C) image in [0, 1] to each of (N, C, H, W) images in [-1, 1]."""
    arrays = ((images.detach().float().cpu().permute(0, 2, 3, 1) + 1) / 2).numpy()
    restored = torch.from_numpy(np.stack([denoise(array) for array in arrays]).astype(np.float32))
    return (restored.permute(0, 3, 1, 2) * 2 - 1).clamp(-1, 1).to(images.device, images.dtype)


def non_local_means(images: torch.Tensor, h: float) -> torch.Tensor:
    """scikit-image's non-local means: each pixel becomes a mean of the pixels within 6 whose 5x5 patches look
    alike; ``h`` (on the [0, 1] scale) sets how alike counts, larger smooths more."""
    from skimage.restoration import denoise_nl_means  # imported here: only this filter needs scikit-image

    if isinstance(h, bool) or not isinstance(h, (int, float)) or not 0 < h <= 1:
        raise ValueError(f"h must be a filter strength between 0 and 1 (the [0, 1] scale), e.g. 0.1; got {h!r}.")
    return _image_by_image(images, lambda a: denoise_nl_means(a, h=h, patch_size=5, patch_distance=6, channel_axis=-1))


def bm3d_filter(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """BM3D (Dabov et al. 2007) from the ``bm3d`` package, for Gaussian noise of ``sigma`` on the [0, 1] scale:
    it stacks similar patches and shrinks them together in a transform domain. Seconds per image on a CPU."""
    import bm3d  # imported here: only the denoising benchmark uses it

    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not 0 < sigma <= 1:
        raise ValueError(f"sigma must be the noise level on the [0, 1] scale, e.g. 0.2; got {sigma!r}.")
    return _image_by_image(images, lambda a: bm3d.bm3d_rgb(a, sigma_psd=sigma))


FILTERS: dict[str, tuple[Filter, tuple[float, ...]]] = {  # each filter and the settings it is tuned over
    "Gaussian blur": (gaussian_blur, (0.5, 0.7, 0.9, 1.1, 1.4, 1.8)),  # sigma, in pixels
    "median filter": (median_filter, (3, 5)),  # window width, in pixels
    "non-local means": (non_local_means, (0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.25)),
}
TUNING_IMAGES = 500  # filters are tuned on an evenly spread subset of this many images: non-local means is slow


def tune_filter(
    name: str, noisy: torch.Tensor, clean: torch.Tensor, settings: Sequence[float] | None = None,
    images: int = TUNING_IMAGES,
) -> tuple[float, Callable[[torch.Tensor], torch.Tensor]]:  # fmt: skip
    """The setting of filter ``name`` (a key of ``FILTERS``) with the least MSE on these images (at most
    ``images`` of them, evenly spread, so every class counts), and the filter."""
    if name not in FILTERS:
        raise ValueError(f"name must be one of {sorted(FILTERS)}; got {name!r}.")
    if noisy.shape != clean.shape:
        shapes = f"{tuple(noisy.shape)} and {tuple(clean.shape)}"
        raise ValueError(f"noisy and clean must be noisy and clean copies of the same images; got shapes {shapes}.")
    step = max(1, len(noisy) // images)
    noisy, clean = noisy[::step][:images], clean[::step][:images]
    function, grid = FILTERS[name]
    errors = {}
    for setting in settings or grid:
        restored = torch.cat([function(batch, setting) for batch in noisy.split(500)])
        errors[setting] = float(((restored - clean) ** 2).mean())
    best = min(errors, key=errors.get)
    return best, lambda x: function(x, best)
