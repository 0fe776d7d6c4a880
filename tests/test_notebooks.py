"""The notebooks' form: outputs of one whole full run or none, metadata, badges, the set-up cell, a paragraph
before every code cell.

Running them is nbval's job (``pytest --nbval-lax notebooks/``); this checks what a learner sees first.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["convae"]["repository"]


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def source(cell: dict) -> str:
    return "".join(cell["source"])


def scripts_full_run():
    """The module scripts/full_run.py (scripts/ is not a package)."""
    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    import full_run

    return full_run


def test_the_series_is_complete():
    assert [p.stem[:3] for p in NOTEBOOKS] == [f"0{n}_" for n in range(1, 10)]


MACHINE_PATHS = re.compile(r"/work/|/home/|/root/|/tmp/|/Users/|/content/|[A-Z]:\\")  # folders of a machine


def outputs_text(notebook: dict) -> str:
    """Every text a notebook's code cells printed or showed (plain, Markdown, HTML, tracebacks), in order."""
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            texts = [output.get("text", ""), output.get("traceback", [])]
            texts += [value for kind, value in output.get("data", {}).items() if kind.startswith("text/")]
            parts += ["".join(text) for text in texts]
    return "\n".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_are_one_whole_full_run_or_none(path):
    """A notebook is committed stripped, or with every cell's outputs from one full run by scripts/full_run.py.

    Never half run, never smoke outputs (their numbers mean nothing), no errors, no folders of the machine
    that ran it, and small enough for GitHub to show (about 2 MB).
    """
    full_run = scripts_full_run()

    notebook = load(path)
    code = full_run.code_cells(notebook)
    if any(cell["outputs"] or cell["execution_count"] is not None for cell in code):
        assert full_run.fresh(notebook), f"{path.name}: run in part; run it whole with scripts/full_run.py"
        text = outputs_text(notebook)
        assert "mode: full" in text and "mode: SMOKE" not in text, f"{path.name}: not a full-mode run"
        errors = [cell["id"] for cell in code for output in cell["outputs"] if output["output_type"] == "error"]
        assert not errors, f"{path.name}: cells {errors} raised an error"
        assert not MACHINE_PATHS.search(text), MACHINE_PATHS.search(text).group(0)
        assert full_run.WIDGET not in path.read_text(), "a progress bar's first frame; run full_run.py again"
        assert path.stat().st_size < 2.0e6, f"{path.name}: {path.stat().st_size / 1e6:.1f} MB"
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    # Colab gives a GPU runtime to the notebooks that train (3 to 8; 8 when 3 and 4 left no models) and spares
    # one for the others.
    assert notebook["metadata"].get("accelerator") == ("GPU" if path.stem[:2] not in ("01", "02") else None)


