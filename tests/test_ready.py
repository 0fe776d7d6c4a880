"""The classroom readiness check: one line per need, a verdict, and FIX lines that say what to do."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import ready  # scripts/ready.py (tests/conftest.py puts scripts/ on the path)


def test_this_machine_is_reported_ready(monkeypatch, capsys):
    monkeypatch.setattr(ready, "DISK_NEEDED_GB", 0)  # the verdict, not this machine's free disk, is under test
    assert ready.report() is True
    out = capsys.readouterr().out
    assert out.strip().endswith("READY: open the notebooks.")
    for name in ("torch", "images", "device", "disk"):
        assert f"[ok] {name}:" in out


def test_a_missing_package_is_named_with_the_fix(monkeypatch, capsys):
    monkeypatch.setitem(ready.PACKAGES, "no_such_package_here", "a lesson")
    assert ready.report() is False
    out = capsys.readouterr().out
    assert "[FIX] no_such_package_here: missing, needed for a lesson; run bash scripts/setup.sh" in out
    assert out.strip().endswith("NOT READY: fix the lines marked FIX, then run this again.")


def test_cifar10_in_the_data_folder_is_found_and_its_absence_explained(tmp_path):
    assert "offline photos" in ready.check_images(tmp_path).says
    (tmp_path / "cifar-10-batches-py").mkdir()
    assert "CIFAR-10 is in" in ready.check_images(tmp_path).says


def test_a_damaged_cifar10_archive_is_flagged_before_class(tmp_path):
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(b"half a download")
    item = ready.check_images(tmp_path)
    assert not item.ok and "is damaged" in item.says and "download it again" in item.says


def test_too_little_disk_is_flagged(monkeypatch, tmp_path):
    monkeypatch.setattr(ready, "DISK_NEEDED_GB", 0)
    assert ready.check_disk(tmp_path / "runs" / "not-made-yet").ok, "measured where the folder will be made"
    monkeypatch.setattr(ready, "DISK_NEEDED_GB", 1e9)
    item = ready.check_disk(tmp_path)
    assert not item.ok and "free at least" in item.says


def test_a_folder_of_ones_own_images_is_checked_too(tmp_path):
    item = ready.check_images(tmp_path, dataset=tmp_path / "missing")
    assert not item.ok and item.says.startswith("CONVAE_DATASET: path")
    for name in ("cats", "dogs"):
        (tmp_path / "photos" / name).mkdir(parents=True)
        (tmp_path / "photos" / name / "a.jpg").write_bytes(b"")
    item = ready.check_images(tmp_path, dataset=tmp_path / "photos")
    assert item.ok and "2 images in 2 classes from photos/" in item.says


def test_a_broken_install_is_reported_not_raised(monkeypatch, capsys):
    def import_module(name):  # as if torchvision and this project were not installed
        if name in ("torchvision", "convae_helpers"):
            raise ImportError(f"No module named {name!r}")
        return importlib.import_module(name)

    monkeypatch.setattr(ready.importlib, "import_module", import_module)
    assert ready.report() is False
    out = capsys.readouterr().out
    assert "[FIX] torchvision: missing" in out and "[FIX] convae_helpers: missing" in out
    assert "bash scripts/setup.sh" in out


def test_the_check_imports_nothing_of_the_project_before_checking_it():
    tree = ast.parse(Path(ready.__file__).read_text())  # its top-level imports: what runs before any check
    modules = {node.module or "" for node in tree.body if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    assert "importlib" in modules and not {name for name in modules if name.startswith("convae_helpers")}
