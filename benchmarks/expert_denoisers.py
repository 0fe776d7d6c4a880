"""Notebook 6's classical baselines that experts use: non-local means and BM3D, beside the two simple filters.

    python benchmarks/expert_denoisers.py --data /tmp/cifar10-split/train --test-data /tmp/cifar10-split/test \\
        --out convae_helpers/full_runs/expert_denoisers.json

Needs the ``baselines`` extra (``pip install bm3d``). No model is trained. Each filter is tuned on noisy copies of
the validation images (``tune_filter``: the setting of least MSE on 500 of them, evenly spread) and scored on noisy
copies of the ``--test-data`` images, drawn exactly as ``denoising.py`` draws them (``fixed_noise`` with seed 1 on the
whole folder), so its rows sit beside notebook6.json's denoiser on the same noisy images. BM3D takes seconds per
image on a CPU, so it is tuned on ``--bm3d-tune`` validation images over the noise level it is told (0.75, 1 and
1.25 times the true σ) and scored on ``--bm3d-images`` test images, evenly spread; every other filter is scored on
that subset too, for a like-for-like row. PSNR = 10·log10(4 / MSE) on [-1, 1] images; SSIM from torchmetrics.

``--denoiser RUN_DIR`` instead scores a saved σ 0.2 denoiser (notebook 6's, ``runs/denoise-gaussian0.2``) and BM3D,
told σ = 0.2, on ``--bm3d-images`` validation images of ``--data`` that the denoiser never trained on, with the
noise notebook 6 draws (``fixed_noise``, seed 0): the two side by side on the very same images.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from common import benchmark_parser, folder_split, machine, write_results
from denoising import DEFAULT_NOISES, parse_noise

from convae_helpers import ConvolutionalAutoencoder
from convae_helpers.data import as_tensor, load_image_folder
from convae_helpers.denoising import FILTERS, GaussianNoise, bm3d_filter, fixed_noise, tune_filter
from convae_helpers.metrics import image_scores
from convae_helpers.state import load_model


def tuned_filters(noise, val_x) -> dict:
    """Every filter of ``FILTERS``, tuned on noisy validation images (seed 0, as denoising.py)."""
    val_noisy = fixed_noise(noise, val_x, 0)
    found = {"noisy input": lambda x: x}
    for name in FILTERS:
        setting, function = tune_filter(name, val_noisy, val_x)
        found[f"{name} ({setting:g})"] = function
    return found


def tuned_bm3d(sigma: float, val_x, images: int):
    """BM3D told the noise level of least MSE on ``images`` noisy validation images, and that level."""
    step = max(1, len(val_x) // images)
    clean, noisy = val_x[::step][:images], fixed_noise(GaussianNoise(sigma), val_x, 0)[::step][:images]
    errors = {k * sigma: image_scores(lambda x, s=k * sigma: bm3d_filter(x, s), clean, inputs=noisy)["mse"]
              for k in (0.75, 1, 1.25)}  # fmt: skip
    told = min(errors, key=errors.get)
    return told, (lambda x: bm3d_filter(x, told))


def score_level(noise, val_x, test_x, args) -> dict:
    """Rows for the whole test folder (fast filters) and for the BM3D subset (every filter and BM3D)."""
    found = tuned_filters(noise, val_x)
    test_noisy = fixed_noise(noise, test_x, 1)  # the whole folder, as denoising.py: identical noisy images
    rows = {name: image_scores(f, test_x, inputs=test_noisy) for name, f in found.items()}
    level = {"rows": rows}
    if isinstance(noise, GaussianNoise) and noise.sigma in args.bm3d_levels:
        step = max(1, len(test_x) // args.bm3d_images)
        clean, noisy = test_x[::step][: args.bm3d_images], test_noisy[::step][: args.bm3d_images]
        told, bm3d = tuned_bm3d(noise.sigma, val_x, args.bm3d_tune)
        found[f"BM3D (told {told:g})"] = bm3d
        started = time.perf_counter()
        level["subset"] = {name: image_scores(f, clean, inputs=noisy) for name, f in found.items()}
        level["subset_images"], level["subset_seconds"] = len(clean), time.perf_counter() - started
    return level


def against_denoiser(run_dir: Path, val_x, images: int) -> dict:
    """A saved σ 0.2 denoiser and BM3D told σ 0.2 on the same noisy validation images (notebook 6's noise)."""
    model, noise = load_model(ConvolutionalAutoencoder, run_dir / "final.pt", verbose=False), GaussianNoise(0.2)
    if model.info.get("corrupt") != repr(noise):
        raise SystemExit(f"--denoiser: {run_dir} learned {model.info.get('corrupt')}; give a {noise!r} denoiser")
    step = max(1, len(val_x) // images)
    clean, noisy = val_x[::step][:images], fixed_noise(noise, val_x, 0)[::step][:images]
    found = {"noisy input": lambda x: x, "denoiser": model.autoencode, "BM3D (told 0.2)": lambda x: bm3d_filter(x, 0.2)}
    rows = {name: image_scores(function, clean, inputs=noisy) for name, function in found.items()}
    return {"denoiser": run_dir.name, "epochs": model.epochs_trained, "images": len(clean), "rows": rows}


def parser():
    """The shared options, the noises, how many images BM3D is tuned and scored on, and the denoiser mode."""
    found = benchmark_parser(__doc__, "expert_denoisers.json", "data", "test-data", "holdout",
                             data=dict(help="an ImageFolder tree of 32x32 images"),
                             test_data=dict(help="an ImageFolder tree never tuned on (not with --denoiser)",
                                            required=False, default=None))  # fmt: skip
    found.add_argument("--noise", type=parse_noise, nargs="+", default=[parse_noise(t) for t in DEFAULT_NOISES])
    found.add_argument("--bm3d-levels", type=float, nargs="*", default=[0.2], help="Gaussian sigmas to run BM3D at")
    found.add_argument("--bm3d-images", type=int, default=100, help="test images BM3D is scored on")
    found.add_argument("--bm3d-tune", type=int, default=20, help="validation images BM3D is tuned on")
    found.add_argument("--denoiser", type=Path, default=None, help="a saved sigma-0.2 denoiser's run folder")
    return found


def main() -> None:
    """Tune and score every filter at every noise, writing the JSON after each (or the denoiser mode)."""
    args = parser().parse_args()
    if args.test_data is None and args.denoiser is None:  # before any image is loaded
        parser().error("--test-data: give the test folder (e.g. SPLIT/test from carve.py), or --denoiser RUN_DIR")
    _, val_x = folder_split(args.data, args.holdout)
    if args.denoiser is not None:
        result = {"machine": machine(), "data": Path(args.data).name}
        result |= against_denoiser(args.denoiser, val_x, args.bm3d_images)
        write_results(args.out, result)
        print({name: round(row["psnr"], 2) for name, row in result["rows"].items()}, f"written: {args.out}")
        return
    test_x = as_tensor(load_image_folder(args.test_data))
    results = {"machine": machine(), "data": Path(args.data).name, "test_data": Path(args.test_data).name,
               "validation_images": len(val_x), "test_images": len(test_x), "levels": {}}  # fmt: skip
    for noise in args.noise:
        results["levels"][repr(noise)] = score_level(noise, val_x, test_x, args)
        print(repr(noise), json.dumps(results["levels"][repr(noise)], default=str)[:600], flush=True)
        write_results(args.out, results)
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
