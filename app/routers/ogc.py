"""OGC API – Features, Part 1 Core, for GIS tools (QGIS, GDAL's OAPIF driver)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final
from urllib.parse import quote, urlencode

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from app.dataset import Dataset
from app.dependencies import (
    FORMATION_QUERY_PARAMETERS,
    MAX_OFFSET,
    FormationQuery,
    canonical_query,
    formation_filters,
    get_app_settings,
    get_dataset,
)
from app.errors import InvalidParameter, NotFound
from app.filters import FormationFilters
from app.oas30 import document_30
from app.policy import REVALIDATE
from app.responses import (
    GEOJSON_MEDIA_TYPE,
    GeoJSONResponse,
    ORJSONResponse,
    cached_answer,
    collection_bytes,
    dataset_answer,
    make_entry,
    strong_etag,
)
from app.routers.api import error_doc
from app.routers.ogc_links import (
    OGC_PREFIX,
    items_cache_control,
    links_cache_control,
    ogc_root,
    site_root,
)
from app.routers.ogc_models import (
    CRS84,
    Collection,
    Collections,
    Conformance,
    ItemsPage,
    LandingPage,
    OgcFeature,
    Queryables,
)
from app.routers.ogc_queryables import (
    QUERYABLES_MEDIA_TYPE,
    QUERYABLES_REL,
    SchemaJSONResponse,
    queryables_document,
)
from app.settings import Settings

COLLECTION_ID: Final = "formations"
DEFAULT_LIMIT: Final = 10
MAX_LIMIT: Final = 10_000
JSON: Final = "application/json"
OPENAPI_MEDIA_TYPE: Final = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE: Final = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
)


#: The search criteria items take: those of the API (OGC /req/core/query-param-unknown).
FILTER_PARAMETERS: Final = frozenset(FormationQuery.model_fields)

router = APIRouter(prefix=OGC_PREFIX, tags=["ogc"])


ERRORS: Final[dict[int | str, dict[str, Any]]] = {400: error_doc("Paramètre invalide.")}


# --------------------------------------------------------------------------- helpers


FormatQuery = Annotated[
    str | None,
    Query(
        alias="f",
        max_length=50,
        pattern=r"^(json|geojson|application/json|application/geo\+json)$",
        description="Format de la réponse : seul `json` est proposé.",
        examples=["json"],
    ),
]


def check_format(f: FormatQuery = None) -> None:
    """Accept ``f=json`` (and its media-type spellings); refuse other formats with a 400."""
    if f is not None and f.lower() not in ("json", "geojson", JSON, GEOJSON_MEDIA_TYPE):
        raise InvalidParameter("f", "format non proposé ; utilisez f=json")


def known_parameters(*allowed: str) -> Callable[[Request], None]:
    """Dependency refusing query parameters other than ``allowed`` and ``f`` (400).

    OGC API Features /req/core/query-param-unknown.
    """
    names = frozenset((*allowed, "f"))

    def check_known_parameters(request: Request) -> None:
        for name in request.query_params:
            if name not in names:
                raise InvalidParameter(name, f"paramètre inconnu « {name[:40]} »")

    return check_known_parameters


def check_collection(
    collection_id: Annotated[
        str,
        Path(
            description="Identifiant de la collection (seule `formations` existe).",
            examples=[COLLECTION_ID],
        ),
    ],
) -> None:
    """Refuse any collection but ``formations`` with a 404."""
    if collection_id != COLLECTION_ID:
        raise NotFound(
            f"collection « {collection_id[:80]} » inconnue ; seule « formations » existe"
        )


#: The checks every OGC route makes, as route dependencies.
ONLY_F: Final = [Depends(check_format), Depends(known_parameters())]
ONE_COLLECTION: Final = [*ONLY_F, Depends(check_collection)]
ITEMS_CHECKS: Final = [
    Depends(check_format),
    Depends(known_parameters(*FILTER_PARAMETERS, "limit", "offset")),
    Depends(check_collection),
]


def ogc_entry(
    request: Request,
    dataset: Dataset,
    settings: Settings,
    key: str,
    build: Callable[[], Any],
    media_type: str = JSON,
) -> Response:
    """Answer a document of the OGC API, made once per dataset version and link root."""
    key = f"ogc:{key}@{ogc_root(request, settings)}"
    entry = dataset.cache.get(key)
    if entry is None:
        body = orjson.dumps(build(), option=orjson.OPT_SERIALIZE_NUMPY)
        entry = dataset.cache.put(key, make_entry(body, media_type, links_cache_control(settings)))
    # links from the socket's address are not the same for every request: not remembered
    return dataset_answer(request, dataset, key, entry, remember=settings.public_url is not None)


def collection_description(dataset: Dataset, root: str) -> dict[str, Any]:
    """Describe the ``formations`` collection with its CRS84 extent."""
    items = f"{root}/collections/{COLLECTION_ID}/items"
    description: dict[str, Any] = {
        "id": COLLECTION_ID,
        "title": dataset.metadata.get("titre") or "Formations labellisées GEN",
        "description": "Formations labellisées par la Grande École du Numérique, une par point.",
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            {"href": f"{root}/collections/{COLLECTION_ID}", "rel": "self", "type": JSON},
            {"href": items, "rel": "items", "type": GEOJSON_MEDIA_TYPE, "title": "Formations"},
            {
                "href": f"{root}/collections/{COLLECTION_ID}/queryables",
                "rel": QUERYABLES_REL,
                "type": QUERYABLES_MEDIA_TYPE,
                "title": "Paramètres de filtre",
            },
        ],
    }
    if dataset.bounds is not None:
        description["extent"] = {"spatial": {"bbox": [dataset.bounds], "crs": CRS84}}
    return description


# --------------------------------------------------------------------------- routes


@router.get(
    "",
    name="ogc_landing",
    summary="Page d'accueil OGC API",
    response_model=LandingPage,
    responses=ERRORS,
    dependencies=ONLY_F,
)
async def landing(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> Response:
    """Landing page: links to the API definition, the conformance classes and the data."""
    root = ogc_root(request, settings)
    site = site_root(request, settings)
    return ogc_entry(
        request,
        dataset,
        settings,
        "landing",
        lambda: {
            "title": "Carte GEN — OGC API Features",
            "description": "Formations labellisées par la Grande École du Numérique.",
            "links": [
                {"href": root, "rel": "self", "type": JSON, "title": "Cette page"},
                {
                    "href": f"{root}/api",
                    "rel": "service-desc",
                    "type": OPENAPI_MEDIA_TYPE,
                    "title": "Définition de l'API (OpenAPI)",
                },
                {
                    "href": f"{site}/docs",
                    "rel": "service-doc",
                    "type": "text/html",
                    "title": "Documentation de l'API",
                },
                {
                    "href": f"{root}/conformance",
                    "rel": "conformance",
                    "type": JSON,
                    "title": "Classes de conformité",
                },
                {
                    "href": f"{root}/collections",
                    "rel": "data",
                    "type": JSON,
                    "title": "Collections",
                },
            ],
        },
    )


@router.get(
    "/conformance",
    summary="Classes de conformité",
    response_model=Conformance,
    responses=ERRORS,
    dependencies=ONLY_F,
)
async def conformance(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> Response:
    """Conformance classes: Core, GeoJSON, OpenAPI 3.0."""
    return ogc_entry(
        request, dataset, settings, "conformance", lambda: {"conformsTo": list(CONFORMANCE)}
    )


@router.get(
    "/api",
    summary="Définition de l'API (OpenAPI 3.0)",
    response_class=ORJSONResponse,
    responses={200: {"content": {OPENAPI_MEDIA_TYPE: {}}}, **ERRORS},
    dependencies=ONLY_F,
)
async def api_definition(request: Request) -> Response:
    """Return the API definition as OpenAPI 3.0.3, as the ``oas30`` conformance class says."""
    entry = getattr(request.app.state, "openapi_30", None)
    if entry is None:  # made once per application: the routes do not change
        document = await run_in_threadpool(document_30, request.app.openapi())
        entry = make_entry(orjson.dumps(document), OPENAPI_MEDIA_TYPE, REVALIDATE)
        request.app.state.openapi_30 = entry
    return cached_answer(request, entry, None)


@router.get(
    "/collections",
    summary="Collections",
    response_model=Collections,
    responses=ERRORS,
    dependencies=ONLY_F,
)
async def collections(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> Response:
    """List the one collection, ``formations``."""
    root = ogc_root(request, settings)
    return ogc_entry(
        request,
        dataset,
        settings,
        "collections",
        lambda: {
            "links": [{"href": f"{root}/collections", "rel": "self", "type": JSON}],
            "collections": [collection_description(dataset, root)],
        },
    )


@router.get(
    "/collections/{collection_id}",
    summary="Une collection",
    response_model=Collection,
    responses={404: error_doc("Collection inconnue."), **ERRORS},
    dependencies=ONE_COLLECTION,
)
async def collection(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> Response:
    """Describe the ``formations`` collection, with its CRS84 extent."""
    root = ogc_root(request, settings)
    return ogc_entry(
        request, dataset, settings, "collection", lambda: collection_description(dataset, root)
    )


@router.get(
    "/collections/{collection_id}/queryables",
    summary="Paramètres de filtre (queryables)",
    response_model=Queryables,
    response_class=SchemaJSONResponse,
    responses={404: error_doc("Collection inconnue."), **ERRORS},
    dependencies=ONE_COLLECTION,
)
async def queryables(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> Response:
    """Describe the filter parameters the items take, as a JSON Schema (OGC API Part 3)."""
    root = ogc_root(request, settings)
    return ogc_entry(
        request,
        dataset,
        settings,
        "queryables",
        lambda: queryables_document(root),
        media_type=QUERYABLES_MEDIA_TYPE,
    )


def items_url(root: str, filters: FormationFilters, limit: int, offset: int) -> str:
    """URL of a page of items, with the criteria in their canonical order and spelling."""
    query = [*filters.canonical_items(), ("limit", str(limit))]
    if offset:
        query.append(("offset", str(offset)))
    return f"{root}/collections/{COLLECTION_ID}/items?{urlencode(query)}"


def _items_page(
    dataset: Dataset, filters: FormationFilters, limit: int, offset: int, root: str
) -> bytes:
    selection = dataset.select(filters)
    features = dataset.feature_bytes(selection, offset, offset + limit)
    returned = max(0, min(limit, len(selection) - offset))
    links = [
        {
            "href": items_url(root, filters, limit, offset),
            "rel": "self",
            "type": GEOJSON_MEDIA_TYPE,
            "title": "Cette page",
        },
        {"href": f"{root}/collections/{COLLECTION_ID}", "rel": "collection", "type": JSON},
    ]
    if offset + limit < len(selection):
        links.append(
            {
                "href": items_url(root, filters, limit, offset + limit),
                "rel": "next",
                "type": GEOJSON_MEDIA_TYPE,
                "title": "Page suivante",
            }
        )
    if offset > 0:
        links.append(
            {
                "href": items_url(root, filters, limit, max(0, offset - limit)),
                "rel": "prev",
                "type": GEOJSON_MEDIA_TYPE,
                "title": "Page précédente",
            }
        )
    members = {
        # the time of the data this page was made from: the page, and so its ETag, are stable
        "timeStamp": dataset_time(dataset),
        "numberMatched": len(selection),
        "numberReturned": returned,
        "links": links,
    }
    return collection_bytes(features, members)


def dataset_time(dataset: Dataset) -> str:
    """Load time of a dataset version, as an RFC 3339 UTC date-time (``…Z``)."""
    return dataset.loaded_at.replace("+00:00", "Z")


@router.get(
    "/collections/{collection_id}/items",
    summary="Formations (pages GeoJSON)",
    openapi_extra={"parameters": FORMATION_QUERY_PARAMETERS},
    response_model=ItemsPage,
    response_class=GeoJSONResponse,
    responses={404: error_doc("Collection inconnue."), **ERRORS},
    dependencies=ITEMS_CHECKS,
)
async def items(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    filters: Annotated[FormationFilters, Depends(formation_filters)],
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_OFFSET,
            description=f"Taille de la page (défaut {DEFAULT_LIMIT}, au plus {MAX_LIMIT} : "
            "une valeur plus grande est ramenée à ce maximum).",
            examples=[100],
        ),
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int,
        Query(ge=0, le=MAX_OFFSET, description="Nombre de formations à sauter.", examples=[0]),
    ] = 0,
) -> Response:
    """Return a page of trainings matching the filters, with ``next``/``prev`` links."""
    limit = min(limit, MAX_LIMIT)
    root = ogc_root(request, settings)
    key = f"ogc:items@{root}?" + canonical_query(filters, limit=limit, offset=offset)
    entry = dataset.cache.get(key)
    if entry is None:
        body = await run_in_threadpool(_items_page, dataset, filters, limit, offset, root)
        entry = dataset.cache.put(
            key,
            make_entry(
                body,
                GEOJSON_MEDIA_TYPE,
                items_cache_control(settings, filters),
                etag=strong_etag(dataset.version, key),
            ),
        )
    # links from the socket's address are not the same for every request, nor is an answer
    # that depends on the day: neither is remembered by the fast path
    remember = settings.public_url is not None and not filters.depends_on_today
    return dataset_answer(request, dataset, key, entry, remember=remember)


@router.get(
    "/collections/{collection_id}/items/{feature_id:path}",
    summary="Une formation",
    response_model=OgcFeature,
    response_class=GeoJSONResponse,
    responses={404: error_doc("Formation ou collection inconnue."), **ERRORS},
    dependencies=ONE_COLLECTION,
)
async def item(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    feature_id: Annotated[
        str,
        Path(max_length=200, description="Identifiant de la formation.", examples=["GEN-0001"]),
    ],
) -> Response:
    """One training, with links to itself and to its collection."""
    encoded = dataset.feature(feature_id)
    if encoded is None:
        raise NotFound(f"aucune formation n'a l'identifiant « {feature_id[:80]} »", "featureId")
    root = ogc_root(request, settings)
    feature = orjson.loads(encoded)
    items = f"{root}/collections/{COLLECTION_ID}/items"
    feature["links"] = [
        {
            "href": f"{items}/{quote(feature_id, safe='')}",
            "rel": "self",
            "type": GEOJSON_MEDIA_TYPE,
        },
        {"href": f"{root}/collections/{COLLECTION_ID}", "rel": "collection", "type": JSON},
    ]
    entry = make_entry(orjson.dumps(feature), GEOJSON_MEDIA_TYPE, links_cache_control(settings))
    return cached_answer(request, entry, None)
