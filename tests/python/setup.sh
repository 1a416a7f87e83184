#!/usr/bin/env bash
# Creates a Python virtual environment with grpcio and grpcio-tools for the
# interop tests: `tests/python/setup.sh DIR`. Safe to run again.
set -euo pipefail
venv="${1:?usage: setup.sh VENV_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
