"""Images for the autoencoder: CIFAR-10, a built-in offline stand-in, and your own folders.

* ``load_cifar10`` downloads CIFAR-10 with torchvision into the data folder, and turns a
  failed download into ``CIFAR10UnavailableError``, a message with the ways out.
* ``load_offline_cifar10`` loads 5,000 CIFAR-10 photos that ship with the package, for smoke
  runs and classrooms without network. Whatever uses them says so.
* ``load_image_folder`` reads an ``ImageFolder`` tree (``root/<class>/<image>``) of any size.
* ``CustomCIFAR10``, ``article_transform`` and ``extract_each_class`` are the article's.

All loaders return something with ``data`` (uint8, (N, 32, 32, 3)), ``targets`` and
``classes``, like ``torchvision.datasets.CIFAR10``, so the notebooks treat them alike.
"""

from __future__ import annotations

import io
import urllib.error
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torchvision
from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms as T

from .batches import split_pair
from .checks import describe
from .settings import Settings

CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
OFFLINE_NOTICE = "CIFAR-10 sample (offline): 5,000 photos shipped with convae_helpers"
SAMPLE_FILE = Path(__file__).resolve().parent / "cifar10_sample.npz"


class CIFAR10UnavailableError(RuntimeError):
    """CIFAR-10 is neither in the data folder nor downloadable."""


@dataclass
class ImageSet:
    """Images held in memory in CIFAR-10's layout.

    Attributes:
        data: uint8 array of shape (N, 32, 32, 3), like ``CIFAR10.data``.
        targets: the class index of each image.
        classes: the class names.
        name: where the images come from, for printouts and figure titles.
        offline: True for the built-in offline photos (``settings.batch_size_for`` reads it).
    """

    data: np.ndarray
    targets: list[int]
    classes: Sequence[str]
    name: str
    offline: bool = False

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Image.Image, int]:
        return Image.fromarray(self.data[index]), self.targets[index]


def article_transform() -> T.Compose:
    """The article's transform: to a float tensor in [0, 1], then (x - 0.5) / 0.5 per channel, so [-1, 1]."""
    return T.Compose([T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])


class CustomCIFAR10(Dataset):
    """The article's dataset: a list of images (HWC uint8 arrays or PIL images) and a transform.

    It yields the transformed image alone, without its label: the target of an
    autoencoder is its input. ``name`` (not in the article) says where the images come
    from, for printouts and figure titles.
    """

    def __init__(
        self, data: Sequence[Any], transforms: Callable[[Any], torch.Tensor] | None = None, name: str = ""
    ) -> None:
        if transforms is not None and not callable(transforms):
            raise TypeError(f"transforms must be callable, e.g. article_transform(); got {type(transforms).__name__}.")
        self.data = data
        self.transforms = transforms
        self.name = name

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, idx: int) -> Any:
        image = self.data[idx]
        if self.transforms is not None:
            image = self.transforms(image)
        return image


def as_tensor(images: Any) -> torch.Tensor:
    """Images (an ``ImageSet``, or uint8 arrays (32, 32, 3)) as one tensor (N, 3, 32, 32) in [-1, 1].

    The same arithmetic as ``article_transform()`` (to [0, 1], then (x - 0.5) / 0.5), on all images at once,
    so the tensor holds exactly what ``CustomCIFAR10`` yields.
    """
    array = np.stack(images.data if isinstance(images, ImageSet) else images)  # (N, 32, 32, 3) uint8
    return torch.from_numpy(array).permute(0, 3, 1, 2).float().div(255).sub(0.5).div(0.5).contiguous()


def extract_each_class(dataset: Any, at_most: int = 10) -> list[Any]:
    """One image per class, in class order (the first ``at_most`` classes), found in one pass over the labels.

    Works on ``torchvision.datasets.CIFAR10``, ``ImageSet`` and any dataset of
    (image, label) pairs; returns the images as the dataset stores them.
    """
    n_classes = min(at_most, len(getattr(dataset, "classes", CLASS_NAMES)))
    labels = getattr(dataset, "targets", None)
    if labels is None:
        labels = (_label_of(dataset[i], i) for i in range(len(dataset)))
    first: dict[int, int] = {}
    for index, label in enumerate(labels):
        first.setdefault(int(label), index)
        if len(first) == n_classes:
            break
    missing = [c for c in range(n_classes) if c not in first]
    if missing:
        raise ValueError(f"dataset has no image of class(es) {missing}; expected all {n_classes} classes.")
    stored = getattr(dataset, "data", None)
    return [stored[first[c]] if stored is not None else dataset[first[c]][0] for c in range(n_classes)]


def _label_of(item: Any, index: int) -> int:
    """The label of an (image, label) pair, or a TypeError that says the dataset has no labels."""
    _, label = split_pair(item)
    if isinstance(label, (int, np.integer)) or (isinstance(label, torch.Tensor) and label.numel() == 1):
        return int(label)
    raise TypeError(
        f"dataset[{index}] is {describe(item)}, not an (image, label) pair; extract_each_class needs labels, "
        "as in torchvision's CIFAR10 or ImageSet (CustomCIFAR10 holds images only)."
    )


