"""Bad input, divergence, interruption and checkpoints: clear errors, and nothing lost.

``BAD_INPUTS`` (scripts/bad_inputs.py) is the table of docs/mistakes.md: one row per mistake,
each checked here for its exception type and for naming the argument; scripts/mistakes.py
writes the table from the live messages, and a test fails while it is out of date.
"""

from __future__ import annotations

import math
import os
import signal
from functools import partial
from pathlib import Path

import mistakes
import numpy as np
import pytest
import torch
from bad_inputs import BAD_INPUTS, make_model, tiny_model
from torch import nn

from convae_helpers import (
    Autoencoder,
    ConvolutionalAutoencoder,
    Decoder,
    Encoder,
    build_autoencoder,
    checkpoints,
    state,
    training,
)
from convae_helpers.losses import MSSSIML1Loss
from convae_helpers.training import TrainingDivergedError

TABLE = (Path(__file__).parents[1] / "docs" / "mistakes.md").read_text()


@pytest.mark.parametrize("name, call, error, fragment", BAD_INPUTS, ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_is_refused_with_a_clear_message_and_docs_mistakes_md_quotes_it(
    tensors, tmp_path, name, call, error, fragment
):
    if "cuda" in name and torch.cuda.device_count() > 7:
        pytest.skip("this machine has a cuda:7")
    with pytest.raises(error) as info:
        call(tensors, tmp_path)
    assert fragment in str(info.value)
    assert mistakes.row(name, info.value, str(tmp_path)) in TABLE.splitlines(), "run python scripts/mistakes.py"


def test_docs_mistakes_md_lists_every_bad_input_once_and_nothing_else():
    rows = TABLE.split("<!-- mistakes:start -->")[1].split("<!-- mistakes:end -->")[0].strip().splitlines()[2:]
    names = [line.split(" | ")[0].removeprefix("| ") for line in rows]
    assert names == [name for name, *_ in BAD_INPUTS] and len(names) >= 30


def test_bad_input_fails_before_any_training_step(tensors):
    """An error in the last image of the dataset comes before the first step changes a weight."""
    model = tiny_model()
    before = [p.clone() for p in model.network.parameters()]
    training = list(tensors[0]) + [torch.zeros(3, 28, 28)]
    with pytest.raises(ValueError):
        model.train(nn.MSELoss(), 1, 64, training, tensors[1], tensors[2], progress=False)
    assert all(torch.equal(a, b) for a, b in zip(before, model.network.parameters()))


def _failing_loss(at_batch: int, failure):
    calls = {"n": 0}

    def loss(output, images):
        calls["n"] += 1
        if calls["n"] == at_batch:
            return failure(output, images)
        return nn.functional.mse_loss(output, images)

    return loss


def test_nan_loss_stops_at_once_and_keeps_the_good_weights(tensors, tmp_path):
    model = tiny_model()
    nan = lambda output, images: nn.functional.mse_loss(output, images) * float("nan")  # noqa: E731
    with pytest.raises(TrainingDivergedError, match="epoch 1, batch 3") as info:
        model.train(_failing_loss(3, nan), 2, 64, *tensors, checkpoint_dir=tmp_path, progress=False)
    assert "lower learning rate" in str(info.value)
    assert len(info.value.log["training_loss_per_batch"]) == 2
    assert model.log_dict["training_loss_per_batch"] == info.value.log["training_loss_per_batch"]
    assert all(torch.isfinite(p).all() for p in model.network.parameters())
    assert torch.isfinite(model.autoencode(tensors[2])).all()
    saved = ConvolutionalAutoencoder.load(tmp_path / "latest.pt", verbose=False)
    assert torch.equal(saved.autoencode(tensors[2]), model.autoencode(tensors[2]))


def test_a_validation_loss_that_explodes_without_a_nan_is_reported(tensors, monkeypatch, capsys):
    from convae_helpers import training

    losses = iter([0.05, 0.04, 0.9])  # the third epoch's validation loss: 22 times the best, but finite
    monkeypatch.setattr(training, "evaluate", lambda *args: ([0.0], next(losses)))
    model = tiny_model()
    model.train(nn.MSELoss(), 2, 64, *tensors, progress=False)
    assert "diverged" not in capsys.readouterr().out
    model.train(nn.MSELoss(), 1, 64, *tensors, progress=False)
    out = capsys.readouterr().out
    assert "jumped to 0.9000, 22 times the best so far (0.0400): training has probably diverged" in out
    assert "lower rate (lr=0.001 now; try 0.0005)" in out and model.epochs_trained == 3


def test_interrupt_returns_the_log_so_far_and_a_usable_model(tensors, capsys):
    def interrupt(output, images):
        raise KeyboardInterrupt

    model = tiny_model()
    log = model.train(_failing_loss(5, interrupt), 2, 64, *tensors, progress=False)
    assert len(log["training_loss_per_batch"]) == 4
    assert log["validation_loss_per_epoch"] == [] and model.epochs_trained == 0
    assert "stopped by the user" in capsys.readouterr().out
    assert model.autoencode(tensors[2]).shape == (10, 3, 32, 32)


def test_ctrl_c_stops_after_the_current_batch(tensors):
    def press_ctrl_c(output, images):
        os.kill(os.getpid(), signal.SIGINT)
        return nn.functional.mse_loss(output, images)

    model = tiny_model()
    before = signal.getsignal(signal.SIGINT)  # the default, or SIG_IGN under nohup
    log = model.train(_failing_loss(2, press_ctrl_c), 2, 64, *tensors, progress=False)
    assert len(log["training_loss_per_batch"]) == 2, "batch 2 finishes, then training stops"
    assert signal.getsignal(signal.SIGINT) is before, "the handler of before training is back"


def test_save_load_gives_identical_outputs(tensors, tmp_path):
    model = make_model(1000, out_channels=4)  # a bottleneck other than the default survives the round trip
    model.train(nn.MSELoss(), 1, 64, *tensors, progress=False)
    path = model.save(tmp_path / "model.pt")
    loaded = ConvolutionalAutoencoder.load(path, verbose=False)
    assert torch.equal(loaded.autoencode(tensors[2]), model.autoencode(tensors[2]))
    assert (
        loaded.epochs_trained == 1
        and loaded.log_dict["training_loss_per_batch"] == model.log_dict["training_loss_per_batch"]
    )
    assert loaded.network.encoder.config["latent_dim"] == 1000
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"], "no temporary file is left behind"


def test_resume_continues_the_epoch_count_and_the_log(tensors, tmp_path):
    model = tiny_model()
    model.train(nn.MSELoss(), 1, 64, *tensors, checkpoint_dir=tmp_path, progress=False)
    assert {p.name for p in tmp_path.iterdir()} == {"latest.pt", "best.pt"}
    resumed = ConvolutionalAutoencoder.load(tmp_path / "latest.pt", verbose=False)
    log = resumed.train(nn.MSELoss(), 2, 64, *tensors, progress=False)
    assert resumed.epochs_trained == 3
    assert len(log["validation_loss_per_epoch"]) == 3 and len(log["visualizations"]) == 3
    assert log["validation_loss_per_epoch"][-1] < log["validation_loss_per_epoch"][0]
    # training went on from the saved weights, not from a fresh initialisation
    assert log["training_loss_per_batch"][10] < log["training_loss_per_batch"][0]


def test_truncated_checkpoint_gives_a_clear_error(tensors, tmp_path):
    path = tiny_model().save(tmp_path / "model.pt")
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(ValueError, match="model.pt.*could not be read"):
        ConvolutionalAutoencoder.load(path)


def test_missing_and_foreign_checkpoints_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.pt"):
        ConvolutionalAutoencoder.load(tmp_path / "nothing.pt")
    torch.save(build_autoencoder().state_dict(), tmp_path / "weights.pt")
    with pytest.raises(ValueError, match="weights.pt.*not a convae checkpoint"):
        ConvolutionalAutoencoder.load(tmp_path / "weights.pt")
    path = tiny_model().save(tmp_path / "model.pt")
    state = torch.load(path, weights_only=True)
    state["config"]["decoder"]["latent_dim"] = state["config"]["encoder"]["latent_dim"] = 1000  # weights of an 8 model
    torch.save(state, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="other.pt.*does not match"):
        ConvolutionalAutoencoder.load(tmp_path / "other.pt")


def test_a_failed_save_keeps_the_previous_checkpoint(tensors, tmp_path, monkeypatch):
    model = tiny_model()
    path = model.save(tmp_path / "model.pt")
    before = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(torch, "save", disk_full)
    with pytest.raises(OSError):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_best_checkpoint_holds_the_lowest_validation_loss(tensors, tmp_path):
    model = tiny_model()
    log = model.train(nn.MSELoss(), 2, 64, *tensors, checkpoint_dir=tmp_path, progress=False)
    best = ConvolutionalAutoencoder.load(tmp_path / "best.pt", verbose=False)
    best_epoch = int(np.argmin(log["validation_loss_per_epoch"])) + 1
    assert best.epochs_trained == best_epoch
    assert math.isclose(min(best.log_dict["validation_loss_per_epoch"]), min(log["validation_loss_per_epoch"]))


def test_an_activation_with_settings_cannot_be_saved_and_says_so_before_training(tensors, tmp_path):
    model = ConvolutionalAutoencoder(
        Autoencoder(Encoder(act_fn=nn.LeakyReLU(0.3)), Decoder(act_fn=nn.LeakyReLU(0.3))), device="cpu", verbose=False
    )
    with pytest.raises(ValueError, match="act_fn"):
        model.save(tmp_path / "model.pt")
    with pytest.raises(ValueError, match="act_fn"):
        model.train(nn.MSELoss(), 1, 64, *tensors, checkpoint_dir=tmp_path, progress=False)
    assert model.epochs_trained == 0 and model.log_dict["training_loss_per_batch"] == []
    plain = ConvolutionalAutoencoder(
        Autoencoder(Encoder(act_fn=nn.GELU()), Decoder(act_fn=nn.GELU())), device="cpu", verbose=False
    )
    assert isinstance(ConvolutionalAutoencoder.load(plain.save(tmp_path / "gelu.pt")).network.encoder.net[1], nn.GELU)


def test_a_network_changed_after_it_was_built_cannot_be_saved_and_says_so_before_training(tensors, tmp_path):
    model = tiny_model()
    model.network.encoder.net[-1] = nn.Identity()  # no ReLU on the code: notebook 4's exercise
    with pytest.raises(ValueError, match="network: its layers were changed"):
        model.save(tmp_path / "model.pt")
    with pytest.raises(ValueError, match="network: its layers were changed"):
        model.train(nn.MSELoss(), 1, 64, *tensors, checkpoint_dir=tmp_path, progress=False)
    assert model.epochs_trained == 0 and not (tmp_path / "latest.pt").exists()
    log = model.train(nn.MSELoss(), 1, 64, *tensors, progress=False)  # without checkpoints it trains
    assert model.epochs_trained == 1 and len(log["validation_loss_per_epoch"]) == 1


def test_a_stopped_first_epoch_goes_on_instead_of_starting_again(tensors, monkeypatch):
    def interrupt(output, images):
        raise KeyboardInterrupt

    model = tiny_model()
    model.train(_failing_loss(4, interrupt), 1, 64, *tensors, progress=False)
    weights = [p.detach().clone() for p in model.network.parameters()]
    monkeypatch.setattr(training, "init_weights", lambda module: pytest.fail("re-initialised"))
    log = model.train(nn.MSELoss(), 1, 64, *tensors, progress=False)
    assert len(log["training_loss_per_batch"]) == 10 and model.epochs_trained == 1, "epoch 1 finished, not redone"
    assert any(not torch.equal(a, b) for a, b in zip(weights, model.network.parameters()))


class _StopAtCall(nn.MSELoss):
    """An MSE loss that raises KeyboardInterrupt at its n-th call, like the stop button.

    Checkpoints record the loss by its class name, so it goes by MSELoss's: a stopped run is an MSE run.
    """

    calls = 0

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def forward(self, output, images):
        _StopAtCall.calls += 1
        if _StopAtCall.calls == self.at:
            raise KeyboardInterrupt
        return super().forward(output, images)


_StopAtCall.__name__ = "MSELoss"


def test_train_or_load_resumes_a_stopped_run_then_loads_the_finished_one(tensors, tmp_path, monkeypatch):
    data = (tensors[0][:128], tensors[1][:64], tensors[2])  # 2 batches per epoch
    _StopAtCall.calls = 0
    monkeypatch.setattr(checkpoints.nn, "MSELoss", lambda: _StopAtCall(at=6))  # stop in epoch 2
    with pytest.raises(KeyboardInterrupt, match="1 of 3 epochs"):
        checkpoints.train_or_load(200, data, 3, 64, tmp_path)
    assert not (tmp_path / "final.pt").exists() and (tmp_path / "latest.pt").exists()
    monkeypatch.undo()
    resumed = checkpoints.train_or_load(200, data, 3, 64, tmp_path)
    assert resumed.epochs_trained == 3 and (tmp_path / "final.pt").exists()
    assert len(resumed.log_dict["validation_loss_per_epoch"]) == 3
    monkeypatch.setattr(ConvolutionalAutoencoder, "train", lambda *a, **k: pytest.fail("trained again"))
    loaded = checkpoints.train_or_load(200, data, 3, 64, tmp_path)
    assert torch.equal(loaded.autoencode(tensors[2]), resumed.autoencode(tensors[2]))


def test_train_or_load_does_not_reuse_a_model_of_other_images(tensors, tmp_path, capsys):
    checkpoints.train_or_load(200, (tensors[0][:64], tensors[1][:64], tensors[2]), 1, 64, tmp_path)
    capsys.readouterr()
    other = checkpoints.train_or_load(200, (tensors[0][64:128], tensors[1][:64], tensors[2]), 1, 64, tmp_path)
    assert "found" not in capsys.readouterr().out and other.epochs_trained == 1


@pytest.mark.parametrize("change", [dict(recipe="article"), dict(batch_size=32), dict(seed=1)], ids=str)
def test_train_or_load_does_not_reuse_a_model_trained_another_way(tensors, tmp_path, capsys, change):
    data = (tensors[0][:64], tensors[1][:64], tensors[2])
    settings = dict(recipe="project", batch_size=64, seed=0) | change
    model = make_model()
    model.train(nn.MSELoss(), 1, settings.pop("batch_size"), *data, progress=False, **settings)
    model.save(tmp_path / "final.pt")
    capsys.readouterr()
    fresh = checkpoints.train_or_load(200, data, 1, 64, tmp_path)
    assert "found" not in capsys.readouterr().out and fresh.info["recipe"] == "project"
    assert not torch.equal(fresh.autoencode(tensors[2]), model.autoencode(tensors[2]))


def test_data_fingerprint_sees_images_beyond_the_first_64_and_their_order(tensors):
    images = tensors[0][:200]
    changed = images.clone()
    changed[-1] = -changed[-1]  # the last image, far beyond the first 64
    assert state.data_fingerprint(images) == state.data_fingerprint(images.clone())
    assert state.data_fingerprint(changed) != state.data_fingerprint(images)
    assert state.data_fingerprint(images.flip(0)) != state.data_fingerprint(images)


def test_a_model_continued_another_way_is_marked_mixed_and_not_reused(tensors, tmp_path, capsys):
    data = (tensors[0][:64], tensors[1][:64], tensors[2])
    model = make_model()
    model.train(nn.MSELoss(), 1, 64, *data, progress=False)
    model.train(nn.MSELoss(), 1, 64, *data, recipe="article", progress=False)
    assert model.info["recipe"] == "mixed" and model.info["batch_size"] == 64 and model.info["seed"] == 0
    model.save(tmp_path / "final.pt")
    capsys.readouterr()
    checkpoints.train_or_load(200, data, 2, 64, tmp_path)
    assert "found" not in capsys.readouterr().out


def test_train_or_load_reuses_a_model_trained_by_hand_on_the_same_images(datasets, tensors, tmp_path, capsys):
    """Notebook 3 trains with train() on datasets; notebook 4 asks train_or_load with tensors of the same images."""
    model = make_model()
    model.train(nn.MSELoss(), 1, 64, *datasets, progress=False)
    model.save(tmp_path / "final.pt")
    capsys.readouterr()
    loaded = checkpoints.train_or_load(200, tensors, 1, 64, tmp_path)
    assert "found" in capsys.readouterr().out, "reused, not trained again"
    assert torch.equal(loaded.autoencode(tensors[2]), model.autoencode(tensors[2]))


def test_the_code_without_its_relu_is_a_config_option_that_checkpoints(tensors, tmp_path):
    """Notebook 4's exercise: drop the ReLU on the code, train, save and load like any model."""
    model = ConvolutionalAutoencoder(build_autoencoder(8, 4, activate_code=False), device="cpu", verbose=False)
    model.train(nn.MSELoss(), 1, 64, tensors[0][:128], tensors[1][:64], tensors[2], checkpoint_dir=tmp_path)
    loaded = ConvolutionalAutoencoder.load(tmp_path / "latest.pt", verbose=False)
    assert (loaded.encode(tensors[2]) < 0).any(), "a linear code takes negative values"
    assert torch.equal(loaded.autoencode(tensors[2]), model.autoencode(tensors[2]))


def test_train_or_load_refuses_to_overwrite_a_longer_run(tensors, tmp_path):
    data = (tensors[0][:64], tensors[1][:64], tensors[2])
    checkpoints.train_or_load(200, data, 2, 64, tmp_path)
    before = (tmp_path / "final.pt").read_bytes()
    with pytest.raises(ValueError, match="epochs: .* trained for 2 epochs, more than the 1 asked"):
        checkpoints.train_or_load(200, data, 1, 64, tmp_path)
    assert (tmp_path / "final.pt").read_bytes() == before


def test_a_step_that_breaks_the_weights_is_not_saved_over_the_last_good_checkpoint(tensors, tmp_path, monkeypatch):
    model = tiny_model()
    model.train(nn.MSELoss(), 1, 64, *tensors, checkpoint_dir=tmp_path, progress=False)
    good = (tmp_path / "latest.pt").read_bytes()
    step, calls = model.optimizer.step, {"n": 0}

    def step_that_breaks_a_weight(*args, **kwargs):  # a finite loss, but the second step leaves NaN weights
        step(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 2:
            with torch.no_grad():
                next(model.network.parameters()).fill_(float("nan"))

    monkeypatch.setattr(model.optimizer, "step", step_that_breaks_a_weight)
    with pytest.raises(TrainingDivergedError, match="already broken some weights"):  # no scheduler wraps step()
        model.train(nn.MSELoss(), 1, 64, *tensors, recipe="article", checkpoint_dir=tmp_path, progress=False)
    assert (tmp_path / "latest.pt").read_bytes() == good


def test_train_or_load_keeps_runs_of_other_losses_and_models_apart(tensors, tmp_path, capsys):
    data = (tensors[0][:64], tensors[1][:64], tensors[2])
    tiny = partial(build_autoencoder, out_channels=4)
    mse = checkpoints.train_or_load(8, data, 1, 64, tmp_path / "mse", build=tiny)
    assert mse.info["loss"] == "MSELoss()"
    (tmp_path / "l1").mkdir()
    (tmp_path / "l1" / "final.pt").write_bytes((tmp_path / "mse" / "final.pt").read_bytes())
    capsys.readouterr()
    l1 = checkpoints.train_or_load(8, data, 1, 64, tmp_path / "l1", build=tiny, loss_function=nn.L1Loss())
    assert "found" not in capsys.readouterr().out and l1.info["loss"] == "L1Loss()"
    linear = partial(build_autoencoder, out_channels=4, activate_code=False)
    other = checkpoints.train_or_load(8, data, 1, 64, tmp_path / "l1", build=linear, loss_function=nn.L1Loss())
    assert "found" not in capsys.readouterr().out and other.network.config != l1.network.config
    again = checkpoints.train_or_load(8, data, 1, 64, tmp_path / "l1", build=linear, loss_function=nn.L1Loss())
    assert "found" in capsys.readouterr().out
    assert torch.equal(again.autoencode(tensors[2]), other.autoencode(tensors[2]))


def test_train_or_load_says_why_it_does_not_reuse_a_run(tensors, tmp_path, capsys):
    data = (tensors[0][:64], tensors[1][:64], tensors[2])
    tiny = partial(build_autoencoder, out_channels=4)
    checkpoints.train_or_load(8, data, 1, 64, tmp_path, build=tiny)
    capsys.readouterr()
    faster = checkpoints.train_or_load(8, data, 1, 64, tmp_path, build=tiny, lr=2e-3)
    reason = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("not reusing"))
    assert reason.endswith("its lr differ from this run's; training anew") and faster.lr == 2e-3
    checkpoints.train_or_load(8, data, 1, 64, tmp_path, build=tiny, lr=2e-3, loss_function=MSSSIML1Loss(0.5))
    reason = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("not reusing"))
    assert "its loss differ" in reason  # the same class with another alpha is another run


def test_run_differences_names_what_differs():
    model = tiny_model()
    model.info.update(training_data="64 images, checksum 1.0", loss="MSELoss()", seed=0)
    same = {"config": build_autoencoder(8, 4).config, "lr": 1e-3, "loss": "MSELoss()", "seed": 0}
    assert checkpoints.run_differences(model, same) == []
    other = same | {"config": build_autoencoder(8, 8).config, "seed": 1, "corrupt": "none"}
    assert checkpoints.run_differences(model, other) == ["config", "seed", "corrupt"]
