"""Map pages: the full page ``/``, the ``/embed`` view and their data.

Each page is built with Folium once per dataset version (in a worker thread: the routes are
plain ``def``), placed in our Jinja page templates with content-hashed asset URLs and kept
compressed; nothing of the request is in it. The browser then loads the trainings once from
``/carte/donnees.json``, reads the filters from its URL and applies them with the same
semantics as the API.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from typing import Annotated, Any, Final

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from app.assets import AssetStore
from app.cache import CachedBody
from app.dataset import PAUSE_EVERY_FEATURES, Dataset
from app.dependencies import get_app_settings, get_dataset
from app.map.about import load_about, publisher_of
from app.map.builder import (
    FONDS_DE_CARTE,
    ICONES_TYPE_STRUCTURE,
    build_map,
    client_config,
    render_map,
)
from app.policy import REVALIDATE, public_data
from app.responses import compress, dataset_answer, make_entry, strong_etag
from app.settings import PROJECT_ROOT, Settings
from app.store import yield_the_gil
from geo.schema import MODALITE_LABELS, PROPERTY_FIELDS, TYPE_STRUCTURE_LABELS

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
        # Not read by the map yet: the popups and filters work adds what the page shows.
        "sessions",
        "prochaine_session",
        "contact_email",
        "contact_telephone",
        "url_candidature",
        "certification",
        "niveau_entree",
        "niveau_sortie",
        "public_vise",
        "alternance",
        "nombre_heures",
        "prise_en_charge",
    }
)
#: Properties of each training sent to the map, in schema order.
CHAMPS_CARTE: Final[tuple[str, ...]] = tuple(
    name for name in PROPERTY_FIELDS if name not in HORS_CARTE
)
RAYONS_KM: Final[tuple[int, ...]] = (5, 10, 20, 30, 50, 100, 200)
#: Inline scripts of a page (no ``src``): each one's hash goes in the CSP.
INLINE_SCRIPT: Final = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)

router = APIRouter(tags=["carte"])


def script_hashes(html: str) -> list[str]:
    """CSP sources (``'sha256-…'``) of every inline script of ``html``, in order."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(html)
    ]