def test_the_rule_for_committed_outputs_fails_a_half_run_or_a_smoke_run(tmp_path):
    path = tmp_path / "03_training.ipynb"
    full_run = scripts_full_run()

    def cell(text: str, executed: bool) -> dict:
        made = {"cell_type": "code", "id": "x", "metadata": {}, "source": text, "outputs": [], "execution_count": None}
        if executed:
            made["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text}]
            made["execution_count"] = 1
            made["metadata"]["convae"] = {"source_sha256": full_run.source_hash(made)}
        return made

    metadata = {"kernelspec": {"name": "python3"}, "accelerator": "GPU"}
    cases = {
        "whole full run": ([cell("print('mode: full')", True), cell("1", True)], True),
        "stripped": ([cell("print('mode: full')", False), cell("1", False)], True),
        "half run": ([cell("print('mode: full')", True), cell("1", False)], False),
        "smoke run": ([cell("print('mode: SMOKE')", True), cell("1", True)], False),
        "a machine's folder": ([cell("print('mode: full /home/ada/x')", True)], False),
    }
    for name, (cells, passes) in cases.items():
        path.write_text(json.dumps({"cells": cells, "metadata": metadata}))
        try:
            test_outputs_are_one_whole_full_run_or_none(path)
            passed = True
        except AssertionError:
            passed = False
        assert passed == passes, name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_badges_point_at_their_own_file(path):
    first = source(load(path)["cells"][0])
    links = re.findall(r"\]\((https://[^)]+\.ipynb)\)", first)
    assert links == [
        f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/{path.name}",
        f"https://console.paperspace.com/github/{REPOSITORY}/blob/main/notebooks/{path.name}",
    ]


def test_badges_are_up_to_date_with_the_repository_setting():
    script = ROOT / "scripts" / "badges.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lesson_structure(path):
    cells = load(path)["cells"]
    header = source(cells[0])
    assert header.count("# ") >= 1 and "What you will learn" in header and "Run time" in header
    for cell in cells:  # no placeholder such as RUN_TIME left for a figure to be filled in
        if cell["cell_type"] == "markdown":
            prose = re.sub(r"`[^`]*`", "", source(cell))  # names in code spans (`IMPROVED_LR`) are code
            assert not re.findall(r"\b(?!CONVAE_)[A-Z]+_[A-Z0-9_]+\b", prose), source(cell)[:80]
    assert "Recap" in source(cells[-1])
    for before, cell in zip(cells, cells[1:]):
        if cell["cell_type"] == "code":
            assert before["cell_type"] == "markdown", f"no paragraph before: {source(cell)[:60]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_installs_and_reports(path):
    code = next(source(c) for c in load(path)["cells"] if c["cell_type"] == "code")
    assert len(code.splitlines()) <= 5, "the install cell stays short: five lines at most"
    assert 'find_spec("convae_helpers") is None' in code
    assert f"git+https://github.com/{REPOSITORY}" in code
    assert "report_environment()" in code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_patterns_that_break_in_colab(path):
    text = "\n".join(source(c) for c in load(path)["cells"])
    assert "sys.path.append" not in text and "sys.path.insert" not in text
    assert "from IPython.display import set_matplotlib_formats" not in text
    assert not re.search(r"make_grid\([^)]*\brange=", text)
    assert "tqdm.notebook" not in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_language_info_lets_nbconvert_write_python_files(path):
    assert load(path)["metadata"]["language_info"]["file_extension"] == ".py"


def test_the_training_lesson_shows_the_loop_itself():
    text = "\n".join(source(c) for c in load(ROOT / "notebooks" / "03_training.ipynb")["cells"])
    assert "inspect.getsource(train_epoch)" in text and "zero_grad" in text


def test_no_notebook_claims_an_unmeasured_gpu_time():
    for path in NOTEBOOKS:
        text = "\n".join(source(c) for c in load(path)["cells"] if c["cell_type"] == "markdown")
        assert "about a minute" not in text, path.name


def test_no_committed_output_is_stale(capsys):
    full_run = scripts_full_run()

    assert full_run.check() == 0, capsys.readouterr().out


def shown_sources(notebook: dict) -> list[tuple[str, str, list[str]]]:
    """(cell id, name, the plain-text outputs) of every code cell that displays ``inspect.getsource(name)``."""
    return [
        (cell.get("id", "?"), name, ["".join(o["data"]["text/plain"]) for o in cell["outputs"] if "data" in o])
        for cell in notebook["cells"]
        if cell["cell_type"] == "code" and cell.get("outputs")
        for name in re.findall(r"getsource\((\w+)\)", source(cell))
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_source_shown_in_committed_outputs_is_the_package_s_present_source(path):
    import importlib
    import inspect
    import pkgutil

    import convae_helpers

    names = [module.name for module in pkgutil.iter_modules(convae_helpers.__path__)]
    modules = [importlib.import_module(f"convae_helpers.{name}") for name in names]
    for cell_id, name, shown in shown_sources(load(path)):
        found = next(getattr(module, name) for module in modules if hasattr(module, name))
        assert inspect.getsource(found).strip() in [text.strip() for text in shown], (
            f"{path.name}, cell {cell_id} shows an older source of {name}; refresh with: "
            f"python scripts/full_run.py --dataset DIR {path.stem}"
        )


def test_a_cell_changed_after_its_outputs_were_made_is_caught(tmp_path, monkeypatch, capsys):
    full_run = scripts_full_run()

    cell = {"cell_type": "code", "id": "03-10", "metadata": {}, "source": ["x = 1\n", "print(x)"],
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}], "execution_count": 1}  # fmt: skip
    cell["metadata"]["convae"] = {"source_sha256": full_run.source_hash(cell)}
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# a lesson"}, cell]}
    assert full_run.stale_cells(notebook) == [] and full_run.fresh(notebook)
    cell["source"] = ["x = 2\n", "print(x)"]
    assert full_run.stale_cells(notebook) == ["03-10"] and not full_run.fresh(notebook)
    monkeypatch.setattr(full_run, "NOTEBOOKS", tmp_path)
    (tmp_path / "03_training.ipynb").write_text(json.dumps(notebook))
    assert full_run.check() == 1
    message = "03_training.ipynb, cell 03-10: its outputs were not made from its present source (it changed since, " \
        "or the cell was run by hand); refresh with: python scripts/full_run.py --dataset DIR 03_training"
    assert message in capsys.readouterr().out
    notebook["cells"][1]["source"] = ["x = 1\n", "print(x)"]  # as run, and a new cell after it never run
    notebook["cells"].append({"cell_type": "code", "id": "03-11", "metadata": {}, "source": "y = 2", "outputs": [],
                              "execution_count": None})  # fmt: skip
    (tmp_path / "03_training.ipynb").write_text(json.dumps(notebook))
    assert full_run.stale_cells(notebook) == [] and full_run.check() == 1
    assert "03_training.ipynb: cells 03-11 were never run, the others were" in capsys.readouterr().out


