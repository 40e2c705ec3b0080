#!/usr/bin/env bash
# Install everything Carte GEN needs to run: Python packages (locked) and front-end packages (locked).
# Usage: scripts/install.sh [--dev]   (--dev adds the test and lint tools)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check uv
fi
if [[ "${1:-}" == "--dev" ]]; then
    uv sync --frozen
else
    uv sync --frozen --no-dev
fi
# Front-end assets and the registry data of the gazetteer build, exactly as locked.
npm ci --no-audit --no-fund --loglevel=error
# The page's modules as one file (esbuild from the lock file), and the map's classic scripts
# and style sheets joined into one file each (the page falls back to the files themselves
# whenever one of these is missing or older than them).
uv run --no-sync python -m app.bundle
