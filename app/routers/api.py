"""The data API: trainings as GeoJSON or CSV, one training, facets, commune autocomplete."""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated, Any, Final

import anyio
import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from app.cache import CachedBody
from app.dataset import Dataset
from app.dependencies import (
    ANSWER_QUERY_PARAMETERS,
    FORMATION_QUERY_PARAMETERS,
    AnswerQuery,
    answer_query,
    canonical_query,
    formation_filters,
    get_app_settings,
    get_dataset,
    get_gazetteer,
)
from app.errors import InvalidParameter, NotFound
from app.filters import FACET_FIELDS, FormationFilters, Selection, duration_range, facet_counts
from app.policy import public_data
from app.responses import (
    CSV_MEDIA_TYPE,
    GEOJSON_MEDIA_TYPE,
    GeoJSONResponse,
    cached_answer,
    collection_parts,
    csv_bytes,
    dataset_answer,
    json_answer,
    make_entry,
    needs_compression,
    strong_etag,
)
from app.routers.api_models import (
    CommuneAnswer,
    ErrorAnswer,
    FiltersAnswer,
    FormationCollection,
    FormationFeature,
)
from app.settings import Settings
from app.territoires import DEPARTEMENTS, REGIONS
from geo.schema import (
    MODALITE_LABELS,
    PROPERTY_FIELDS,
    TYPE_STRUCTURE_LABELS,
)

router = APIRouter(prefix="/api", tags=["api"])

#: Threads of one process building or compressing answers at once. The work is CPU-bound
#: and holds the GIL: more threads than this only make them, and the event loop, queue for it.
BUILD_THREADS: Final = 2
#: Two characters at least once spaces around are removed.
COMMUNE_QUERY_PATTERN: Final = r"^\s*\S[\s\S]*\S\s*$"


def error_doc(description: str) -> dict[str, Any]:
    """OpenAPI description of an error answer (always ``application/json``, whatever the route)."""
    return {
        "model": ErrorAnswer,
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorAnswer"}}},
    }


ERRORS: dict[int | str, dict[str, Any]] = {
    400: error_doc("Paramètre invalide."),
    422: error_doc("Paramètre mal formé."),
}


# --------------------------------------------------------------------------- routes


def _csv_entry(
    dataset: Dataset, filters: FormationFilters, limit: int | None, offset: int
) -> bytes:
    selection = dataset.select(filters)
    rows = selection.indices[offset : None if limit is None else offset + limit]
    distances = (
        None
        if selection.distances is None
        else selection.distances[offset : None if limit is None else offset + limit]
    )
    header = ["id", "lon", "lat", *PROPERTY_FIELDS]
    if distances is not None:
        header.append("distance_km")

    def lines() -> Any:
        for position, row in enumerate(rows):
            feature = dataset.features[row]
            props = feature["properties"]
            lon, lat = feature["geometry"]["coordinates"]
            line = [feature["id"], lon, lat, *(props.get(name) for name in PROPERTY_FIELDS)]
            if distances is not None:
                line.append(round(float(distances[position]), 1))
            yield line

    return csv_bytes(header, lines())


def _build_limiter(request: Request) -> anyio.CapacityLimiter:
    """Return the application's limiter of answer-building threads (made on first use)."""
    limiter = getattr(request.app.state, "answer_build_limiter", None)
    if limiter is None:  # no await since the look-up: no other request can interleave
        limiter = request.app.state.answer_build_limiter = anyio.CapacityLimiter(BUILD_THREADS)
    return limiter


def _csv_answer(
    dataset: Dataset,
    filters: FormationFilters,
    limit: int | None,
    offset: int,
    key: str,
    cache_control: str,
) -> CachedBody:
    return make_entry(
        _csv_entry(dataset, filters, limit, offset),
        CSV_MEDIA_TYPE,
        cache_control,
        etag=strong_etag(dataset.version, key),
        headers={"Content-Disposition": 'attachment; filename="formations-gen.csv"'},
    )


