"""``/api/communes``: the communes a typed text means, and the commune a point is near.

Both serve the « near me » search: the first finds the commune a visitor types, the second
names a search point that a shared address holds only as coordinates.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.dependencies import get_app_settings, get_gazetteer
from app.errors import InvalidParameter
from app.policy import public_data
from app.responses import json_answer
from app.routers.api import ERRORS, error_doc
from app.settings import Settings
from geo.commune_query import (
    POSITION_MAX_KM,
    commune_near,
    find_communes,
    is_named,
    postcode_for,
)

router = APIRouter(prefix="/api", tags=["api"])

#: Two characters at least once spaces around are removed.
COMMUNE_QUERY_PATTERN: Final = r"^\s*\S[\s\S]*\S\s*$"


class CommunePlace(BaseModel):
    """A commune: its name, codes and centre."""

    nom: str
    code_postal: str | None
    code_insee: str
    departement: str
    departement_nom: str
    lon: float
    lat: float


class CommuneAnswer(CommunePlace):
    """A commune found by the autocomplete."""

    nom_exact: bool = Field(
        description="Le nom tapé est exactement celui de cette commune (aux accents, à la casse "
        "et aux traits d'union près) : quand une seule commune le porte, elle peut être prise "
        "sans choisir dans la liste."
    )


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
            description="Nom de la commune (ou son début), code postal (ou son début), ou les "
            "deux : « Roubaix 59100 », « 59100 Roubaix », « Roubaix (59) » (département) ; "
            "insensible aux accents, à la casse et aux traits d'union (2 caractères au moins).",
            examples=["villeurb", "690", "Roubaix 59100", "Roubaix (59)"],
        ),
    ],
    limit: Annotated[
        int, Query(ge=1, le=50, description="Nombre maximal de communes.", examples=[10])
    ] = 10,
) -> Response:
    """Communes a typed text means (name, postcode or both), for the « near me » search."""
    # ASCII classes: every text the documented (ECMAScript) pattern accepts is accepted here
    # (Python alone would count U+001C–U+001F and U+0085 as spaces).
    if not re.fullmatch(COMMUNE_QUERY_PATTERN, q, re.ASCII):
        raise InvalidParameter("q", "tapez au moins 2 caractères")
    query, found = find_communes(gazetteer, q, limit)
    answer = [
        {**_place(commune, query.code), "nom_exact": is_named(commune, query.nom)}
        for commune in found
    ]
    return json_answer(request, answer, public_data(settings.cache_max_age_s))


@router.get(
    "/communes/position",
    summary="Commune d'un point",
    description="La commune dont le centre est le plus proche du point (une ville plutôt que "
    f"ses arrondissements), s'il est à moins de {POSITION_MAX_KM:g} km ; au-delà, la commune "
    "dont le territoire contient le point (les plus vastes, en Guyane) ; sinon une liste vide "
    "(en mer, hors de France). Sert à nommer le point d'une recherche « près de… ».",
    response_model=list[CommunePlace],
    responses={503: error_doc("Communes indisponibles."), **ERRORS},
)
def commune_position(
    request: Request,
    gazetteer: Annotated[Any, Depends(get_gazetteer)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    lat: Annotated[
        float,
        Query(ge=-90, le=90, allow_inf_nan=False, description="Latitude WGS84.", examples=[45.76]),
    ],
    lon: Annotated[
        float,
        Query(
            ge=-180, le=180, allow_inf_nan=False, description="Longitude WGS84.", examples=[4.84]
        ),
    ],
) -> Response:
    """Name a point: the nearest commune centre within POSITION_MAX_KM, else its boundary's."""
    commune = commune_near(gazetteer, lon, lat)
    answer = [] if commune is None else [_place(commune, "")]
    return json_answer(request, answer, public_data(settings.cache_max_age_s))


def _place(commune: Any, code: str) -> dict[str, Any]:
    """Write a commune as the API answers it (:class:`CommunePlace`); postcode: ``code``'s."""
    return {
        "nom": commune.nom,
        "code_postal": postcode_for(commune, code),
        "code_insee": commune.code_insee,
        "departement": commune.departement,
        "departement_nom": commune.departement_nom,
        "lon": commune.lon,
        "lat": commune.lat,
    }
