"""``/api/formations/pistes``: what would widen a thin selection (see :mod:`app.pistes`).

Its own router, included before :mod:`app.routers.api`, whose ``/formations/{id}`` would
otherwise take ``pistes`` for an id; the import never gives a training that id
(:data:`geo.importer.ids.RESERVED_IDS`).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.dataset import Dataset
from app.dependencies import (
    FORMATION_QUERY_PARAMETERS,
    canonical_query,
    formation_filters,
    get_app_settings,
    get_dataset,
)
from app.filters import FormationFilters
from app.pistes import (
    MAX_SUGGESTED_RADIUS_KM,
    NEAREST_COUNT,
    RADIUS_STEP_KM,
    THIN_BELOW,
    Widening,
    widening,
)
from app.policy import public_data
from app.responses import dataset_answer, make_entry, strong_etag
from app.routers.api import ERRORS
from app.routers.api import _build_limiter as build_limiter  # one pool for both routers
from app.settings import Settings

router = APIRouter(prefix="/api", tags=["api"])


class FormationProche(BaseModel):
    """A training beyond the radius."""

    id: str = Field(description="Identifiant de la formation.", examples=["GEN-0001"])
    distance_km: float = Field(
        description="Distance au point de recherche, arrondie au dixième.", examples=[32.8]
    )


class PlusProches(BaseModel):
    """The nearest matches beyond the radius, and a radius that takes them in."""

    formations: list[FormationProche] = Field(
        description=f"Les {NEAREST_COUNT} formations (au plus) qui répondent à tous les autres "
        "critères, au-delà du rayon, de la plus proche à la plus lointaine."
    )
    rayon_suggere_km: int | None = Field(
        description="Rayon qui les prend toutes : la distance de la plus lointaine arrondie au "
        f"multiple de {RADIUS_STEP_KM} km supérieur, {MAX_SUGGESTED_RADIUS_KM} km au plus ; "
        "null si un tel rayon n'ajouterait aucune formation.",
        examples=[35],
    )


class Relachement(BaseModel):
    """A criterion whose removal alone gives more trainings."""

    parametre: str = Field(description="Paramètre de la requête à retirer.", examples=["duree_max"])
    nombre: int = Field(description="Nombre de formations sans ce critère.", examples=[12])


class PistesAnswer(BaseModel):
    """What would widen the selection."""

    nombre: int = Field(description="Nombre de formations de la sélection.", examples=[0])
    plus_proches: PlusProches | None = Field(
        description="Seulement quand `rayon_km` est donné et que la sélection compte moins de "
        f"{THIN_BELOW} formations ; null sinon."
    )
    relachements: list[Relachement] = Field(
        description="Chaque critère actif dont le retrait, seul, donne plus de formations, "
        "de celui qui en donne le plus à celui qui en donne le moins. La position "
        "(`lat`, `lon`, `rayon_km`) n'en fait pas partie : voir `plus_proches`."
    )


EXAMPLE: dict[str, Any] = {
    "nombre": 0,
    "plus_proches": {
        "formations": [
            {"id": "GEN-0042", "distance_km": 32.8},
            {"id": "GEN-0107", "distance_km": 34.1},
            {"id": "GEN-0013", "distance_km": 41.5},
        ],
        "rayon_suggere_km": 45,
    },
    "relachements": [{"parametre": "duree_max", "nombre": 2}],
}


DESCRIPTION = (
    "Mêmes paramètres que `/api/formations`. Quand la sélection est vide ou maigre (moins de "
    f"{THIN_BELOW} formations) autour d'un point avec `rayon_km`, les {NEAREST_COUNT} formations "
    "les plus proches au-delà du rayon et un rayon qui les prend toutes ; pour chaque critère "
    "actif dont le retrait seul donne plus de formations, le nombre obtenu sans lui. La carte "
    "fait le même calcul avec les mêmes constantes."
)


def pistes_answer(dataset: Dataset, filters: FormationFilters) -> dict[str, Any]:
    """Build the JSON answer: :func:`app.pistes.widening`, ids, distances to the tenth."""
    found: Widening = widening(dataset.index, filters)
    plus_proches = None
    if found.nearest is not None:
        nearest = found.nearest
        plus_proches = {
            "formations": [
                {"id": dataset.features[int(row)]["id"], "distance_km": round(float(distance), 1)}
                for row, distance in zip(nearest.rows, nearest.distances, strict=True)
            ],
            "rayon_suggere_km": nearest.radius_km,
        }
    return {
        "nombre": found.count,
        "plus_proches": plus_proches,
        "relachements": [{"parametre": name, "nombre": count} for name, count in found.relaxations],
    }


@router.get(
    "/formations/pistes",
    summary="Pistes pour élargir une sélection",
    description=DESCRIPTION,
    openapi_extra={"parameters": FORMATION_QUERY_PARAMETERS},
    response_model=PistesAnswer,
    responses={
        200: {
            "description": "Ce qui élargirait la sélection.",
            "content": {"application/json": {"example": EXAMPLE}},
        },
        304: {"description": "Non modifié (`If-None-Match`)."},
        **ERRORS,
    },
)
async def pistes(
    request: Request,
    dataset: Annotated[Dataset, Depends(get_dataset)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    filters: Annotated[FormationFilters, Depends(formation_filters)],
) -> Response:
    """Say what would widen the selection of the same query on ``/api/formations``."""
    key = "pistes?" + canonical_query(filters)
    entry = dataset.cache.get(key)
    if entry is None:
        # One selection per active criterion, and with a radius maybe a pass over every
        # training for the nearest beyond it: a thread unless it is surely quick.
        answer = partial(pistes_answer, dataset, filters)
        radius = filters.near is not None and filters.near.rayon_km is not None
        if dataset.quick_to_select(filters) and not radius:
            body = answer()
        else:
            body = await anyio.to_thread.run_sync(answer, limiter=build_limiter(request))
        entry = dataset.cache.put(
            key,
            make_entry(
                orjson.dumps(body),
                "application/json",
                public_data(settings.cache_max_age_s),
                etag=strong_etag(dataset.version, key),
            ),
        )
    return dataset_answer(request, dataset, key, entry)
