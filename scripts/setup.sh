# Sourced by tutorial.sh and test.sh: creates .venv if missing and installs requirements.txt into it.
if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
fi
echo "Installing requirements.txt into .venv (the first time this brings PyTorch: a few minutes) ..."
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
