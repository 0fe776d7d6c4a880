"""PSNR, reconstruction MSE, the PCA baseline, and the figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from convae_helpers import ConvolutionalAutoencoder, build_autoencoder
from convae_helpers.metrics import PCABaseline, _by_covariance, _by_svd, psnr, reconstruction_mse
from convae_helpers.plotting import (
    plot_class_samples,
    plot_epochs,
    plot_first_vs_last,
    plot_grids,
    plot_losses,
    plot_row,
    plot_validation_curves,
    reconstruction_grid,
)


def test_psnr_definition():
    assert psnr(4.0) == pytest.approx(0.0)
    assert psnr(0.04) == pytest.approx(20.0)
    assert psnr(0.004) - psnr(0.04) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="mse"):
        psnr(0.0)


def test_reconstruction_mse_is_per_pixel(tensors):
    images = tensors[1]
    assert reconstruction_mse(lambda x: x, images) == 0
    assert reconstruction_mse(lambda x: x + 0.1, images) == pytest.approx(0.01, rel=1e-4)


def test_pca_gets_better_with_more_components_and_exact_with_all(tensors):
    training, validation = tensors[0][:300], tensors[1]
    pca = PCABaseline(299).fit(training)
    errors = [reconstruction_mse(lambda x, k=k: pca.reconstruct(x, k), validation) for k in (10, 50, 200)]
    assert errors[0] > errors[1] > errors[2]
    # on its own training images, all 299 directions of 300 centred images reconstruct them exactly
    assert reconstruction_mse(pca.reconstruct, training) < 1e-6
    with pytest.raises(ValueError, match="n_components"):
        pca.reconstruct(validation, 300)


def test_pca_routes_agree():
    """Fewer images than pixels: SVD of the data; more: eigenvectors of the covariance. Same subspace."""
    generator = torch.Generator().manual_seed(0)
    signal = torch.randn(300, 5, generator=generator) * torch.tensor([9.0, 7.0, 5.0, 3.0, 2.0])
    data = signal @ torch.randn(5, 400, generator=generator) + 0.01 * torch.randn(300, 400, generator=generator)
    centred = data - data.mean(0)
    projections = [d @ d.T for d in (_by_svd(centred, 5), _by_covariance(centred, 5))]
    assert torch.allclose(*projections, atol=1e-3)


def test_pca_caps_components_at_the_number_of_images(tensors, capsys):
    pca = PCABaseline(1000).fit(tensors[2])
    assert pca.components.shape == (3072, 9)
    assert "only 10 training images" in capsys.readouterr().out


def test_figures_are_returned_and_saved(tensors, tmp_path, offline_train):
    model = ConvolutionalAutoencoder(build_autoencoder(8, out_channels=4), device="cpu", verbose=False)
    log = model.train(nn.MSELoss(), 2, 64, tensors[0][:128], tensors[1][:64], tensors[2], progress=False)
    grid = reconstruction_grid(tensors[2], model.autoencode(tensors[2]))
    assert grid.shape == (67, 331, 3) and 0 <= grid.min() and grid.max() <= 1
    figures = {
        "losses": lambda p: plot_losses(log, save_to=p),
        "curves": lambda p: plot_validation_curves({"a": log, "b": log}, baselines={"pca": 0.1}, save_to=p),
        "grids": lambda p: plot_grids({"x": grid}, save_to=p),
        "epochs": lambda p: plot_epochs(log, save_to=p),
        "first_last": lambda p: plot_first_vs_last(log, save_to=p),
        "classes": lambda p: plot_class_samples(
            offline_train.data, offline_train.targets, offline_train.classes, save_to=p
        ),
    }
    for name, draw in figures.items():
        path = tmp_path / f"{name}.png"
        assert isinstance(draw(path), Figure)
        assert path.stat().st_size > 1000, name
    assert len(plot_epochs(log).axes) == 2


def test_visualizations_hold_the_test_images_on_top(tensors):
    model = ConvolutionalAutoencoder(build_autoencoder(8, out_channels=4), device="cpu", verbose=False)
    log = model.train(nn.MSELoss(), 1, 64, tensors[0][:64], tensors[1][:64], tensors[2], progress=False)
    grid = log["visualizations"][0]
    expected = reconstruction_grid(tensors[2], model.autoencode(tensors[2]))
    assert torch.allclose(grid, expected, atol=1e-5)
    assert math.isfinite(float(grid.sum()))


def test_grid_keeps_the_originals_colours_whatever_the_reconstructions(tensors):
    originals = tensors[2]
    tame = reconstruction_grid(originals, originals * 0.5)
    wild = reconstruction_grid(originals, originals * 5)  # far outside [-1, 1]
    top_row = slice(0, 34)  # one padding pixel, 32 image rows, one padding pixel
    assert torch.equal(tame[top_row], wild[top_row])
    assert torch.allclose(tame[1:33, 1:33], (originals[0].permute(1, 2, 0) + 1) / 2, atol=1e-6)
    assert wild.min() >= 0 and wild.max() <= 1


def test_loss_axes_read_as_plain_decimals():
    log = {"training_loss_per_batch": [0.36, 0.2, 0.1, 0.05], "validation_loss_per_epoch": [0.2, 0.06]}
    axis = plot_losses(log).axes[0]
    labels = [axis.yaxis.get_major_formatter()(v, 0) for v in (0.36, 0.05)]
    assert labels == ["0.36", "0.05"]


def test_a_row_of_images_is_one_row(tensors):
    images = [np.zeros((32, 32, 3), np.uint8)] * 10
    figure = plot_row(images, [str(i) for i in range(10)], title="ten")
    assert len(figure.axes) == 10 and figure.get_size_inches()[0] > 4 * figure.get_size_inches()[1]


def test_images_are_drawn_pixel_for_pixel(tensors, offline_train):
    """Nearest-neighbour drawing: the 32×32 pixels as they are, and small PNGs in the committed notebooks."""
    grid = reconstruction_grid(tensors[2], tensors[2])
    figures = [
        plot_grids({"x": grid}),
        plot_row([np.zeros((32, 32, 3), np.uint8)] * 3, ["a", "b", "c"]),
        plot_class_samples(offline_train.data, offline_train.targets, offline_train.classes, per_class=2),
    ]
    for figure in figures:
        shown = [image for axis in figure.axes for image in axis.get_images()]
        assert shown and all(image.get_interpolation() == "nearest" for image in shown)


def test_the_architecture_diagram_follows_the_model_it_is_given():
    from convae_helpers.diagram import layer_shapes, plot_architecture
    from convae_helpers.models import build_improved_autoencoder

    x = torch.zeros(1, 3, 32, 32)
    article = layer_shapes(build_autoencoder(200), x)
    assert [kind for kind, _ in article] == ["input", "conv", "conv", "down", "conv", "down", "conv", "linear",
                                             "linear", "convT", "up", "convT", "up", "convT", "convT"]  # fmt: skip
    assert article[7] == ("linear", (200,)) and article[-1] == ("convT", (3, 32, 32))
    assert layer_shapes(build_autoencoder(1000), x)[7] == ("linear", (1000,))
    deeper = layer_shapes(build_improved_autoencoder(200, deeper=True), x)
    assert sum(kind == "residual" for kind, _ in deeper) == 12, "(0, 4, 2) in each half"
    figure = plot_architecture({"200": build_autoencoder(200), "deeper": build_improved_autoencoder(200, deeper=True)})
    assert [len(axis.patches) for axis in figure.axes] == [len(article), len(deeper)], "one block per layer"


def test_labelled_rows_caption_every_image_and_tsne_keeps_one_point_per_code():
    from convae_helpers.latent import tsne_2d
    from convae_helpers.plotting import plot_labelled_rows

    images = torch.zeros(4, 3, 32, 32)
    figure = plot_labelled_rows({"one": (images, list("abcd")), "two": (images[:2], ["e", "f"])})
    assert [axis.get_title() for axis in figure.axes] == list("abcd") + ["e", "f", "", ""]
    codes = torch.randn(40, 8)
    layout = tsne_2d(codes, iterations=250)
    assert layout.shape == (40, 2) and torch.equal(layout, tsne_2d(codes, iterations=250)), "seeded: repeatable"


def test_sharpness_measures_punish_blur_and_not_a_shift_of_brightness():
    from torch.nn.functional import avg_pool2d

    from convae_helpers.metrics import high_frequency_power, sharpness_kept

    torch.manual_seed(0)
    images = torch.rand(8, 3, 32, 32) * 2 - 1

    def blur(x):
        return avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)

    assert sharpness_kept(lambda x: x, images) == {"detail": 1.0, "high_frequency": 1.0}
    blurred = sharpness_kept(blur, images)
    assert blurred["detail"] < 0.6 and blurred["high_frequency"] < 0.2, blurred
    shifted = sharpness_kept(lambda x: x + 0.3, images)  # brighter, not blurrier: PSNR drops, sharpness stays
    assert shifted["detail"] == pytest.approx(1.0) and shifted["high_frequency"] == pytest.approx(1.0, abs=1e-5)
    flat = torch.zeros(2, 3, 32, 32) - 0.5
    assert torch.allclose(high_frequency_power(flat), torch.zeros(2))
    stripes = torch.full((1, 3, 32, 32), -1.0)
    stripes[..., ::2] = 1.0  # the finest pattern a grid holds: all its power is above the cut-off
    all_power = float(((stripes - stripes.mean()) ** 2).sum()) / 32 / 32
    assert float(high_frequency_power(stripes)[0]) == pytest.approx(all_power)
