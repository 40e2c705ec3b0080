"""Map pages: the full page ``/``, the ``/embed`` view, their data and front-end assets.

The map is built with Folium on every request (in a worker thread: the routes are plain ``def``)
and its parts are placed in our Jinja page templates. The browser then loads the trainings once
from ``/carte/donnees.json`` and filters them itself with the same semantics as the API.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Final

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app.dataset import CachedBody, Dataset
from app.dependencies import get_app_settings, get_dataset
from app.map.about import load_about, publisher_of
from app.map.builder import (
    FONDS_DE_CARTE,
    ICONES_TYPE_STRUCTURE,
    build_map,
    client_config,
    render_map,
)
from app.map.elements import VENDOR_PREFIX
from app.responses import cached_answer, compress, strong_etag
from app.settings import PROJECT_ROOT, Settings
from geo.schema import MODALITE_LABELS, PROPERTY_FIELDS, TYPE_STRUCTURE_LABELS

#: Front-end packages whose ``dist`` folder is served at ``/vendor/<package>/`` (a whitelist).
VENDOR_PACKAGES: Final[tuple[str, ...]] = (
    "leaflet",
    "supercluster",
    "leaflet.locatecontrol",
    "leaflet.fullscreen",
)
NODE_MODULES = PROJECT_ROOT / "node_modules"
TEMPLATES = Jinja2Templates(directory=PROJECT_ROOT / "app" / "templates")
DONNEES_PATH: Final = "/carte/donnees.json"
#: Key of the map data among a dataset's prepared artefacts.
DONNEES_CLE: Final = "carte:donnees"
#: Properties the map does not read: names come from the code tables, the rest is for data users.
HORS_CARTE: Final = frozenset(
    {
        "code_insee",
        "departement_nom",
        "region_nom",
        "date_labellisation",
        "geocodage_source",
        "geocodage_score",
        "geocodage_libelle",
    }
)
#: Properties of each training sent to the map, in schema order.
CHAMPS_CARTE: Final[tuple[str, ...]] = tuple(
    name for name in PROPERTY_FIELDS if name not in HORS_CARTE
)
RAYONS_KM: Final[tuple[int, ...]] = (5, 10, 20, 30, 50, 100, 200)

router = APIRouter(tags=["carte"])
for _package in VENDOR_PACKAGES:
    router.mount(
        f"{VENDOR_PREFIX}/{_package}",
        StaticFiles(directory=NODE_MODULES / _package / "dist", check_dir=False),
        name=f"vendor-{_package}",
    )


def security_headers(settings: Settings, nonce: str) -> dict[str, str]:
    """CSP (own origin, the basemap host for tiles, a nonce for Folium's inline script) and co.

    ``style-src`` keeps ``'unsafe-inline'`` because Leaflet.Locate builds its marker from an
    HTML string with ``style`` attributes; scripts need the per-request nonce.
    """
    tuiles = FONDS_DE_CARTE[settings.basemap].origine
    csp = "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: {tuiles}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {settings.frame_ancestors}",
        )
    )
    return {
        "Content-Security-Policy": csp,
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",
    }


def _flag(value: str | None, default: bool) -> bool:
    """Display option ``0``/``1`` (anything else keeps the default: a page never fails on it)."""
    if value in ("0", "non", "false"):
        return False
    if value in ("1", "oui", "true"):
        return True
    return default


def _render_page(
    request: Request,
    template: str,
    settings: Settings,
    dataset: Dataset,
    *,
    mode: str,
    afficher_liste: bool = True,
    afficher_filtres: bool = True,
) -> HTMLResponse:
    nonce = secrets.token_urlsafe(18)
    donnees_url = f"{DONNEES_PATH}?v={dataset.version[:16]}"
    config = client_config(
        mode=mode,
        donnees_url=donnees_url,
        afficher_liste=afficher_liste,
        afficher_filtres=afficher_filtres,
        url_publique=str(settings.public_url) if settings.public_url else None,
    )
    carte = render_map(build_map(settings.basemap, config))
    context: dict[str, Any] = {
        "carte": carte,
        "donnees_url": donnees_url,
        "nonce": nonce,
        "demo": bool(dataset.metadata.get("demo")),
        "titre_donnees": dataset.metadata.get("titre"),
        "modalites": [(str(k), v) for k, v in MODALITE_LABELS.items()],
        "types": [
            (str(k), v, ICONES_TYPE_STRUCTURE[str(k)]) for k, v in TYPE_STRUCTURE_LABELS.items()
        ],
        "rayons": RAYONS_KM,
        "afficher_liste": afficher_liste,
        "afficher_filtres": afficher_filtres,
        "message": dataset.message,
        "editeur": publisher_of(settings),
        "a_propos": load_about(settings.about_path),
    }
    return TEMPLATES.TemplateResponse(
        request, template, context, headers=security_headers(settings, nonce)
    )


@router.get(
    "/", response_class=HTMLResponse, summary="Carte des formations", include_in_schema=False
)
def page(
    request: Request,
    settings: Annotated[Settings, Depends(get_app_settings)],
    dataset: Annotated[Dataset, Depends(get_dataset)],
) -> HTMLResponse:
    """Render the full map page; the page script reads the filters from the query string."""
    return _render_page(request, "page.html", settings, dataset, mode="page")


@router.get(
    "/embed", response_class=HTMLResponse, summary="Carte à intégrer", include_in_schema=False
)
def embed(
    request: Request,
    settings: Annotated[Settings, Depends(get_app_settings)],
    dataset: Annotated[Dataset, Depends(get_dataset)],
    liste: Annotated[str | None, Query(description="Afficher la liste (1) ou non (0).")] = None,
    filtres: Annotated[
        str | None, Query(description="Afficher les filtres (1) ou non (0).")
    ] = None,
) -> HTMLResponse:
    """Render the map without page chrome, for iframes; the API filters are presets."""
    return _render_page(
        request,
        "embed.html",
        settings,
        dataset,
        mode="embed",
        afficher_liste=_flag(liste, True),
        afficher_filtres=_flag(filtres, True),
    )


def map_row(feature: dict[str, Any]) -> dict[str, Any]:
    """Return a training as the map reads it: ``id``, ``lon``, ``lat``, its non-null fields."""
    lon, lat = feature["geometry"]["coordinates"]
    props = feature["properties"]
    row: dict[str, Any] = {"id": feature["id"], "lon": lon, "lat": lat}
    for name in CHAMPS_CARTE:
        value = props.get(name)
        if value is not None:
            row[name] = value
    return row


def map_data(dataset: Dataset) -> bytes:
    """Everything the map needs about every training, as one JSON document.

    ``formations`` holds one :func:`map_row` per training, in file order (the API's order);
    ``regions`` and ``departements`` map codes to names (and a département to its région).
    """
    features = dataset.features
    departements: dict[str, list[str | None]] = {}
    durees: list[float] = []
    for feature in features:
        props = feature["properties"]
        code = props.get("departement")
        if code is not None and str(code) not in departements:
            departements[str(code)] = [
                props.get("departement_nom") or str(code),
                None if props.get("region") is None else str(props["region"]),
            ]
        duree = props.get("duree_mois")
        if isinstance(duree, int | float) and not isinstance(duree, bool):
            durees.append(duree)
    metadonnees = {
        **dataset.metadata,
        "duree_mois": {"min": int(min(durees)), "max": int(max(durees))} if durees else None,
    }
    return orjson.dumps(
        {
            "metadonnees": metadonnees,
            "regions": dataset.region_names,
            "departements": departements,
            "formations": [map_row(feature) for feature in features],
        }
    )


def map_data_entry(dataset: Dataset) -> CachedBody:
    """Encode the map data of ``dataset`` as a cache entry, with its br and gzip variants."""
    body = map_data(dataset)
    return CachedBody(
        body=body,
        etag=strong_etag("carte-donnees", dataset.version),
        media_type="application/json",
        headers={},
        encoded={encoding: compress(body, encoding) for encoding in ("br", "gzip")},
    )


def prepare_dataset(dataset: Dataset) -> None:
    """Build the map data of a new version, before it is served (loading thread).

    Called by the :class:`~app.dataset.DatasetStore` on every (re)load, so no visitor ever
    waits for it; the entry lives on the dataset itself, out of reach of the LRU's eviction.
    """
    dataset.prepared[DONNEES_CLE] = map_data_entry(dataset)


@router.get(DONNEES_PATH, summary="Données de la carte", include_in_schema=False)
def donnees(
    request: Request,
    settings: Annotated[Settings, Depends(get_app_settings)],
    dataset: Annotated[Dataset, Depends(get_dataset)],
) -> Response:
    """Serve the data of the map, prepared when the dataset version was loaded."""
    entry = dataset.prepared.get(DONNEES_CLE)
    if not isinstance(entry, CachedBody):  # a dataset built without the store's preparation
        entry = dataset.cache.get(DONNEES_CLE) or dataset.cache.put(
            DONNEES_CLE, map_data_entry(dataset)
        )
    return cached_answer(request, entry, dataset.cache, settings.cache_max_age_s)
