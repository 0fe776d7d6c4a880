#!/usr/bin/env bash
# Prepare, on a machine with network, what a classroom without network needs:
#   bash scripts/offline_kit.sh [KIT_FOLDER] [--cifar PATH/TO/cifar-10-python.tar.gz]
# KIT_FOLDER (default: offline-kit) gets
#   wheels/                  every package requirements.txt names, and this package's build tool, as files pip
#                            installs without network: for this machine's OS and Python version, so build the kit
#                            on a machine like the lab's (or run it once per kind of machine)
#   cifar-10-python.tar.gz   CIFAR-10 (163 MB), downloaded or copied from --cifar, checked against its MD5
# Then, on each lab machine, in a clone of this repository (copy the kit beside it, e.g. on a USB stick):
#   CONVAE_WHEELS=KIT_FOLDER/wheels bash scripts/setup.sh     # installs from the kit, no network
#   cp KIT_FOLDER/cifar-10-python.tar.gz data/                 # or point CONVAE_DATA_DIR at KIT_FOLDER
#   .venv/bin/python -m convae_helpers.ready                   # says, in plain words, whether it is ready
set -euo pipefail
cd "$(dirname "$0")/.."

kit="offline-kit" cifar=""
while [ $# -gt 0 ]; do
    case "$1" in
        --cifar) cifar="${2:?--cifar needs the path of cifar-10-python.tar.gz}"; shift 2 ;;
        -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
        *) kit="$1"; shift ;;
    esac
done
python="${PYTHON:-python3}"
mkdir -p "$kit/wheels"

echo "1/2 wheels for Python $("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])') on $(uname -sm) -> $kit/wheels"
grep -v '^-e' requirements.txt > "$kit/requirements-packages.txt"   # this package itself installs from the clone
"$python" -m pip download --quiet --disable-pip-version-check -r "$kit/requirements-packages.txt" -d "$kit/wheels"
"$python" -m pip download --quiet --disable-pip-version-check "setuptools>=68" wheel -d "$kit/wheels"  # to build it
rm "$kit/requirements-packages.txt"

echo "2/2 CIFAR-10 -> $kit/cifar-10-python.tar.gz"
"$python" - "$kit" "$cifar" <<'PY'
import hashlib, shutil, sys, urllib.request
from pathlib import Path

kit, given = Path(sys.argv[1]), sys.argv[2]
url, md5 = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a"
target = kit / "cifar-10-python.tar.gz"
if given:
    shutil.copyfile(given, target)
elif not target.is_file():
    urllib.request.urlretrieve(url, target)
digest = hashlib.md5(target.read_bytes()).hexdigest()
if digest != md5:
    print(f"   WARNING: {target} does not have CIFAR-10's published MD5 ({digest}, expected {md5}): "
          "a damaged or different file; the notebooks will refuse it.")
else:
    print(f"   {target.stat().st_size / 1e6:.0f} MB, MD5 as published")
PY
du -sh "$kit"
echo "Done. On each lab machine: CONVAE_WHEELS=$kit/wheels bash scripts/setup.sh; cp $kit/cifar-10-python.tar.gz data/"
