"""Stops and resumes: nothing trained is lost, nothing is counted twice (tiny model: size does not matter)."""

from __future__ import annotations

import os
import signal

import pytest
import torch
from bad_inputs import tiny_model
from torch import nn

from convae_helpers import ConvolutionalAutoencoder
from convae_helpers.plotting import batch_positions


class Recorder(nn.MSELoss):
    """MSE that notes the first pixel of every target it sees while training, and can stop at a call."""

    def __init__(self, stop_at: int | None = None, how: str = "raise") -> None:
        super().__init__()
        self.calls, self.stop_at, self.how, self.seen = 0, stop_at, how, []

    def forward(self, output, targets):
        self.calls += 1
        if torch.is_grad_enabled():
            self.seen += targets[:, 0, 0, 0].tolist()
        if self.calls == self.stop_at:
            if self.how == "raise":
                raise KeyboardInterrupt
            os.kill(os.getpid(), signal.SIGINT)  # the first Ctrl-C: a request to stop
        return super().forward(output, targets)


def test_a_stop_in_mid_epoch_is_finished_with_the_images_not_yet_seen(tensors):
    training = tensors[0]  # 640 images: 10 batches of 64
    model, first = tiny_model(), Recorder(stop_at=4)
    model.train(first, 1, 64, training, *tensors[1:], progress=False)
    assert (model.epochs_trained, model.batches_done) == (0, 3)
    second = Recorder()
    log = model.train(second, 1, 64, training, *tensors[1:], progress=False)
    assert model.epochs_trained == 1 and model.batches_done == 0
    assert len(log["training_loss_per_batch"]) == 10, "3 batches before the stop, 7 after: one epoch"
    seen = sorted(first.seen[: 3 * 64] + second.seen)
    assert seen == sorted(training[:, 0, 0, 0].tolist()), "every image once in the epoch, none twice"
    assert log["training_loss_per_epoch"][0] == pytest.approx(sum(log["training_loss_per_batch"]) / 10)


def test_a_ctrl_c_during_validation_completes_that_epoch(tensors, capsys):
    model = tiny_model()
    log = model.train(Recorder(stop_at=11, how="signal"), 3, 64, *tensors, progress=False)  # call 11: validation
    assert model.epochs_trained == 1 and model.batches_done == 0
    assert len(log["validation_loss_per_epoch"]) == 1 and len(log["training_loss_per_batch"]) == 10
    assert "Completed epochs: 1" in capsys.readouterr().out


def test_an_interrupt_during_validation_keeps_the_trained_epoch_and_validates_it_next_time(tensors):
    model = tiny_model()
    model.train(Recorder(stop_at=11), 2, 64, *tensors, progress=False)
    assert (model.epochs_trained, model.batches_done) == (0, 10), "trained, not yet validated"
    again = Recorder()
    log = model.train(again, 1, 64, *tensors, progress=False)
    assert again.seen == [], "no batch trained twice: epoch 1 only needed its validation"
    assert model.epochs_trained == 1 and len(log["validation_loss_per_epoch"]) == 1
    assert len(log["training_loss_per_batch"]) == 10


def test_a_checkpoint_keeps_the_unfinished_epoch(tensors, tmp_path):
    model = tiny_model()
    model.train(Recorder(stop_at=5), 2, 64, *tensors, checkpoint_dir=tmp_path, progress=False)
    loaded = ConvolutionalAutoencoder.load(tmp_path / "latest.pt", verbose=False)
    assert (loaded.epochs_trained, loaded.batches_done) == (0, 4)
    log = loaded.train(nn.MSELoss(), 2, 64, *tensors, progress=False)
    assert loaded.epochs_trained == 2 and len(log["training_loss_per_batch"]) == 20


def test_an_unfinished_epoch_must_be_finished_with_the_same_batches(tensors):
    model = tiny_model()
    model.train(Recorder(stop_at=3), 1, 64, *tensors, progress=False)
    with pytest.raises(ValueError, match="batch_size: this model stopped after batch 2 of epoch 1"):
        model.train(nn.MSELoss(), 1, 32, *tensors, progress=False)
    with pytest.raises(ValueError, match="seed: .* began with seed 0"):
        model.train(nn.MSELoss(), 1, 64, *tensors, seed=1, progress=False)
    with pytest.raises(ValueError, match="training_set: .* began with training_set 640 images"):
        model.train(nn.MSELoss(), 1, 64, tensors[0][:600], *tensors[1:], progress=False)
    assert model.batches_done == 2, "the refused calls changed nothing"


def test_loss_curves_place_an_unfinished_epoch_at_its_own_pace():
    positions = batch_positions(12, [4, 4], 2)  # two epochs of 4 batches, then 4 of a third
    assert positions[:4] == [0.25, 0.5, 0.75, 1.0] and positions[7] == 2.0
    assert positions[-1] == pytest.approx(3.0), "not stretched over the first two epochs"
    assert batch_positions(8, [], 2)[-1] == pytest.approx(2.0), "an old log without counts: an even split"


def split_by_epoch(log: dict) -> tuple[list[list[float]], list[float]]:
    """The per-batch training losses of each complete epoch, and those of the epoch a stop left unfinished."""
    losses, unfinished = log["training_loss_per_batch"], log["unfinished_epoch_batches"]
    complete, epochs = losses[: len(losses) - unfinished], []
    for count in log["batches_per_epoch"]:
        epochs.append(complete[:count])
        complete = complete[count:]
    assert complete == [], "every entry before the unfinished ones belongs to a complete epoch"
    return epochs, losses[len(losses) - unfinished :]


def test_the_log_marks_the_unfinished_epoch_s_batches_so_the_losses_split_by_epoch(tensors, tmp_path):
    model = tiny_model()  # 640 training images: 10 batches of 64 per epoch
    assert model.train(nn.MSELoss(), 1, 64, *tensors, progress=False)["unfinished_epoch_batches"] == 0
    log = model.train(Recorder(stop_at=4), 2, 64, *tensors, checkpoint_dir=tmp_path, progress=False)
    epochs, unfinished = split_by_epoch(log)
    assert [len(losses) for losses in epochs] == [10] and len(unfinished) == 3
    assert sum(epochs[0]) / 10 == pytest.approx(log["training_loss_per_epoch"][0])
    loaded = ConvolutionalAutoencoder.load(tmp_path / "latest.pt", verbose=False)
    assert loaded.log_dict["unfinished_epoch_batches"] == 3, "the checkpoint keeps the mark"
    log = loaded.train(nn.MSELoss(), 1, 64, *tensors, progress=False)
    epochs, unfinished = split_by_epoch(log)
    assert [len(losses) for losses in epochs] == [10, 10] and unfinished == []
    assert [sum(e) / 10 for e in epochs] == pytest.approx(log["training_loss_per_epoch"])
