"""Collect the seed runs of the article's recipe against the project's into ``full_runs/seeds.json``.

    python benchmarks/collect_seeds.py runs/seeds --out convae_helpers/full_runs/seeds.json

Each run is one ``quality.py`` JSON named ``{recipe}{latent}-seed{S}.json``, as ``benchmarks/seeds.sh`` writes
them: the article's model, ten epochs, the carved split, the test folder scored once at the end. Per recipe and
bottleneck: every seed's validation and test PSNR (dB), their mean and sample standard deviation; per bottleneck:
the project's lead over the article's recipe and whether it exceeds two standard deviations of the difference
(else "within noise"). An unfinished run is refused by name.
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


def main() -> None:
    """Summarise the seed runs in the folder given, and write the comparison."""
    parser = benchmark_parser(__doc__, "seeds.json")
    parser.add_argument("folder", type=Path, help="where seeds.sh wrote the runs' JSON")
    args = parser.parse_args()
    result = {"what": "the article's model, ten epochs, the article's recipe against the project's, several seeds",
              "command": "python benchmarks/quality.py --model article --recipes RECIPE --latent L --seed S "
              "--data SPLIT/train --test-data SPLIT/test (SPLIT from benchmarks/carve.py)",
              "latents": compare(seed_rows(args.folder))}  # fmt: skip
    write_results(args.out, result)
    for latent, row in result["latents"].items():
        means = {recipe: round(s["test_psnr"]["mean"], 2) for recipe, s in row["scores"].items()}
        print(f"bottleneck {latent}: test PSNR means {means}, project's lead {row['test_lead']:+.2f} dB")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
