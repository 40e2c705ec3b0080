#!/usr/bin/env bash
# Install everything the tests need (system packages, Python and npm packages) and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: a real Chromium for the pages, GDAL for OGC/GeoJSON conformance,
# Redis for the real addok server the BAN client is tested against, nginx for the production
# proxy (deploy/) started by tests/serving.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "Missing system packages: ${missing[*]} (run as root or install them with apt-get)" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

scripts/install.sh --dev
if [[ -x scripts/install-addok.sh ]]; then
    scripts/install-addok.sh
fi

uv run --no-sync ruff check .
uv run --no-sync ruff format --check .
uv run --no-sync mypy
uv run --no-sync pytest "$@"
# The page's modules (filter rules shared with the API through tests/data/filter_cases.json).
node --test tests/js/
