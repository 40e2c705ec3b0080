"""Application factory: settings, lifespan (dataset, gazetteer), middleware and routers.

Run with ``uvicorn app.main:create_app --factory`` (nothing is loaded at import time).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from brotli_asgi import BrotliMiddleware
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.errors import add_exception_handlers
from app.middleware import HeadAsGetMiddleware
from app.responses import ORJSONResponse
from app.settings import PROJECT_ROOT, Settings, get_settings
from app.store import DatasetStore

logger = logging.getLogger("carte_gen")
SWAGGER_PREFIX = "/vendor/swagger-ui"

API_DESCRIPTION = """
Les formations labellisées par la **Grande École du Numérique**, géolocalisées.

* `/api/formations` : GeoJSON (RFC 7946) ou CSV (`format=csv`), filtrable ;
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

    # The map's compact data is built with each version, in the loading thread.
    store = DatasetStore.from_settings(settings, prepare=prepare_dataset)
    await anyio.to_thread.run_sync(store.load_initial)
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


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; tests pass their own ``settings``."""
    from app.routers import api, ogc, pages

    settings = settings or get_settings()
    app = FastAPI(
        title="Carte GEN",
        description=API_DESCRIPTION,
        version="1.0.0",
        lifespan=lifespan,
        default_response_class=ORJSONResponse,
        docs_url=None,  # served below with Swagger UI from our own origin, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.datasets = None
    app.state.gazetteer = None
    app.state.gazetteer_error = None
    add_exception_handlers(app)

    app.include_router(api.router)
    app.include_router(ogc.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static", check_dir=False), "static")

    app.mount(
        SWAGGER_PREFIX,
        StaticFiles(directory=PROJECT_ROOT / "node_modules" / "swagger-ui-dist", check_dir=False),
        "swagger-ui",
    )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        """Interactive API documentation (Swagger UI assets from npm, served by the app)."""
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="Carte GEN — API",
            swagger_js_url=f"{SWAGGER_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_PREFIX}/favicon-32x32.png",
        )

    @app.get("/healthz", tags=["service"], summary="État du service")
    async def healthz(request: Request) -> dict[str, Any]:
        """Service health: dataset version and count, last reload error, gazetteer state."""
        store: DatasetStore | None = request.app.state.datasets
        if store is None:
            return {"status": "starting", "version": None, "count": 0}
        store.current()  # a health probe also notices a replaced data file
        status = store.status()
        status["gazetteer"] = request.app.state.gazetteer_error or "ok"
        return status

    # Each middleware wraps the ones added before it. Compression is innermost (cached answers
    # arrive compressed and are left alone); CORS answers pre-flights before the app; HEAD is
    # turned into GET outermost, so everything inside sees a GET.
    app.add_middleware(BrotliMiddleware, quality=4, minimum_size=500, gzip_fallback=True)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["If-None-Match", "Accept", "Accept-Language"],
        expose_headers=["ETag", "Content-Disposition"],
        allow_credentials=False,
    )
    app.add_middleware(HeadAsGetMiddleware)
    return app
