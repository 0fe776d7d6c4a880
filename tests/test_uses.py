"""Notebooks 6-8's pieces: noise and filters, anomaly scores, the latent space, their figures and shipped results."""

from __future__ import annotations

import pytest
import torch

from convae_helpers import ConvolutionalAutoencoder, build_autoencoder
from convae_helpers.anomaly import DEEP_SVDD_AUROC, at_threshold, auroc, roc_curve, threshold_for
from convae_helpers.checkpoints import train_or_load
from convae_helpers.denoising import (
    FILTERS,
    TUNING_IMAGES,
    GaussianNoise,
    SaltAndPepper,
    bm3d_filter,
    fixed_noise,
    gaussian_blur,
    median_filter,
    non_local_means,
    tune_filter,
)
from convae_helpers.latent import (
    blend,
    chance_precision,
    encode_all,
    interpolate,
    map_2d,
    nearest,
    random_codes,
    retrieval_precision,
)
from convae_helpers.metrics import PCABaseline, image_detail, image_scores
from convae_helpers.plotting import image_row, plot_lines, plot_map, plot_roc
from convae_helpers.settings import full_run
from convae_helpers.state import corrupt_name

GREY = torch.zeros(200, 3, 32, 32)


# ---------------------------------------------------------------- noise and filters
@pytest.mark.parametrize("sigma", [0.05, 0.2])  # little clipping from mid-grey
def test_gaussian_noise_is_stated_on_the_unit_scale_and_clipped(sigma):
    noisy = fixed_noise(GaussianNoise(sigma), GREY)
    assert float(noisy.std()) == pytest.approx(2 * sigma, rel=0.05)  # [-1, 1] is twice as wide as [0, 1]
    assert float(fixed_noise(GaussianNoise(sigma), torch.ones(4, 3, 32, 32)).max()) <= 1.0


def test_salt_and_pepper_hits_the_share_of_pixels_asked_and_leaves_the_rest():
    images = torch.rand(200, 3, 32, 32) * 0.5
    noisy = fixed_noise(SaltAndPepper(0.2), images)
    hit = (noisy != images).any(dim=1)
    assert float(hit.float().mean()) == pytest.approx(0.2, abs=0.01)
    assert set(noisy.permute(0, 2, 3, 1)[hit].flatten().tolist()) <= {-1.0, 1.0}, "a hit pixel is black or white"
    assert float((noisy.permute(0, 2, 3, 1)[hit] == 1).float().mean()) == pytest.approx(0.5, abs=0.03)


def test_fixed_noise_repeats_and_leaves_the_global_random_state_alone():
    torch.manual_seed(5)
    before = torch.get_rng_state()
    first, second = (fixed_noise(GaussianNoise(0.2), GREY[:4], seed=3) for _ in range(2))
    assert torch.equal(first, second) and torch.equal(torch.get_rng_state(), before)
    assert not torch.equal(first, fixed_noise(GaussianNoise(0.2), GREY[:4], seed=4))


@pytest.mark.parametrize("bad", [0, -0.1, 1.5, True, "0.1", None])
def test_a_noise_level_outside_0_1_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="sigma must be a number in"):
        GaussianNoise(bad)
    with pytest.raises(ValueError, match="amount must be a number in"):
        SaltAndPepper(bad)


def test_the_median_filter_removes_a_lone_pixel_and_is_the_median():
    image = torch.zeros(1, 3, 32, 32)
    image[0, :, 10, 10] = 1.0
    assert torch.equal(median_filter(image, 3), torch.zeros_like(image))
    x = torch.rand(2, 3, 32, 32)
    assert float(median_filter(x, 5)[1, 2, 7, 9]) == float(x[1, 2, 5:10, 7:12].flatten().median())


@pytest.mark.parametrize("size", [4, 1, 3.0, 17])
def test_a_median_window_must_be_odd_and_small(size):
    with pytest.raises(ValueError, match="size must be an odd window width"):
        median_filter(GREY[:1], size)


def test_the_blur_keeps_flat_images_and_calms_noise():
    with pytest.raises(ValueError, match="sigma must be a width in pixels"):
        gaussian_blur(GREY[:1], 0)
    flat = torch.full((1, 3, 32, 32), 0.3)
    assert torch.allclose(gaussian_blur(flat, 1.4), flat, atol=1e-6)
    noisy = fixed_noise(GaussianNoise(0.2), GREY[:8])
    assert float(gaussian_blur(noisy, 1.0).std()) < 0.5 * float(noisy.std())


