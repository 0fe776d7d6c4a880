"""The benchmark harness: the command lines the docs quote, one home for shared options and JSON, and the tables of
notebooks 5-8 out of the shipped results (no long training here).

The scripts run in this process (a subprocess each would import torch again, for seconds each).
"""

from __future__ import annotations

import ast
import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))  # the scripts import their shared module, common.py, from there

SHARED = {"--data", "--test-data", "--holdout", "--device", "--seed", "--out"}
# Command lines as docs/, notebooks and benchmarks/*.sh quote them, and what each must set.
QUOTED = [
    ("quality", "--data SPLIT/train --test-data SPLIT/test --model improved --recipes project --latent 200 --seed 3 "
     "--checkpoint-dir DIR --out FILE", dict(model="improved", recipes=["project"], latent=[200], seed=3, holdout=500)),
    ("anomaly", "--data D --preprocess gcn", dict(preprocess="gcn", holdout=500, epochs=10, seed=0)),
    ("anomaly", "--data D --seed 2 --out F", dict(preprocess="none", seed=2, out=Path("F"))),
    ("expert_denoisers", "--data D --test-data T --out F", dict(test_data="T", bm3d_levels=[0.2], out=Path("F"))),
    ("denoising", "--data D --test-data T --train-images 20000 --checkpoint-dir C", dict(train_images=20000, seed=0)),
    ("denoising", "--data D --test-data T --noise gaussian:0.2 --stronger --seed 1", dict(stronger=[], seed=1)),
    ("latent", "--data D --test-data T --checkpoints a.pt b.pt", dict(checkpoints=[Path("a.pt"), Path("b.pt")])),
    ("ablation", "--data D --train-images 10000 --time 3", dict(time=3, train_images=10000, holdout=500)),
    ("throughput", "--per-step --compile --device cuda", dict(per_step=True, compile=True, device="cuda")),
    ("throughput", "--device cuda --data D --images 12800 --pairs 3 --model deeper --against no-cuda-graphs",
     dict(model="deeper", against="no-cuda-graphs", variant="project", per_step=False)),
    ("sharpness", "--data D --runs R", dict(runs=Path("R"), holdout=500)),
]  # fmt: skip


@pytest.mark.parametrize("script, line, expected", QUOTED, ids=[f"{s}:{line.split()[0]}" for s, line, _ in QUOTED])
def test_the_quoted_command_lines_still_mean_what_they_meant(script, line, expected):
    args = importlib.import_module(script).parser().parse_args(line.split())
    assert {key: getattr(args, key) for key in expected} == expected


def shared_option_breaches(source: str) -> list[str]:
    """Shared options a script declares itself, and JSON it writes itself, rather than through common.py."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        first = node.args[0] if node.args else None
        if node.func.attr == "add_argument" and isinstance(first, ast.Constant) and first.value in SHARED:
            found.append(f"declares {first.value}")
        if node.func.attr == "write_text" and "json.dumps" in ast.unparse(node):
            found.append("writes JSON")
    return found


def test_shared_options_and_result_files_have_one_home():
    breaches = {
        path.name: shared_option_breaches(path.read_text())
        for path in sorted((ROOT / "benchmarks").glob("*.py"))
        if path.name != "common.py"
    }
    assert {name: found for name, found in breaches.items() if found} == {}
    toy = "p.add_argument('--holdout', type=int)\nout.write_text(json.dumps(r))\np.add_argument('--k')\n"
    assert shared_option_breaches(toy) == ["declares --holdout", "writes JSON"]


def test_a_script_changes_part_of_a_shared_option_and_keeps_the_rest(tmp_path):
    common = importlib.import_module("common")
    parser = common.benchmark_parser("doc", "x.json", "holdout", "data", data=dict(required=False, default="d"))
    args = parser.parse_args(["--holdout", "7"])
    assert (args.holdout, args.data, args.out) == (7, "d", common.RESULTS / "x.json")
    assert not hasattr(common.benchmark_parser("doc", None).parse_args([]), "out")
    common.write_results(tmp_path / "new" / "r.json", {"machine": "m", "runs": {"a": [1.0]}, "where": tmp_path})
    assert json.loads((tmp_path / "new" / "r.json").read_text()) == {"machine": "m", "runs": {"a": [1.0]},
                                                                     "where": str(tmp_path)}  # fmt: skip


def tiny_folder(root: Path, per_class: int = 6) -> Path:
    """An ImageFolder tree of ten classes of random 32x32 PNG images."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in range(10):
        (root / f"class{c}").mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(root / f"class{c}" / f"{i}.png")
    return root


