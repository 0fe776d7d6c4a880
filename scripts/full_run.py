"""Run the series in full mode into the notebooks themselves, and check that committed outputs are not stale.

    python scripts/full_run.py --dataset /tmp/cifar10-jpeg/train   # every notebook, in order, full mode
    python scripts/full_run.py --dataset DIR 03_training            # one notebook (it goes on from checkpoints)
    python scripts/full_run.py --check                               # exit 1 if a cell changed after its outputs

Each executed code cell gets a hash of its source in its metadata (``convae.source_sha256``). A notebook
whose every code cell carries the hash of its present source is fresh and is skipped, so a stopped run
goes on with the next notebook; inside a training notebook, ``train_or_load`` goes on from its checkpoints.
``--dataset`` sets ``CONVAE_DATASET`` (an ImageFolder tree, e.g. the JPEG copy of CIFAR-10); without it the
notebooks use CIFAR-10 in ``data/`` or the offline photos, and say which. The smoke run of the test suite
(nbval) never writes into the notebooks; this script is the only thing that does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def source_hash(cell: dict) -> str:
    """The hash that stamps a cell's outputs with the source that made them."""
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    return hashlib.sha256(source.encode()).hexdigest()[:16]


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
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    executed = all(c.get("execution_count") is not None for c in code)
    return executed and not stale_cells(notebook)


def check() -> int:
    """Print every stale cell, naming its notebook and how to refresh it; 1 if there is any."""
    found = 0
    for path in sorted(NOTEBOOKS.glob("0*.ipynb")):
        for cell in stale_cells(json.loads(path.read_text())):
            found += 1
            print(f"{path.name}, cell {cell}: its source changed after its outputs were made; "
                  f"refresh with: python scripts/full_run.py --dataset DIR {path.stem}")  # fmt: skip
    return 1 if found else 0


def run(path: Path, dataset: str | None) -> float:
    """Execute one notebook in full mode into itself, stamping every code cell; return the seconds it took."""
    import nbformat
    from nbclient import NotebookClient

    os.environ.pop("CONVAE_SMOKE", None)
    if dataset:
        os.environ["CONVAE_DATASET"] = str(Path(dataset).resolve())
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    where = {"metadata": {"path": str(NOTEBOOKS)}}  # run in notebooks/, as Jupyter does
    NotebookClient(notebook, timeout=None, kernel_name="python3", resources=where).execute()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.metadata.setdefault("convae", {})["source_sha256"] = source_hash(cell)
    nbformat.write(notebook, path)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="notebooks to run (default: all, in order), e.g. 03_training")
    parser.add_argument("--dataset", default=None, help="an ImageFolder tree for CONVAE_DATASET")
    parser.add_argument("--check", action="store_true", help="only check that no committed output is stale")
    args = parser.parse_args()
    if args.check:
        return check()
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
