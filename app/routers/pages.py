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
from app.bundle import page_scripts
from app.cache import CachedBody
from app.columns import FILTER_LABELS, session_pairs, yes_no_code
from app.dataset import PAUSE_EVERY_FEATURES, Dataset
from app.dependencies import get_app_settings, get_dataset
from app.map.about import load_about, publisher_of
from app.map.builder import (
    FONDS_DE_CARTE,
    MEDIA_TELEPHONE,
    build_map,
    client_config,
    render_map,
)
from app.map.icones import icon_sources, legend_icons
from app.map.premiers import first_markers, places_of
from app.pieces import free_in_pieces, json_in_pieces
from app.policy import REVALIDATE, public_data
from app.responses import compress, dataset_answer, make_entry, strong_etag
from app.settings import PROJECT_ROOT, Settings
from app.store import yield_the_gil
from geo.schema import (
    MODALITE_LABELS,
    NIVEAU_LABELS,
    OFFER_FIELDS,
    OUI_NON_LABELS,
    PROPERTY_FIELDS,
    PUBLIC_VISE_LABELS,
    TYPE_STRUCTURE_LABELS,
)

TEMPLATES = Jinja2Templates(directory=PROJECT_ROOT / "app" / "templates")
DONNEES_PATH: Final = "/carte/donnees.json"
#: Key of the map data among a dataset's prepared artefacts.
DONNEES_CLE: Final = "carte:donnees"
#: Key of the first markers (:func:`dataset_first_markers`) among a dataset's prepared artefacts.
PREMIERS_CLE: Final = "carte:premiers"
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
#: Fields the popup and the list show to say when, how and at what level one can join a
#: training (issue 13, contract C1).
CHAMPS_FICHE: Final = OFFER_FIELDS
#: Properties the page's filters read (``certification`` for ``certifiante``): checked to be sent.
CHAMPS_FILTRES: Final = ("niveau_sortie", "public_vise", "certification", "alternance", "sessions")
#: Properties of each training sent to the map, in schema order.
CHAMPS_CARTE: Final[tuple[str, ...]] = tuple(
    name for name in PROPERTY_FIELDS if name not in HORS_CARTE
)
RAYONS_KM: Final[tuple[int, ...]] = (5, 10, 20, 30, 50, 100, 200)
#: Inline scripts of a page (no ``src``, not a JSON data block, which never runs): each one's
#: hash goes in the CSP.
INLINE_SCRIPT: Final = re.compile(
    r'<script\b(?![^>]*\b(?:src=|type="application/json"))[^>]*>(.*?)</script>', re.DOTALL
)

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


