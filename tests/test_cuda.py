"""The CUDA path: mixed precision, fused Adam, data on the GPU, stop and resume. Skipped without a GPU."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from convae_helpers import ConvolutionalAutoencoder, build_autoencoder
from convae_helpers.checkpoints import data_fingerprint

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.parametrize("precision", ["auto", "fp32", "bf16", "fp16"])
def test_training_on_the_gpu_in_every_precision(tensors, tmp_path, precision):
    model = ConvolutionalAutoencoder(build_autoencoder(200), device="cuda", verbose=False)
    log = model.train(nn.MSELoss(), 2, 64, *tensors, precision=precision, checkpoint_dir=tmp_path, progress=False)
    assert log["validation_loss_per_epoch"][-1] < log["validation_loss_per_epoch"][0]
    assert model.autoencode(tensors[2]).device.type == "cpu", "returned on the device of the input"
    loaded = ConvolutionalAutoencoder.load(tmp_path / "latest.pt", device="cuda", verbose=False)
    # cudnn may pick another convolution algorithm for the reloaded model: equal up to float rounding
    assert torch.allclose(loaded.autoencode(tensors[2]), model.autoencode(tensors[2]), atol=1e-4)


def test_the_fingerprint_of_a_gpu_tensor_equals_that_of_its_cpu_copy(tensors):
    assert data_fingerprint(tensors[0].cuda()) == data_fingerprint(tensors[0])
