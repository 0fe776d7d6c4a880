"""Gather the benchmark results that notebook 5 discusses into convae_helpers/full_runs/notebook5.json.

    python benchmarks/collect_notebook5.py --losses mse.json l1.json ms-ssim.json --improved-base base.json \\
        --improved improved.json --ablation ablation.json --rate article-sizes.json base-sizes.json \\
        improved-sizes.json --checkpoint improved/latest.pt

Each input is what ``quality.py`` (or ``ablation.py``) wrote; docs/results.md gives the commands. The
notebook and the docs read the one file this writes, so a number has a single home. Folder paths are
reduced to their last part, so the file names no machine's folders.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ablation import VARIANTS
from common import MODELS, folder_split, write_results

from convae_helpers import ConvolutionalAutoencoder
from convae_helpers.data import CLASS_NAMES
from convae_helpers.metrics import per_image_mse, psnr
from convae_helpers.models import count_parameters
from convae_helpers.settings import repository_root

OUT = repository_root() / "convae_helpers" / "full_runs" / "notebook5.json"
# quality.py --model NAME: the row it fills ("improved" is the improved model as it ended, the deeper one)
NAMES = {"article": "the article's model", "improved-base": "improved model", "improved": "improved model, deeper"}


def settings_of(run: dict) -> str:
    """One line saying what a quality.py run trained on and how."""
    data = Path(run["data"]).name
    test = f", scored on {run['test_images']} test images ({Path(run['test_data']).name}/)" if run["test_data"] else ""
    return (
        f"{run['training_images']} training images and {run['validation_images']} validation images of {data}/"
        f"{test}; {run['epochs']} epochs, recipe 'project', batch {run['batch_size']}, peak rate {run['lr']:g}, "
        f"seed 0, {run['machine']}"
    )


def latents(run: dict) -> list[int]:
    """The code sizes a quality.py result trained with the project's recipe, smallest first."""
    return sorted(int(key.split("-")[1]) for key in run["runs"] if key.startswith("project-"))


def mismatch(run: dict, option: str) -> str | None:
    """Why ``run`` is not what ``quality.py --model`` (its ``model``) trains today, or None if it is."""
    model = run.get("model")
    if model not in MODELS:
        return f"{option}: a result of quality.py --model {model!r}, an option this version does not have; run it again"
    build, lr, batch_size = MODELS[model]
    for latent in latents(run):
        found = run["runs"][f"project-{latent}"]["parameters"]
        if found != count_parameters(build(latent, run.get("width", 16))):
            return (f"{option}: its project-{latent} network has {found:,} parameters, not those of what "
                    f"quality.py --model {model} builds today; run it again")  # fmt: skip
    if (run["lr"], run["batch_size"]) != (lr, batch_size):
        trained = f"peak rate {run['lr']:g} with batches of {run['batch_size']}"
        return f"{option}: trained at {trained}, not with the recipe of --model {model}; run it again"
    return None


def shown(run: dict) -> str:
    """The row a quality.py run fills, and the option that made it."""
    return f"{NAMES[run['model']]} (--model {run['model']})"


