#!/usr/bin/env bash
# The test command: installs the project into .venv (created if missing), then runs
#   1. ruff, the linter;
#   2. the unit tests (tests/) and every notebook top to bottom in smoke mode (nbval).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k checkpoint`.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/setup.sh

.venv/bin/ruff check .
# Smoke mode: a few hundred images and one to three epochs per notebook. No test reaches the network.
# Two processes where there are two cores (pytest-xdist), each notebook and test file whole in one of them
# (--dist loadfile: a notebook's cells run in order, in one kernel); conftest.py gives each its share of the
# cores. At most two, even with -n 4 (--maxprocesses 2 caps it; this project's machines have two cores);
# -n 0 runs everything in this one process.
export CONVAE_SMOKE=1
.venv/bin/python -m pytest tests notebooks --nbval-lax --nbval-current-env \
    --numprocesses auto --maxprocesses 2 --dist loadfile "$@"
