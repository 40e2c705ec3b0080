"""The map benchmark's server: Carte GEN, plus a Folium FastMarkerCluster page on the same origin.

``bench/bench_map.py`` starts it with ``uvicorn bench.map_server:create_bench_app --factory``:
the same app, middleware and uvicorn as Carte GEN, with three more folders served so that the
pages are served alike from our own origin (the machine has no internet, and a CDN would not
be a like-for-like comparison anyway). They are read and compressed once, at start-up, by the
same :class:`~app.assets.AssetStore` as our own assets, and answered by a look-up in front of
the app, as our fast path answers ours: served by Starlette's ``StaticFiles`` instead, with
the Folium page compressed on every request, they cost the server about 8–11 ms of CPU per
page load on a 2-core machine against about 2 ms for ours, CPU the browser then lacked.
The folders' files must be written before the server starts:

- ``/banc/folium/``: the Folium page the benchmark wrote (folder named by ``BANC_CARTE_DOSSIER``);
- ``/banc/leaflet/``: Leaflet's ``dist`` from ``node_modules``;
- ``/banc/leaflet.markercluster/``: Leaflet.markercluster's ``dist`` (a bench-only devDependency);
- ``/banc/donnees-lignes.json``: the map data with its trainings as plain rows (the columns of
  ``/carte/donnees.json`` decoded by :func:`~app.routers.pages.map_rows`), prepared and served
  as the real route serves its own, so that ``--formats`` compares the two encodings alike.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import orjson
from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.assets import AssetRoot, AssetStore
from app.cache import CachedBody
from app.dataset import Dataset
from app.main import create_app
from app.middleware import request_headers
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


class BenchFiles:
    """The bench's folders in front of ``app``: a hit is a look-up, anything else goes on."""

    def __init__(self, app: ASGIApp, store: AssetStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a GET or HEAD of a bench file (a folder's ``index.html`` for the folder)."""
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path: str = scope["path"]
            asset = self.store.by_path.get(path + "index.html" if path.endswith("/") else path)
            if asset is not None:
                accept_encoding, if_none_match = request_headers(scope)
                reply = asset.reply(accept_encoding, if_none_match)
                await reply.send(send, head=scope["method"] == "HEAD")
                return
        await self.app(scope, receive, send)


def bench_roots() -> list[AssetRoot]:
    """Return the Folium page's folder and the two packages' ``dist`` folders, under ``/banc``."""
    packages = PROJECT_ROOT / "node_modules"
    return [AssetRoot(f"{BANC_PREFIX}/folium", Path(os.environ[DOSSIER_ENV]))] + [
        AssetRoot(f"{BANC_PREFIX}/{paquet}", packages / paquet / "dist") for paquet in PAQUETS
    ]


def create_bench_app() -> BenchFiles:
    """Carte GEN's app, behind the Folium page and its two packages served under ``/banc``."""
    app = create_app()
    entries: dict[str, CachedBody] = {}

    @app.get(LIGNES_PATH, include_in_schema=False)
    def lignes(request: Request) -> Response:
        dataset: Dataset = request.app.state.datasets.current()
        if dataset.version not in entries:
            entries[dataset.version] = rows_entry(dataset)
        return cached_answer(request, entries[dataset.version], dataset.cache)

    return BenchFiles(app, AssetStore(bench_roots()))
