#!/usr/bin/env bash
# The install: creates .venv if missing and installs requirements.txt (with this package) into it.
#   bash scripts/setup.sh     install only (tutorial.sh and test.sh also source it first)
# PYTHON=python3.12 picks the interpreter (3.11 or newer); a .venv made by another Python version is made anew.
# CONVAE_WHEELS=offline-kit/wheels installs from the wheels scripts/offline_kit.sh gathered (a class offline).
# The install is skipped while requirements.txt and pyproject.toml are unchanged since the last one
# that succeeded, so both scripts also start without a network once .venv is set up (a class offline).
set -euo pipefail
if [ -n "${CONVAE_WHEELS:-}" ]; then  # a folder given relative to where the command was typed
    CONVAE_WHEELS="$(cd "$CONVAE_WHEELS" 2>/dev/null && pwd)" || {
        echo "CONVAE_WHEELS: no folder of wheels there; give the wheels/ folder scripts/offline_kit.sh made." >&2
        exit 1
    }
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo "none"; }
new_enough() { case "$1" in 3.1[1-9] | 3.[2-9][0-9] | [4-9].*) return 0 ;; *) return 1 ;; esac; }

python="${PYTHON:-python3}"
if [ -x .venv/bin/python ]; then
    have="$(version_of .venv/bin/python)"
    if ! new_enough "$have" || { [ -n "${PYTHON:-}" ] && [ "$(version_of "$python")" != "$have" ]; }; then
        echo "Making .venv anew: it holds Python $have, and this run asks for $python ($(version_of "$python"))."
        rm -rf .venv
    fi
fi
if [ ! -x .venv/bin/python ]; then
    found="$(version_of "$python")"
    if ! new_enough "$found"; then
        echo "Python 3.11 or newer is needed; '$python' is Python $found. Install a newer one and run again" >&2
        echo "with it, e.g. PYTHON=python3.11 bash scripts/setup.sh (or bash scripts/tutorial.sh)." >&2
        exit 1
    fi
    "$python" -m venv .venv
fi
stamp=".venv/convae-installed"
wanted="$(cat requirements.txt pyproject.toml | .venv/bin/python -c "import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())")"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "Installing requirements.txt into .venv (the first time this brings PyTorch: several GB, minutes) ..."
    # CONVAE_WHEELS=FOLDER: install from a folder of wheels (scripts/offline_kit.sh makes one), never the network.
    offline=()
    if [ -n "${CONVAE_WHEELS:-}" ]; then offline=(--no-index --find-links "$CONVAE_WHEELS"); fi
    if .venv/bin/python -m pip install --quiet --disable-pip-version-check ${offline[@]+"${offline[@]}"} -r requirements.txt; then
        echo "$wanted" > "$stamp"
    elif [ -f "$stamp" ]; then  # installed before: go on with it rather than stop a class that is offline
        echo "pip could not update .venv (no network?); going on with what an earlier install put there." >&2
    else
        echo "pip could not install requirements.txt into .venv; see its message above." >&2
        exit 1
    fi
fi
