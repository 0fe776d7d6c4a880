"""The CUDA path: fused Adam, CUDA graphs, data on the GPU, stop and resume. Skipped without a GPU."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from convae_helpers import ConvolutionalAutoencoder, build_autoencoder
from convae_helpers.state import data_fingerprint
from convae_helpers.training import TrainingDivergedError

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_training_on_the_gpu(tensors, tmp_path):
    model = ConvolutionalAutoencoder(build_autoencoder(200), device="cuda", verbose=False)
    log = model.train(nn.MSELoss(), 2, 64, *tensors, checkpoint_dir=tmp_path, progress=False)
    assert log["validation_loss_per_epoch"][-1] < log["validation_loss_per_epoch"][0]
    assert model.autoencode(tensors[2]).device.type == "cpu", "returned on the device of the input"
    loaded = ConvolutionalAutoencoder.load(tmp_path / "latest.pt", device="cuda", verbose=False)
    # cudnn may pick another convolution algorithm for the reloaded model: equal up to float rounding
    assert torch.allclose(loaded.autoencode(tensors[2]), model.autoencode(tensors[2]), atol=1e-4)


def test_the_fingerprint_of_a_gpu_tensor_equals_that_of_its_cpu_copy(tensors):
    assert data_fingerprint(tensors[0].cuda()) == data_fingerprint(tensors[0])


def _train(tensors, monkeypatch, graphs=True, epochs=2, loss_function=None, model=None, **options):
    monkeypatch.setenv("CONVAE_CUDA_GRAPHS", "1" if graphs else "0")
    model = model or ConvolutionalAutoencoder(build_autoencoder(200), device="cuda")
    log = model.train(loss_function or nn.MSELoss(), epochs, 64, *tensors, progress=False, **options)
    return model, log


def test_cuda_graphs_train_as_the_eager_loop_does(tensors, monkeypatch, capsys):
    _, log = _train(tensors, monkeypatch)
    assert "CUDA graphs)" in capsys.readouterr().out
    _, eager_log = _train(tensors, monkeypatch, graphs=False)
    assert "CUDA graphs" not in capsys.readouterr().out
    steps = len(log["training_loss_per_batch"])
    assert steps == len(eager_log["training_loss_per_batch"]) == 2 * -(-len(tensors[0]) // 64)  # a smaller last batch
    # The same maths from the same weights: equal up to the rounding of cuDNN's algorithm choices.
    first = torch.tensor([log["training_loss_per_batch"][0], eager_log["training_loss_per_batch"][0]])
    assert torch.allclose(first[0], first[1], rtol=1e-4), "the recording's warm-up steps changed the weights"
    ours, theirs = (torch.tensor(x["validation_loss_per_epoch"]) for x in (log, eager_log))
    assert torch.allclose(ours, theirs, rtol=2e-2), (ours, theirs)
    assert ours[-1] < ours[0]


def test_cuda_graphs_leave_plain_numbers_for_checkpoints_and_resume(tensors, tmp_path, monkeypatch):
    model, _ = _train(tensors, monkeypatch, epochs=1, checkpoint_dir=tmp_path)
    assert all(isinstance(group["lr"], float) for group in model.optimizer.param_groups)
    again = ConvolutionalAutoencoder.load(tmp_path / "latest.pt", device="cuda", verbose=False)
    _, log = _train(tensors, monkeypatch, epochs=1, model=again)
    assert again.epochs_trained == 2 and len(log["validation_loss_per_epoch"]) == 2
    assert all(torch.isfinite(p).all() for p in again.network.parameters())


def test_a_non_finite_loss_stops_cuda_graph_training_with_finite_weights(tensors, monkeypatch):
    calls = torch.zeros((), device="cuda")

    def poisoned(outputs, targets):  # NaN from the 9th step on, counted on the GPU so that replays count too
        calls.add_(1)
        loss = nn.functional.mse_loss(outputs, targets)
        return loss * torch.where(calls > 8, float("nan"), 1.0)

    poisoned.cuda_graph_safe = True  # a plain function is not known to record; this one is, and must take graphs

    model = ConvolutionalAutoencoder(build_autoencoder(200), device="cuda", verbose=False)
    with pytest.raises(TrainingDivergedError) as error:
        _train(tensors, monkeypatch, epochs=3, loss_function=poisoned, model=model)
    assert all(torch.isfinite(p).all() for p in model.network.parameters()), "Adam must skip the NaN batches"
    assert any(math.isnan(v) for v in error.value.log["training_loss_per_batch"])
    assert "Adam skipped it" in str(error.value) and "it never reached the weights" in str(error.value)


def test_only_losses_known_to_record_take_cuda_graphs(tensors, monkeypatch, capsys):
    from convae_helpers.losses import MSSSIML1Loss
    from convae_helpers.vae import VAELoss, build_vae

    _train(tensors, monkeypatch, epochs=1, loss_function=MSSSIML1Loss())  # torchmetrics: the plain loop
    assert "CUDA graphs" not in capsys.readouterr().out
    vae = ConvolutionalAutoencoder(build_vae(200), device="cuda")
    _, log = _train(tensors, monkeypatch, epochs=2, loss_function=VAELoss(0.1), model=vae)  # random codes, recorded
    assert "CUDA graphs)" in capsys.readouterr().out and math.isfinite(log["validation_loss_per_epoch"][-1])