def dataset_first_markers(dataset: Dataset) -> dict[str, list[list[Any]]] | None:
    """Return the first markers of every training (:mod:`app.map.premiers`), once a version."""
    if PREMIERS_CLE not in dataset.prepared:
        index = dataset.index
        lieux = places_of(index.lon, index.lat)
        types = index.type_structure
        kinds = [
            None if code < 0 else types.values[code]
            for code in types.codes[lieux.first_row].tolist()
        ]
        dataset.prepared[PREMIERS_CLE] = first_markers(lieux, kinds)
    premiers: dict[str, list[list[Any]]] | None = dataset.prepared[PREMIERS_CLE]
    return premiers


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
    icones = icon_sources(settings.static_path)
    legende = legend_icons(settings.static_path)
    carte = render_map(
        build_map(
            settings.basemap,
            config,
            page_scripts(settings.static_path, settings.node_modules_path),
            icones=icones,
            premiers=dataset_first_markers(dataset),
        )
    )
    context: dict[str, Any] = {
        "carte": carte,
        "donnees_url": donnees_url,
        "demo": bool(dataset.metadata.get("demo")),
        "modalites": [(str(k), v) for k, v in MODALITE_LABELS.items()],
        "types": [(str(k), v, legende[str(k)]) for k, v in TYPE_STRUCTURE_LABELS.items()],
        "rayons": RAYONS_KM,
        "media_telephone": MEDIA_TELEPHONE,
        "niveaux": [(str(k), v) for k, v in NIVEAU_LABELS.items()],
        "publics": [(str(k), v) for k, v in PUBLIC_VISE_LABELS.items()],
        "oui_non": [(yes_no_code(k), v) for k, v in sorted(OUI_NON_LABELS.items(), reverse=True)],
        "libelles_filtres": FILTER_LABELS,
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


#: The pages rendered when a version is loaded (the others on their first request):
#: template, mode, list shown, filters shown.
PAGES_PREPARED: Final = (("page.html", "page", True, True), ("embed.html", "embed", True, True))


def page_key(template: str, afficher_liste: bool, afficher_filtres: bool) -> str:
    """Key of a rendered page among a dataset's prepared artefacts."""
    return f"page:{template}:{int(afficher_liste)}{int(afficher_filtres)}"


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
    key = page_key(template, afficher_liste, afficher_filtres)
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
    """Return a training as the map reads it: ``id``, ``lon``, ``lat``, its non-null fields.

    Empty lists are left out like nulls; ``sessions`` is sent as ``[[debut, fin], …]`` pairs
    of ISO dates or nulls, as the API's filter reads them (:func:`session_pairs`).
    ``prochaine_session`` is left out of a row that has sessions.
    """
    lon, lat = feature["geometry"]["coordinates"]
    props = feature["properties"]
    row: dict[str, Any] = {"id": feature["id"], "lon": lon, "lat": lat}
    for name in CHAMPS_CARTE:
        value = props.get(name)
        if name == "sessions":
            value = [list(pair) for pair in session_pairs(value)]
        if value is not None and value != []:
            row[name] = value
    # The page works the next session out of the sessions and its own date (the build's may be
    # months old): the build's ``prochaine_session`` only goes where no session is given.
    if row.get("sessions"):
        row.pop("prochaine_session", None)
    return row


def encoded_column(values: list[Any]) -> Any:
    """Encode a column as a plain list, or ``{"valeurs", "codes"}`` when values repeat enough.

    Dictionary encoding (distinct values in first-seen order, then each row's index) is
    chosen when there are at most half as many distinct values as rows: structures, communes,
    enums and shared positions repeat, and fewer bytes are faster for the page to receive and
    to parse. Values are told apart by type too (``1``, ``1.0`` and ``True`` stay distinct),
    lists (``sessions``, ``public_vise``) by their JSON text.
    """
    index: dict[Any, int] = {}
    distinct: list[Any] = []
    codes: list[int] = []
    for value in values:
        # Texts are most values and cannot equal a tuple: only the others need their type. A
        # list cannot be a key: its JSON bytes stand for it (they keep [1] and [true] apart,
        # and bytes never equal a text or a tuple).
        kind = type(value)
        if kind is str:
            key: Any = value
        elif kind is list or kind is dict:
            key = orjson.dumps(value)
        else:
            key = (kind, value)
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
    column, and a field no row has is left out. The position is always dictionary-encoded,
    so its codes number the distinct places (which the page's cluster layer indexes).
    :func:`map_rows` is the inverse.
    """
    places: dict[tuple[float, float], int] = {}
    positions = [places.setdefault((row["lon"], row["lat"]), len(places)) for row in rows]
    present = [name for name in CHAMPS_CARTE if any(name in row for row in rows)]
    return {
        "nombre": len(rows),
        "position": {"valeurs": [list(place) for place in places], "codes": positions},
        "colonnes": {
            "id": [row["id"] for row in rows],
            **{name: encoded_column([row.get(name) for row in rows]) for name in present},
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
            if name in decoded and decoded[name][i] is not None:
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
    pieces: list[bytes] = []
    for name, value in (
        ("metadonnees", metadonnees),
        ("regions", dataset.region_names),
        ("departements", departements),
    ):
        pieces += (b"," if pieces else b"{", orjson.dumps(name), b":", orjson.dumps(value))
    pieces.append(b',"formations":')
    json_in_pieces(columns, pieces)
    pieces.append(b"}")
    free_in_pieces(columns)
    # One join of bytes, which copies with the GIL released: an orjson.dumps of the whole
    # document (even of encoded fragments) held it for tens of ms at 100,000 trainings.
    return b"".join(pieces)


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


def prepare_dataset(dataset: Dataset, settings: Settings, assets: AssetStore | None) -> None:
    """Build the map data and the main pages of a new version, before it is served.

    Called by the :class:`~app.dataset.DatasetStore` on every (re)load (loading thread), so
    no visitor ever waits for them; the entries live on the dataset itself, out of reach of
    the LRU's eviction.
    """
    dataset.prepared[DONNEES_CLE] = map_data_entry(dataset, settings.cache_max_age_s)
    for template, mode, liste, filtres in PAGES_PREPARED:
        dataset.prepared[page_key(template, liste, filtres)] = render_page(
            settings,
            dataset,
            assets,
            template,
            mode=mode,
            afficher_liste=liste,
            afficher_filtres=filtres,
        )


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