def test_readme_figures_are_the_notebooks_own(tmp_path, monkeypatch, capsys):
    full_run = scripts_full_run()
    png = b"\x89PNG\r\n\x1a\n made by the notebook"
    shown = {"output_type": "display_data", "data": {"image/png": base64.b64encode(png).decode()}}
    cell = {"cell_type": "code", "id": "04-12", "metadata": {}, "source": "plot()", "execution_count": 1}
    cell["outputs"] = [shown]
    cell["metadata"]["convae"] = {"source_sha256": full_run.source_hash(cell)}
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "04_x.ipynb").write_text(json.dumps({"cells": [cell]}))
    monkeypatch.setattr(full_run, "ROOT", tmp_path)
    monkeypatch.setattr(full_run, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(full_run, "FIGURES", {"docs/figures/r.png": ("04_x", "04-12")})
    assert full_run.check() == 1 and "docs/figures/r.png is not the figure of 04_x" in capsys.readouterr().out
    full_run.write_figures("04_x")
    assert (tmp_path / "docs/figures/r.png").read_bytes() == png and full_run.check() == 0
    (tmp_path / "docs/figures/r.png").write_bytes(png + b" edited by hand")
    assert full_run.check() == 1


def test_readme_shows_the_figures_and_times_of_the_full_run():
    full_run = scripts_full_run()

    readme = (ROOT / "README.md").read_text()
    for target, (name, cell_id) in full_run.FIGURES.items():
        shown = full_run.figure(load(ROOT / "notebooks" / f"{name}.ipynb"), cell_id) is not None
        assert (f"]({target})" in readme) == shown, f"{target}: the README shows it if and only if {name} does"
    for path in NOTEBOOKS:
        took = full_run.minutes(load(path))
        row = next(line for line in readme.splitlines() if f"](notebooks/{path.name})" in line)
        if took is not None:  # the measured time, as full_run.py --times prints it, rounded to whole minutes
            assert f"{max(1, round(took))} min" in row or (took < 1 and f"{round(took * 60)} s" in row), row


def test_run_time_comes_from_the_cells_clock():
    full_run = scripts_full_run()

    def cell(busy: str, reply: str) -> dict:
        made = {"cell_type": "code", "source": busy, "outputs": [], "execution_count": 1}
        stamp = {"source_sha256": full_run.source_hash(made)}
        made["metadata"] = {"execution": {"iopub.status.busy": busy, "shell.execute_reply": reply}, "convae": stamp}
        return made

    first = cell("2026-11-30T16:00:00.000Z", "2026-11-30T16:00:05Z")
    last = cell("2026-11-30T16:40:00Z", "2026-11-30T16:42:30Z")
    notebook = {"cells": [first, {"cell_type": "markdown", "metadata": {}}, last]}
    assert full_run.minutes(notebook) == pytest.approx(42.5)
    last["execution_count"] = None  # outputs cleared: the clocks stay in the metadata, but it was not run whole
    assert full_run.minutes(notebook) is None
    assert full_run.minutes({"cells": [{"cell_type": "code", "metadata": {}}]}) is None
