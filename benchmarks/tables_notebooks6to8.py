"""Print the tables of docs/results.md for notebooks 6-8 from the results shipped with the package.

    python benchmarks/tables_notebooks6to8.py

``denoising.py``, ``anomaly.py`` and ``latent.py`` write their JSON; copied into
``convae_helpers/full_runs/notebook6.json``, ``notebook7.json`` and ``notebook8.json``, it is what the
notebooks plot and what these tables show, so a number has one home.
"""

from __future__ import annotations

import argparse

from convae_helpers.settings import full_run


def denoising_table(result: dict) -> str:
    rows = ["| noise | noisy input | Gaussian blur | median filter | denoiser |", "|---|---|---|---|---|"]
    for level, found in result["levels"].items():
        cells = []
        for method in ("noisy input", "Gaussian blur", "median filter", "denoiser"):
            name, score = next((n, r) for n, r in found["rows"].items() if n.startswith(method))
            setting = name[len(method) :].strip(" ()")
            cells.append(f"{score['psnr']:.2f} / {score['ssim']:.3f}" + (f" ({setting})" if setting else ""))
        rows.append(f"| {level} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def stronger_table(result: dict) -> str:
    levels = list(next(iter(result["stronger"].values())))
    rows = ["| test sigma | " + " | ".join(levels) + " |", "|---" * (len(levels) + 1) + "|"]
    for name, by_level in result["stronger"].items():
        rows.append(f"| {name} | " + " | ".join(f"{by_level[s]['psnr']:.2f}" for s in levels) + " |")
    return "\n".join(rows)


def anomaly_table(result: dict) -> str:
    keys = {"autoencoder": "auroc_autoencoder", "PCA": "auroc_pca", "detail (no model)": "auroc_detail"}
    rows = ["| normal class | " + " | ".join(keys) + " | Deep SVDD | caught at 5% false alarms | error-detail rank "
            "correlation |", "|---" * (len(keys) + 4) + "|"]  # fmt: skip
    for name, row in result["classes"].items():
        values = " | ".join(f"{100 * row[k]:.1f}" for k in keys.values())
        rows.append(
            f"| {name} | {values} | {result['deep_svdd'][name]:.1f} | {100 * row['detected_at_5pct_false_alarms']:.1f}%"
            f" | {row['spearman_error_detail']:.2f} |"
        )
    n = len(result["classes"])
    means = " | ".join(f"**{100 * sum(r[k] for r in result['classes'].values()) / n:.1f}**" for k in keys.values())
    svdd = sum(result["deep_svdd"].values()) / len(result["deep_svdd"])
    caught = 100 * sum(r["detected_at_5pct_false_alarms"] for r in result["classes"].values()) / n
    rho = sum(r["spearman_error_detail"] for r in result["classes"].values()) / n
    rows.append(f"| **mean** | {means} | **{svdd:.1f}** | {caught:.1f}% | {rho:.2f} |")
    return "\n".join(rows)


def latent_table(result: dict) -> str:
    rows = ["| nearest by | precision@1 | precision@10 |", "|---|---|---|"]
    rows += [f"| {name} | {100 * p['1']:.1f}% | {100 * p['10']:.1f}% |" for name, p in result["precision"].items()]
    return "\n".join(rows)


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    denoising, anomaly, latent = (full_run(f"notebook{n}") for n in (6, 7, 8))
    for table in (denoising_table(denoising), stronger_table(denoising), anomaly_table(anomaly), latent_table(latent)):
        print(table, end="\n\n")


if __name__ == "__main__":
    main()
