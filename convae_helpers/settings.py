"""Run settings read by every notebook: epochs, data sizes, seed and folders.

Smoke mode (``CONVAE_SMOKE=1``) shrinks a run to a few hundred images, three epochs
and batches of 16, so the whole series executes in well under a minute on a laptop CPU; the
test suite uses it. Everything else is the article's setting.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def repository_root() -> Path:
    """The checkout this package was installed from (editable install), else the current folder."""
    candidate = _PACKAGE_DIR.parent
    if (candidate / "pyproject.toml").is_file() and (candidate / "notebooks").is_dir():
        return candidate
    return Path.cwd()


def shown(path: Path) -> str:
    """``path`` as printed: relative to the repository when inside it, else only its last part (no machine paths)."""
    try:
        return str(Path(path).resolve().relative_to(repository_root()))
    except ValueError:
        return f".../{Path(path).name}"


def full_run(name: str) -> dict:
    """The measured results of a full run that the notebooks discuss, shipped with the package.

    ``convae_helpers/full_runs/<name>.json`` holds what a benchmark script wrote (its settings, the
    machine, every score); the notebooks plot and tabulate them rather than copying numbers by hand.
    """
    import json

    path = Path(__file__).with_name("full_runs") / f"{name}.json"
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.json"))
        raise FileNotFoundError(f"name: no full run called {name!r}; the package has {known}.")
    return json.loads(path.read_text())


def smoke_mode() -> bool:
    """True when the environment variable ``CONVAE_SMOKE`` is set to 1 (or true/yes)."""
    return os.environ.get("CONVAE_SMOKE", "").strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class Settings:
    """What a notebook run uses. ``None`` for a size means the whole split."""

    smoke: bool
    epochs: int
    batch_size: int
    train_size: int | None
    validation_size: int | None
    seed: int
    data_dir: Path
    runs_dir: Path
    dataset: Path | None = None  # an ImageFolder tree to use instead of CIFAR-10 (CONVAE_DATASET)
    # Epochs of the further models that notebooks 5 onwards train to compare with notebook 3's: as many as
    # notebook 3's in full mode, one in smoke mode (which checks the machinery, not the numbers), so that a
    # notebook training several models still runs in seconds under the tests.
    comparison_epochs: int = 10
    tuning_images: int = 500  # images a classical filter is tuned on (notebook 6); 32 in smoke mode

    def batch_size_for(self, images: object) -> int:
        """The batch size for training on ``images``: ``batch_size``, or 16 on the offline photos in full mode.

        The offline sample holds 4,000 training images, a twelfth of CIFAR-10's: batches of 16 give ten
        epochs 2,500 steps instead of 625, enough to learn more than each image's mean colour.
        """
        offline = getattr(images, "offline", False)  # set by data.load_offline_cifar10 and carried along
        return 16 if offline and not self.smoke else self.batch_size


def get_settings() -> Settings:
    """The settings of this run: the article's in full mode, a tiny run in smoke mode.

    Folders: ``CONVAE_DATA_DIR`` and ``CONVAE_RUNS_DIR`` override ``data/`` and ``runs/``
    at the repository root; smoke runs write under ``runs/smoke`` so they never
    overwrite a full run's model. ``CONVAE_DATASET`` names an ImageFolder tree of your own images.
    """
    smoke = smoke_mode()
    root = repository_root()
    data_dir = Path(os.environ.get("CONVAE_DATA_DIR") or root / "data")
    runs_dir = Path(os.environ.get("CONVAE_RUNS_DIR") or root / "runs")
    if smoke:
        runs_dir = runs_dir / "smoke"
    return Settings(
        smoke=smoke,
        epochs=3 if smoke else 10,
        batch_size=16 if smoke else 64,  # smoke: enough steps (120) to beat each image's mean colour
        train_size=640 if smoke else None,
        validation_size=256 if smoke else None,
        seed=0,
        data_dir=data_dir,
        runs_dir=runs_dir,
        dataset=Path(os.environ["CONVAE_DATASET"]) if os.environ.get("CONVAE_DATASET") else None,
        comparison_epochs=1 if smoke else 10,
        tuning_images=32 if smoke else 500,
    )


def report_environment() -> Settings:
    """Print the versions, the device and the run mode; return the settings. First cell of every notebook."""
    import torch
    import torchvision

    from .device import describe_device, pick_device

    settings = get_settings()
    print(f"python {platform.python_version()}, torch {torch.__version__}, torchvision {torchvision.__version__}")
    print(f"device: {describe_device(pick_device())}")
    mode = "SMOKE (tiny data, 3 epochs: numbers are not meaningful)" if settings.smoke else "full"
    batch = f"{settings.batch_size}" + ("" if settings.smoke else " (16 on the offline photos)")
    print(f"mode: {mode}; epochs={settings.epochs}, batch_size={batch}, seed={settings.seed}")
    images = f"; images: {settings.dataset.name}/ (CONVAE_DATASET)" if settings.dataset else ""
    print(f"data folder: {shown(settings.data_dir)}; runs folder: {shown(settings.runs_dir)}{images}")
    return settings
