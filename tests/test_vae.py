"""The variational autoencoder of notebook 9: sampling, KL, loss, and the trainer and checkpoints with it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from convae_helpers import ConvolutionalAutoencoder
from convae_helpers.vae import VAELoss, VariationalAutoencoder, build_vae, kl_divergence, reparameterise


def test_the_reparameterisation_draws_from_the_gaussian_it_is_given():
    mean, log_variance = torch.full((20000, 2), 3.0), torch.log(torch.tensor([[0.25, 4.0]])).expand(20000, 2)
    codes = reparameterise(mean, log_variance)
    assert torch.allclose(codes.mean(0), torch.tensor([3.0, 3.0]), atol=0.05)
    assert torch.allclose(codes.std(0), torch.tensor([0.5, 2.0]), rtol=0.03)


def test_the_kl_is_zero_at_the_prior_and_grows_away_from_it():
    zero = torch.zeros(3, 4)
    assert torch.equal(kl_divergence(zero, zero), zero)
    assert torch.allclose(kl_divergence(torch.ones(1, 1), torch.zeros(1, 1)), torch.tensor([[0.5]]))  # mu^2 / 2
    assert float(kl_divergence(zero, torch.full((3, 4), 2.0)).min()) > 0  # a wider Gaussian than the prior


def test_the_vae_encodes_means_and_log_variances_and_decodes_the_mean_in_evaluation():
    vae = build_vae(8, out_channels=4)
    x = torch.rand(5, 3, 32, 32) * 2 - 1
    assert vae.encoder(x).shape == (5, 16) and vae.config["kind"] == "vae"
    vae.eval()
    assert torch.equal(vae(x), vae(x)), "evaluation decodes the mean: no noise"
    assert vae(x).kl.shape == (5, 8)
    vae.train()
    assert not torch.equal(vae(x), vae(x)), "training draws the codes"
    with pytest.raises(ValueError, match="twice the decoder's"):
        VariationalAutoencoder(build_vae(8).encoder, build_vae(4).decoder)


def test_the_loss_adds_beta_times_the_kl_per_pixel_and_names_what_it_needs():
    vae = build_vae(8, out_channels=4).eval()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    output = vae(x)
    kl_per_pixel = output.kl.sum(1).mean() / (3 * 32 * 32)
    assert torch.allclose(VAELoss(0.5)(output, x), nn.functional.mse_loss(output, x) + 0.5 * kl_per_pixel)
    assert torch.allclose(VAELoss(0)(output, x), nn.functional.mse_loss(output, x))
    with pytest.raises(TypeError, match="output: VAELoss needs"):
        VAELoss(1.0)(x.clone(), x)
    with pytest.raises(ValueError, match="beta must be a number of 0 or more"):
        VAELoss(-1)
    assert repr(VAELoss(0.01)) == "VAELoss(beta=0.01)", "checkpoints tell runs apart by the loss's repr"


def test_the_trainer_trains_a_vae_and_a_checkpoint_rebuilds_it(tmp_path, tensors):
    model = ConvolutionalAutoencoder(build_vae(8, out_channels=4), verbose=False)
    log = model.train(VAELoss(0.1), 2, 64, *tensors, progress=False, checkpoint_dir=tmp_path)
    assert log["validation_loss_per_epoch"][-1] < log["validation_loss_per_epoch"][0]
    loaded = ConvolutionalAutoencoder.load(tmp_path / "latest.pt", verbose=False)
    assert isinstance(loaded.network, VariationalAutoencoder)
    assert torch.equal(loaded.autoencode(tensors[2]), model.autoencode(tensors[2]))
