"""OGC API – Features, Part 1 Core, for GIS tools (QGIS, GDAL's OAPIF driver)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL
from starlette.responses import Response

from app.dataset import Dataset
from app.dependencies import (
    FORMATION_QUERY_PARAMETERS,
    MAX_OFFSET,
    formation_filters,
    get_app_settings,
    get_dataset,
)
from app.errors import InvalidParameter, NotFound
from app.filters import FormationFilters
from app.oas30 import document_30
from app.responses import GEOJSON_MEDIA_TYPE, GeoJSONResponse, ORJSONResponse, collection_bytes
from app.routers.api import FormationFeature, error_doc
from app.settings import Settings

COLLECTION_ID: Final = "formations"
DEFAULT_LIMIT: Final = 10
MAX_LIMIT: Final = 10_000
CRS84: Final = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
JSON: Final = "application/json"
OPENAPI_MEDIA_TYPE: Final = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE: Final = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
)
FILTER_PARAMETERS: Final = frozenset(
    {
        "region",
        "departement",
        "type_structure",
        "modalite",
        "duree_min",
        "duree_max",
        "q",
        "lat",
        "lon",
        "rayon_km",
        "bbox",
    }
)

router = APIRouter(prefix="/ogc", tags=["ogc"])


# --------------------------------------------------------------------------- models (docs)


class Link(BaseModel):
    """A link of OGC API resources."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class LandingPage(BaseModel):
    """Landing page of the OGC API."""

    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    """Conformance classes the API implements."""

    conformsTo: list[str]


class SpatialExtent(BaseModel):
    """Bounding boxes of a collection."""

    bbox: list[list[float]]
    crs: str = CRS84


class Extent(BaseModel):
    """Extent of a collection."""

    spatial: SpatialExtent


class Collection(BaseModel):
    """The description of a feature collection."""

    id: str
    title: str
    description: str
    itemType: str = "feature"
    crs: list[str]
    extent: Extent | None = None
    links: list[Link]


class Collections(BaseModel):
    """The list of collections."""

    links: list[Link]
    collections: list[Collection]


class ItemsPage(BaseModel):
    """A page of features."""

    type: Literal["FeatureCollection"]
    timeStamp: str
    numberMatched: int
    numberReturned: int
    links: list[Link]
    features: list[FormationFeature]


class OgcFeature(FormationFeature):
    """A training with its links."""

    links: list[Link]


ERRORS: Final[dict[int | str, dict[str, Any]]] = {400: error_doc("Paramètre invalide.")}


# --------------------------------------------------------------------------- helpers


FormatQuery = Annotated[
    str | None,
    Query(
        alias="f",
        max_length=50,
        description="Format de la réponse : seul `json` est proposé.",
        examples=["json"],
    ),
]


def check_format(f: str | None) -> None:
    """Accept ``f=json`` (and its media-type spellings); refuse other formats with a 400."""
    if f is not None and f.lower() not in ("json", "geojson", JSON, GEOJSON_MEDIA_TYPE):
        raise InvalidParameter("f", "format non proposé ; utilisez f=json")


def check_known_parameters(request: Request, allowed: frozenset[str]) -> None:
    """Refuse unknown query parameters (OGC API Features /req/core/query-param-unknown)."""
    for name in request.query_params:
        if name not in allowed:
            raise InvalidParameter(name, f"paramètre inconnu « {name[:40]} »")


def public_url(request: Request) -> URL:
    """Return the URL of this request as clients see it (``Settings.public_url`` behind a proxy)."""
    configured = request.app.state.settings.public_url
    if configured is None:
        return request.url
    base = str(configured).rstrip("/")
    query = f"?{request.url.query}" if request.url.query else ""
    return URL(f"{base}{request.url.path}{query}")


def site_url(request: Request) -> str:
    """Return the absolute root URL of the site (no trailing slash)."""
    configured = request.app.state.settings.public_url
    return str(configured or request.base_url).rstrip("/")


def base_url(request: Request) -> str:
    """Return the absolute URL of the OGC API root, as clients reach it."""
    return f"{site_url(request)}{router.prefix}"