def trained(run: dict, latent: int) -> dict:
    """The scores of the trained model at ``latent`` in a quality.py result."""
    found = run["runs"][f"project-{latent}"]
    scores = {"psnr": found["psnr"][-1], "ssim": found["validation_ssim"], "parameters": found["parameters"]}
    times = found.get("epoch_seconds") or [found["seconds"] / len(found["psnr"])]  # older results: the mean
    scores["seconds_per_epoch"] = sorted(times)[len(times) // 2]
    scores["psnr_per_epoch"] = found["psnr"]
    return scores | {key: found[key] for key in ("test_psnr", "test_ssim", "test_mse") if key in found}


def pca(run: dict, latent: int) -> dict:
    """The scores of PCA at ``latent`` in a quality.py result."""
    found = run["runs"][f"pca-{latent}"]
    scores = {"psnr": found["psnr"][0], "ssim": found["validation_ssim"]}
    return scores | {key: found[key] for key in ("test_psnr", "test_ssim", "test_mse") if key in found}


def markdown(results: dict) -> str:
    """The tables of docs/results.md, from the collected results."""
    lines = ["| trained with | validation PSNR | validation SSIM | test PSNR | test SSIM |", "|---|---|---|---|---|"]
    for loss, r in results["losses"]["runs"].items():
        scores = f"{r['psnr']:.2f} dB | {r['ssim']:.3f} | {r['test_psnr']:.2f} dB | {r['test_ssim']:.3f}"
        lines.append(f"| {loss} | {scores} |")
    lines += ["", "| bottleneck 200 | validation PSNR | test PSNR | test SSIM | test MSE |", "|---|---|---|---|---|"]
    for name, r in results["improved"]["runs"].items():
        lines.append(
            f"| {name} | {r['psnr']:.2f} dB | {r['test_psnr']:.2f} dB | {r['test_ssim']:.3f} | {r['test_mse']:.5f} |"
        )
    runs = results["ablation"]["runs"]
    base = runs["the article's model"]["seconds_per_epoch"]
    lines += ["", "| change | validation PSNR | SSIM | parameters | CPU s/epoch |", "|---|---|---|---|---|"]
    for name, r in runs.items():
        lines.append(
            f"| {name.strip()} | {r['psnr']:.2f} dB | {r['ssim']:.3f} | {r['parameters']:,} | "
            f"{r['seconds_per_epoch']:.0f} ({r['seconds_per_epoch'] / base:.2f}×) |"
        )
    curves = results["rate_distortion"]["psnr"]
    sizes = sorted({int(size) for points in curves.values() for size in points})
    lines += ["", "| code size | " + " | ".join(curves) + " |", "|---" * (len(curves) + 1) + "|"]
    for size in sizes:
        cells = [f"{curves[name].get(str(size), curves[name].get(size, float('nan'))):.2f} dB" for name in curves]
        lines.append(f"| {size} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def per_image_view(checkpoint: Path, run: dict) -> dict:
    """Validation PSNR per class, and of the tenth best and tenth worst image, of the model in ``checkpoint``."""
    model = ConvolutionalAutoencoder.load(checkpoint, device="cpu", verbose=False)
    holdout = run.get("holdout", 500)  # the default, for results written before quality.py recorded it
    _, validation = folder_split(run["data"], holdout)  # the last ``holdout`` images of each class, class by class
    errors = per_image_mse(model.autoencode, validation)
    folder = Path(run["data"])
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else CLASS_NAMES
    order = errors.sort().values
    return {
        "per_class_psnr": {
            name: psnr(float(errors[k * holdout : (k + 1) * holdout].mean())) for k, name in enumerate(classes)
        },
        "tenth_best_psnr": psnr(float(order[9])),
        "tenth_worst_psnr": psnr(float(order[-10])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--losses", nargs="+", type=Path, help="quality.py --loss ... results")
    parser.add_argument("--improved-base", type=Path, help="quality.py --model improved-base, latent 200")
    parser.add_argument("--improved", type=Path, help="quality.py --model improved, latent 200")
    parser.add_argument("--ablation", type=Path, help="ablation.py's result")
    parser.add_argument("--rate", nargs="+", type=Path, help="quality.py runs over several latents")
    parser.add_argument("--checkpoint", type=Path, help="--improved's last checkpoint, for the per-class PSNR")
    parser.add_argument("--markdown", action="store_true", help="print the tables of the collected file, and stop")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(json.loads(OUT.read_text())))
        return
    missing = [f"--{name.replace('_', '-')}" for name in ("losses", "improved_base", "improved", "ablation", "rate",
               "checkpoint") if getattr(args, name) is None]  # fmt: skip
    if missing:
        parser.error(f"{', '.join(missing)}: needed to collect the results (or give --markdown to print them)")
    base, improved = (json.loads(path.read_text()) for path in (args.improved_base, args.improved))
    for run, model in ((base, "improved-base"), (improved, "improved")):
        if run["model"] != model:
            parser.error(f"--{model}: expected a result of quality.py --model {model}; got --model {run['model']}'s")
    read = [json.loads(path.read_text()) for path in args.losses]
    rate = [json.loads(path.read_text()) for path in args.rate]
    named = [(base, "--improved-base"), (improved, "--improved"), *((r, "--losses") for r in read)]
    for run, option in named + [(r, "--rate") for r in rate]:
        if why := mismatch(run, option):
            parser.error(why)
    losses = {run["loss"]: trained(run, 200) for run in read}
    article = next(run for run in read if run["loss"] == "mse")
    final = {"PCA, 200 components": pca(base, 200), "the article's model": losses["mse"]}
    final["improved model"] = trained(base, 200)
    final["improved model, deeper"] = trained(improved, 200) | per_image_view(args.checkpoint, improved)
    curves = {"PCA": {}}
    for run in rate:
        curves[NAMES[run["model"]]] = {size: trained(run, size)["psnr"] for size in latents(run)}
        curves["PCA"].update({size: pca(run, size)["psnr"] for size in latents(run)})
    ablation = json.loads(args.ablation.read_text())
    ablation["runs"] = {name: ablation["runs"][name] for name in VARIANTS if name in ablation["runs"]}  # table order
    results = {
        "losses": {"settings": settings_of(article), "runs": losses},
        "improved": {
            "settings": " | ".join(f"{shown(run)}: {settings_of(run)}" for run in (base, improved)),
            "runs": final,
        },
        "ablation": ablation | {"data": Path(ablation["data"]).name},
        "rate_distortion": {"settings": " | ".join(f"{shown(r)}: {settings_of(r)}" for r in rate), "psnr": curves},
    }
    write_results(OUT, results)
    print(f"written: {OUT.relative_to(repository_root())}")


if __name__ == "__main__":
    main()
