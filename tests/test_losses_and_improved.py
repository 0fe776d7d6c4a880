"""Notebook 5's pieces: the improved model, the SSIM-based loss and the scores (small images, tiny models)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from convae_helpers import ConvolutionalAutoencoder, build_autoencoder, count_parameters
from convae_helpers.losses import LOSSES, MSSSIML1Loss, ms_ssim, ssim
from convae_helpers.metrics import image_scores, reconstruction_mse
from convae_helpers.models import IMPROVED_LR, Residual, autoencoder_from_config, build_improved_autoencoder


def test_the_improved_model_has_the_articles_parameters_and_three_changes():
    improved, article = build_improved_autoencoder(200), build_autoencoder(200)
    assert count_parameters(improved) == count_parameters(article) == 1_786_795
    assert sum(isinstance(m, Residual) for m in improved.modules()) == 6
    assert not any(isinstance(m, nn.ReLU) for m in improved.modules())
    z = improved.encoder(torch.randn(8, 3, 32, 32))
    assert z.shape == (8, 200) and (z < 0).any(), "a linear code"
    assert repr(autoencoder_from_config(improved.config)) == repr(improved)


def test_the_improved_model_trains_checkpoints_and_reloads(tensors, tmp_path):
    model = ConvolutionalAutoencoder(build_improved_autoencoder(8, 4), lr=IMPROVED_LR, device="cpu", verbose=False)
    log = model.train(nn.MSELoss(), 2, 64, *tensors, checkpoint_dir=tmp_path, progress=False)
    assert log["validation_loss_per_epoch"][-1] < log["validation_loss_per_epoch"][0]
    loaded = ConvolutionalAutoencoder.load(tmp_path / "latest.pt", verbose=False)
    assert torch.equal(loaded.autoencode(tensors[2]), model.autoencode(tensors[2]))


def test_a_residual_layer_adds_its_input():
    layer = Residual(nn.Conv2d(4, 4, 3, padding=1), nn.Identity())
    nn.init.zeros_(layer.conv.weight), nn.init.zeros_(layer.conv.bias)
    x = torch.randn(2, 4, 8, 8)
    assert torch.equal(layer(x), x)


def test_ssim_and_the_ms_ssim_loss_behave(tensors):
    images = tensors[1][:16]
    noisy = (images + 0.2 * torch.randn_like(images)).clamp(-1, 1)
    assert float(ssim(images, images)) == pytest.approx(1.0, abs=1e-5)
    assert float(ssim(noisy, images)) < 0.9 and float(ms_ssim(noisy, images)) < 1
    loss = MSSSIML1Loss()
    assert float(loss(images, images)) == pytest.approx(0.0, abs=1e-5)
    noisy.requires_grad_(True)
    value = loss(noisy, images)
    value.backward()
    assert float(value.detach()) > 0.01 and noisy.grad.abs().sum() > 0
    assert set(LOSSES) == {"mse", "l1", "ms-ssim+l1"}


def test_image_scores_agree_with_the_mse_and_use_data_range_2(tensors):
    images = tensors[1][:64]
    scores = image_scores(lambda x: x * 0.9, images)
    assert scores["mse"] == pytest.approx(reconstruction_mse(lambda x: x * 0.9, images), rel=1e-5)
    assert 0.9 < scores["ssim"] < 1.0
