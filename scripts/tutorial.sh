#!/usr/bin/env bash
# The tutorial command: installs the project into .venv (scripts/setup.sh), then
#   bash scripts/tutorial.sh                      opens JupyterLab on notebooks/
#   bash scripts/tutorial.sh --no-browser --ip 0.0.0.0   any other options go to `jupyter lab` (a headless server)
#   bash scripts/tutorial.sh --headless           runs the whole series top to bottom into runs/executed/
#                                                 (in smoke mode: runs/smoke/executed/)
# As root (Docker, lab machines) it adds JupyterLab's --allow-root. Set CONVAE_SMOKE=1 for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/setup.sh

data_dir="${CONVAE_DATA_DIR:-data}"
if [ ! -d "$data_dir/cifar-10-batches-py" ] && [ ! -f "$data_dir/cifar-10-python.tar.gz" ]; then
    if ! .venv/bin/python -c "import urllib.request; urllib.request.urlopen('https://www.cs.toronto.edu/~kriz/', timeout=10)" 2>/dev/null; then
        echo "No network to download CIFAR-10 and no copy in $data_dir/: the notebooks will use the built-in"
        echo "offline images and say so. For CIFAR-10, put cifar-10-python.tar.gz into $data_dir/ and run again."
    fi
fi

if [ "${1:-}" = "--headless" ]; then
    runs=runs  # a smoke run keeps to runs/smoke/, as its models do, and never writes over a full run's notebooks
    case "$(echo "${CONVAE_SMOKE:-}" | tr '[:upper:]' '[:lower:]')" in 1|true|yes) runs=runs/smoke ;; esac
    mkdir -p "$runs/executed"
    sockets="$(mktemp -d)"
    trap 'rm -rf "$sockets"' EXIT
    for notebook in notebooks/*.ipynb; do
        # IPC: the kernel talks over local sockets, so it has no reason to warn about unencrypted TCP; their path
        # is absolute, as the kernel runs in notebooks/ and the client here
        run=(.venv/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=-1
             --KernelManager.transport=ipc --KernelManager.ip="$sockets/kernel" --output-dir "$runs/executed" "$notebook")
        if [ -n "${CONVAE_PRINT_ONLY:-}" ]; then echo "${run[*]}"; continue; fi  # for the tests: say what would run
        echo "Running $notebook ..."
        "${run[@]}"
    done
    [ -z "${CONVAE_PRINT_ONLY:-}" ] || exit 0
    echo "Executed notebooks, with their outputs, are in $runs/executed/; models and logs in $runs/."
    exit 0
fi
options=("$@")
if [ "$(id -u)" = 0 ]; then
    echo "Running as root: adding --allow-root, which JupyterLab asks for there."
    options+=(--allow-root)
fi
command=(.venv/bin/jupyter lab notebooks/ ${options[@]+"${options[@]}"})  # the + form: bash 3.2 (macOS) with set -u
if [ -n "${CONVAE_PRINT_ONLY:-}" ]; then  # for the tests: say what would run
    echo "${command[*]}"
    exit 0
fi
exec "${command[@]}"
