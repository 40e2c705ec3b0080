# syntax=docker/dockerfile:1
# Carte GEN image: the same steps as the README's run command (scripts/install.sh, then
# `carte-gen build` of the demo data), served as the README's production command does:
# deploy/serve.py runs nginx in front of uvicorn workers (docs/deploiement.md).

# --- Front-end packages from the npm registry, exactly as locked -----------------------------
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# --- esbuild (an npm devDependency, locked), which bundles the page's modules below -----------
FROM node:20-bookworm-slim AS bundler
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- Python environment from uv.lock, and the demo data built offline ------------------------
FROM python:3.11-slim-bookworm AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app ./app
COPY geo ./geo
COPY deploy ./deploy
COPY data ./data
COPY static ./static
# The front-end packages the app serves (and joins into one script), as locked.
COPY --from=assets /src/node_modules ./node_modules
# esbuild is a static native binary: it runs here without node.
COPY --from=bundler /src/node_modules/esbuild/bin/esbuild /usr/local/bin/esbuild
RUN uv sync --frozen --no-dev \
    && .venv/bin/python -m app.bundle --esbuild /usr/local/bin/esbuild \
    && .venv/bin/carte-gen build data/formations.csv -o data/formations.geojson --quiet

# --- Runtime: no compilers, no package managers' caches, a non-root user ----------------------
FROM python:3.11-slim-bookworm AS runtime
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin carte
WORKDIR /app
COPY --from=build /app /app
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    CARTE_GEN_DATA_PATH=/app/data/formations.geojson \
    CARTE_GEN_WORKERS=2 \
    CARTE_GEN_PUBLIC_HOST=localhost:8000
USER carte
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# nginx (unprivileged: its pid, logs, temporary files and cache under /tmp/carte-gen) in front of
# CARTE_GEN_WORKERS uvicorn workers on unix sockets; SIGTERM stops both cleanly.
CMD ["python", "deploy/serve.py", "--listen", "0.0.0.0:8000", "--prefix", "/tmp/carte-gen"]