def test_quality_py_writes_what_the_collectors_read(tmp_path, monkeypatch):
    folder, out = tiny_folder(tmp_path / "images"), tmp_path / "runs" / "article8-seed0.json"
    line = f"--data {folder} --test-data {folder} --holdout 2 --latent 8 --width 4 --epochs 2 --recipes article"
    monkeypatch.setattr(sys, "argv", ["quality.py", *line.split(), "--out", str(out)])
    importlib.import_module("quality").main()
    result = json.loads(out.read_text())
    assert (result["training_images"], result["validation_images"], result["test_images"]) == (40, 20, 60)
    assert (result["lr"], result["batch_size"], result["seed"]) == (1e-3, 64, 0), "the article's recipe, resolved"
    run = result["runs"]["article-8"]
    assert len(run["psnr"]) == len(run["epoch_seconds"]) == 2 and {"test_psnr", "test_ssim", "parameters"} <= set(run)
    assert set(result["runs"]["pca-8"]) >= {"psnr", "validation_ssim", "test_psnr"}
    seeds = importlib.import_module("collect_seeds").seed_rows(out.parent)  # seeds.sh names its runs like this
    assert seeds["article"]["8"]["0"]["test_psnr"] == run["test_psnr"]


def test_the_ablations_linear_skip_adds_two_straight_linear_maps():
    """The parameters results.md gives for the "linear skip" rows, and a path that alone maps pixels to pixels."""
    ablation = importlib.import_module("ablation")
    torch = pytest.importorskip("torch")
    skipped = ablation.new_model("linear skip").network
    assert sum(p.numel() for p in skipped.parameters()) == 3_018_867
    with torch.no_grad():
        for module in [*skipped.encoder.modules(), *skipped.decoder.modules()]:  # silence the convolutions
            if hasattr(module, "weight") and module.weight is not None:
                module.weight.zero_(), module.bias.zero_()
        x = torch.rand(2, 3, 32, 32) * 2 - 1
        expected = skipped.to_pixels(skipped.to_code(x.flatten(1))).view(x.shape)
        assert torch.allclose(skipped(x), expected, atol=1e-6)


def test_the_ablation_refuses_an_out_file_of_other_settings_and_names_the_fix(tmp_path, monkeypatch):
    out = tmp_path / "ablation.json"
    out.write_text(json.dumps({"data": "images", "epochs": 9, "runs": {}}))
    line = f"--data {tiny_folder(tmp_path / 'images')} --holdout 2 --epochs 1 --only BatchNorm --out {out}"
    monkeypatch.setattr(sys, "argv", ["ablation.py", *line.split()])
    with pytest.raises(SystemExit) as stop:
        importlib.import_module("ablation").main()
    assert all(name in str(stop.value) for name in ("--out", str(out), "another --out"))


def test_per_step_times_fewer_threads_only_on_a_cpu_with_threads_to_spare_and_compiles_only_when_asked():
    throughput = importlib.import_module("throughput")
    on_cpu = throughput.step_threads(False, "cpu", 8)
    assert on_cpu[throughput.FEWER_THREADS] == 4 and on_cpu["fp32"] == 8
    assert not any(throughput.STEP_SETTINGS[name][3] for name in on_cpu), "no torch.compile unless asked"
    assert throughput.FEWER_THREADS not in throughput.step_threads(True, "cuda", 8)
    assert throughput.FEWER_THREADS not in throughput.step_threads(False, "cpu", 1)
    assert "compile (+ channels_last, fused)" in throughput.step_threads(True, "cpu", 8)


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
    with pytest.raises(SystemExit) as stop:
        collect.seed_rows(tmp_path)
    assert all(name in str(stop.value) for name in ("article200-seed3.json", "10 epochs", "rerun"))


def test_the_loss_rows_join_notebook_5_s_seed_0_and_refuse_a_run_of_other_settings(tmp_path):
    collect = importlib.import_module("collect_seeds")
    for seed, psnr in enumerate([23.8, 23.9, 23.7]):
        _seed_run(tmp_path, "project", seed, psnr)
    first = {"settings": "40000 training images and 5000 validation images; 10 epochs, recipe 'project', seed 0",
             "runs": {loss: {"test_psnr": 23.0, "test_ssim": 0.7} for loss in collect.LOSSES}}  # fmt: skip
    (tmp_path / "notebook5.json").write_text(json.dumps({"losses": first}))
    for seed, psnr in ((1, 23.2), (2, 23.4)):
        run = {"validation_loss": [0.1] * 10, "test_psnr": psnr, "test_ssim": 0.71}
        result = {"loss": "l1", "epochs": 10, "training_images": 40000, "seed": seed, "runs": {"project-200": run}}
        (tmp_path / f"project200-l1-seed{seed}.json").write_text(json.dumps(result))
    rows = collect.loss_rows(tmp_path, tmp_path / "notebook5.json", collect.seed_rows(tmp_path))
    assert rows["mse"]["test_psnr"]["mean"] == pytest.approx(23.8) and rows["mse"]["test_psnr"]["seeds"] == 3
    assert rows["l1"]["test_psnr"]["mean"] == pytest.approx(23.2) and sorted(rows["l1"]["seeds"]) == ["0", "1", "2"]
    assert rows["ms-ssim+l1"]["test_psnr"]["seeds"] == 1, "seed 0 alone where no other seed ran"
    result["epochs"] = 5  # a pilot of five epochs does not join the ten-epoch rows
    (tmp_path / "project200-l1-seed2.json").write_text(json.dumps(result))
    with pytest.raises(SystemExit) as stop:
        collect.loss_rows(tmp_path, tmp_path / "notebook5.json", collect.seed_rows(tmp_path))
    assert all(text in str(stop.value) for text in ("project200-l1-seed2.json", "epochs", "expected"))


