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
#   .venv/bin/python scripts/ready.py                           # says, in plain words, whether it is ready
# Size: on Linux, PyPI's torch is the CUDA build, so the wheels take about 3 GB (measured: 141 files, 3.0 GB).
# A kit for CPU-only machines would be far smaller; gathering one from PyTorch's CPU index was not tried here.
set -euo pipefail

kit="offline-kit" cifar=""
while [ $# -gt 0 ]; do
    case "$1" in
        --cifar) cifar="${2:?--cifar needs the path of cifar-10-python.tar.gz}"; shift 2 ;;
        -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
        *) kit="$1"; shift ;;
    esac
done
# Paths are read from where the command was typed, before moving to the repository's root.
mkdir -p "$kit/wheels" && kit="$(cd "$kit" && pwd)"
if [ -n "$cifar" ]; then
    [ -f "$cifar" ] || { echo "--cifar: no file $cifar" >&2; exit 1; }
    cifar="$(cd "$(dirname "$cifar")" && pwd)/$(basename "$cifar")"
fi
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"

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
target, part = kit / "cifar-10-python.tar.gz", kit / "cifar-10-python.tar.gz.part"
if given:
    shutil.copyfile(given, part)
elif target.is_file():
    target.rename(part)  # checked again below, like a new one
else:
    urllib.request.urlretrieve(url, part)  # into .part, so that a stopped download never looks finished
digest = hashlib.md5(part.read_bytes()).hexdigest()
if digest != md5:
    part.unlink()
    sys.exit(f"   {'--cifar ' + given if given else 'the download'} does not have CIFAR-10's published MD5 "
             f"({digest}, expected {md5}): a damaged or different file, left out of the kit. Run again.")
part.rename(target)
print(f"   {target.stat().st_size / 1e6:.0f} MB, MD5 as published")
PY
du -sh "$kit"
echo "Done. On each lab machine: CONVAE_WHEELS=$kit/wheels bash scripts/setup.sh; cp $kit/cifar-10-python.tar.gz data/"