def test_tuning_keeps_the_setting_of_least_error():
    clean = torch.linspace(-1, 1, 32).view(1, 1, 1, 32).expand(16, 3, 32, 32).contiguous()  # a smooth ramp
    noisy = fixed_noise(GaussianNoise(0.2), clean)
    best, function = tune_filter("Gaussian blur", noisy, clean)
    errors = {s: float(((gaussian_blur(noisy, s) - clean) ** 2).mean()) for s in FILTERS["Gaussian blur"][1]}
    assert best == min(errors, key=errors.get) and torch.equal(function(noisy), gaussian_blur(noisy, best))
    with pytest.raises(ValueError, match="name must be one of"):
        tune_filter("wiener", noisy, clean)


def test_tuning_looks_at_an_evenly_spread_subset_and_refuses_mismatched_copies(monkeypatch):
    seen = []
    monkeypatch.setitem(FILTERS, "spy", (lambda x, s: seen.append(x[:, 0, 0, 0].clone()) or x, (1.0,)))
    clean = torch.arange(2 * TUNING_IMAGES, dtype=torch.float32).view(-1, 1, 1, 1).expand(-1, 3, 2, 2).contiguous()
    tune_filter("spy", clean, clean)
    assert torch.equal(torch.cat(seen), torch.arange(0, 2 * TUNING_IMAGES, 2, dtype=torch.float32))  # every other one
    with pytest.raises(ValueError, match="noisy and clean must be"):
        tune_filter("Gaussian blur", clean, clean[:3])


def test_non_local_means_calms_noise_but_keeps_an_edge_and_a_flat_image():
    edge = torch.full((2, 3, 32, 32), -0.6)
    edge[..., 16:] = 0.6  # a vertical step, like an object's outline
    noisy = fixed_noise(GaussianNoise(0.1), edge)
    restored = non_local_means(noisy, 0.1)
    assert restored.shape == edge.shape and restored.dtype == edge.dtype
    assert float(((restored - edge) ** 2).mean()) < 0.25 * float(((noisy - edge) ** 2).mean())
    assert float(restored[..., 15].mean()) < -0.4 and float(restored[..., 16].mean()) > 0.4  # the step stays sharp
    with pytest.raises(ValueError, match="h must be a filter strength"):
        non_local_means(noisy, 0)


def test_bm3d_lowers_the_error_of_gaussian_noise():
    pytest.importorskip("bm3d", reason="BM3D is the benchmarks' extra: pip install 'convae-helpers[baselines]'")
    clean = torch.linspace(-0.8, 0.8, 32).view(1, 1, 1, 32).expand(1, 3, 32, 32).contiguous()
    noisy = fixed_noise(GaussianNoise(0.2), clean)
    restored = bm3d_filter(noisy, 0.2)
    assert float(((restored - clean) ** 2).mean()) < 0.2 * float(((noisy - clean) ** 2).mean())
    with pytest.raises(ValueError, match="sigma must be the noise level"):
        bm3d_filter(noisy, 2)


def test_scores_of_a_restorer_compare_its_output_on_the_inputs_with_the_images():
    clean = torch.rand(10, 3, 32, 32) * 2 - 1
    noisy = fixed_noise(GaussianNoise(0.1), clean)
    scores = image_scores(lambda x: x, clean, inputs=noisy)
    assert scores["mse"] == pytest.approx(float(((noisy - clean) ** 2).mean()), rel=1e-5)
    with pytest.raises(ValueError, match="inputs must have the shape of images"):
        image_scores(lambda x: x, clean, inputs=noisy[:5])


