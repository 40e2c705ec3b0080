"""The map benchmark's server: Carte GEN, plus a Folium FastMarkerCluster page on the same origin.

``bench/bench_map.py`` starts it with ``uvicorn bench.map_server:create_bench_app --factory``:
the same app, middleware and uvicorn as Carte GEN, with three more static folders mounted so
that both pages are served alike from our own origin (the machine has no internet, and a
CDN would not be a like-for-like comparison anyway):

- ``/banc/folium/``: the Folium page the benchmark wrote (folder named by ``BANC_CARTE_DOSSIER``);
- ``/banc/leaflet/``: Leaflet's ``dist`` from ``node_modules``;
- ``/banc/leaflet.markercluster/``: Leaflet.markercluster's ``dist`` (a bench-only devDependency);
- ``/banc/donnees-lignes.json``: the map data with its trainings as plain rows (the columns of
  ``/carte/donnees.json`` decoded by :func:`~app.routers.pages.map_rows`), prepared and served
  as the real route serves its own, so that ``--formats`` compares the two encodings alike.
"""

from __future__ import annotations

import os
from typing import Final

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from app.cache import CachedBody
from app.dataset import Dataset
from app.main import create_app
from app.responses import cached_answer, compress, strong_etag
from app.routers.pages import map_data, map_rows
from app.settings import PROJECT_ROOT

#: Environment variable naming the folder that holds the Folium page (``index.html``).
DOSSIER_ENV: Final = "BANC_CARTE_DOSSIER"
BANC_PREFIX: Final = "/banc"
PAQUETS: Final = ("leaflet", "leaflet.markercluster")
LIGNES_PATH: Final = f"{BANC_PREFIX}/donnees-lignes.json"


def rows_entry(dataset: Dataset) -> CachedBody:
    """Encode the map data of ``dataset`` with plain rows, with its br and gzip variants."""
    data = orjson.loads(map_data(dataset))
    body = orjson.dumps({**data, "formations": map_rows(data["formations"])})
    return CachedBody(
        body=body,
        etag=strong_etag("banc-lignes", dataset.version),
        media_type="application/json",
        headers={},
        encoded={encoding: compress(body, encoding) for encoding in ("br", "gzip")},
    )


def create_bench_app() -> FastAPI:
    """Carte GEN's app with the Folium page and its two packages mounted under ``/banc``."""
    app = create_app()
    app.mount(
        f"{BANC_PREFIX}/folium",
        StaticFiles(directory=os.environ[DOSSIER_ENV], html=True),
        name="banc-folium",
    )
    for paquet in PAQUETS:
        app.mount(
            f"{BANC_PREFIX}/{paquet}",
            StaticFiles(directory=PROJECT_ROOT / "node_modules" / paquet / "dist"),
            name=f"banc-{paquet}",
        )
    entries: dict[str, CachedBody] = {}

    @app.get(LIGNES_PATH, include_in_schema=False)
    def lignes(request: Request) -> Response:
        dataset: Dataset = request.app.state.datasets.current()
        if dataset.version not in entries:
            entries[dataset.version] = rows_entry(dataset)
        return cached_answer(request, entries[dataset.version], dataset.cache, 0)

    return app
