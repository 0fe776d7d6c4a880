"""The trainer: it learns, its log, repeatability, both pipelines, and what it mends from the article."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from convae_helpers import ConvolutionalAutoencoder, build_autoencoder, training
from convae_helpers.article import init_weights
from convae_helpers.metrics import reconstruction_mse


def make_model(latent_dim: int = 8, out_channels: int = 4) -> ConvolutionalAutoencoder:
    """A tiny model (a few thousand weights): seeds, pipelines and logs behave the same at any size."""
    return ConvolutionalAutoencoder(build_autoencoder(latent_dim, out_channels), device="cpu", verbose=False)


def test_training_lowers_the_validation_loss_clearly(datasets, tensors):
    model = make_model(200, 16)  # the article's model
    start = build_autoencoder(200)
    torch.manual_seed(0)
    start.apply(init_weights)  # the weights train() starts from, with seed 0: the same every run
    untrained = reconstruction_mse(start, tensors[1])
    images = tensors[1]
    mean_colour = float(((images - images.mean(dim=(2, 3), keepdim=True)) ** 2).mean())
    log = model.train(nn.MSELoss(), 3, 16, *datasets, progress=False)  # 120 steps, as in smoke mode
    losses = log["validation_loss_per_epoch"]
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < 0.95 * losses[0], losses
    assert losses[-1] < 0.8 * untrained and losses[-1] < mean_colour, (untrained, mean_colour, losses)
    assert reconstruction_mse(model.autoencode, tensors[1]) == pytest.approx(losses[-1], rel=1e-4)


def test_log_structure_and_lengths(datasets):
    training, validation, test = datasets
    log = make_model().train(nn.MSELoss(), 2, 64, training, validation, test, progress=False)
    assert len(log["training_loss_per_batch"]) == 2 * math.ceil(len(training) / 64)
    assert len(log["validation_loss_per_batch"]) == 2 * math.ceil(len(validation) / 64)
    for key in ("training_loss_per_epoch", "validation_loss_per_epoch", "epoch_seconds", "visualizations"):
        assert len(log[key]) == 2, key
    # ten test images above their ten reconstructions, 32 px each with 1 px padding
    assert log["visualizations"][0].shape == (2 * 33 + 1, 10 * 33 + 1, 3)
    first_epoch = log["training_loss_per_batch"][: math.ceil(len(training) / 64)]
    assert log["training_loss_per_epoch"][0] == pytest.approx(sum(first_epoch) / len(first_epoch))


def test_validation_loss_is_the_mean_over_the_whole_set(tensors):
    """The article reported the loss of the last validation batch; the mean weights each batch by its size."""
    training, validation, test = tensors
    validation = validation[:150]  # batches of 64, 64 and 22 images
    log = make_model().train(nn.MSELoss(), 1, 64, training, validation, test, progress=False)
    per_batch = log["validation_loss_per_batch"]
    assert len(per_batch) == 3
    expected = (64 * per_batch[0] + 64 * per_batch[1] + 22 * per_batch[2]) / 150
    assert log["validation_loss_per_epoch"][0] == pytest.approx(expected, rel=1e-5)
    assert log["validation_loss_per_epoch"][0] != pytest.approx(per_batch[-1], rel=1e-3)


def test_same_seed_same_losses_other_seed_other_losses(datasets):
    runs = [make_model().train(nn.MSELoss(), 1, 64, *datasets, seed=seed, progress=False) for seed in (7, 7, 8)]
    assert runs[0]["training_loss_per_batch"] == runs[1]["training_loss_per_batch"]
    assert runs[0]["validation_loss_per_epoch"] == runs[1]["validation_loss_per_epoch"]
    assert runs[0]["training_loss_per_batch"] != runs[2]["training_loss_per_batch"]


def test_batches_are_shuffled_unless_the_article_recipe_is_asked_for(tensors):
    training, validation, test = tensors
    seen = {}
    for recipe in ("project", "article"):
        firsts = []

        def loss(output, images, firsts=firsts):
            firsts.append(float(images[0, 0, 0, 0]))
            return nn.functional.mse_loss(output, images)

        make_model().train(loss, 2, 64, training, validation, test, recipe=recipe, progress=False)
        seen[recipe] = firsts
    per_epoch = len(seen["article"]) // 2
    assert seen["article"][0] == pytest.approx(float(training[0, 0, 0, 0]))
    assert seen["article"][:per_epoch] == seen["article"][per_epoch : 2 * per_epoch]
    assert seen["project"][:per_epoch] != seen["project"][per_epoch : 2 * per_epoch]


def test_train_computes_what_the_articles_loop_computes(datasets):
    """The article's loop (DataLoaders over the dataset, plain Adam, ``benchmarks/throughput.py``'s
    ``article_train``) and ``train(recipe="article")`` (tensors on the device, fused Adam, channels_last on the CPU):
    the same seed, batches and update rule give the same losses, up to float rounding."""
    from torch.utils.data import DataLoader

    from convae_helpers.article import init_weights
    from convae_helpers.loop import train_epoch

    log = make_model().train(nn.MSELoss(), 1, 64, *datasets, recipe="article", progress=False)
    network = build_autoencoder(8, 4)
    torch.manual_seed(0)
    network.apply(init_weights)
    batches = ((x, x) for x in DataLoader(datasets[0], 64))
    article = train_epoch(network, batches, nn.MSELoss(), torch.optim.Adam(network.parameters(), lr=1e-3), [])
    assert torch.allclose(torch.tensor(log["training_loss_per_batch"]), torch.stack(article), rtol=1e-4)


def test_datasets_of_pairs_and_of_images_both_work(datasets, offline_train):
    training, validation, test = datasets
    pairs = [(training[i], offline_train.targets[i]) for i in range(len(training))]
    with_pairs = make_model().train(nn.MSELoss(), 1, 64, pairs, validation, test, progress=False)
    plain = make_model().train(nn.MSELoss(), 1, 64, training, validation, test, progress=False)
    assert with_pairs["training_loss_per_batch"] == plain["training_loss_per_batch"]


def test_encode_decode_autoencode(tensors):
    model = make_model(1000)
    x = tensors[2]
    z = model.encode(x)
    assert z.shape == (10, 1000)
    assert model.decode(z).shape == (10, 3, 32, 32)
    assert torch.allclose(model.decode(z), model.autoencode(x))


def test_first_train_call_initialises_as_the_article_and_later_calls_go_on(tensors, monkeypatch):
    calls = []
    monkeypatch.setattr(training, "init_weights", lambda module: calls.append(module) or init_weights(module))
    model = make_model()
    model.train(nn.MSELoss(), 1, 64, tensors[0][:128], tensors[1][:64], tensors[2], progress=False)
    assert any(m is model.network.encoder.net[0] for m in calls)
    first_conv = model.network.encoder.net[0]
    calls.clear()
    before = first_conv.weight.detach().clone()
    model.train(nn.MSELoss(), 1, 64, tensors[0][:128], tensors[1][:64], tensors[2], progress=False)
    assert calls == [], "a second call must not re-initialise"
    assert (first_conv.weight - before).abs().max() < 0.05, "it went on from the trained weights"


def test_init_weights_is_xavier_uniform_with_bias_001():
    conv = nn.Conv2d(3, 16, 3)
    torch.manual_seed(0)
    init_weights(conv)
    assert torch.all(conv.bias == 0.01)
    bound = math.sqrt(6 / (3 * 9 + 16 * 9))  # Xavier-uniform: sqrt(6 / (fan_in + fan_out))
    assert conv.weight.abs().max() <= bound and conv.weight.abs().max() > 0.9 * bound


def test_the_article_recipe_after_the_project_one_still_learns(tensors):
    """The project's schedule ends near 0; the next call starts again from the model's lr."""
    model = make_model()
    model.train(nn.MSELoss(), 1, 64, tensors[0][:128], tensors[1][:64], tensors[2], progress=False)
    assert model.optimizer.param_groups[0]["lr"] < 1e-4
    before = [p.detach().clone() for p in model.network.parameters()]
    seen = []

    def loss(output, images):
        seen.append(model.optimizer.param_groups[0]["lr"])
        return nn.functional.mse_loss(output, images)

    model.train(loss, 1, 64, tensors[0][:128], tensors[1][:64], tensors[2], recipe="article", progress=False)
    assert seen == [1e-3] * 3, "two training batches and one validation batch, all at the article's rate"
    assert max((a - b).abs().max() for a, b in zip(before, model.network.parameters())) > 1e-4


def test_a_grayscale_model_trains_on_grayscale_images(tensors):
    gray = [x.mean(1, keepdim=True) for x in tensors]
    model = ConvolutionalAutoencoder(build_autoencoder(8, 4, in_channels=1), device="cpu", verbose=False)
    log = model.train(nn.MSELoss(), 1, 64, *gray, progress=False)
    assert model.autoencode(gray[2]).shape == (10, 1, 32, 32) and len(log["visualizations"]) == 1
    assert log["visualizations"][0].shape[-1] == 3, "drawn in grey, as RGB"


def test_images_left_in_0_1_get_a_warning_that_names_the_fix(tensors):
    forgot_normalize = [(x + 1) / 2 for x in tensors]
    with pytest.warns(UserWarning, match=r"\[0, 1\].*article_transform"):
        make_model().train(nn.MSELoss(), 1, 64, *forgot_normalize, progress=False)


def test_a_corrupt_function_makes_the_inputs_and_the_clean_images_stay_the_targets(tensors):
    pairs = []

    def loss(output, targets):
        pairs.append(targets)
        return nn.functional.mse_loss(output, targets)

    seen_inputs = []

    def corrupt(images):
        seen_inputs.append(images)
        return images + 0.2 * torch.randn_like(images)

    log = make_model().train(loss, 1, 64, *tensors, corrupt=corrupt, recipe="article", progress=False)
    assert torch.equal(pairs[0], tensors[0][:64]), "the target is the clean batch"
    assert torch.equal(seen_inputs[0], tensors[0][:64])
    assert log["visualizations"][0].shape == (3 * 33 + 1, 10 * 33 + 1, 3), "noisy, restored and clean rows"


def test_the_speed_settings_are_those_measured_fastest_on_each_device():
    """fp32 everywhere; on a GPU the default layout, which beat channels_last on an H200; on a CPU channels_last,
    which beat it there (docs/performance.md)."""
    from convae_helpers.device import speed_settings

    cuda, cpu = speed_settings(torch.device("cuda")), speed_settings(torch.device("cpu"))
    assert cuda.memory_format == torch.contiguous_format and cpu.memory_format == torch.channels_last


def test_cuda_graphs_are_a_cuda_default_only_and_the_cpu_trains_with_the_plain_loop(tensors, monkeypatch):
    """The CUDA-graph path (module graphs) never runs on a CPU: there train() is loop.train_epoch, step for step."""
    from convae_helpers.article import configure_adam, init_weights
    from convae_helpers.device import speed_settings
    from convae_helpers.loop import train_epoch

    assert speed_settings(torch.device("cuda")).cuda_graphs and not speed_settings(torch.device("cpu")).cuda_graphs
    monkeypatch.setenv("CONVAE_CUDA_GRAPHS", "0")
    assert not speed_settings(torch.device("cuda")).cuda_graphs
    train_x = tensors[0][:128]
    model = ConvolutionalAutoencoder(build_autoencoder(8, out_channels=4), device="cpu", verbose=False)
    log = model.train(nn.MSELoss(), 1, 32, train_x, tensors[1][:32], tensors[2], recipe="article", progress=False)
    network = build_autoencoder(8, out_channels=4)
    torch.manual_seed(0)  # as train() does: seed, then the article's initialisation
    network.apply(init_weights)
    losses = train_epoch(network, [(b, b) for b in train_x.split(32)], nn.MSELoss(), configure_adam(network, 1e-3), [])
    # The trainer's channels_last layout on the CPU may round differently, nothing more.
    assert torch.allclose(torch.tensor(log["training_loss_per_batch"]), torch.stack(losses), rtol=1e-5, atol=0)