def json_answer(content: Any, settings: Settings) -> Response:
    """Answer JSON with the service's caching headers."""
    return ORJSONResponse(
        content, headers={"Cache-Control": f"public, max-age={settings.cache_max_age_s}"}
    )


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
)
async def landing(
    request: Request,
    settings: Annotated[Settings, Depends(get_app_settings)],
    f: FormatQuery = None,
) -> Response:
    """Landing page: links to the API definition, the conformance classes and the data."""
    check_format(f)
    check_known_parameters(request, frozenset({"f"}))
    root = base_url(request)
    site = site_url(request)
    return json_answer(
        {
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
        settings,
    )


@router.get(
    "/conformance", summary="Classes de conformité", response_model=Conformance, responses=ERRORS
)
async def conformance(
    request: Request,
    settings: Annotated[Settings, Depends(get_app_settings)],
    f: FormatQuery = None,
) -> Response:
    """Conformance classes: Core, GeoJSON, OpenAPI 3.0."""
    check_format(f)
    check_known_parameters(request, frozenset({"f"}))
    return json_answer({"conformsTo": list(CONFORMANCE)}, settings)


@router.get(
    "/api",
    summary="Définition de l'API (OpenAPI 3.0)",
    response_class=ORJSONResponse,
    responses={200: {"content": {OPENAPI_MEDIA_TYPE: {}}}, **ERRORS},
)
async def api_definition(
    request: Request,
    settings: Annotated[Settings, Depends(get_app_settings)],
    f: FormatQuery = None,
) -> Response:
    """Return the API definition as OpenAPI 3.0.3, as the ``oas30`` conformance class says."""
    check_format(f)
    check_known_parameters(request, frozenset({"f"}))
    document = getattr(request.app.state, "openapi_30", None)
    if document is None:  # made once per application: the routes do not change
        document = await run_in_threadpool(document_30, request.app.openapi())
        request.app.state.openapi_30 = document
    return ORJSONResponse(
        document,
        media_type=OPENAPI_MEDIA_TYPE,
        headers={"Cache-Control": f"public, max-age={settings.cache_max_age_s}"},
    )


@router.get("/collections", summary="Collections", response_model=Collections, responses=ERRORS)
async def collections(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    f: FormatQuery = None,
) -> Response:
    """List the one collection, ``formations``."""
    check_format(f)
    check_known_parameters(request, frozenset({"f"}))
    root = base_url(request)
    return json_answer(
        {
            "links": [{"href": f"{root}/collections", "rel": "self", "type": JSON}],
            "collections": [collection_description(dataset, root)],
        },
        settings,
    )


@router.get(
    "/collections/{collection_id}",
    summary="Une collection",
    response_model=Collection,
    responses={404: error_doc("Collection inconnue."), **ERRORS},
)
async def collection(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    collection_id: Annotated[str, Path(description="Identifiant de la collection.")],
    f: FormatQuery = None,
) -> Response:
    """Describe the ``formations`` collection, with its CRS84 extent."""
    check_format(f)
    check_known_parameters(request, frozenset({"f"}))
    _check_collection(collection_id)
    return json_answer(collection_description(dataset, base_url(request)), settings)


def _check_collection(collection_id: str) -> None:
    if collection_id != COLLECTION_ID:
        raise NotFound(
            f"collection « {collection_id[:80]} » inconnue ; seule « formations » existe"
        )


def _items_page(
    dataset: Dataset, filters: FormationFilters, limit: int, offset: int, request: Request
) -> bytes:
    selection = dataset.select(filters)
    features = dataset.feature_bytes(selection, offset, offset + limit)
    returned = max(0, min(limit, len(selection) - offset))
    url = public_url(request)
    links = [
        {"href": str(url), "rel": "self", "type": GEOJSON_MEDIA_TYPE, "title": "Cette page"},
        {
            "href": f"{base_url(request)}/collections/{COLLECTION_ID}",
            "rel": "collection",
            "type": JSON,
        },
    ]
    if offset + limit < len(selection):
        links.append(
            {
                "href": str(url.include_query_params(limit=limit, offset=offset + limit)),
                "rel": "next",
                "type": GEOJSON_MEDIA_TYPE,
                "title": "Page suivante",
            }
        )
    if offset > 0:
        links.append(
            {
                "href": str(url.include_query_params(limit=limit, offset=max(0, offset - limit))),
                "rel": "prev",
                "type": GEOJSON_MEDIA_TYPE,
                "title": "Page précédente",
            }
        )
    members = {
        "timeStamp": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "numberMatched": len(selection),
        "numberReturned": returned,
        "links": links,
    }
    return collection_bytes(features, members)


@router.get(
    "/collections/{collection_id}/items",
    summary="Formations (pages GeoJSON)",
    openapi_extra={"parameters": FORMATION_QUERY_PARAMETERS},
    response_model=ItemsPage,
    response_class=GeoJSONResponse,
    responses={
        404: error_doc("Collection inconnue."),
        **ERRORS,
    },
)
async def items(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    filters: Annotated[FormationFilters, Depends(formation_filters)],
    collection_id: Annotated[str, Path(description="Identifiant de la collection.")],
    limit: Annotated[
        int,
        Query(
            ge=1,
            description=f"Taille de la page (défaut {DEFAULT_LIMIT}, au plus {MAX_LIMIT} : "
            "une valeur plus grande est ramenée à ce maximum).",
            examples=[100],
        ),
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int,
        Query(ge=0, le=MAX_OFFSET, description="Nombre de formations à sauter.", examples=[0]),
    ] = 0,
    f: FormatQuery = None,
) -> Response:
    """Return a page of trainings matching the filters, with ``next``/``prev`` links."""
    check_format(f)
    check_known_parameters(request, FILTER_PARAMETERS | {"limit", "offset", "f"})
    _check_collection(collection_id)
    limit = min(limit, MAX_LIMIT)
    body = await run_in_threadpool(_items_page, dataset, filters, limit, offset, request)
    return Response(
        body,
        media_type=GEOJSON_MEDIA_TYPE,
        headers={"Cache-Control": f"public, max-age={settings.cache_max_age_s}"},
    )


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="Une formation",
    response_model=OgcFeature,
    response_class=GeoJSONResponse,
    responses={
        404: error_doc("Formation ou collection inconnue."),
        **ERRORS,
    },
)
async def item(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    collection_id: Annotated[str, Path(description="Identifiant de la collection.")],
    feature_id: Annotated[str, Path(description="Identifiant de la formation.")],
    f: FormatQuery = None,
) -> Response:
    """One training, with links to itself and to its collection."""
    check_format(f)
    check_known_parameters(request, frozenset({"f"}))
    _check_collection(collection_id)
    encoded = dataset.feature(feature_id)
    if encoded is None:
        raise NotFound(f"aucune formation n'a l'identifiant « {feature_id[:80]} »", "featureId")
    root = base_url(request)
    feature = orjson.loads(encoded)
    feature["links"] = [
        {"href": str(public_url(request)), "rel": "self", "type": GEOJSON_MEDIA_TYPE},
        {"href": f"{root}/collections/{COLLECTION_ID}", "rel": "collection", "type": JSON},
    ]
    return Response(
        orjson.dumps(feature),
        media_type=GEOJSON_MEDIA_TYPE,
        headers={"Cache-Control": f"public, max-age={settings.cache_max_age_s}"},
    )
