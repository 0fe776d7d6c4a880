"""The latent space (notebook 8): what the codes of a trained autoencoder hold, and what they do not.

Codes are the bottleneck vectors ``model.encode(x)`` gives. These functions blend two images
in code space and in pixel space, find an image's nearest neighbours by code and by pixels,
map the codes to two dimensions, and draw codes at random, which shows why a plain
autoencoder is not a generator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import torch

from .checks import check_image_batch, check_positive_int

if TYPE_CHECKING:
    from .training import ConvolutionalAutoencoder


@torch.inference_mode()
def encode_all(
    encode: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, batch_size: int = 500
) -> torch.Tensor:
    """The codes (N, latent_dim) of ``images`` (N, C, 32, 32), e.g. ``encode_all(model.encode, images)``."""
    check_image_batch("images", images, channels=images.shape[1] if images.dim() == 4 else 3)
    return torch.cat([encode(batch).float() for batch in images.split(batch_size)]).cpu()


def blend(a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """``steps`` points from ``a`` to ``b`` on the straight line between them, ends included: (steps, *a.shape)."""
    check_positive_int("steps", steps)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {tuple(a.shape)} and {tuple(b.shape)}.")
    t = torch.linspace(0, 1, steps).view(-1, *[1] * a.dim())
    return (1 - t) * a + t * b


def interpolate(
    model: ConvolutionalAutoencoder, a: torch.Tensor, b: torch.Tensor, steps: int = 8
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (steps, C, 32, 32) from image ``a`` to image ``b``: blended pixels, and decoded blended codes."""
    codes = model.encode(torch.stack([a, b]))
    return blend(a, b, steps), model.decode(blend(codes[0], codes[1], steps)).clamp(-1, 1)


def nearest(features: torch.Tensor, queries: torch.Tensor, k: int) -> torch.Tensor:
    """For each query index, the indices (len(queries), k) of its ``k`` nearest other rows of ``features``."""
    check_positive_int("k", k)
    flat = features.reshape(len(features), -1).float()
    if k >= len(flat):
        raise ValueError(f"k must be smaller than the {len(flat)} items; got {k}.")
    distances = torch.cdist(flat[queries], flat)  # (Q, N), Euclidean
    distances[torch.arange(len(queries)), queries] = float("inf")  # an image is not its own neighbour
    return distances.topk(k, largest=False).indices


def chance_precision(labels: torch.Tensor) -> float:
    """The precision@k of neighbours drawn at random: the chance that two random images share a class."""
    shares = torch.bincount(torch.as_tensor(labels)).double() / len(labels)
    return float((shares**2).sum())  # 1 / number of classes when the classes are of equal size


def retrieval_precision(features: torch.Tensor, labels: torch.Tensor, k: int = 10, queries: int = 1000) -> float:
    """The share of each image's ``k`` nearest neighbours (by ``features``) that have its class, averaged.

    ``queries`` evenly spread images ask (all of them when fewer); compare with ``chance_precision(labels)``.
    """
    labels = torch.as_tensor(labels)
    asked = torch.linspace(0, len(labels) - 1, min(queries, len(labels))).long()
    found = torch.cat([nearest(features, chunk, k) for chunk in asked.split(250)])
    return float((labels[found] == labels[asked].unsqueeze(1)).float().mean())


def map_2d(codes: torch.Tensor) -> torch.Tensor:
    """The codes projected on their two directions of largest variance (principal components): (N, 2)."""
    centred = codes.float() - codes.float().mean(0)
    _, _, directions = torch.linalg.svd(centred, full_matrices=False)
    return centred @ directions[:2].T


def tsne_2d(codes: torch.Tensor, seed: int = 0, iterations: int = 1000) -> torch.Tensor:
    """The codes laid out in 2-D by t-SNE (scikit-learn): near codes stay near, far ones are pushed apart; (N, 2).

    Unlike ``map_2d``'s two straight directions, t-SNE bends the space to keep each code's neighbours around it,
    so clusters show; distances between clusters and their sizes mean little. About a minute for 2,000 codes on
    one CPU core; ``iterations`` (250 at least) trades the layout's polish for time.
    """
    from sklearn.manifold import TSNE

    perplexity = min(30.0, (len(codes) - 1) / 3)  # scikit-learn needs fewer neighbours than points
    tsne = TSNE(2, perplexity=perplexity, init="pca", random_state=seed, max_iter=iterations)
    layout = tsne.fit_transform(codes.float().numpy())
    return torch.from_numpy(layout).float()


def random_codes(codes: torch.Tensor, n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """``n`` codes drawn two ways: from N(0, 1), and from a Gaussian with the real codes' mean and spread."""
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(n, codes.shape[1], generator=generator)
    return {"N(0, 1)": noise, "the codes' mean and spread": codes.mean(0) + noise * codes.std(0)}
