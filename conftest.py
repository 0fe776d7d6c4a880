"""Test-wide settings, read before any notebook kernel starts (kernels inherit the environment).

Smoke mode makes every notebook run on a few hundred images for three short epochs; on the
offline images unless CIFAR-10 is already in the data folder. No test reaches the network.

scripts/test.sh runs the tests in two processes (pytest-xdist, ``-n``), each notebook whole in one of them.
Each such worker computes on its share of the cores (one of two), so the two do not take each other's, and
keeps its models in a runs folder of its own, so two notebooks never write the same checkpoint at once.
"""

import os
from pathlib import Path

os.environ.setdefault("CONVAE_SMOKE", "1")
worker = os.environ.get("PYTEST_XDIST_WORKER")  # set by pytest-xdist before it reads this file
if worker:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1  # macOS
    share = cores // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, share)))  # read when torch is imported, after this
    runs = Path(os.environ.get("CONVAE_RUNS_DIR") or Path(__file__).resolve().parent / "runs")
    os.environ["CONVAE_RUNS_DIR"] = str(runs / f"tests-{worker}")  # a folder of its own, wherever runs/ is
