"""Is this machine ready for class? ``.venv/bin/python scripts/ready.py`` answers in plain words.

It checks what a lesson needs, one line each: the Python packages (this project's own among them, before
anything imports it, so a broken install is reported, not raised), the images (CIFAR-10 in the
data folder, or the offline photos that ship with the package), the device (with one training
step on it), and free disk space for the models the notebooks save. It ends with one verdict,
and exits with 0 when the machine is ready, 1 when something must be fixed first.
"""

from __future__ import annotations

import importlib
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

# import name, what it is for (the notebooks need all of them; Jupyter only for running them locally)
PACKAGES = {
    "torch": "the models and their training",
    "torchvision": "CIFAR-10 and the image transforms",
    "numpy": "image arrays",
    "PIL": "reading images (pillow)",
    "matplotlib": "every figure",
    "seaborn": "the style of the plots",
    "tqdm": "progress bars",
    "torchmetrics": "SSIM and AUROC",
    "ipywidgets": "progress bars inside notebooks",
    "ipykernel": "the notebooks' Python kernel",
    "jupyterlab": "opening the notebooks on this machine",
    "convae_helpers": "the notebooks' own code, installed from this repository by scripts/setup.sh",
}
# A full run's checkpoints take several hundred MB (100 MB each at bottleneck 1000), CIFAR-10 about 340 MB.
DISK_NEEDED_GB = 2.0


@dataclass
class Item:
    """One line of the report: what was checked, whether it is fine, and what to do when it is not."""

    name: str
    ok: bool
    says: str

    def line(self) -> str:
        return f"[{'ok' if self.ok else 'FIX'}] {self.name}: {self.says}"


def check_packages() -> list[Item]:
    items = []
    for module, purpose in PACKAGES.items():
        try:
            version = getattr(importlib.import_module(module), "__version__", "installed")
            items.append(Item(module, True, f"{version} ({purpose})"))
        except Exception as error:  # ImportError, or OSError from a broken library such as a CUDA one
            fix = "run bash scripts/setup.sh (with CONVAE_WHEELS=... offline; see docs/teaching.md)"
            what = "missing" if isinstance(error, ImportError) else f"broken ({type(error).__name__}: {error})"
            items.append(Item(module, False, f"{what}, needed for {purpose}; {fix}"))
    return items


def check_images(data_dir: Path, dataset: Path | None = None) -> Item:
    from convae_helpers.data import (
        SAMPLE_FILE,
        CIFAR10UnavailableError,
        check_archive,
        cifar10_at_hand,
        list_image_folder,
    )

    if dataset is not None:  # CONVAE_DATASET: the notebooks read this folder and nothing else
        try:
            samples, classes = list_image_folder(dataset)
        except (OSError, ValueError) as error:
            return Item("images", False, f"CONVAE_DATASET: {error}")
        found = f"{len(samples)} images in {len(classes)} classes from {dataset.name}/ (CONVAE_DATASET)"
        return Item("images", True, found)
    try:
        check_archive(data_dir)  # a damaged copy (stopped early?) would stop the first notebook
    except CIFAR10UnavailableError as error:
        return Item("images", False, str(error))
    if cifar10_at_hand(data_dir):
        return Item("images", True, f"CIFAR-10 is in {data_dir.name}/, so the notebooks use all 60,000 images")
    if SAMPLE_FILE.is_file():
        return Item("images", True, (
            f"no CIFAR-10 in {data_dir.name}/: the notebooks download it (163 MB) where the network allows, and "
            "otherwise use the 5,000 offline photos that ship with the package (enough for class)"
        ))  # fmt: skip
    return Item("images", False, "neither CIFAR-10 nor the offline photos are here: reinstall the package")


def check_device() -> Item:
    import torch

    from convae_helpers.device import describe_device, pick_device
    from convae_helpers.models import build_autoencoder

    device = pick_device()
    try:
        model = build_autoencoder(8, 4).to(device)
        loss = model(torch.zeros(2, 3, 32, 32, device=device)).square().mean()
        loss.backward()  # one step's worth of work, to catch a broken GPU driver now rather than in class
    except Exception as error:  # any failure here is the thing to report
        return Item("device", False, f"{describe_device(device)} failed a training step: {error}")
    if device.type == "cpu":
        return Item("device", True, (
            f"{describe_device(device)}; no GPU: on the offline photos a notebook trains in minutes, on all of "
            "CIFAR-10 in up to an hour or more (the README's run times); smoke mode (CONVAE_SMOKE=1) takes seconds"
        ))  # fmt: skip
    return Item("device", True, f"{describe_device(device)}, a training step ran")


def check_disk(runs_dir: Path) -> Item:
    folder = runs_dir
    while not folder.exists():  # the runs folder is made on first use: measure where it will be
        folder = folder.parent
    free = shutil.disk_usage(folder).free / 1e9
    ok = free >= DISK_NEEDED_GB
    says = f"{free:.1f} GB free where the models are saved" + ("" if ok else f"; free at least {DISK_NEEDED_GB} GB")
    return Item("disk", ok, says)


def report() -> bool:
    """Print every check and the verdict; True when the machine is ready."""
    print(f"python {sys.version.split()[0]}")
    items = check_packages()
    if all(item.ok for item in items):  # the other checks need the packages, convae_helpers among them
        from convae_helpers.settings import get_settings

        settings = get_settings()
        items += [check_images(settings.data_dir, settings.dataset), check_device(), check_disk(settings.runs_dir)]
    for item in items:
        print(item.line())
    ready = all(item.ok for item in items)
    print("READY: open the notebooks." if ready else "NOT READY: fix the lines marked FIX, then run this again.")
    return ready


if __name__ == "__main__":
    sys.exit(0 if report() else 1)
