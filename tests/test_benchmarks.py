"""The benchmark scripts start, and the tables of notebook 5 come out of the shipped results (no training here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *arguments], capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize("script", ["quality.py", "ablation.py", "carve.py", "collect_notebook5.py"])
def test_each_benchmark_explains_itself(script):
    result = run(f"benchmarks/{script}", "--help")
    assert result.returncode == 0 and "usage:" in result.stdout, result.stderr


def test_the_results_tables_come_from_the_shipped_file():
    result = run("benchmarks/collect_notebook5.py", "--markdown")
    assert result.returncode == 0, result.stderr
    tables = [block for block in result.stdout.split("\n\n") if block.startswith("|")]
    assert len(tables) == 4 and all(len(table.splitlines()) >= 4 for table in tables)
    assert "| mse |" in tables[0] and "improved model" in tables[1] and "the article's model" in tables[2]
