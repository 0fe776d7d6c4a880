"""Run the series in full mode into the notebooks themselves, and check that committed outputs are not stale.

    python scripts/full_run.py --dataset /tmp/cifar10-jpeg/train   # every notebook, in order, full mode
    python scripts/full_run.py --dataset DIR 03_training            # one notebook (it goes on from checkpoints)
    python scripts/full_run.py --check                               # exit 1 if a cell changed after its outputs
    python scripts/full_run.py --times                               # how long each executed notebook took

Each executed code cell gets a hash of its source in its metadata (``convae.source_sha256``). A notebook
whose every code cell carries the hash of its present source is fresh and is skipped, so a stopped run
goes on with the next notebook; inside a training notebook, ``train_or_load`` goes on from its checkpoints.
``--dataset`` sets ``CONVAE_DATASET`` (an ImageFolder tree, e.g. the JPEG copy of CIFAR-10); without it the
notebooks use CIFAR-10 in ``data/`` or the offline photos, and say which. The smoke run of the test suite
(nbval) never writes into the notebooks; this script is the only thing that does. It also copies the
README's figures (``FIGURES``) out of the executed notebooks, so the README shows what a notebook made.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
WIDGET = "application/vnd.jupyter.widget-view+json"
FIGURES = {  # a figure of the README: (notebook, id of the cell whose image it is)
    "docs/figures/reconstructions.png": ("04_bottleneck_comparison", "04-12"),
}


def source_hash(cell: dict) -> str:
    """The hash that stamps a cell's outputs with the source that made them."""
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def code_cells(notebook: dict) -> list[dict]:
    """The notebook's code cells, in order."""
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def stale_cells(notebook: dict) -> list[str]:
    """The ids of the code cells whose outputs were made by another source than the present one."""
    stale = []
    for cell in notebook["cells"]:
        executed = cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
        if executed and cell["metadata"].get("convae", {}).get("source_sha256") != source_hash(cell):
            stale.append(cell.get("id", "?"))
    return stale


def fresh(notebook: dict) -> bool:
    """True when every code cell was executed from its present source."""
    code = code_cells(notebook)
    executed = all(c.get("execution_count") is not None for c in code)
    return executed and not stale_cells(notebook)


def drop_progress_bars(notebook: dict) -> None:
    """Remove the live progress bars (Jupyter widgets): a saved notebook shows only their first frame, "0%".

    The lines the trainer prints after every epoch stay; so does everything else a cell showed.
    """
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [o for o in cell["outputs"] if WIDGET not in o.get("data", {})]
    notebook["metadata"].pop("widgets", None)


def minutes(notebook: dict) -> float | None:
    """How long the notebook's last run took, from the start of its first code cell to the end of its last."""
    code = code_cells(notebook)
    times = [c["metadata"].get("execution", {}) for c in code]
    if not code or not fresh(notebook) or "iopub.status.busy" not in times[0] or "shell.execute_reply" not in times[-1]:
        return None  # not run whole from its present source (clearing the outputs keeps the clocks)
    start = datetime.fromisoformat(times[0]["iopub.status.busy"])
    end = datetime.fromisoformat(times[-1]["shell.execute_reply"])
    return (end - start).total_seconds() / 60


def figure(notebook: dict, cell_id: str) -> bytes | None:
    """The (last) PNG image that the cell ``cell_id`` of an executed notebook shows; None when it shows none."""
    images = [output["data"]["image/png"] for cell in notebook["cells"] if cell.get("id") == cell_id
              for output in cell.get("outputs", []) if "image/png" in output.get("data", {})]  # fmt: skip
    return base64.b64decode(images[-1]) if images else None


def write_figures(name: str) -> None:
    """Copy the README's figures that come from notebook ``name`` out of it."""
    notebook = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    for target, (source, cell_id) in FIGURES.items():
        if source != name:
            continue
        image = figure(notebook, cell_id)
        if image is None:
            print(f"{target}: left as it was, as {name}, cell {cell_id}, shows no image", file=sys.stderr)
            continue
        (ROOT / target).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / target).write_bytes(image)
        print(f"{target}: from {name}, cell {cell_id}")


