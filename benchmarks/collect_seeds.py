"""Collect the seed runs of the article's recipe against the project's into ``full_runs/seeds.json``.

    python benchmarks/collect_seeds.py runs/seeds --out convae_helpers/full_runs/seeds.json

Each run is one ``quality.py`` JSON named ``{recipe}{latent}-seed{S}.json``, as ``benchmarks/seeds.sh`` writes
them: the article's model, ten epochs, the carved split, the test folder scored once at the end. Per recipe and
bottleneck: every seed's validation and test PSNR (dB), their mean and sample standard deviation; per bottleneck:
the project's lead over the article's recipe and whether it exceeds two standard deviations of the difference
(else "within noise"). An unfinished run is refused by name.

    python benchmarks/collect_seeds.py runs/seeds --anomaly A0.json A1.json A2.json \
        --retrieval R0.json R1.json R2.json --denoising D0.json D1.json D2.json

also summarises other rows over seeds: ``--anomaly``, one ``anomaly.py`` sweep of all ten classes per seed (the
mean AUROC of the autoencoder and of PCA), and ``--anomaly-gcn`` the same for sweeps with ``--preprocess gcn``;
``--retrieval``, one ``latent.py`` run per seed with one checkpoint (precision@10 of its code; the seed is the one
its checkpoint trained with); ``--denoising``, one ``denoising.py`` run per seed (the denoiser's test PSNR at
Gaussian σ 0.2 and on salt and pepper, 10%).

    python benchmarks/collect_seeds.py runs/seeds --losses convae_helpers/full_runs/notebook5.json ...

also summarises notebook 5's loss comparison at bottleneck 200: MSE is the project's recipe above; L1 and
MS-SSIM + L1 are ``{recipe}200-{loss}-seed{S}.json`` in the folder (``LOSS=l1 LATENTS=200 seeds.sh``) and seed 0
from the file given (notebook 5's committed run, which holds the three losses of seed 0, ten epochs, the same split).

    python benchmarks/collect_seeds.py --update --anomaly-gcn G0.json G1.json G2.json \
        --out convae_helpers/full_runs/seeds.json

``--update`` keeps every row of the ``--out`` file that this call does not collect, so one row can be added later
without the other rows' runs at hand; with it, the folder may be left out.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

from common import benchmark_parser, write_results

NAME = re.compile(r"(article|project)(\d+)-seed(\d+)\.json")


def seed_rows(folder: Path) -> dict:
    """``{recipe: {latent: {seed: scores}}}`` from every finished run in ``folder``."""
    found: dict = {}
    for path in sorted(folder.glob("*-seed*.json")):
        match = NAME.fullmatch(path.name)
        if not match:
            continue
        recipe, latent, seed = match.group(1), match.group(2), match.group(3)
        result = json.loads(path.read_text())
        run = result["runs"].get(f"{recipe}-{latent}")
        if run is None or "test_psnr" not in run or len(run["psnr"]) != result["epochs"]:
            raise SystemExit(f"{path}: not a finished {recipe}-{latent} run of {result['epochs']} epochs; rerun it")
        found.setdefault(recipe, {}).setdefault(latent, {})[seed] = {
            "validation_psnr": run["psnr"][-1], "test_psnr": run["test_psnr"], "test_ssim": run["test_ssim"],
            "machine": result["machine"], "training_images": result["training_images"],
        }  # fmt: skip
    return found


def summary(values: list[float]) -> dict:
    """Mean and sample standard deviation (n - 1); the standard deviation is None for one seed."""
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else None,
            "seeds": len(values)}  # fmt: skip


def compare(found: dict) -> dict:
    """Per bottleneck with both recipes: each recipe's summaries and the project's lead on the test folder."""
    out = {}
    for latent in sorted(set(found.get("article", {})) & set(found.get("project", {})), key=int):
        runs = {recipe: found[recipe][latent] for recipe in ("article", "project")}
        scores = {r: {k: summary([s[k] for s in seeds.values()]) for k in ("validation_psnr", "test_psnr")}
                  for r, seeds in runs.items()}  # fmt: skip
        lead = scores["project"]["test_psnr"]["mean"] - scores["article"]["test_psnr"]["mean"]
        stds = [scores[r]["test_psnr"]["std"] for r in runs]
        noise = (stds[0] ** 2 + stds[1] ** 2) ** 0.5 if None not in stds else None
        out[latent] = {"runs": runs, "scores": scores, "test_lead": lead, "test_lead_std": noise,
                       "within_noise": None if noise is None else abs(lead) < 2 * noise}  # fmt: skip
    return out


def per_seed(paths: list[Path], row, settings: tuple[str, ...]) -> dict:
    """``{seed: row(path, result)}`` for each JSON file, refusing a file whose ``settings`` differ from the first's,
    a seed given twice and a run of no single seed; ``row`` picks the figures and the seed, or names what is missing."""
    found, first = {}, None
    for path in paths:
        result = json.loads(Path(path).read_text())
        figures = row(path, result)
        seed = figures.pop("seed")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise SystemExit(f"{path}: seed {seed!r}, not one seed (a model trained with several says 'mixed'); "
                             "give runs of one seed each")  # fmt: skip
        if str(seed) in found:
            raise SystemExit(f"{path}: seed {seed} again (already in {found[str(seed)]['file']}); one file per seed")
        kept = {key: result.get(key, UNRECORDED.get(key)) for key in settings}
        first = first or (path, kept)
        differ = [f"{key} {kept[key]!r} against {first[1][key]!r}" for key in settings if kept[key] != first[1][key]]
        if differ:
            raise SystemExit(f"{path}: {'; '.join(differ)} in {first[0]}; collect runs of the same settings")
        found[str(seed)] = figures | {"file": Path(path).name}
    return found


PREPROCESS = {"anomaly": "none", "anomaly_gcn": "gcn"}  # what each anomaly row's sweeps applied to the images
UNRECORDED = {"preprocess": "none"}  # what runs made before an option existed used
SETTINGS = {  # what the runs of one row must share
    "anomaly": ("data", "holdout_per_class", "scored_images", "latent", "epochs", "batch_size", "lr", "preprocess"),
    "denoising": ("data", "test_data", "training_images", "test_images", "latent", "epochs", "batch_size", "lr"),
    "retrieval": ("data", "test_data", "training_images", "test_images", "queries"),
}
SETTINGS["anomaly_gcn"] = SETTINGS["anomaly"]  # the same sweep, after Ruff et al.'s preprocessing


def anomaly_row(path: Path, result: dict) -> dict:
    """The mean AUROC (%) over the ten normal classes, of the autoencoder and of PCA."""
    classes = result["classes"].values()
    if len(classes) != 10:
        raise SystemExit(f"{path}: {len(classes)} of the ten normal classes; run anomaly.py again with the same --out "
                         "and --checkpoint-dir to finish the sweep")  # fmt: skip
    means = {m: 100 * statistics.fmean(c[f"auroc_{m}"] for c in classes) for m in ("autoencoder", "pca")}
    return means | {"seed": result.get("seed", 0)}  # the first sweeps wrote no seed: they ran with seed 0


def check_preprocess(kind: str, paths: list[Path]) -> None:
    """Refuse, by name, an anomaly sweep given for the row of the other preprocessing."""
    for path in paths:
        found = json.loads(Path(path).read_text()).get("preprocess", UNRECORDED["preprocess"])
        if kind in PREPROCESS and found != PREPROCESS[kind]:
            option = "--anomaly-gcn" if found == "gcn" else "--anomaly"
            raise SystemExit(f"{path}: a sweep with preprocess {found!r}; give it to {option}")


def retrieval_row(path: Path, result: dict) -> dict:
    """Precision@10 (%) of the one model's code, of PCA's code as long and of pixels."""
    if len(result["models"]) != 1:
        raise SystemExit(f"{path}: {len(result['models'])} models; run latent.py with one checkpoint per seed")
    latent, model = next(iter(result["models"].items()))
    names = {"autoencoder": f"autoencoder code, {latent}", "pca": f"PCA code, {latent}", "pixels": "pixels"}
    if any("10" not in result["precision"][name] for name in names.values()):
        raise SystemExit(f"{path}: no precision@10; run latent.py with --k 1 10 (its default)")
    precision = {key: 100 * result["precision"][name]["10"] for key, name in names.items()}
    return precision | {"latent": latent, "seed": model.get("seed")}  # the seed its checkpoint trained with


DENOISING = {"gaussian 0.2": "GaussianNoise(sigma=0.2)", "salt and pepper 0.1": "SaltAndPepper(amount=0.1)"}


def denoising_row(path: Path, result: dict) -> dict:
    """The denoiser's test PSNR (dB) at each noise of ``DENOISING``."""
    missing = [level for level in DENOISING.values() if level not in result["levels"]]
    if missing:
        fix = "run denoising.py with --noise gaussian:0.2 salt-and-pepper:0.1 --seed S and the other runs' settings"
        raise SystemExit(f"{path}: no {', '.join(missing)}; {fix}")
    found = {name: result["levels"][level]["rows"]["denoiser"]["psnr"] for name, level in DENOISING.items()}
    return found | {"seed": result.get("seed", 0)}