def test_other_rows_are_summarised_over_seeds_and_an_unfinished_doubled_or_different_run_is_refused(tmp_path):
    collect = importlib.import_module("collect_seeds")
    settings = {"data": "train", "epochs": 10}
    sweeps = []
    for seed, level in enumerate([0.5, 0.6, 0.7]):
        classes = {f"class{k}": {"auroc_autoencoder": level, "auroc_pca": 0.5} for k in range(10)}
        sweeps.append(tmp_path / f"anomaly{seed}.json")
        sweeps[-1].write_text(json.dumps(settings | {"seed": seed, "classes": classes}))
    found = collect.summarised(collect.per_seed(sweeps, collect.anomaly_row, ("epochs",)), ("autoencoder", "pca"))
    assert found["autoencoder"]["mean"] == pytest.approx(60.0) and found["autoencoder"]["std"] == pytest.approx(10.0)
    assert found["pca"]["std"] == 0 and sorted(found["seeds"]) == ["0", "1", "2"]
    with pytest.raises(SystemExit, match="seed 2 again .already in anomaly2.json"):
        collect.per_seed([*sweeps, sweeps[-1]], collect.anomaly_row, ())
    other = json.loads(sweeps[2].read_text()) | {"epochs": 3, "preprocess": "gcn"}
    sweeps[2].write_text(json.dumps(other))
    with pytest.raises(SystemExit) as stop:
        collect.per_seed(sweeps, collect.anomaly_row, ("epochs", "preprocess"))
    assert all(text in str(stop.value) for text in ("anomaly2.json", "epochs 3 against 10", "'gcn' against 'none'"))
    sweeps[0].write_text(json.dumps({"classes": {"airplane": {"auroc_autoencoder": 0.5, "auroc_pca": 0.5}}}))
    with pytest.raises(SystemExit, match="1 of the ten normal classes; run anomaly.py again with the same --out"):
        collect.per_seed(sweeps, collect.anomaly_row, ())


def test_update_adds_the_preprocessed_sweeps_row_keeps_the_others_and_refuses_a_sweep_given_to_the_wrong_row(
    tmp_path, monkeypatch
):
    collect = importlib.import_module("collect_seeds")
    out = tmp_path / "seeds.json"
    out.write_text(json.dumps({"latents": {"200": "kept"}, "anomaly_mean_auroc": "kept"}))
    sweeps = []
    for seed, level in enumerate([0.55, 0.56, 0.57]):
        classes = {f"class{k}": {"auroc_autoencoder": level, "auroc_pca": 0.5} for k in range(10)}
        sweeps.append(tmp_path / f"gcn{seed}.json")
        sweeps[-1].write_text(json.dumps({"preprocess": "gcn", "seed": seed, "classes": classes}))
    given = [*map(str, sweeps), "--out", str(out)]
    monkeypatch.setattr(sys, "argv", ["collect_seeds.py", "--update", "--anomaly-gcn", *given])
    collect.main()
    result = json.loads(out.read_text())
    assert result["latents"] == {"200": "kept"} and result["anomaly_mean_auroc"] == "kept"
    assert result["anomaly_gcn_mean_auroc"]["autoencoder"]["mean"] == pytest.approx(56.0)
    monkeypatch.setattr(sys, "argv", ["collect_seeds.py", "--update", "--anomaly", *given])
    with pytest.raises(SystemExit, match="gcn0.json: a sweep with preprocess 'gcn'; give it to --anomaly-gcn"):
        collect.main()
    monkeypatch.setattr(sys, "argv", ["collect_seeds.py", "--anomaly-gcn", str(sweeps[0]), "--out", str(out)])
    with pytest.raises(SystemExit):  # without --update, the folder of the other rows' runs is needed
        collect.main()
    assert json.loads(out.read_text()) == result, "a refused call writes nothing"