def security_headers(settings: Settings, hashes: Sequence[str]) -> dict[str, str]:
    """CSP (own origin, the basemap host for tiles, the hashes of the inline scripts) and co.

    The page is the same for every visitor, so the inline scripts are allowed by their
    hash, not by a per-request nonce. ``style-src`` keeps ``'unsafe-inline'`` because
    Leaflet.Locate builds its marker from an HTML string with ``style`` attributes.
    """
    tuiles = FONDS_DE_CARTE[settings.basemap].origine
    csp = "; ".join(
        (
            "default-src 'self'",
            " ".join(("script-src 'self'", *dict.fromkeys(hashes))),
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
    }


def _flag(value: str | None, default: bool) -> bool:
    """Display option ``0``/``1`` (anything else keeps the default: a page never fails on it)."""
    if value in ("0", "non", "false"):
        return False
    if value in ("1", "oui", "true"):
        return True
    return default


def render_page(
    settings: Settings,
    dataset: Dataset,
    assets: AssetStore | None,
    template: str,
    *,
    mode: str,
    afficher_liste: bool = True,
    afficher_filtres: bool = True,
) -> CachedBody:
    """Render a page once for a dataset version and settings: nothing of the request is in it.

    The filter state lives in the URL and is applied by the page script; asset URLs are the
    content-hashed ones; the CSP names the hash of each inline script.
    """
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
        "demo": bool(dataset.metadata.get("demo")),
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
    html = TEMPLATES.env.get_template(template).render(context)
    if assets is not None:
        html = assets.rewrite_html(html)
    body = html.encode()
    entry = make_entry(
        body,
        "text/html; charset=utf-8",
        REVALIDATE,
        headers=security_headers(settings, script_hashes(html)),
    )
    entry.encoded.update({encoding: compress(body, encoding) for encoding in ("br", "gzip")})
    return entry


def _page(
    request: Request,
    settings: Settings,
    dataset: Dataset,
    template: str,
    *,
    mode: str,
    afficher_liste: bool = True,
    afficher_filtres: bool = True,
) -> Response:
    key = f"page:{template}:{int(afficher_liste)}{int(afficher_filtres)}"
    entry = dataset.prepared.get(key)
    if not isinstance(entry, CachedBody):
        entry = dataset.prepared[key] = render_page(
            settings,
            dataset,
            request.app.state.assets,
            template,
            mode=mode,
            afficher_liste=afficher_liste,
            afficher_filtres=afficher_filtres,
        )
    return dataset_answer(request, dataset, key, entry)


@router.get("/", summary="Carte des formations", include_in_schema=False)
def page(
    request: Request,
    settings: Annotated[Settings, Depends(get_app_settings)],
    dataset: Annotated[Dataset, Depends(get_dataset)],
) -> Response:
    """Serve the full map page; the page script reads the filters from the query string."""
    return _page(request, settings, dataset, "page.html", mode="page")


@router.get("/embed", summary="Carte à intégrer", include_in_schema=False)
def embed(
    request: Request,
    settings: Annotated[Settings, Depends(get_app_settings)],
    dataset: Annotated[Dataset, Depends(get_dataset)],
    liste: Annotated[str | None, Query(description="Afficher la liste (1) ou non (0).")] = None,
    filtres: Annotated[
        str | None, Query(description="Afficher les filtres (1) ou non (0).")
    ] = None,
) -> Response:
    """Serve the map without page chrome, for iframes; the API filters are presets.

    One of four renderings (list and filters shown or not): the rest of the query is read by
    the page script.
    """
    return _page(
        request,
        settings,
        dataset,
        "embed.html",
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


def encoded_column(values: list[Any]) -> Any:
    """Encode a column as a plain list, or ``{"valeurs", "codes"}`` when values repeat enough.

    Dictionary encoding (distinct values in first-seen order, then each row's index) is
    chosen when there are at most half as many distinct values as rows: structures, communes,
    enums and shared positions repeat, and fewer bytes are faster for the page to receive and
    to parse. Values are told apart by type too (``1``, ``1.0`` and ``True`` stay distinct).
    """
    index: dict[Any, int] = {}
    distinct: list[Any] = []
    codes: list[int] = []
    for value in values:
        # Texts are most values and cannot equal a tuple: only the others need their type.
        key = value if type(value) is str else (type(value), value)
        code = index.get(key)
        if code is None:
            code = index[key] = len(distinct)
            distinct.append(value)
        codes.append(code)
    if len(distinct) * 2 > len(values):
        return values
    return {"valeurs": distinct, "codes": codes}


def map_columns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Encode :func:`map_row` rows column by column: what ``formations`` holds in the map data.

    ``{"nombre": n, "position": {"valeurs": [[lon, lat], …], "codes": [place of each row]},
    "colonnes": {"id": […], name: <encoded_column>, …}}``: a missing field is ``null`` in its
    column. The position is always dictionary-encoded, so its codes number the distinct places
    (which the page's cluster layer indexes). :func:`map_rows` is the inverse.
    """
    places: dict[tuple[float, float], int] = {}
    positions = [places.setdefault((row["lon"], row["lat"]), len(places)) for row in rows]
    return {
        "nombre": len(rows),
        "position": {"valeurs": [list(place) for place in places], "codes": positions},
        "colonnes": {
            "id": [row["id"] for row in rows],
            **{name: encoded_column([row.get(name) for row in rows]) for name in CHAMPS_CARTE},
        },
    }


def map_rows(columns: dict[str, Any]) -> list[dict[str, Any]]:
    """Decode :func:`map_columns` back into rows (what the page's decoder does; for tests)."""
    rows: list[dict[str, Any]] = []
    places = columns["position"]["valeurs"]
    decoded = {
        name: [column["valeurs"][code] for code in column["codes"]]
        if isinstance(column, dict)
        else column
        for name, column in columns["colonnes"].items()
    }
    for i, place in enumerate(columns["position"]["codes"]):
        lon, lat = places[place]
        row: dict[str, Any] = {"id": decoded["id"][i], "lon": lon, "lat": lat}
        for name in CHAMPS_CARTE:
            if decoded[name][i] is not None:
                row[name] = decoded[name][i]
        rows.append(row)
    return rows


def map_data(dataset: Dataset) -> bytes:
    """Everything the map needs about every training, as one JSON document.

    ``formations`` holds the :func:`map_row` of every training, in file order (the API's
    order), encoded by :func:`map_columns`; ``regions`` and ``departements`` map codes to
    names (and a département to its région). It runs in the loading thread while requests are
    served: each feature is decoded once, and the GIL is handed over every
    :data:`PAUSE_EVERY_FEATURES` rows so the event loop is never kept waiting long.
    """
    departements: dict[str, list[str | None]] = {}
    durees: list[float] = []
    rows: list[dict[str, Any]] = []
    for position, feature in enumerate(dataset.features):
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
        rows.append(map_row(feature))
        if position % PAUSE_EVERY_FEATURES == PAUSE_EVERY_FEATURES - 1:
            yield_the_gil()
    metadonnees = {
        **dataset.metadata,
        "duree_mois": {"min": int(min(durees)), "max": int(max(durees))} if durees else None,
    }
    columns = map_columns(rows)
    while rows:  # freeing 100,000 rows at once would hold the GIL for tens of ms
        del rows[-PAUSE_EVERY_FEATURES:]
        yield_the_gil()
    return orjson.dumps(
        {
            "metadonnees": metadonnees,
            "regions": dataset.region_names,
            "departements": departements,
            "formations": _encoded_in_pieces(columns),
        }
    )


def _encoded_in_pieces(columns: dict[str, Any]) -> dict[str, Any]:
    """``columns`` with each column already encoded, handing over the GIL between two.

    One ``orjson.dumps`` of the whole document would hold the GIL for as long as the
    largest column takes times the number of columns.
    """
    encoded: dict[str, Any] = {}
    for name, column in columns["colonnes"].items():
        encoded[name] = orjson.Fragment(orjson.dumps(column))
        yield_the_gil()
    position = orjson.Fragment(orjson.dumps(columns["position"]))
    return {"nombre": columns["nombre"], "position": position, "colonnes": encoded}


def map_data_entry(dataset: Dataset, max_age_s: int) -> CachedBody:
    """Encode the map data of ``dataset`` as a cache entry, with its br and gzip variants."""
    body = map_data(dataset)
    entry = make_entry(
        body,
        "application/json",
        public_data(max_age_s),
        etag=strong_etag("carte-donnees", dataset.version),
    )
    entry.encoded.update({encoding: compress(body, encoding) for encoding in ("br", "gzip")})
    return entry


def prepare_dataset(dataset: Dataset, max_age_s: int) -> None:
    """Build the map data of a new version, before it is served (loading thread).

    Called by the :class:`~app.dataset.DatasetStore` on every (re)load, so no visitor ever
    waits for it; the entry lives on the dataset itself, out of reach of the LRU's eviction.
    """
    dataset.prepared[DONNEES_CLE] = map_data_entry(dataset, max_age_s)


@router.get(DONNEES_PATH, summary="Données de la carte", include_in_schema=False)
def donnees(
    request: Request,
    settings: Annotated[Settings, Depends(get_app_settings)],
    dataset: Annotated[Dataset, Depends(get_dataset)],
) -> Response:
    """Serve the data of the map, prepared when the dataset version was loaded."""
    entry = dataset.prepared.get(DONNEES_CLE)
    if not isinstance(entry, CachedBody):  # a dataset built without the store's preparation
        entry = dataset.prepared[DONNEES_CLE] = map_data_entry(dataset, settings.cache_max_age_s)
    return dataset_answer(request, dataset, DONNEES_CLE, entry)
