#!/usr/bin/env bash
# Install the addok server the BAN client is tested against into .venv-addok, exactly as locked
# in tests/addok/requirements.txt (addok + addok-fr + addok-france + addok-csv, gunicorn).
# Idempotent: does nothing when the venv already matches the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-addok
lock=tests/addok/requirements.txt
stamp="$venv/.carte-gen-lock.sha256"

if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check uv
fi
wanted=$(sha256sum "$lock" | cut -d' ' -f1)
if [[ -x "$venv/bin/addok" && -x "$venv/bin/gunicorn" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    exit 0
fi
# addok runs on the same Python as the project (python-geohash is built from source: needs a C compiler).
if [[ ! -x "$venv/bin/python" ]]; then
    if [[ -x .venv/bin/python ]]; then python=.venv/bin/python; else python=$(command -v python3); fi
    uv venv --quiet --python "$python" "$venv"
fi
uv pip sync --quiet --python "$venv/bin/python" --require-hashes "$lock"
echo "$wanted" >"$stamp"
echo "addok installed in $venv"
