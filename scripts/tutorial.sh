#!/usr/bin/env bash
# The tutorial command: installs the project into .venv (created if missing), then
#   bash scripts/tutorial.sh              opens JupyterLab on notebooks/
#   bash scripts/tutorial.sh --headless   runs the whole series top to bottom into runs/executed/
# Set CONVAE_SMOKE=1 for a quick run on a few hundred images.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/setup.sh

data_dir="${CONVAE_DATA_DIR:-data}"
if [ ! -d "$data_dir/cifar-10-batches-py" ] && [ ! -f "$data_dir/cifar-10-python.tar.gz" ]; then
    if ! .venv/bin/python -c "import urllib.request; urllib.request.urlopen('https://www.cs.toronto.edu/~kriz/', timeout=10)" 2>/dev/null; then
        echo "No network to download CIFAR-10 and no copy in $data_dir/: the notebooks will use the built-in"
        echo "offline images (generated shapes and textures) and say so. For CIFAR-10, put"
        echo "cifar-10-python.tar.gz into $data_dir/ and run again."
    fi
fi

if [ "${1:-}" = "--headless" ]; then
    mkdir -p runs/executed
    for notebook in notebooks/*.ipynb; do
        echo "Running $notebook ..."
        .venv/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=-1 \
            --output-dir runs/executed "$notebook"
    done
    echo "Executed notebooks, with their outputs, are in runs/executed/; models and logs in runs/."
else
    exec .venv/bin/jupyter lab notebooks/
fi
