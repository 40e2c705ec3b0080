"""Map pages: the full page ``/``, the ``/embed`` view, their compact data and front-end assets.

The map is built with Folium on every request (in a worker thread: the routes are plain ``def``)
and its parts are placed in our Jinja page templates. The browser then loads the trainings once
from ``/carte/donnees.json`` and filters them itself with the same semantics as the API.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Annotated, Any, Final

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app.dataset import CachedBody, Dataset
from app.dependencies import get_app_settings, get_dataset
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
from geo.schema import MODALITE_LABELS, TYPE_STRUCTURE_LABELS

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
#: Key of the compact data among a dataset's prepared artefacts.
DONNEES_CLE: Final = "carte:donnees"
#: Columns of the compact data (``position`` is the geometry's ``[lon, lat]``, the rest properties).
COLONNES: Final[tuple[str, ...]] = (
    "id",
    "position",
    "intitule",
    "structure",
    "type_structure",
    "adresse",
    "code_postal",
    "commune",
    "departement",
    "region",
    "duree_mois",
    "modalite",
    "site_web",
    "geocodage_precision",
)
#: Columns describing a place: they repeat together, so they are dictionary-encoded together.
LIEU: Final[tuple[str, ...]] = ("position", "code_postal", "commune", "departement", "region")
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


def encoded_column(values: Sequence[Any]) -> Any:
    """Encode a column as a plain list, or dictionary-encoded when values repeat.

    ``{"valeurs": [distinct values in first-seen order], "codes": [index of each row]}`` is
    chosen when there are at most half as many distinct values as rows (structures, communes,
    enums, shared positions): smaller to send and to parse than the repeated values.
    """
    index: dict[Any, int] = {}
    codes = [index.setdefault(value, len(index)) for value in values]
    if len(index) * 2 > len(values):
        return list(values)
    return {"valeurs": list(index), "codes": codes}


def compact_data(dataset: Dataset) -> bytes:
    """Everything the map needs about every training, column by column (one JSON document).

    ``colonnes`` maps each name of :data:`COLONNES` but those of :data:`LIEU` to a column
    encoded by :func:`encoded_column`; ``groupes["lieu"]`` holds the :data:`LIEU` columns
    together (``{"colonnes": LIEU, "donnees": <encoded column of [position, code_postal, …]>}``,
    ``position`` being ``[lon, lat]``). Every column has one entry per training, in file
    order (the API's order).
    """
    features = dataset.features
    proprietes = [feature["properties"] for feature in features]
    colonnes: dict[str, Any] = {"id": [feature["id"] for feature in features]}
    for name in COLONNES[1:]:
        if name not in LIEU:
            colonnes[name] = encoded_column([props.get(name) for props in proprietes])
    lieux = [
        (tuple(feature["geometry"]["coordinates"]), *(props.get(name) for name in LIEU[1:]))
        for feature, props in zip(features, proprietes, strict=True)
    ]
    departements: dict[str, list[str | None]] = {}
    for props in proprietes:
        code = props.get("departement")
        if code is not None and str(code) not in departements:
            departements[str(code)] = [
                props.get("departement_nom") or str(code),
                None if props.get("region") is None else str(props["region"]),
            ]
    durees = [
        props["duree_mois"]
        for props in proprietes
        if isinstance(props.get("duree_mois"), int | float)
    ]
    metadonnees = {
        **dataset.metadata,
        "duree_mois": {"min": int(min(durees)), "max": int(max(durees))} if durees else None,
    }
    return orjson.dumps(
        {
            "metadonnees": metadonnees,
            "nombre": len(features),
            "regions": dataset.region_names,
            "departements": departements,
            "colonnes": colonnes,
            "groupes": {"lieu": {"colonnes": LIEU, "donnees": encoded_column(lieux)}},
        }
    )


def compact_data_entry(dataset: Dataset) -> CachedBody:
    """Encode the compact data of ``dataset`` as a cache entry, with its br and gzip variants."""
    body = compact_data(dataset)
    return CachedBody(
        body=body,
        etag=strong_etag("carte-donnees", dataset.version),
        media_type="application/json",
        headers={},
        encoded={encoding: compress(body, encoding) for encoding in ("br", "gzip")},
    )


def prepare_dataset(dataset: Dataset) -> None:
    """Build the map's compact data of a new version, before it is served (loading thread).

    Called by the :class:`~app.dataset.DatasetStore` on every (re)load, so no visitor ever
    waits for it; the entry lives on the dataset itself, out of reach of the LRU's eviction.
    """
    dataset.prepared[DONNEES_CLE] = compact_data_entry(dataset)


@router.get(DONNEES_PATH, summary="Données compactes de la carte", include_in_schema=False)
def donnees(
    request: Request,
    settings: Annotated[Settings, Depends(get_app_settings)],
    dataset: Annotated[Dataset, Depends(get_dataset)],
) -> Response:
    """Serve the compact data of the map, prepared when the dataset version was loaded."""
    entry = dataset.prepared.get(DONNEES_CLE)
    if not isinstance(entry, CachedBody):  # a dataset built without the store's preparation
        entry = dataset.cache.get(DONNEES_CLE) or dataset.cache.put(
            DONNEES_CLE, compact_data_entry(dataset)
        )
    return cached_answer(request, entry, dataset.cache, settings.cache_max_age_s)
