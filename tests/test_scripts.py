"""The set-up and tutorial commands: the wrong Python, a stale .venv, root, options for a headless server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def fake_python(folder: Path, version: str) -> Path:
    """An executable that answers the version question like Python ``version`` and fails at anything else."""
    path = folder / f"python{version}"
    path.write_text(f'#!/bin/sh\ncase "$*" in *version_info*) echo {version} ;; *) exit 3 ;; esac\n')
    path.chmod(0o755)
    return path


def copy_of_setup(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "setup.sh", tmp_path / "scripts" / "setup.sh")
    for name in ("requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path / "scripts" / "setup.sh"


def test_an_old_python_gets_a_plain_message_before_any_install(tmp_path):
    script = copy_of_setup(tmp_path)
    env = {**os.environ, "PYTHON": str(fake_python(tmp_path, "3.10"))}
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "Python 3.11 or newer is needed" in result.stderr and "PYTHON=python3.11" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_a_venv_of_another_python_is_made_anew(tmp_path):
    script = copy_of_setup(tmp_path)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(fake_python(tmp_path, "3.12"), tmp_path / ".venv" / "bin" / "python")
    env = {**os.environ, "PYTHON": str(fake_python(tmp_path, "3.11"))}
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env)
    assert "Making .venv anew: it holds Python 3.12" in result.stdout
    assert not (tmp_path / ".venv" / "bin" / "python").exists(), "the stale .venv was removed"


@pytest.mark.skipif(not (ROOT / ".venv" / "convae-installed").is_file(), reason="needs the installed .venv")
def test_the_tutorial_passes_options_to_jupyter_and_allows_root():
    env = {**os.environ, "CONVAE_PRINT_ONLY": "1"}
    result = subprocess.run(
        ["bash", "scripts/tutorial.sh", "--no-browser", "--ip", "0.0.0.0"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    command = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0 and command.startswith(".venv/bin/jupyter lab notebooks/ --no-browser --ip 0.0.0.0")
    assert command.endswith("--allow-root") == (os.geteuid() == 0)


@pytest.mark.parametrize("smoke, folder", [("1", "runs/smoke/executed"), ("", "runs/executed")])
def test_a_headless_run_keeps_smoke_runs_apart_and_talks_to_its_kernels_locally(smoke, folder):
    env = {**os.environ, "CONVAE_PRINT_ONLY": "1", "CONVAE_SMOKE": smoke}
    result = subprocess.run(
        ["bash", "scripts/tutorial.sh", "--headless"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )
    commands = [line for line in result.stdout.splitlines() if "nbconvert" in line]
    assert result.returncode == 0 and len(commands) == len(list((ROOT / "notebooks").glob("*.ipynb")))
    assert all(f"--output-dir {folder} " in c and "--KernelManager.transport=ipc" in c for c in commands)
    assert all(re.search(r"--KernelManager.ip=/\S+/kernel ", c) for c in commands), "an absolute socket path"


def test_the_readme_s_colab_links_are_rewritten_from_the_repository_setting():
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    import badges

    old = "https://colab.research.google.com/github/old/name/blob/main/notebooks/x.ipynb"
    fresh = badges.rewrite(f"| [Colab]({old}) <!-- colab:03_training -->", "new/repo")
    assert fresh == f"| {badges.colab_link('03_training', 'new/repo')}"
    assert "github/new/repo/blob/main/notebooks/03_training.ipynb" in fresh
    assert badges.rewrite(fresh, "new/repo") == fresh
