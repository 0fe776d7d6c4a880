"""Data: offline images, the article's dataset and transform, folders, and the no-network error."""

from __future__ import annotations

import urllib.error

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from convae_helpers import CustomCIFAR10, article_datasets, article_transform, extract_each_class, load_splits
from convae_helpers.data import (
    CLASS_NAMES,
    OFFLINE_NOTICE,
    CIFAR10UnavailableError,
    load_cifar10,
    load_image_folder,
    load_offline_cifar10,
    subset,
)
from convae_helpers.settings import get_settings


def test_offline_images_are_cifar10_photos_balanced_over_the_ten_classes():
    training, validation = load_offline_cifar10(True), load_offline_cifar10(False)
    assert training.data.shape == (4000, 32, 32, 3) and validation.data.shape == (1000, 32, 32, 3)
    assert training.data.dtype == np.uint8 and list(training.classes) == list(CLASS_NAMES)
    assert np.bincount(training.targets).tolist() == [400] * 10
    assert np.bincount(validation.targets).tolist() == [100] * 10
    first = load_offline_cifar10(True, n=50)
    assert np.array_equal(first.data, training.data[:50]) and np.bincount(first.targets).tolist() == [5] * 10


def test_offline_images_are_pictures_not_noise():
    pixels = load_offline_cifar10(True, n=300).data.astype(np.float32)
    neighbour_step = np.abs(np.diff(pixels, axis=2)).mean()
    noise = np.random.default_rng(0).integers(0, 256, size=pixels.shape).astype(np.float32)
    assert neighbour_step < 0.25 * np.abs(np.diff(noise, axis=2)).mean()
    assert pixels.std() > 40, "images should use a good part of the 0-255 range"


def test_offline_splits_differ_and_name_themselves():
    train, validation = load_offline_cifar10(True, n=100), load_offline_cifar10(False, n=100)
    assert not np.array_equal(train.data, validation.data)
    assert "offline" in train.name and len(train.classes) == 10
    image, label = train[0]
    assert isinstance(image, Image.Image) and image.size == (32, 32) and label == train.targets[0]


def test_extract_each_class_gives_one_image_per_class_in_order(offline_train):
    images = extract_each_class(offline_train)
    assert len(images) == 10
    for label, image in enumerate(images):
        first = offline_train.targets.index(label)
        assert np.array_equal(image, offline_train.data[first])


def test_extract_each_class_on_pairs_without_targets(offline_train):
    pairs = [(torch.full((3, 32, 32), float(label)), label) for label in (3, 0, 1, 2, 4, 5, 6, 7, 8, 9, 0)]
    images = extract_each_class(pairs)
    assert [int(image[0, 0, 0]) for image in images] == list(range(10))


def test_extract_each_class_names_missing_classes():
    pairs = [(torch.zeros(3, 32, 32), label) for label in range(9)]
    with pytest.raises(ValueError, match=r"\[9\]"):
        extract_each_class(pairs)


def test_extract_each_class_refuses_images_without_labels(offline_train):
    images_only = CustomCIFAR10(offline_train.data[:20], transforms=article_transform())
    with pytest.raises(TypeError, match=r"dataset\[0\] is .* not an \(image, label\) pair"):
        extract_each_class(images_only)


def test_article_transform_maps_pixels_to_minus_one_one():
    image = np.zeros((32, 32, 3), dtype=np.uint8)
    image[0, 0] = 255
    tensor = CustomCIFAR10([image], article_transform())[0]
    assert tensor.shape == (3, 32, 32) and tensor.dtype == torch.float32
    assert tensor.min() == -1 and tensor.max() == 1


def test_custom_dataset_rejects_a_non_callable_transform():
    with pytest.raises(TypeError, match="transforms"):
        CustomCIFAR10([], transforms="normalise")


def _no_network(*args, **kwargs):
    raise urllib.error.URLError("no network in this test")


def test_cifar10_unavailable_gives_the_ways_out(tmp_path, monkeypatch):
    monkeypatch.setattr(torchvision.datasets.cifar, "download_and_extract_archive", _no_network)
    with pytest.raises(CIFAR10UnavailableError) as info:
        load_cifar10(tmp_path, train=True)
    message = str(info.value)
    assert str(tmp_path) in message and "download" in message
    assert "cifar-10-python.tar.gz" in message and "CONVAE_DATA_DIR" in message and "offline" in message


