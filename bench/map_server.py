"""The map benchmark's server: Carte GEN, plus a Folium FastMarkerCluster page on the same origin.

``bench/bench_map.py`` starts it with ``uvicorn bench.map_server:create_bench_app --factory``:
the same app, middleware and uvicorn as Carte GEN, with three more static folders mounted so
that both pages are served alike from our own origin (the machine has no internet, and a
CDN would not be a like-for-like comparison anyway):

- ``/banc/folium/``: the Folium page the benchmark wrote (folder named by ``BANC_CARTE_DOSSIER``);
- ``/banc/leaflet/``: Leaflet's ``dist`` from ``node_modules``;
- ``/banc/leaflet.markercluster/``: Leaflet.markercluster's ``dist`` (a bench-only devDependency).
"""

from __future__ import annotations

import os
from typing import Final

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.main import create_app
from app.settings import PROJECT_ROOT

#: Environment variable naming the folder that holds the Folium page (``index.html``).
DOSSIER_ENV: Final = "BANC_CARTE_DOSSIER"
BANC_PREFIX: Final = "/banc"
PAQUETS: Final = ("leaflet", "leaflet.markercluster")


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
    return app
