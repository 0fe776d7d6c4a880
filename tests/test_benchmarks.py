"""The benchmark scripts start, and the tables of notebooks 5-8 come out of the shipped results (no training here).

The scripts run in this process (a subprocess each would import torch again, for seconds each).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))  # the scripts import their shared module, common.py, from there


SCRIPTS = ["quality", "ablation", "carve", "collect_notebook5"]  # notebook 5
SCRIPTS += ["denoising", "anomaly", "latent", "tables_notebooks6to8"]  # notebooks 6-8


@pytest.mark.parametrize("script", SCRIPTS)
def test_each_benchmark_explains_itself(script, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--help"])
    with pytest.raises(SystemExit) as stop:
        importlib.import_module(script).main()
    assert stop.value.code == 0 and "usage:" in capsys.readouterr().out


def test_the_results_tables_come_from_the_shipped_file(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["collect_notebook5.py", "--markdown"])
    importlib.import_module("collect_notebook5").main()
    tables = [block for block in capsys.readouterr().out.split("\n\n") if block.startswith("|")]
    assert len(tables) == 4 and all(len(table.splitlines()) >= 4 for table in tables)
    assert "| mse |" in tables[0] and "improved model" in tables[1] and "the article's model" in tables[2]


def test_the_tables_of_notebooks_6_to_8_come_from_the_shipped_files(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["tables_notebooks6to8.py"])
    importlib.import_module("tables_notebooks6to8").main()
    tables = [block for block in capsys.readouterr().out.split("\n\n") if block.startswith("|")]
    assert len(tables) == 4
    assert "| denoiser |" in tables[0].splitlines()[0] and "noisy input" in tables[1]
    assert len(tables[2].splitlines()) == 2 + 10 + 1, "ten normal classes and their mean"
    assert "| pixels |" in tables[3]
