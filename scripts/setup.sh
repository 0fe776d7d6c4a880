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
    rm -f "$stamp"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
    echo "$wanted" > "$stamp"
fi
