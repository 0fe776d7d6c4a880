"""Notebook 5's pieces: the improved model, the SSIM-based loss, the scores, its figures and shipped results."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
import torch
from torch import nn

from convae_helpers import (
    ConvolutionalAutoencoder,
    CustomCIFAR10,
    article_transform,
    build_autoencoder,
    count_parameters,
)
from convae_helpers.article import autoencoder_from_config
from convae_helpers.checkpoints import train_or_load
from convae_helpers.data import ImageSet, as_tensor
from convae_helpers.losses import LOSSES, MSSSIML1Loss, ms_ssim, ssim
from convae_helpers.metrics import image_scores, per_image_mse, reconstruction_mse
from convae_helpers.models import (
    DEEPER_LAYERS,
    IMPROVED_LR,
    Residual,
    build_improved_autoencoder,
)
from convae_helpers.plotting import plot_bars, plot_rate_distortion
from convae_helpers.settings import full_run


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


def test_per_image_errors_rank_images_and_average_to_the_mse(tensors):
    images = tensors[1][:40]
    spoilt = images.clone()
    spoilt[7] = -spoilt[7]  # one image reconstructed far worse than the others

    def reconstruct(x):
        return spoilt[: len(x)] if len(x) == len(images) else pytest.fail("batched")

    errors = per_image_mse(reconstruct, images, batch_size=500)
    assert errors.shape == (40,) and int(errors.argmax()) == 7 and float(errors.min()) == 0.0
    assert float(errors.mean()) == pytest.approx(reconstruction_mse(reconstruct, images), rel=1e-5)
    halves = per_image_mse(lambda x: x * 0.5, images, batch_size=7)  # batches of 7 keep the order
    assert torch.allclose(halves, ((images * 0.5 - images) ** 2).mean(dim=(1, 2, 3)))


def test_as_tensor_gives_what_the_articles_dataset_yields(datasets):
    images = np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    expected = torch.stack([CustomCIFAR10(list(images), article_transform())[i] for i in range(5)])
    assert torch.equal(as_tensor(images), expected)
    assert torch.equal(as_tensor(ImageSet(images, [0] * 5, ["a"], "five")), expected)


def test_the_shipped_full_run_of_notebook_5_holds_every_table():
    results = full_run("notebook5")
    assert set(results["losses"]["runs"]) == set(LOSSES)
    assert {"the article's model", "improved model", "improved model, deeper"} <= set(results["improved"]["runs"])
    assert "the article's model" in results["ablation"]["runs"]
    for name, points in results["rate_distortion"]["psnr"].items():
        assert len(points) >= 4, name
    with pytest.raises(FileNotFoundError, match="notebook5"):
        full_run("notebook 5")


def test_the_new_figures_draw(tmp_path):
    curves = {"PCA": {32: 18.0, 200: 25.0}, "AE": {32: 19.0, 200: 24.0}}
    figure = plot_rate_distortion(curves, save_to=tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 1000 and figure.axes[0].get_xscale() == "log"
    figure = plot_bars({"cat": 22.0, "ship": 26.5}, "PSNR (dB)")
    axis = figure.axes[0]
    assert [t.get_text() for t in axis.get_yticklabels()] == ["cat", "ship"]
    assert axis.get_xlim()[0] == 0 and axis.get_xlim()[1] > 26.5  # bars start at zero: lengths compare honestly
    assert [t.get_text() for t in axis.texts] == ["22.00", "26.50"]  # each bar says its value


def test_the_deeper_variant_moves_depth_to_16x16_and_8x8_and_survives_a_checkpoint(tensors, tmp_path):
    deeper = build_improved_autoencoder(200, deeper=True)
    sizes = [m.conv.in_channels for m in deeper.encoder.modules() if isinstance(m, Residual)]
    assert sizes == [32, 32, 32, 32, 64, 64], "none at 32x32 (16 maps), four at 16x16 (32 maps), two at 8x8 (64 maps)"
    sizes = [m.conv.in_channels for m in deeper.decoder.modules() if isinstance(m, Residual)]
    assert sizes == [64, 64, 32, 32, 32, 32], "the decoder mirrors the encoder"
    conv_32x32, conv_16x16, conv_8x8 = (16 * 16 * 9 + 16), (32 * 32 * 9 + 32), (64 * 64 * 9 + 64)
    added = 2 * (-conv_32x32 + 3 * conv_16x16 + conv_8x8)
    assert count_parameters(deeper) - count_parameters(build_improved_autoencoder(200)) == added == 124_704
    assert count_parameters(deeper) == 1_911_499
    assert deeper(torch.randn(2, 3, 32, 32)).shape == (2, 3, 32, 32)
    model = ConvolutionalAutoencoder(build_improved_autoencoder(8, 4, deeper=True), device="cpu", verbose=False)
    model.train(nn.MSELoss(), 1, 64, *tensors, checkpoint_dir=tmp_path, progress=False)
    loaded = ConvolutionalAutoencoder.load(tmp_path / "latest.pt", verbose=False)
    x = tensors[2][:4]
    assert loaded.network.config["decoder"]["layers"] == list(DEEPER_LAYERS) == [0, 4, 2]
    assert torch.equal(loaded.autoencode(x), model.autoencode(x))


def test_the_deeper_switch_and_the_layer_counts_refuse_bad_values():
    with pytest.raises(TypeError, match="deeper must be True or False; got 'yes'"):
        build_improved_autoencoder(8, 4, deeper="yes")
    for bad in ((1, 1), (1, -1, 1), "111", (1, 1.0, 1), (True, 1, 1)):
        with pytest.raises(ValueError, match=r"layers must be three counts .* e\.g\. \(1, 1, 1\)"):
            build_autoencoder(8, 4, layers=bad)


def test_a_checkpoint_of_an_earlier_version_is_refused_by_name_and_left_in_place(tensors, tmp_path):
    """Configs written before ``layers`` (with "deeper") are not rebuilt: the error names the file and the fix,
    and train_or_load neither trains over it nor deletes it."""
    earlier = build_autoencoder(8, 4, activate_code=False, act_fn=nn.GELU(), residual=True, layers=(1, 2, 2))
    model = ConvolutionalAutoencoder(earlier, device="cpu", verbose=False)
    model.train(nn.MSELoss(), 1, 64, *tensors, checkpoint_dir=tmp_path, progress=False)
    state = torch.load(tmp_path / "latest.pt", weights_only=True)
    for part in ("encoder", "decoder"):  # as the earlier version wrote it
        del state["config"][part]["layers"]
        state["config"][part]["deeper"] = True
    torch.save(state, tmp_path / "final.pt")
    (tmp_path / "latest.pt").unlink()
    before = (tmp_path / "final.pt").read_bytes()
    build = partial(build_improved_autoencoder, deeper=True)
    with pytest.raises(ValueError, match=r"final\.pt.*deeper.*another version.*move it away"):
        train_or_load(8, tensors, 1, 64, tmp_path, build=lambda n: build(n, 4), lr=1e-3)
    assert (tmp_path / "final.pt").read_bytes() == before and not (tmp_path / "latest.pt").exists()
