# Sourced by tutorial.sh and test.sh: creates .venv if missing and installs requirements.txt into it.
# The install is skipped while requirements.txt and pyproject.toml are unchanged since the last one
# that succeeded, so both scripts also start without a network once .venv is set up (a class offline).
if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
fi
stamp=".venv/convae-installed"
wanted="$(cat requirements.txt pyproject.toml | .venv/bin/python -c "import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())")"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "Installing requirements.txt into .venv (the first time this brings PyTorch: a few minutes) ..."
    if .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt; then
        echo "$wanted" > "$stamp"
    elif [ -f "$stamp" ]; then  # installed before: go on with it rather than stop a class that is offline
        echo "pip could not update .venv (no network?); going on with what an earlier install put there." >&2
    else
        echo "pip could not install requirements.txt into .venv; see its message above." >&2
        exit 1
    fi
fi