def check() -> int:
    """Print every stale cell or README figure, naming it and how to refresh it; 1 if there is any."""
    found = 0
    for path in sorted(NOTEBOOKS.glob("0*.ipynb")):
        notebook = json.loads(path.read_text())
        refresh = f"refresh with: python scripts/full_run.py --dataset DIR {path.stem}"
        for cell in stale_cells(notebook):
            found += 1
            print(f"{path.name}, cell {cell}: its outputs were not made from its present source (it changed "
                  f"since, or the cell was run by hand); {refresh}")  # fmt: skip
        code = code_cells(notebook)
        unrun = [c.get("id", "?") for c in code if c.get("execution_count") is None]
        if unrun and len(unrun) < len(code):
            found += 1
            print(f"{path.name}: cells {', '.join(unrun)} were never run, the others were; {refresh}")
    for target, (name, cell_id) in FIGURES.items():
        path = NOTEBOOKS / f"{name}.ipynb"
        image = figure(json.loads(path.read_text()), cell_id) if path.is_file() else None
        if image is not None and (not (ROOT / target).is_file() or (ROOT / target).read_bytes() != image):
            found += 1
            print(f"{target} is not the figure of {name}, cell {cell_id}; copy it with: "
                  f"python scripts/full_run.py --figures")  # fmt: skip
    return 1 if found else 0


def run(path: Path, dataset: str | None) -> float:
    """Execute one notebook in full mode into itself, stamping every code cell; return the seconds it took."""
    import nbformat
    from nbclient import NotebookClient
    from traitlets.config import Config

    os.environ.pop("CONVAE_SMOKE", None)
    if dataset:
        os.environ["CONVAE_DATASET"] = str(Path(dataset).resolve())
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    where = {"metadata": {"path": str(NOTEBOOKS)}}  # run in notebooks/, as Jupyter does
    # Local sockets, under an absolute path (the kernel runs in notebooks/): no warning about unencrypted TCP
    with tempfile.TemporaryDirectory() as sockets:
        local = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}})
        NotebookClient(notebook, timeout=None, kernel_name="python3", resources=where, config=local).execute()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.metadata.setdefault("convae", {})["source_sha256"] = source_hash(cell)
    drop_progress_bars(notebook)
    nbformat.write(notebook, path)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="notebooks to run (default: all, in order), e.g. 03_training")
    parser.add_argument("--dataset", default=None, help="an ImageFolder tree for CONVAE_DATASET")
    parser.add_argument("--check", action="store_true", help="only check that no committed output is stale")
    parser.add_argument("--times", action="store_true", help="only print how long each executed notebook took")
    parser.add_argument("--figures", action="store_true", help="only copy the README's figures out of the notebooks")
    args = parser.parse_args()
    if args.check:
        return check()
    if args.times:
        for path in sorted(NOTEBOOKS.glob("0*.ipynb")):
            took = minutes(json.loads(path.read_text()))
            shown = "not executed" if took is None else f"{took * 60:.0f} s" if took < 1 else f"{took:.1f} min"
            print(f"{path.stem}: {shown}")
        return 0
    if args.figures:
        for name in sorted({name for name, _ in FIGURES.values()}):
            write_figures(name)
        return 0
    paths = [NOTEBOOKS / f"{name}.ipynb" for name in args.names] or sorted(NOTEBOOKS.glob("0*.ipynb"))
    for path in paths:
        if not path.is_file():
            print(f"no notebook {path.name} in notebooks/", file=sys.stderr)
            return 2
        if fresh(json.loads(path.read_text())) and not args.names:
            print(f"{path.name}: fresh, skipped")
            continue
        print(f"{path.name}: running in full mode ...", flush=True)
        seconds = run(path, args.dataset)
        size = path.stat().st_size / 1e6
        warning = "  (over 2 MB: shrink its figures)" if size > 2 else ""
        print(f"{path.name}: {seconds / 60:.1f} min, {size:.1f} MB{warning}")
        write_figures(path.stem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