def load_cifar10(root: str | Path, train: bool = True, download: bool = True) -> Any:
    """CIFAR-10's training (50,000 images) or test split (10,000) through torchvision, in folder ``root``.

    Raises ``CIFAR10UnavailableError`` with the ways out when it cannot be loaded, and says so
    when the archive in ``root`` is damaged (rather than download it again).
    """
    folder = Path(root)
    check_archive(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return torchvision.datasets.CIFAR10(root=str(folder), train=train, download=download)
    except (urllib.error.URLError, OSError, RuntimeError) as error:
        raise CIFAR10UnavailableError(_unavailable_message(folder, download, error)) from error


def check_archive(folder: Path) -> None:
    """Raise ``CIFAR10UnavailableError`` if ``folder`` holds a CIFAR-10 archive that is damaged and not extracted."""
    archive = folder / CIFAR10_ARCHIVE
    if (folder / "cifar-10-batches-py").is_dir() or not archive.is_file():
        return
    if not torchvision.datasets.utils.check_integrity(str(archive), torchvision.datasets.CIFAR10.tgz_md5):
        raise CIFAR10UnavailableError(
            f"{CIFAR10_ARCHIVE} in {folder} is damaged ({archive.stat().st_size / 1e6:.1f} MB, its checksum does "
            f"not match): a copy that stopped early? Delete it and copy or download it again from {CIFAR10_URL}."
        )


def cifar10_at_hand(root: str | Path) -> bool:
    """True when CIFAR-10 is in the folder ``root`` already (extracted, or as the archive)."""
    folder = Path(root)
    return (folder / "cifar-10-batches-py").is_dir() or (folder / CIFAR10_ARCHIVE).is_file()


def _unavailable_message(folder: Path, download: bool, error: BaseException) -> str:
    what = f"the download from {CIFAR10_URL} failed" if download else "it is not in the data folder"
    return (
        f"CIFAR-10 could not be loaded into {folder}: {what} ({type(error).__name__}: {error}).\n"
        "Ways out:\n"
        f"  1. put {CIFAR10_ARCHIVE} (about 163 MB, from {CIFAR10_URL}) into {folder} and run again;\n"
        "  2. point CONVAE_DATA_DIR at a folder that holds it;\n"
        "  3. use the built-in offline images: convae_helpers.data.load_offline_cifar10() "
        "(the notebooks switch to them by themselves)."
    )


def load_offline_cifar10(train: bool = True, n: int | None = None) -> ImageSet:
    """The built-in offline images: 4,000 training or 1,000 validation photos of CIFAR-10, ten classes.

    They ship with the package (``cifar10_sample.npz``, 4.7 MB): the first 400 (training) and the last
    100 (validation) images of every class of CIFAR-10's training split, from a public JPEG copy
    (quality about 75), stored as their JPEG bytes, classes interleaved, so the first ``n`` are balanced.
    """
    sample = np.load(SAMPLE_FILE)
    keep = np.flatnonzero(sample["validation"] != train)[:n]
    jpeg, offsets = sample["jpeg"].tobytes(), sample["offsets"]
    images = [np.asarray(Image.open(io.BytesIO(jpeg[offsets[i] : offsets[i + 1]])).convert("RGB")) for i in keep]
    labels = sample["labels"][keep].astype(int).tolist()
    return ImageSet(np.stack(images), labels, CLASS_NAMES, OFFLINE_NOTICE, offline=True)


def load_image_folder(path: str | Path, size: int = 32, keep: Sequence[int] | None = None) -> ImageSet:
    """Images from a folder in the ``ImageFolder`` layout (``path/<class>/<image>``), as uint8 (N, size, size, 3).

    Images of another size are resized (short side ``size``) and centre-cropped, with a printed note.
    ``keep`` picks which of the listed images to read (all by default). The name is the folder's name
    only, never its full path, so printouts and figures give nothing of the machine away.
    """
    folder, (samples, classes) = Path(path), list_image_folder(path)
    chosen = [samples[i] for i in keep] if keep is not None else samples
    images, resized = [], 0
    for file, _ in chosen:
        try:
            with Image.open(file) as image:
                resized += image.size != (size, size)
                images.append(np.asarray(T.CenterCrop(size)(T.Resize(size)(image.convert("RGB"))), dtype=np.uint8))
        except OSError as error:
            raise ValueError(f"path {folder.name!r}: {Path(file).relative_to(folder)} is not a readable image "
                             f"({error}); remove it or replace it.") from None  # fmt: skip
    if resized:
        print(f"note: {resized} of {len(chosen)} images were resized and centre-cropped to {size}x{size}.")
    data = np.stack(images) if images else np.zeros((0, size, size, 3), np.uint8)
    return ImageSet(data, [target for _, target in chosen], classes, f"images from {folder.name}/")


def list_image_folder(path: str | Path) -> tuple[list[tuple[str, int]], list[str]]:
    """The (file, class index) pairs and class names of an ImageFolder tree, checked before any image is read."""
    folder = Path(path)
    expected = "expected a folder of class folders of images (folder/<class>/<image>.jpg)"
    if not folder.is_dir():
        raise FileNotFoundError(f"path {str(folder)!r} is not a folder; {expected}.")
    try:
        listing = torchvision.datasets.ImageFolder(str(folder), loader=lambda file: file)
    except FileNotFoundError as error:
        message = f"path {folder.name!r} holds no class folders with image files ({error}); {expected}."
        raise ValueError(message) from None
    if len(listing.classes) < 2:
        raise ValueError(
            f"path {folder.name!r} holds one class ({listing.classes[0]!r}); the notebooks need at least two class "
            f"folders (their split and pictures go class by class); {expected}."
        )
    return listing.samples, listing.classes


def load_folder_splits(path: str | Path, settings: Settings) -> tuple[ImageSet, ImageSet]:
    """Training and validation images of an ImageFolder tree: the last tenth of every class validates.

    Smoke mode picks its few hundred images before any is read, so it stays fast on a large folder.
    """
    samples, _ = list_image_folder(path)
    targets = np.array([target for _, target in samples])
    validation = []
    for label in np.unique(targets):
        members = np.flatnonzero(targets == label)
        validation.extend(members[len(members) - max(1, len(members) // 10) :])  # the last tenth, at least one
    training = np.setdiff1d(np.arange(len(samples)), validation)
    sizes = (settings.train_size, settings.validation_size)
    keep = [_pick(np.array(indices), size, settings.seed) for indices, size in zip((training, validation), sizes)]
    return load_image_folder(path, keep=keep[0].tolist()), load_image_folder(path, keep=keep[1].tolist())


def _pick(indices: np.ndarray, n: int | None, seed: int) -> np.ndarray:
    """A seeded random ``n`` of ``indices`` (all when ``n`` is None or larger), in their order."""
    if n is None or n >= len(indices):
        return indices
    return np.sort(np.random.default_rng(seed).choice(indices, size=n, replace=False))


def subset(images: ImageSet, n: int | None, seed: int = 0) -> ImageSet:
    """A seeded random ``n`` of ``images`` (all of them when ``n`` is None or larger), order kept."""
    if n is None or n >= len(images):
        return images
    keep = _pick(np.arange(len(images)), n, seed)
    return ImageSet(images.data[keep], [images.targets[i] for i in keep], images.classes, images.name, images.offline)


def load_splits(settings: Settings) -> tuple[ImageSet, ImageSet]:
    """The training and validation images of a notebook run, as its ``settings`` ask.

    A folder named by ``CONVAE_DATASET`` (``settings.dataset``) comes first: see ``load_folder_splits``.
    CIFAR-10 (validation: its test split) when it can be had; in smoke mode only when it is
    already in the data folder (smoke mode never downloads). Otherwise the offline images, with
    one printed notice that says why. Smoke mode keeps only a few hundred images (of the offline
    images, the first of each class, decoded alone).
    """
    if settings.dataset is not None:
        training, validation = load_folder_splits(settings.dataset, settings)
        print(f"training images: {len(training)}, validation images: {len(validation)}; source: {training.name}")
        return training, validation
    folder, sizes = settings.data_dir, (settings.train_size, settings.validation_size)
    try:
        if settings.smoke and not cifar10_at_hand(folder):
            raise CIFAR10UnavailableError(f"Smoke mode and no CIFAR-10 in {folder.name or folder}/")
        splits = [load_cifar10(folder, train) for train in (True, False)]
        images = [ImageSet(cifar.data, list(cifar.targets), CLASS_NAMES, "CIFAR-10") for cifar in splits]
    except CIFAR10UnavailableError as error:
        print(f"{error}\n==> Going on with the {OFFLINE_NOTICE}.")
        images = [load_offline_cifar10(train, n) for train, n in zip((True, False), sizes)]  # decodes n at most
    training, validation = (subset(split, size, seed=settings.seed) for split, size in zip(images, sizes))
    print(f"training images: {len(training)}, validation images: {len(validation)}; source: {training.name}")
    return training, validation


def article_datasets(settings: Settings) -> tuple[CustomCIFAR10, CustomCIFAR10, CustomCIFAR10]:
    """Notebook 1's three datasets in one call: training, validation, and one validation image per class.

    Each is the article's ``CustomCIFAR10`` with ``article_transform()``, so it yields (3, 32, 32) tensors in [-1, 1].
    """
    training, validation = load_splits(settings)
    datasets = (
        CustomCIFAR10(list(training.data), article_transform(), training.name),
        CustomCIFAR10(list(validation.data), article_transform(), validation.name),
        CustomCIFAR10(extract_each_class(validation), article_transform(), validation.name),
    )
    for dataset in datasets:  # the flag rides on the instances: the article's class (shown in notebook 1) stays as is
        dataset.offline = training.offline
    return datasets