def test_cifar10_missing_without_download(tmp_path):
    with pytest.raises(CIFAR10UnavailableError, match="not in the data folder"):
        load_cifar10(tmp_path, train=False, download=False)


def test_full_run_without_network_falls_back_to_offline_images(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torchvision.datasets.cifar, "download_and_extract_archive", _no_network)
    monkeypatch.setenv("CONVAE_SMOKE", "0")
    monkeypatch.setenv("CONVAE_DATA_DIR", str(tmp_path))
    training, validation = load_splits(get_settings())
    out = capsys.readouterr().out
    assert "could not be loaded" in out and "offline" in out
    assert out.count("could not be loaded") == 1, "one attempt and one notice for both splits"
    assert len(training) == 4000 and len(validation) == 1000 and "offline" in validation.name


def test_smoke_mode_uses_offline_images_without_trying_the_network(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torchvision.datasets.cifar, "download_and_extract_archive", _no_network)
    monkeypatch.setenv("CONVAE_SMOKE", "1")
    monkeypatch.setenv("CONVAE_DATA_DIR", str(tmp_path))
    settings = get_settings()
    decoded, open_image = [], Image.open
    monkeypatch.setattr(Image, "open", lambda *args: decoded.append(1) or open_image(*args))
    training, validation = load_splits(settings)
    assert (len(training), len(validation)) == (settings.train_size, settings.validation_size)
    assert len(decoded) == settings.train_size + settings.validation_size, "only the images it keeps are decoded"
    for split in (training, validation):
        assert max(np.bincount(split.targets)) - min(np.bincount(split.targets)) <= 1, "every class, evenly"
    out = capsys.readouterr().out
    assert out.count("Smoke mode") == 1 and "could not be loaded" not in out
    assert str(tmp_path) not in out, "printouts name folders, not machine paths"


def test_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("CONVAE_SMOKE", "0")
    monkeypatch.setenv("CONVAE_RUNS_DIR", str(tmp_path))
    full = get_settings()
    assert (full.epochs, full.batch_size, full.train_size) == (10, 64, None)
    assert full.runs_dir == tmp_path
    monkeypatch.setenv("CONVAE_SMOKE", "1")
    smoke = get_settings()
    assert smoke.epochs <= 3 and smoke.train_size <= 1000 and smoke.runs_dir == tmp_path / "smoke"


def test_image_folder(tmp_path):
    for name, size in (("cats", (50, 40)), ("dogs", (32, 64))):
        (tmp_path / name).mkdir()
        for i in range(3):
            Image.new("RGB", size, (40 * i, 100, 200)).save(tmp_path / name / f"{i}.png")
    images = load_image_folder(tmp_path)
    assert images.data.shape == (6, 32, 32, 3) and images.data.dtype == np.uint8
    assert images.classes == ["cats", "dogs"] and images.targets == [0, 0, 0, 1, 1, 1]


def test_image_folder_errors_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        load_image_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match=tmp_path.name):
        load_image_folder(tmp_path)


def test_a_damaged_archive_is_named_as_damaged_and_not_downloaded_again(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torchvision.datasets.cifar, "download_and_extract_archive", _no_network)
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(b"half a download")
    with pytest.raises(CIFAR10UnavailableError, match="is damaged") as info:
        load_cifar10(tmp_path)
    assert "Delete it" in str(info.value) and "download failed" not in str(info.value)
    monkeypatch.setenv("CONVAE_SMOKE", "1")
    monkeypatch.setenv("CONVAE_DATA_DIR", str(tmp_path))
    training, _ = load_splits(get_settings())  # smoke mode: the notice, then the offline photos, no download
    assert "is damaged" in capsys.readouterr().out and "offline" in training.name