def _geojson_answer(
    dataset: Dataset,
    selection: Selection,
    limit: int | None,
    offset: int,
    key: str,
    cache_control: str,
) -> CachedBody:
    stop = None if limit is None else offset + limit
    before, after = collection_parts(
        {"metadonnees": dataset.metadata, "nombre_total": len(selection)}
    )
    return make_entry(
        dataset.feature_bytes(selection, offset, stop, before=before, after=after),
        GEOJSON_MEDIA_TYPE,
        cache_control,
        etag=strong_etag(dataset.version, key),
    )


def _selected_geojson_answer(
    dataset: Dataset,
    filters: FormationFilters,
    limit: int | None,
    offset: int,
    key: str,
    cache_control: str,
) -> CachedBody:
    return _geojson_answer(dataset, dataset.select(filters), limit, offset, key, cache_control)


async def _built_answer(
    request: Request,
    dataset: Dataset,
    filters: FormationFilters,
    limit: int | None,
    offset: int,
    output: str,
    key: str,
    cache_control: str,
) -> CachedBody:
    """Build an answer on the event loop when it is surely quick, else in a worker thread.

    Most searches (a region, a radius…) take a fraction of a millisecond, less than the
    hand-off to a thread; a text search, a CSV or a large page go to a thread.
    """
    limiter = _build_limiter(request)
    if output == "csv":
        csv_answer = partial(_csv_answer, dataset, filters, limit, offset, key, cache_control)
        return await anyio.to_thread.run_sync(csv_answer, limiter=limiter)
    if not dataset.quick_to_select(filters):
        answer = partial(
            _selected_geojson_answer, dataset, filters, limit, offset, key, cache_control
        )
        return await anyio.to_thread.run_sync(answer, limiter=limiter)
    selection = dataset.select(filters)
    if dataset.quick_to_join(selection, offset, None if limit is None else offset + limit):
        return _geojson_answer(dataset, selection, limit, offset, key, cache_control)
    answer = partial(_geojson_answer, dataset, selection, limit, offset, key, cache_control)
    return await anyio.to_thread.run_sync(answer, limiter=limiter)


@router.get(
    "/formations",
    summary="Formations (GeoJSON ou CSV)",
    openapi_extra={"parameters": ANSWER_QUERY_PARAMETERS + FORMATION_QUERY_PARAMETERS},
    response_model=FormationCollection,
    response_class=GeoJSONResponse,
    responses={
        200: {
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
            "description": "FeatureCollection GeoJSON, ou CSV si `format=csv`.",
        },
        304: {"description": "Non modifié (`If-None-Match`)."},
        **ERRORS,
    },
)
async def formations(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    filters: Annotated[FormationFilters, Depends(formation_filters)],
    page: Annotated[AnswerQuery, Depends(answer_query)],
) -> Response:
    """Trainings matching the filters, nearest first when a point is given."""
    limit, offset, format = page.limit, page.offset, page.format
    key = canonical_query(filters, format=format, limit=limit, offset=offset)
    entry = dataset.cache.get(key)
    if entry is None:
        cache_control = public_data(settings.cache_max_age_s)
        entry = await _built_answer(
            request, dataset, filters, limit, offset, format, key, cache_control
        )
        dataset.cache.put(key, entry)
    if needs_compression(request, entry):  # first compressed request: off the event loop
        answer = partial(dataset_answer, request, dataset, key, entry)
        return await anyio.to_thread.run_sync(answer, limiter=_build_limiter(request))
    return dataset_answer(request, dataset, key, entry)


@router.get(
    "/formations/{formation_id:path}",
    summary="Une formation",
    response_model=FormationFeature,
    response_class=GeoJSONResponse,
    responses={404: error_doc("Formation inconnue."), **ERRORS},
)
async def formation(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    formation_id: Annotated[
        str, Path(max_length=200, description="Identifiant de la formation.", examples=["GEN-0001"])
    ],
) -> Response:
    """One training by its id."""
    encoded = dataset.feature(formation_id)
    if encoded is None:
        raise NotFound(f"aucune formation n'a l'identifiant « {formation_id[:80]} »", "id")
    entry = make_entry(
        encoded,
        GEOJSON_MEDIA_TYPE,
        public_data(settings.cache_max_age_s),
        etag=strong_etag(dataset.version, "id", formation_id),
    )
    return cached_answer(request, entry, None)


