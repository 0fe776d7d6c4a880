"""The benchmark scripts start, and the tables of notebooks 5-8 come out of the shipped results (no training here).

The scripts run in this process (a subprocess each would import torch again, for seconds each).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))  # the scripts import their shared module, common.py, from there


SCRIPTS = ["quality", "ablation", "carve", "collect_notebook5"]  # notebook 5
SCRIPTS += ["denoising", "anomaly", "latent", "tables_notebooks6to8"]  # notebooks 6-8
SCRIPTS += ["expert_denoisers", "collect_seeds"]  # issue 27's baselines and seeds


@pytest.mark.parametrize("script", SCRIPTS)
def test_each_benchmark_explains_itself(script, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--help"])
    with pytest.raises(SystemExit) as stop:
        importlib.import_module(script).main()
    assert stop.value.code == 0 and "usage:" in capsys.readouterr().out


def test_the_results_tables_come_from_the_shipped_file(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["collect_notebook5.py", "--markdown"])
    importlib.import_module("collect_notebook5").main()
    tables = [block for block in capsys.readouterr().out.split("\n\n") if block.startswith("|")]
    assert len(tables) == 4 and all(len(table.splitlines()) >= 4 for table in tables)
    assert "| mse |" in tables[0] and "improved model" in tables[1] and "the article's model" in tables[2]


def test_the_tables_of_notebooks_6_to_8_come_from_the_shipped_files(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["tables_notebooks6to8.py"])
    importlib.import_module("tables_notebooks6to8").main()
    tables = [block for block in capsys.readouterr().out.split("\n\n") if block.startswith("|")]
    assert len(tables) == 4
    assert "| denoiser |" in tables[0].splitlines()[0] and "noisy input" in tables[1]
    assert len(tables[2].splitlines()) == 2 + 10 + 1, "ten normal classes and their mean"
    assert "| pixels |" in tables[3]


def _seed_run(folder: Path, recipe: str, seed: int, test_psnr: float, epochs: int = 10) -> None:
    run = {"psnr": [20.0] * epochs, "test_psnr": test_psnr, "test_ssim": 0.7}
    result = {"machine": "m", "training_images": 40000, "epochs": 10, "runs": {f"{recipe}-200": run}}
    (folder / f"{recipe}200-seed{seed}.json").write_text(json.dumps(result))


def test_seeds_are_summarised_and_a_lead_under_two_deviations_is_within_noise(tmp_path):
    collect = importlib.import_module("collect_seeds")
    for seed, (article, project) in enumerate([(23.0, 24.0), (23.2, 24.1), (23.1, 23.9)]):
        _seed_run(tmp_path, "article", seed, article)
        _seed_run(tmp_path, "project", seed, project)
    row = collect.compare(collect.seed_rows(tmp_path))["200"]
    assert row["scores"]["project"]["test_psnr"]["mean"] == pytest.approx(24.0)
    assert row["scores"]["article"]["test_psnr"]["std"] == pytest.approx(0.1)  # sample deviation, n - 1
    assert row["test_lead"] == pytest.approx(0.9) and row["within_noise"] is False
    _seed_run(tmp_path, "project", 2, 23.0)  # now the project's seeds spread widely: its lead is noise
    row = collect.compare(collect.seed_rows(tmp_path))["200"]
    assert row["within_noise"] is True
    _seed_run(tmp_path, "article", 3, 23.0, epochs=4)  # a run stopped after four epochs is refused by name
    with pytest.raises(SystemExit, match="article200-seed3.json: not a finished"):
        collect.seed_rows(tmp_path)


def test_quality_s_improved_model_is_the_one_that_beats_pca_and_improved_base_its_first_form():
    from convae_helpers.models import (
        DEEPER_BATCH_SIZE,
        DEEPER_LR,
        IMPROVED_BATCH_SIZE,
        IMPROVED_LR,
        build_improved_autoencoder,
    )

    models = importlib.import_module("quality").MODELS
    build, lr, batch_size = models["improved"]  # the command: quality.py --model improved
    assert build(200).config == build_improved_autoencoder(200, deeper=True).config
    assert (lr, batch_size) == (DEEPER_LR, DEEPER_BATCH_SIZE) == (1e-3, 16)
    build, lr, batch_size = models["improved-base"]
    assert build(200).config == build_improved_autoencoder(200).config
    assert (lr, batch_size) == (IMPROVED_LR, IMPROVED_BATCH_SIZE) == (2e-3, 32)


def test_collect_refuses_a_result_of_another_model_in_place_of_the_improved_one(tmp_path, monkeypatch, capsys):
    run = {"model": "improved-base", "loss": "mse", "runs": {}}
    for name in ("mse", "base", "improved", "ablation", "rate"):
        (tmp_path / f"{name}.json").write_text(json.dumps(run))
    args = ["--losses", "mse", "--improved-base", "base", "--improved", "improved", "--ablation", "ablation"]
    args = [f"{tmp_path / a}.json" if i % 2 else a for i, a in enumerate(args)]
    monkeypatch.setattr(sys, "argv", ["collect_notebook5.py", *args, "--rate", str(tmp_path / "rate.json"),
                                      "--checkpoint", str(tmp_path / "none.pt")])  # fmt: skip
    with pytest.raises(SystemExit):
        importlib.import_module("collect_notebook5").main()
    assert "--improved: expected a result of quality.py --model improved; got --model improved-base's" in (
        capsys.readouterr().err
    )


def test_collect_refuses_a_result_whose_network_is_not_today_s(tmp_path, monkeypatch, capsys):
    collect = importlib.import_module("collect_notebook5")
    run = {"model": "improved", "lr": 1e-3, "batch_size": 16, "runs": {"project-200": {"parameters": 1_911_499}}}
    assert collect.mismatch(run, "--improved") is None
    for earlier in (1_879_147, 1_893_003):  # the deeper models of 2026-11-30 and of the morning of 2026-12-01
        run["runs"]["project-200"]["parameters"] = earlier
        assert f"--improved: its project-200 network has {earlier:,} parameters" in collect.mismatch(run, "--improved")
    run["runs"]["project-200"]["parameters"], run["batch_size"] = 1_911_499, 32
    assert "trained at peak rate 0.001 with batches of 32, not with the recipe of" in collect.mismatch(run, "--rate")
    assert "--model 'deeper', an option this version does not have" in collect.mismatch({"model": "deeper"}, "--rate")


def test_quality_py_goes_on_only_from_a_checkpoint_of_the_same_run(tmp_path, capsys):
    from convae_helpers import ConvolutionalAutoencoder, build_autoencoder

    start_or_resume = importlib.import_module("quality").start_or_resume
    model = ConvolutionalAutoencoder(build_autoencoder(8, 4), device="cpu", verbose=False)
    model.info.update(batch_size=64, recipe="project", loss="MSELoss()")
    model.save(tmp_path / "latest.pt")
    build = lambda: build_autoencoder(8, 4)  # noqa: E731
    asked = dict(batch_size=64, recipe="project", loss="MSELoss()")
    assert start_or_resume(tmp_path, build, 1e-3, "cpu", asked).info == model.info
    with pytest.raises(SystemExit, match=r"another run \(batch_size, lr differ\)"):
        start_or_resume(tmp_path, build, 2e-3, "cpu", asked | {"batch_size": 32})