LOSSES = ("l1", "ms-ssim+l1")  # besides MSE


def loss_rows(folder: Path, notebook5: Path, found: dict) -> dict:
    """``{loss: {seed: test PSNR and SSIM}}`` for MSE (the project's recipe at 200) and ``LOSSES``, refusing a
    run of other settings by name."""
    rows = {
        "mse": {seed: {k: run[k] for k in ("test_psnr", "test_ssim")} for seed, run in found["project"]["200"].items()}
    }
    first = json.loads(notebook5.read_text())["losses"]
    wanted = ("40000 training images", "10 epochs", "recipe 'project'", "seed 0")
    if not all(text in first["settings"] for text in wanted):
        raise SystemExit(
            f"{notebook5}: its losses are not seed 0 of ten epochs on the carved split; give notebook5.json"
        )
    for loss in LOSSES:
        rows[loss] = {"0": {k: first["runs"][loss][k] for k in ("test_psnr", "test_ssim")}}
        for path in sorted(folder.glob(f"project200-{loss}-seed*.json")):
            result = json.loads(path.read_text())
            settings = (
                result["loss"],
                result["epochs"],
                result["training_images"],
                len(result["runs"]["project-200"]["validation_loss"]),
            )
            if settings != (loss, 10, 40000, 10):
                raise SystemExit(
                    f"{path}: loss, epochs, training images, epochs run {settings}; expected {(loss, 10, 40000, 10)}"
                )
            run = result["runs"]["project-200"]
            rows[loss][str(result["seed"])] = {k: run[k] for k in ("test_psnr", "test_ssim")}
    return {loss: summarised(seeds, ("test_psnr", "test_ssim")) for loss, seeds in rows.items()}


