"""The data API: trainings as GeoJSON or CSV, one training, facets."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Final

import anyio
import orjson
from fastapi import APIRouter, Depends, Path, Request
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
    search_cache_control,
)
from app.errors import NotFound
from app.exports import FILE_FORMATS, Colonnes, content_disposition
from app.exports.download import build_download
from app.filters import (
    FACET_FIELDS,
    YES_NO_FIELDS,
    FormationFilters,
    Selection,
    duration_range,
    facet_counts,
    yes_no_code,
)
from app.policy import public_data
from app.responses import (
    GEOJSON_MEDIA_TYPE,
    GeoJSONResponse,
    cached_answer,
    collection_parts,
    dataset_answer,
    make_entry,
    needs_compression,
    strong_etag,
)
from app.routers.api_models import (
    ErrorAnswer,
    FiltersAnswer,
    FormationCollection,
    FormationFeature,
)
from app.settings import Settings
from app.territoires import DEPARTEMENTS, REGIONS
from geo.schema import (
    MODALITE_LABELS,
    NIVEAU_LABELS,
    OUI_NON_LABELS,
    PUBLIC_VISE_LABELS,
    TYPE_STRUCTURE_LABELS,
)

router = APIRouter(prefix="/api", tags=["api"])

#: Threads of one process building or compressing answers at once. The work is CPU-bound
#: and holds the GIL: more threads than this only make them, and the event loop, queue for it.
BUILD_THREADS: Final = 2
#: Threads building downloads at once: a large file (seconds) never holds both build threads.
EXPORT_THREADS: Final = 1


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


def _build_limiter(request: Request) -> anyio.CapacityLimiter:
    """Return the application's limiter of answer-building threads (made on first use)."""
    limiter = getattr(request.app.state, "answer_build_limiter", None)
    if limiter is None:  # no await since the look-up: no other request can interleave
        limiter = request.app.state.answer_build_limiter = anyio.CapacityLimiter(BUILD_THREADS)
    return limiter


def _file_answer(
    dataset: Dataset,
    filters: FormationFilters,
    page: AnswerQuery,
    key: str,
    cache_control: str,
) -> CachedBody:
    """Build a download (CSV, XLSX or LHEO) of the selection, named after it."""
    download = build_download(
        dataset, filters, page.format, Colonnes(page.colonnes), page.limit, page.offset
    )
    return make_entry(
        download.body,
        download.media_type,
        cache_control,
        etag=strong_etag(dataset.version, key),
        headers={"Content-Disposition": content_disposition(download.filename)},
    )


def _export_limiter(request: Request) -> anyio.CapacityLimiter:
    """Return the application's limiter of download-building threads (made on first use)."""
    limiter = getattr(request.app.state, "export_build_limiter", None)
    if limiter is None:  # no await since the look-up: no other request can interleave
        limiter = request.app.state.export_build_limiter = anyio.CapacityLimiter(EXPORT_THREADS)
    return limiter


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
    page: AnswerQuery,
    key: str,
    cache_control: str,
) -> CachedBody:
    """Build an answer on the event loop when it is surely quick, else in a worker thread.

    Most searches (a region, a radius…) take a fraction of a millisecond, less than the
    hand-off to a thread; a text search, a large page or a download go to a thread.
    """
    limit, offset = page.limit, page.offset
    if page.format in FILE_FORMATS:
        download = partial(_file_answer, dataset, filters, page, key, cache_control)
        return await anyio.to_thread.run_sync(download, limiter=_export_limiter(request))
    limiter = _build_limiter(request)
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
    summary="Formations (GeoJSON, CSV, XLSX ou LHEO)",
    openapi_extra={"parameters": ANSWER_QUERY_PARAMETERS + FORMATION_QUERY_PARAMETERS},
    response_model=FormationCollection,
    response_class=GeoJSONResponse,
    responses={
        200: {
            "content": {
                spec.media_type: {"schema": {"type": "string", "format": "binary"}}
                for spec in FILE_FORMATS.values()
            },
            "description": "FeatureCollection GeoJSON ; avec `format=csv`, `xlsx` ou `lheo`, "
            "un fichier à télécharger, nommé d'après la sélection.",
            "headers": {
                "Content-Disposition": {
                    "description": 'Pour un fichier : `attachment; filename="…"` (RFC 6266), '
                    "p. ex. `formations-gen-region-84-2026-11-30.csv` (critères actifs puis "
                    "date des données) ; `filename*` (UTF-8) s'y ajoute quand le nom n'est pas "
                    "en ASCII. Absent en GeoJSON.",
                    "schema": {"type": "string"},
                }
            },
        },
        304: {"description": "Non modifié (`If-None-Match`)."},
        404: error_doc("`format=lheo` d'une sélection vide : LHEO demande une formation au moins."),
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
    spec = FILE_FORMATS.get(page.format)
    colonnes = page.colonnes if spec is not None and spec.table else None
    key = canonical_query(
        filters, format=page.format, limit=page.limit, offset=page.offset, colonnes=colonnes
    )
    entry = dataset.cache.get(key)
    if entry is None:
        cache_control = search_cache_control(settings, filters)
        entry = await _built_answer(request, dataset, filters, page, key, cache_control)
        dataset.cache.put(key, entry)
    # The fast path keys answers by the raw query for the dataset's version only: an answer
    # that changes with the day is not remembered there.
    remember = not filters.depends_on_today
    if needs_compression(request, entry):  # first compressed request: off the event loop
        answer = partial(dataset_answer, request, dataset, key, entry, remember=remember)
        return await anyio.to_thread.run_sync(answer, limiter=_build_limiter(request))
    return dataset_answer(request, dataset, key, entry, remember=remember)


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


#: Facets whose every value is listed, with 0 when no training has it (closed vocabularies).
_ALL_VALUES_LISTED: Final = frozenset(
    ("type_structure", "modalite", "niveau_sortie", "public_vise", *YES_NO_FIELDS)
)
_YES_NO_LABELS: Final = {yes_no_code(value): label for value, label in OUI_NON_LABELS.items()}


def _selected(filters: FormationFilters, name: str) -> tuple[str, ...]:
    """Return the codes of a facet or yes/no criterion the search sets."""
    value = getattr(filters, name)
    if isinstance(value, bool):
        return (yes_no_code(value),)
    return tuple(value or ())


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
        "niveau_sortie": {k.value: v for k, v in NIVEAU_LABELS.items()},
        "public_vise": {k.value: v for k, v in PUBLIC_VISE_LABELS.items()},
        **dict.fromkeys(YES_NO_FIELDS, _YES_NO_LABELS),
    }
    facets: dict[str, Any] = {}
    for name in (*FACET_FIELDS, *YES_NO_FIELDS):
        names = labels[name]
        values = set(counts[name]) | set(names if name in _ALL_VALUES_LISTED else ())
        values |= set(_selected(filters, name))  # a selected value stays visible with 0
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
                search_cache_control(settings, filters),
                etag=strong_etag(dataset.version, key),
            ),
        )
    return dataset_answer(request, dataset, key, entry, remember=not filters.depends_on_today)