def test_each_seed_and_preprocessing_of_the_anomaly_sweep_has_its_own_checkpoints_and_seed_0_the_first_ones():
    anomaly = importlib.import_module("anomaly")
    folders = {}
    for line in ("", "--seed 2", "--preprocess gcn", "--preprocess gcn --seed 2"):
        args = anomaly.parser().parse_args(["--data", "D", "--checkpoint-dir", "C", *line.split()])
        folders[line] = anomaly.run_folder(args, "ship")
    assert folders[""] == Path("C/ship") and folders["--preprocess gcn"] == Path("C/ship-gcn")
    assert folders["--seed 2"] == Path("C/ship-seed2") and len(set(folders.values())) == 4


def test_retrieval_and_denoising_seeds_are_read_and_a_run_of_no_single_seed_is_refused(tmp_path):
    collect = importlib.import_module("collect_seeds")
    names = {"autoencoder code, 200": {"10": 0.22}, "PCA code, 200": {"10": 0.226}, "pixels": {"10": 0.218}}
    retrieval = tmp_path / "latent.json"
    retrieval.write_text(json.dumps({"models": {"200": {"seed": 0}}, "precision": names}))
    row = collect.per_seed([retrieval], collect.retrieval_row, ())["0"]
    assert row["autoencoder"] == pytest.approx(22.0) and row["pca"] == pytest.approx(22.6) and row["latent"] == "200"
    for seed in ("mixed", None):
        retrieval.write_text(json.dumps({"models": {"200": {"seed": seed}}, "precision": names}))
        with pytest.raises(SystemExit, match="not one seed"):
            collect.per_seed([retrieval], collect.retrieval_row, ())
    retrieval.write_text(json.dumps({"models": {"200": {"seed": 1}}, "precision": {n: {"1": 0.3} for n in names}}))
    with pytest.raises(SystemExit, match="--k 1 10"):
        collect.per_seed([retrieval], collect.retrieval_row, ())
    levels = {name: {"rows": {"denoiser": {"psnr": 23.5}}} for name in collect.DENOISING.values()}
    denoised = tmp_path / "denoising.json"
    denoised.write_text(json.dumps({"seed": 1, "levels": levels}))
    assert collect.per_seed([denoised], collect.denoising_row, ())["1"]["gaussian 0.2"] == 23.5
    denoised.write_text(json.dumps({"seed": 1, "levels": {}}))
    with pytest.raises(SystemExit, match="--noise gaussian:0.2 salt-and-pepper:0.1 --seed S"):
        collect.per_seed([denoised], collect.denoising_row, ())


def test_the_benchmarks_train_the_package_s_models_with_their_own_recipes():
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
    network = importlib.import_module("throughput").network  # throughput.py --model keeps its own names
    assert network("improved").config == build_improved_autoencoder(200).config
    assert network("deeper").config == build_improved_autoencoder(200, deeper=True).config


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
    error = capsys.readouterr().err
    assert all(name in error for name in ("--improved:", "improved-base", "quality.py --model improved"))


def test_collect_refuses_a_result_whose_network_is_not_today_s(tmp_path, monkeypatch, capsys):
    collect = importlib.import_module("collect_notebook5")
    run = {"model": "improved", "lr": 1e-3, "batch_size": 16, "runs": {"project-200": {"parameters": 1_911_499}}}
    assert collect.mismatch(run, "--improved") is None
    for earlier in (1_879_147, 1_893_003):  # the deeper models of 2026-11-30 and of the morning of 2026-12-01
        run["runs"]["project-200"]["parameters"] = earlier
        why = collect.mismatch(run, "--improved")
        assert all(name in why for name in ("--improved:", "project-200", f"{earlier:,}", "run it again"))
    run["runs"]["project-200"]["parameters"], run["batch_size"] = 1_911_499, 32
    why = collect.mismatch(run, "--rate")
    assert all(name in why for name in ("--rate:", "0.001", "32", "--model improved", "run it again"))
    why = collect.mismatch({"model": "deeper"}, "--rate")
    assert all(name in why for name in ("--rate:", "'deeper'", "run it again"))


def test_quality_py_goes_on_only_from_a_checkpoint_of_the_same_run(tmp_path, capsys):
    from convae_helpers import ConvolutionalAutoencoder, build_autoencoder

    start_or_resume = importlib.import_module("quality").start_or_resume
    model = ConvolutionalAutoencoder(build_autoencoder(8, 4), device="cpu", verbose=False)
    model.info.update(batch_size=64, recipe="project", loss="MSELoss()")
    model.save(tmp_path / "latest.pt")
    build = lambda: build_autoencoder(8, 4)  # noqa: E731
    asked = dict(batch_size=64, recipe="project", loss="MSELoss()")
    assert start_or_resume(tmp_path, build, 1e-3, "cpu", asked).info == model.info
    with pytest.raises(SystemExit) as stop:
        start_or_resume(tmp_path, build, 2e-3, "cpu", asked | {"batch_size": 32})
    assert all(name in str(stop.value) for name in ("--checkpoint-dir", "latest.pt", "batch_size, lr", "its own"))
