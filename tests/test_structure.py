"""The package stays readable: short functions and modules, dependencies that point down."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

from convae_helpers import loop

PACKAGE = Path(__file__).resolve().parents[1] / "convae_helpers"


def test_no_function_over_50_lines_and_no_module_over_350():
    for path in sorted(PACKAGE.glob("*.py")):
        text = path.read_text()
        assert len(text.splitlines()) <= 350, f"{path.name} has {len(text.splitlines())} lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= 50, f"{path.name}: {node.name} has {length} lines"


def test_the_training_epoch_fits_on_a_slide():
    assert len(inspect.getsource(loop.train_epoch).splitlines()) <= 25


def test_importing_the_models_loads_no_plotting():
    code = "import convae_helpers.models, sys; assert 'matplotlib' not in sys.modules, 'matplotlib loaded'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_models_import_only_torch_and_the_checks():
    tree = ast.parse((PACKAGE / "models.py").read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported <= {"__future__", "copy", "collections.abc", "typing", "torch", "checks"}, imported
