#!/usr/bin/env bash
# Install Carte GEN, build the demo data offline and serve it on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
uv run --no-sync carte-gen build data/formations.csv -o data/formations.geojson
exec uv run --no-sync carte-gen serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
