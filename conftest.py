"""Test-wide settings, read before any notebook kernel starts (kernels inherit the environment).

Smoke mode makes every notebook run on a few hundred images for three short epochs; on the
offline images unless CIFAR-10 is already in the data folder. No test reaches the network.

scripts/test.sh runs the tests in two processes (pytest-xdist, ``-n``), each notebook whole in one of them.
Each such worker computes on one thread, so the two do not take each other's cores, and keeps its models in
a runs folder of its own, so two notebooks never write the same checkpoint at once.
"""

import os
from pathlib import Path

os.environ.setdefault("CONVAE_SMOKE", "1")
worker = os.environ.get("PYTEST_XDIST_WORKER")  # set by pytest-xdist before it reads this file
if worker:
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # read when torch is imported, which is after this
    os.environ.setdefault("CONVAE_RUNS_DIR", str(Path(__file__).resolve().parent / "runs" / f"tests-{worker}"))