# ---------------------------------------------------------------- the denoiser's checkpoints
def test_checkpoints_record_the_noise_and_keep_denoisers_apart(tensors, tmp_path, capsys):
    small = (tensors[0][:64], tensors[1][:32], tensors[2])
    denoiser = train_or_load(8, small, 1, 32, tmp_path, corrupt=GaussianNoise(0.2))
    assert denoiser.info["corrupt"] == "GaussianNoise(sigma=0.2)"
    again = train_or_load(8, small, 1, 32, tmp_path, corrupt=GaussianNoise(0.2))
    assert "found" in capsys.readouterr().out and torch.equal(again.autoencode(small[2]), denoiser.autoencode(small[2]))
    train_or_load(8, small, 1, 32, tmp_path, corrupt=GaussianNoise(0.3))
    assert "its corrupt differ" in capsys.readouterr().out
    assert corrupt_name(None) == "none" and corrupt_name(lambda x: x) == "a function"


# ---------------------------------------------------------------- anomaly scores
def test_auroc_is_1_for_a_perfect_score_0_reversed_and_half_for_no_information():
    is_anomaly = torch.tensor([0, 0, 0, 1, 1, 1])
    scores = torch.tensor([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    assert auroc(scores, is_anomaly) == 1.0 and auroc(-scores, is_anomaly) == 0.0
    assert auroc(torch.ones(6), is_anomaly) == 0.5
    false_alarms, detections = roc_curve(scores, is_anomaly)
    assert float(false_alarms[0]) == 0 and float(detections[-1]) == 1


def test_scores_outside_0_1_keep_their_order():  # torchmetrics would squash them through a sigmoid
    is_anomaly = torch.tensor([0, 1, 0, 1])
    assert auroc(torch.tensor([20.0, 25.0, 30.0, 35.0]), is_anomaly) == 0.75
    assert auroc(torch.tensor([-300.0, 200.0, -100.0, 900.0]), is_anomaly) == 1.0


def test_anomaly_scores_are_checked():
    with pytest.raises(ValueError, match="class labels"):
        auroc(torch.rand(6), torch.tensor([8, 0, 8, 2, 3, 8]))
    with pytest.raises(ValueError, match="one value per image"):
        auroc(torch.rand(5), torch.tensor([0, 1, 0]))
    with pytest.raises(ValueError, match="only one kind"):
        auroc(torch.rand(3), torch.tensor([1, 1, 1]))
    with pytest.raises(ValueError, match="false_alarm_rate must lie between 0 and 1"):
        threshold_for(torch.rand(10), 5)


def test_a_threshold_for_5_percent_lets_5_percent_of_those_normal_images_through():
    normal = torch.arange(1000, dtype=torch.float32)
    threshold = threshold_for(normal, 0.05)
    assert float((normal > threshold).float().mean()) == pytest.approx(0.05, abs=0.002)
    scores = torch.cat([normal, normal + 2000])
    outcome = at_threshold(scores, torch.arange(2000) >= 1000, threshold)
    assert outcome["detected"] == 1.0 and outcome["false_alarms"] == pytest.approx(0.05, abs=0.002)


def test_the_published_deep_svdd_row_averages_to_its_648_percent():
    assert len(DEEP_SVDD_AUROC) == 10 and sum(DEEP_SVDD_AUROC.values()) / 10 == pytest.approx(64.8, abs=0.05)


def test_detail_is_zero_on_flat_images_and_high_on_a_checkerboard():
    board = (torch.arange(32).view(1, 32) + torch.arange(32).view(32, 1)) % 2 * 2.0 - 1
    images = torch.stack([torch.zeros(3, 32, 32), board.expand(3, 32, 32)])
    assert image_detail(images).tolist() == [0.0, 2.0]


# ---------------------------------------------------------------- the latent space
def test_blends_run_from_one_end_to_the_other():
    a, b = torch.zeros(3, 32, 32), torch.ones(3, 32, 32)
    path = blend(a, b, 5)
    assert path.shape == (5, 3, 32, 32) and torch.equal(path[0], a) and torch.equal(path[-1], b)
    assert float(path[2].mean()) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="same shape"):
        blend(a, torch.ones(200), 5)


def test_a_code_walk_starts_and_ends_at_the_reconstructions(tensors):
    model = ConvolutionalAutoencoder(build_autoencoder(16, 4), device="cpu", verbose=False)
    a, b = tensors[2][0], tensors[2][1]
    pixels, decoded = interpolate(model, a, b, steps=6)
    assert decoded.shape == pixels.shape == (6, 3, 32, 32)
    assert torch.allclose(decoded[[0, -1]], model.autoencode(torch.stack([a, b])).clamp(-1, 1), atol=1e-6)
    assert encode_all(model.encode, tensors[1][:20], batch_size=7).shape == (20, 16)


def test_neighbours_exclude_the_query_and_precision_counts_shared_classes():
    features = torch.tensor([[0.0], [0.1], [5.0], [5.1], [10.0]])
    assert nearest(features, torch.tensor([0, 2]), k=1).flatten().tolist() == [1, 3]
    clustered = torch.cat([torch.randn(50, 8) * 0.01 + 10 * c for c in range(4)])
    labels = torch.arange(4).repeat_interleave(50)
    assert retrieval_precision(clustered, labels, k=10) == 1.0
    shuffled = retrieval_precision(torch.randn(400, 8), labels.repeat(2), k=10)
    assert 0.1 < shuffled < 0.45, "unrelated features: about chance, a quarter"
    with pytest.raises(ValueError, match="k must be smaller than"):
        nearest(features, torch.tensor([0]), k=5)


def test_pca_codes_and_the_chance_of_a_shared_class():
    images = torch.rand(50, 3, 32, 32) * 2 - 1
    pca = PCABaseline(20).fit(images)
    codes = pca.encode(images, 5)
    assert codes.shape == (50, 5)
    back = codes @ pca.components[:, :5].T + pca.mean
    assert torch.allclose(back.reshape(images.shape), pca.reconstruct(images, 5), atol=1e-5)
    assert chance_precision(torch.arange(4).repeat(25)) == pytest.approx(0.25)
    assert chance_precision(torch.tensor([0] * 90 + [1] * 10)) == pytest.approx(0.82)


def test_the_map_keeps_the_two_widest_directions_and_random_codes_follow_the_real_ones():
    codes = torch.randn(500, 20) * torch.linspace(0.1, 3, 20) + 7
    points = map_2d(codes)
    assert points.shape == (500, 2) and torch.allclose(points.mean(0), torch.zeros(2), atol=1e-4)
    assert float(points[:, 0].var()) == pytest.approx(float(codes[:, -1].var()), rel=0.15)
    drawn = random_codes(codes, 2000)
    assert set(drawn) == {"N(0, 1)", "the codes' mean and spread"}
    assert torch.allclose(drawn["the codes' mean and spread"].mean(0), codes.mean(0), atol=0.3)


# ---------------------------------------------------------------- figures and shipped results
def test_the_new_figures_draw():
    plt = pytest.importorskip("matplotlib.pyplot")
    scores, is_anomaly = torch.rand(50), torch.arange(50) % 2
    figures = [
        plot_roc({"random": roc_curve(scores, is_anomaly)}),
        plot_lines({"noisy": {0.1: 20.0, 0.2: 14.0}}, "sigma", "PSNR (dB)"),
    ]
    assert all(len(f.axes) == 1 for f in figures) and len(figures[0].axes[0].lines) == 2
    points, images = torch.randn(40, 2), torch.rand(40, 3, 32, 32) * 2 - 1
    maps = plot_map({"a": points, "b": points * 2}, [i % 3 for i in range(40)], ["x", "y", "z"], images=images,
                    thumbnails=5)  # fmt: skip
    assert len(maps.axes) == 2 and len(maps.axes[1].artists) == 5, "two panels, five thumbnails on each"
    assert [t.get_text() for t in maps.axes[1].get_legend().get_texts()] == ["x", "y", "z"]
    assert image_row(torch.zeros(5, 3, 32, 32)).shape == (34, 5 * 33 + 1, 3)
    plt.close("all")


def test_the_shipped_results_of_notebooks_6_to_8_are_complete():
    denoising, anomaly, latent = (full_run(f"notebook{n}") for n in (6, 7, 8))
    assert len(denoising["levels"]) >= 4 and all(
        {"noisy input", "denoiser"} <= set(level["rows"]) for level in denoising["levels"].values()
    )
    assert set(anomaly["classes"]) == set(DEEP_SVDD_AUROC)
    assert all(0 <= row["auroc_autoencoder"] <= 1 for row in anomaly["classes"].values())
    assert {"pixels", "autoencoder code, 200", "autoencoder code, 1000"} <= set(latent["precision"])
    for result in (denoising, anomaly, latent):
        assert "/" not in result["data"], "folder names only, never a machine's paths"