def summarised(seeds: dict, keys: tuple[str, ...]) -> dict:
    """The seeds and, for each key, the mean and standard deviation over them."""
    return {"seeds": seeds, **{key: summary([row[key] for row in seeds.values()]) for key in keys}}


ROWS = {  # kind: where its summary goes, what reads one run, the figures summarised
    "anomaly": ("anomaly_mean_auroc", anomaly_row, ("autoencoder", "pca")),
    "anomaly_gcn": ("anomaly_gcn_mean_auroc", anomaly_row, ("autoencoder", "pca")),
    "denoising": ("denoiser_test_psnr", denoising_row, tuple(DENOISING)),
    "retrieval": ("retrieval_precision_at_10", retrieval_row, ("autoencoder", "pca", "pixels")),
}


def main() -> None:
    """Summarise the seed runs in the folder given, and write the comparison."""
    parser = benchmark_parser(__doc__, "seeds.json")
    parser.add_argument("folder", type=Path, nargs="?", help="where seeds.sh wrote the runs' JSON")
    parser.add_argument("--update", action="store_true", help="keep the rows of --out this call does not collect")
    parser.add_argument("--anomaly", type=Path, nargs="*", default=[], help="anomaly.py's JSON, one per seed")
    parser.add_argument("--anomaly-gcn", type=Path, nargs="*", default=[], help="the same, run with --preprocess gcn")
    parser.add_argument("--retrieval", type=Path, nargs="*", default=[], help="latent.py's JSON, one per seed")
    parser.add_argument("--denoising", type=Path, nargs="*", default=[], help="denoising.py's JSON, one per seed")
    parser.add_argument("--losses", type=Path, default=None, help="notebook5.json, seed 0 of the loss comparison")
    args = parser.parse_args()
    if args.folder is None and (args.losses or not args.update):
        parser.error("folder: give the folder seeds.sh wrote (--losses needs it too), or --update to keep --out's rows")
    result = json.loads(args.out.read_text()) if args.update and args.out.exists() else {}
    if args.folder is not None:
        result |= {"what": "the article's model, ten epochs, the article's recipe against the project's, several seeds",
                   "command": "python benchmarks/quality.py --model article --recipes RECIPE --latent L --seed S "
                   "--data SPLIT/train --test-data SPLIT/test (SPLIT from benchmarks/carve.py)",
                   "latents": compare(found := seed_rows(args.folder))}  # fmt: skip
    if args.losses:
        result["loss_test_scores"] = loss_rows(args.folder, args.losses, found)
    for kind in ROWS:
        if files := getattr(args, kind):
            check_preprocess(kind, files)
            name, row, keys = ROWS[kind]
            result[name] = summarised(per_seed(files, row, SETTINGS[kind]), keys)
    write_results(args.out, result)
    for latent, row in (result["latents"] if args.folder else {}).items():  # those collected now
        means = {recipe: round(s["test_psnr"]["mean"], 2) for recipe, s in row["scores"].items()}
        print(f"bottleneck {latent}: test PSNR means {means}, project's lead {row['test_lead']:+.2f} dB")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