def test_the_offline_photos_get_enough_steps_in_full_mode(monkeypatch):
    monkeypatch.setenv("CONVAE_SMOKE", "0")
    full = get_settings()
    assert full.batch_size_for(load_offline_cifar10(True, n=10)) == 16
    assert full.batch_size_for(CustomCIFAR10([], name="CIFAR-10")) == 64
    assert full.batch_size_for(CustomCIFAR10([], name="images from offline photos/")) == 64, "only the sample"
    monkeypatch.setenv("CONVAE_SMOKE", "1")
    assert get_settings().batch_size_for(load_offline_cifar10(True, n=10)) == 16


def test_the_offline_flag_not_the_name_marks_the_offline_photos(monkeypatch, tmp_path):
    monkeypatch.delenv("CONVAE_DATASET", raising=False)
    monkeypatch.setenv("CONVAE_DATA_DIR", str(tmp_path))  # no CIFAR-10 there: smoke mode takes the offline photos
    monkeypatch.setenv("CONVAE_SMOKE", "1")
    datasets = article_datasets(get_settings())
    monkeypatch.setenv("CONVAE_SMOKE", "0")
    full = get_settings()
    assert [getattr(d, "offline", None) for d in datasets] == [True, True, True]
    assert full.batch_size_for(datasets[0]) == 16
    assert full.batch_size_for(subset(load_offline_cifar10(True, n=10), 5)) == 16, "a subset keeps the flag"
    assert full.batch_size_for(CustomCIFAR10([], name=OFFLINE_NOTICE)) == 64, "the name alone does not count"


def make_folder(root, classes=("cats", "dogs"), per_class=20, size=(32, 32)):
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.new("RGB", size, (10 * i, 100, 200)).save(root / name / f"{i:03d}.png")
    return root


def test_convae_dataset_points_every_notebook_at_a_folder(tmp_path, monkeypatch, capsys):
    folder = make_folder(tmp_path / "class photos", classes=("a", "b", "c"), per_class=30)
    monkeypatch.setenv("CONVAE_SMOKE", "0")
    monkeypatch.setenv("CONVAE_DATASET", str(folder))
    training, validation = load_splits(get_settings())
    assert (len(training), len(validation)) == (81, 9), "the last tenth of each class validates"
    assert training.name == validation.name == "images from class photos/"
    assert str(tmp_path) not in capsys.readouterr().out
    assert len(extract_each_class(validation)) == 3, "one display image per class, however many classes"


def test_smoke_mode_reads_only_the_images_it_uses(tmp_path, monkeypatch):
    folder = make_folder(tmp_path / "big", per_class=500)
    opened = []
    original = Image.open
    monkeypatch.setattr(Image, "open", lambda file, *a, **k: opened.append(file) or original(file, *a, **k))
    monkeypatch.setenv("CONVAE_SMOKE", "1")
    monkeypatch.setenv("CONVAE_DATASET", str(folder))
    settings = get_settings()
    training, validation = load_splits(settings)
    assert len(training) == settings.train_size and len(validation) == 100
    assert len(opened) == settings.train_size + 100 < 1000


def test_images_of_another_size_are_resized_with_a_note(tmp_path, capsys):
    images = load_image_folder(make_folder(tmp_path / "big", size=(64, 48), per_class=2))
    assert images.data.shape == (4, 32, 32, 3) and "4 of 4 images were resized" in capsys.readouterr().out


@pytest.mark.parametrize("problem", ["missing", "empty", "text files", "one class", "broken image"])
def test_a_bad_folder_gets_a_clear_message_before_any_training(tmp_path, monkeypatch, problem):
    folder = tmp_path / "photos"
    if problem == "empty":
        folder.mkdir()
    elif problem == "text files":
        (folder / "a").mkdir(parents=True)
        (folder / "a" / "notes.txt").write_text("no image")
    elif problem == "one class":
        make_folder(folder, classes=("only",))
    elif problem == "broken image":
        make_folder(folder)
        (folder / "dogs" / "005.png").write_bytes(b"not a png")
    monkeypatch.setenv("CONVAE_DATASET", str(folder))
    with pytest.raises((FileNotFoundError, ValueError)) as info:
        load_splits(get_settings())
    message = str(info.value)
    assert "photos" in message and ("class" in message or "image" in message)
    if problem == "broken image":
        assert "dogs/005.png is not a readable image" in message
