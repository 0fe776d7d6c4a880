"""The variational autoencoder of notebook 9: the improved model's layers, a code drawn at random, a KL term.

The encoder gives two numbers per code value, a mean and a log-variance; in training the code is drawn from
that Gaussian (``reparameterise``), and the loss adds to the reconstruction error the KL divergence from the
Gaussian to the prior N(0, 1) (``VAELoss``), weighted by beta. In evaluation the code is the mean, so
``ConvolutionalAutoencoder.autoencode`` gives the VAE's most likely reconstruction. The reconstructions carry
the KL of their codes (``output.kl``), which ``VAELoss`` reads, so the trainer's loop, its checkpoints and
``train_or_load`` work unchanged: ``loss_function(network(inputs), targets)`` is all they call.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .article import NETWORKS, Autoencoder, Decoder, Encoder
from .models import build_autoencoder


def reparameterise(mean: torch.Tensor, log_variance: torch.Tensor) -> torch.Tensor:
    """A code drawn from N(mean, exp(log_variance)) as ``mean + sigma * noise``, so gradients reach both."""
    return mean + torch.exp(0.5 * log_variance) * torch.randn_like(mean)


def kl_divergence(mean: torch.Tensor, log_variance: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(log_variance)) || N(0, 1)) per code value, in nats: same shape as ``mean``."""
    return 0.5 * (mean**2 + log_variance.exp() - 1 - log_variance)


class VariationalAutoencoder(Autoencoder):
    """An encoder of 2 x latent_dim outputs (a mean and a log-variance each) and a decoder of latent_dim."""

    def __init__(self, encoder: Encoder, decoder: Decoder) -> None:
        nn.Module.__init__(self)  # not Autoencoder's check: here the encoder gives twice the decoder's numbers
        if not isinstance(encoder, Encoder) or not isinstance(decoder, Decoder):
            raise TypeError("encoder and decoder must be a convae_helpers Encoder and Decoder.")
        if encoder.config["in_channels"] != decoder.config["in_channels"]:
            raise ValueError("encoder and decoder must share in_channels (3 for colour images).")
        if encoder.config["latent_dim"] != 2 * decoder.config["latent_dim"]:
            raise ValueError(
                f"the encoder gives a mean and a log-variance per code value, so its latent_dim must be twice the "
                f"decoder's; got {encoder.config['latent_dim']} and {decoder.config['latent_dim']}."
            )
        self.encoder, self.decoder = encoder, decoder

    @property
    def config(self) -> dict[str, Any]:
        return {**super().config, "kind": "vae"}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean, log_variance = self.encoder(x).chunk(2, dim=1)  # (N, latent_dim) each
        log_variance = log_variance.clamp(-20, 20)  # exp() stays finite whatever the encoder says
        code = reparameterise(mean, log_variance) if self.training else mean
        images = self.decoder(code)  # (N, C, 32, 32)
        images.kl = kl_divergence(mean, log_variance)  # (N, latent_dim) nats, for VAELoss
        return images


NETWORKS["vae"] = VariationalAutoencoder  # so that checkpoints rebuild it


def build_vae(latent_dim: int = 200, out_channels: int = 16, in_channels: int = 3) -> VariationalAutoencoder:
    """The improved model's layers (linear code, GELU, skips; not the deeper variant) as a VAE of ``latent_dim``."""
    options = dict(out_channels=out_channels, in_channels=in_channels, activate_code=False, act_fn=nn.GELU())
    encoder = build_autoencoder(2 * latent_dim, residual=True, **options).encoder
    decoder = build_autoencoder(latent_dim, residual=True, **options).decoder
    return VariationalAutoencoder(encoder, decoder)


@torch.no_grad()
def code_kl(model: Any, images: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """The KL (nats) of every code value of every image, (N, latent_dim) on the CPU, from the model's means.

    ``model`` is a ``ConvolutionalAutoencoder`` holding a VAE; the batches go to its device and back.
    """
    model.network.eval()
    return torch.cat([model.network(batch.to(model.device)).kl.cpu() for batch in images.split(batch_size)])


class VAELoss:
    """Mean squared error per pixel + beta x the KL per pixel (nats): a Gaussian likelihood's loss, scaled.

    With beta = 1 it is the usual VAE loss for pixels with Gaussian noise of variance 1/2, divided by the number of
    pixels; smaller beta values weigh the reconstruction more and the prior less.
    """

    cuda_graph_safe = True  # plain tensor maths: the trainer may record it in a CUDA graph (module graphs)

    def __init__(self, beta: float = 1.0) -> None:
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or beta < 0:
            raise ValueError(f"beta must be a number of 0 or more, e.g. 0.01; got {beta!r}.")
        self.beta = float(beta)

    def __call__(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        kl = getattr(output, "kl", None)
        if kl is None:
            raise TypeError(
                "output: VAELoss needs the reconstructions of a VariationalAutoencoder, which carry the KL of their "
                "codes (output.kl); train build_vae(...) with it, in fp32 (autocast's copies drop the KL)."
            )
        kl_per_pixel = kl.sum(dim=1).mean() / target[0].numel()
        return nn.functional.mse_loss(output, target) + self.beta * kl_per_pixel

    def __repr__(self) -> str:  # checkpoints record the loss by its repr
        return f"VAELoss(beta={self.beta:g})"