def _facets(dataset: Dataset, filters: FormationFilters) -> dict[str, Any]:
    counts = facet_counts(dataset.index, filters)
    labels: dict[str, dict[str, str]] = {
        "region": {**REGIONS, **dataset.region_names},
        "departement": {
            **{code: nom for code, (nom, _) in DEPARTEMENTS.items()},
            **dataset.departement_names,
        },
        "type_structure": {k.value: v for k, v in TYPE_STRUCTURE_LABELS.items()},
        "modalite": {k.value: v for k, v in MODALITE_LABELS.items()},
    }
    facets: dict[str, Any] = {}
    for name in FACET_FIELDS:
        names = labels[name]
        values = set(counts[name]) | set(names if name in ("type_structure", "modalite") else ())
        values |= set(getattr(filters, name))  # a selected value stays visible with 0
        facets[name] = [
            {
                "valeur": value,
                "libelle": names.get(value, value),
                "nombre": counts[name].get(value, 0),
            }
            for value in sorted(values)
        ]
    low, high = duration_range(dataset.index, filters)
    facets["duree_mois"] = {"min": low, "max": high}
    return {"filtres": facets, "metadonnees": dataset.metadata}


@router.get(
    "/filtres",
    summary="Valeurs des filtres (facettes)",
    openapi_extra={"parameters": FORMATION_QUERY_PARAMETERS},
    response_model=FiltersAnswer,
    responses=ERRORS,
)
async def filtres(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    filters: Annotated[FormationFilters, Depends(formation_filters)],
) -> Response:
    """For each filter, its values with French labels and counts under the other filters."""
    key = "filtres?" + canonical_query(filters)
    entry = dataset.cache.get(key)
    if entry is None:
        answer = await run_in_threadpool(_facets, dataset, filters)
        entry = dataset.cache.put(
            key,
            make_entry(
                orjson.dumps(answer),
                "application/json",
                public_data(settings.cache_max_age_s),
                etag=strong_etag(dataset.version, key),
            ),
        )
    return dataset_answer(request, dataset, key, entry)


@router.get(
    "/communes",
    summary="Recherche de communes",
    response_model=list[CommuneAnswer],
    responses={503: error_doc("Communes indisponibles."), **ERRORS},
)
def communes(
    request: Request,
    gazetteer: Annotated[Any, Depends(get_gazetteer)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    q: Annotated[
        str,
        Query(
            max_length=100,
            # checked in the route, for a 400 in plain French; documented for clients here
            json_schema_extra={"minLength": 2, "pattern": COMMUNE_QUERY_PATTERN},
            description="Début du nom de la commune ou du code postal (2 caractères au moins).",
            examples=["villeurb", "690"],
        ),
    ],
    limit: Annotated[
        int, Query(ge=1, le=50, description="Nombre maximal de communes.", examples=[10])
    ] = 10,
) -> Response:
    """Communes whose name or postcode starts with ``q``, for the « near me » search."""
    text = q.strip()
    if not re.fullmatch(COMMUNE_QUERY_PATTERN, q):
        raise InvalidParameter("q", "tapez au moins 2 caractères")
    found = gazetteer.autocomplete(text, limit=limit)
    answer = []
    for commune in found:
        postcodes = list(commune.codes_postaux)
        if text.isdigit():
            postcodes = [c for c in postcodes if c.startswith(text)] or postcodes
        answer.append(
            {
                "nom": commune.nom,
                "code_postal": postcodes[0] if postcodes else None,
                "code_insee": commune.code_insee,
                "departement": commune.departement,
                "departement_nom": commune.departement_nom,
                "lon": commune.lon,
                "lat": commune.lat,
            }
        )
    return json_answer(request, answer, public_data(settings.cache_max_age_s))
