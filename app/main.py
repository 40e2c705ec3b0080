"""Application factory: settings, lifespan (dataset, gazetteer), middleware and routers.

Run with ``uvicorn app.main:create_app --factory`` (nothing is loaded at import time).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import anyio
import orjson
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.assets import SWAGGER_PREFIX, AssetStore, asset_roots
from app.errors import add_exception_handlers
from app.middleware import FastAnswers, FastPathMiddleware, HeadAsGetMiddleware
from app.policy import NO_STORE, REVALIDATE
from app.responses import ORJSONResponse, cached_answer, json_answer, make_entry
from app.settings import Settings, get_settings
from app.store import DatasetStore

logger = logging.getLogger("carte_gen")
OPENAPI_PATH = "/openapi.json"

API_DESCRIPTION = """
Les formations labellisées par la **Grande École du Numérique**, géolocalisées.

* `/api/formations` : GeoJSON (RFC 7946), ou un fichier CSV, XLSX ou LHEO (`format=`), filtrable ;
* `/api/filtres` : valeurs possibles de chaque filtre et leur nombre (facettes) ;
* `/api/communes` : recherche de communes pour « près de moi » ;
* `/ogc` : OGC API – Features (Part 1 Core), pour QGIS, GDAL et les autres outils SIG.

Les erreurs ont la forme `{"detail": [{"parametre": …, "message": …}]}`.
"""


def _load_gazetteer(settings: Settings) -> tuple[Any, str | None]:
    """Load the commune gazetteer; ``(None, reason code)`` when it cannot be (the API runs).

    The code is public (``/healthz``); the path and the error go to the log only.
    """
    path = settings.gazetteer_path
    if not path.is_file():
        logger.warning("Gazetteer not found: %s; /api/communes answers 503", path)
        return None, "gazetteer_missing"
    try:
        from geo.gazetteer import Gazetteer

        return Gazetteer.load(path), None
    except Exception:  # any failure here must not stop the service
        logger.exception("Gazetteer refused: %s; /api/communes answers 503", path)
        return None, "gazetteer_invalid"


def _configure_logging() -> None:
    """Show our INFO logs when nothing else configured logging (uvicorn only sets up its own)."""
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the dataset and the gazetteer once (in threads); the store hot-reloads the data."""
    _configure_logging()
    settings: Settings = app.state.settings
    from app.routers.pages import prepare_dataset

    roots = asset_roots(settings.static_path, settings.node_modules_path)
    assets = await anyio.to_thread.run_sync(AssetStore, roots)
    # The map's compact data and pages are built with each version, in the loading thread.
    prepare = partial(prepare_dataset, settings=settings, assets=assets)
    store = DatasetStore.from_settings(settings, prepare=prepare)
    await anyio.to_thread.run_sync(store.load_initial)
    app.state.assets = assets
    gazetteer, gazetteer_error = await anyio.to_thread.run_sync(_load_gazetteer, settings)
    app.state.datasets = store
    app.state.gazetteer = gazetteer
    app.state.gazetteer_error = gazetteer_error
    try:
        yield
    finally:
        await anyio.to_thread.run_sync(store.wait_for_reload, 10.0)
        app.state.datasets = None
        app.state.gazetteer = None


class CarteGenAPI(FastAPI):
    """FastAPI whose outermost ASGI layer is the fast path (:class:`FastPathMiddleware`).

    Asset and cache hits are answered before Starlette's and FastAPI's own layers (error
    middleware, telemetry check, routing, dependencies); every other request goes on to them.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.fast_path = FastPathMiddleware(super().__call__, self.state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the fast path, which hands misses to the application."""
        await self.fast_path(scope, receive, send)


def health(state: Any) -> dict[str, Any]:
    """Health summary of the service, from the dataset store and the gazetteer's state."""
    store: DatasetStore | None = state.datasets
    if store is None:
        return {"status": "starting", "version": None, "count": 0}
    store.current()  # a health probe also notices a replaced data file
    status = store.status()
    status["gazetteer"] = state.gazetteer_error or "ok"
    return status


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; tests pass their own ``settings``."""
    from app.routers import api, communes, ogc, pages, pistes

    settings = settings or get_settings()
    app = CarteGenAPI(
        title="Carte GEN",
        description=API_DESCRIPTION,
        version="1.0.0",
        lifespan=lifespan,
        default_response_class=ORJSONResponse,
        docs_url=None,  # served below with Swagger UI from our own origin, not a CDN
        redoc_url=None,
        openapi_url=None,  # served below, with an ETag and compression like every answer
        # no OpenTelemetry here: skip FastAPI's per-request check of its providers
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.assets = None
    app.state.fast_answers = FastAnswers()
    app.state.datasets = None
    app.state.gazetteer = None
    app.state.gazetteer_error = None
    add_exception_handlers(app)

    app.include_router(pistes.router)  # before api's /formations/{id}
    app.include_router(api.router)
    app.include_router(communes.router)
    app.include_router(ogc.router)
    app.include_router(pages.router)
    # Assets (/static, /vendor) are answered by FastPathMiddleware from app.state.assets.

    @app.get(OPENAPI_PATH, include_in_schema=False)
    async def openapi(request: Request) -> Response:
        """Serve the OpenAPI document, encoded once per application (routes do not change)."""
        entry = getattr(app.state, "openapi_entry", None)
        if entry is None:
            body = orjson.dumps(app.openapi())
            entry = app.state.openapi_entry = make_entry(body, "application/json", REVALIDATE)
        return cached_answer(request, entry, None)

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> Response:
        """Interactive API documentation (Swagger UI assets from npm, served by the app)."""
        entry = getattr(app.state, "docs_entry", None)
        if entry is None:
            assets: AssetStore | None = app.state.assets
            url = assets.url if assets is not None else str
            html = get_swagger_ui_html(
                openapi_url=OPENAPI_PATH,
                title="Carte GEN — API",
                swagger_js_url=url(f"{SWAGGER_PREFIX}/swagger-ui-bundle.js"),
                swagger_css_url=url(f"{SWAGGER_PREFIX}/swagger-ui.css"),
                swagger_favicon_url=url(f"{SWAGGER_PREFIX}/favicon-32x32.png"),
            )
            entry = make_entry(bytes(html.body), "text/html; charset=utf-8", REVALIDATE)
            app.state.docs_entry = entry
        return cached_answer(request, entry, None)

    @app.get("/healthz", tags=["service"], summary="État du service")
    async def healthz(request: Request) -> Response:
        """Service health: dataset version and count, last reload error, gazetteer state."""
        return json_answer(request, health(request.app.state), NO_STORE)

    # Pure ASGI only. Answers are compressed by the response builder (app.responses), never by
    # a middleware, and carry the same CORS headers for every origin (app.policy). The fast
    # path (CarteGenAPI) answers CORS pre-flights, asset and cache hits before this stack;
    # HEAD is turned into GET for the routes.
    app.add_middleware(HeadAsGetMiddleware)
    return app
