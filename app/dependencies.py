"""FastAPI dependencies: the settings and resources of ``app.state``, and query parameters.

Other routers read the dataset with ``dataset: Annotated[Dataset, Depends(get_dataset)]``
and the search criteria with ``filters: Annotated[FormationFilters, Depends(formation_filters)]``.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Final, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import QueryParams

from app.columns import (
    NIVEAU_VALUES,
    PUBLIC_VISE_VALUES,
    YES_NO_VALUES,
    parse_iso_date,
    parse_yes_no,
)
from app.dataset import Dataset
from app.errors import DatasetUnavailable, InvalidParameter
from app.exports import FILE_FORMATS, AnswerFormat, Colonnes, ColonnesName
from app.filters import (
    FACET_FIELDS,
    MAX_MULTI_VALUES,
    YES_NO_FIELDS,
    BBox,
    FormationFilters,
    Near,
    parse_bbox,
    split_values,
)
from app.policy import REVALIDATE, public_data
from app.settings import Settings
from app.store import DatasetStore
from app.territoires import DEPARTEMENTS, REGIONS
from geo.schema import MODALITE_LABELS, TYPE_STRUCTURE_LABELS

if TYPE_CHECKING:
    from geo.gazetteer import Gazetteer

MAX_RAYON_KM: Final = 20_000.0
MAX_DUREE: Final = 1_000
MAX_OFFSET: Final = 1_000_000_000
MAX_Q_LENGTH: Final = 200
TYPE_STRUCTURE_VALUES: Final = tuple(t.value for t in TYPE_STRUCTURE_LABELS)
MODALITE_VALUES: Final = tuple(m.value for m in MODALITE_LABELS)
#: Every région and département code is valid, with trainings or not (the official lists).
REGION_VALUES: Final = tuple(REGIONS)
DEPARTEMENT_VALUES: Final = tuple(DEPARTEMENTS)
#: Valid values of each code parameter: the schema's enums and the official lists.
CODE_VALUES: Final[dict[str, tuple[str, ...]]] = {
    "region": REGION_VALUES,
    "departement": DEPARTEMENT_VALUES,
    "type_structure": TYPE_STRUCTURE_VALUES,
    "modalite": MODALITE_VALUES,
    "niveau_sortie": NIVEAU_VALUES,
    "public_vise": PUBLIC_VISE_VALUES,
}
#: OpenAPI schemas of the parameters whose text the model takes as is and
#: :func:`formation_filters` reads (yes/no, dates): what a client may send.
PARAMETER_SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    **{name: {"type": "string", "enum": list(YES_NO_VALUES)} for name in YES_NO_FIELDS},
    "session_avant": {"type": "string", "format": "date"},
}
#: The time zone of « today » for ``session_avant``.
PARIS: Final = ZoneInfo("Europe/Paris")
#: A ``bbox`` as OpenAPI can check it: four decimal numbers (ranges and order are checked after).
BBOX_PATTERN: Final = r"^\s*-?\d+(\.\d+)?\s*(,\s*-?\d+(\.\d+)?\s*){3}$"
ModelT = TypeVar("ModelT", bound=BaseModel)


# --------------------------------------------------------------------------- app.state


async def get_app_settings(request: Request) -> Settings:
    """Return the settings the app was created with (``app.state.settings``)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_dataset_store(request: Request) -> DatasetStore:
    """Return the dataset store of the lifespan; 503 when the lifespan has not run."""
    store: DatasetStore | None = getattr(request.app.state, "datasets", None)
    if store is None:
        raise DatasetUnavailable("les données ne sont pas encore chargées ; réessayez plus tard")
    return store


async def get_dataset(store: Annotated[DatasetStore, Depends(get_dataset_store)]) -> Dataset:
    """Return the current dataset version (a newer data file is looked for every few s)."""
    return store.current()


async def get_gazetteer(request: Request) -> Gazetteer:
    """Return the commune gazetteer loaded by the lifespan; 503 when it could not be loaded."""
    gazetteer: Gazetteer | None = getattr(request.app.state, "gazetteer", None)
    if gazetteer is None:
        raise DatasetUnavailable("la liste des communes n'est pas disponible", "q")
    return gazetteer


# --------------------------------------------------------------------------- parameters


def check_codes(name: str, values: tuple[str, ...]) -> None:
    """Refuse more than :data:`MAX_MULTI_VALUES` values or an unknown one, listing the valid ones.

    The unknown value itself is not repeated: only our own codes are ever echoed.
    """
    allowed = CODE_VALUES[name]
    if len(values) > MAX_MULTI_VALUES:
        raise InvalidParameter(name, f"trop de valeurs (au plus {MAX_MULTI_VALUES})")
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise InvalidParameter(
            name,
            f"{name} : valeur inconnue ; valeurs possibles : {', '.join(allowed)}",
        )


class FormationQuery(BaseModel):
    """The search criteria of a query string, validated in one go; their OpenAPI documentation.

    FastAPI resolves declared query parameters one by one, with type introspection on every
    request (≈ 0.15 ms for these eleven, as much as a whole search on 100,000 rows):
    :func:`formation_filters` reads them from the query string itself and validates this
    model once, and routes document them with :data:`FORMATION_QUERY_PARAMETERS`.
    """

    model_config = ConfigDict(extra="ignore")

    region: list[str] | None = Field(
        None,
        description="Code INSEE de région ; répétable ou séparé par des virgules. Toutes les "
        "régions sont acceptées, avec ou sans formation.",
        examples=["84", "11,84"],
    )
    departement: list[str] | None = Field(
        None,
        description="Code INSEE de département ; répétable ou séparé par des virgules. Tous les "
        "départements sont acceptés, avec ou sans formation.",
        examples=["69", "2A,971"],
    )
    type_structure: list[str] | None = Field(
        None,
        description="Type de structure ; répétable ou séparé par des virgules. Valeurs : "
        + ", ".join(TYPE_STRUCTURE_VALUES)
        + ".",
        examples=["association", "ecole,entreprise"],
    )
    modalite: list[str] | None = Field(
        None,
        description="Modalité ; répétable ou séparée par des virgules. Valeurs : "
        + ", ".join(MODALITE_VALUES)
        + ".",
        examples=["presentiel"],
    )
    niveau_sortie: list[str] | None = Field(
        None,
        description="Niveau de sortie (cadre national des certifications) ; répétable ou "
        "séparé par des virgules. Valeurs : " + ", ".join(NIVEAU_VALUES) + ".",
        examples=["3,4", "sans_niveau"],
    )
    public_vise: list[str] | None = Field(
        None,
        description="Public visé ; répétable ou séparé par des virgules ; une formation "
        "convient quand sa liste contient l'une des valeurs. Valeurs : "
        + ", ".join(PUBLIC_VISE_VALUES)
        + ".",
        examples=["demandeurs_emploi,salaries"],
    )
    certifiante: str | None = Field(
        None,
        description="`oui` : formations menant à une certification (RNCP ou RS) ; `non` : "
        "les autres. `true` et `false` sont acceptés.",
        examples=["oui"],
    )
    alternance: str | None = Field(
        None,
        description="`oui` : formations en alternance ; `non` : hors alternance ; une "
        "formation qui ne le dit pas n'est jamais retenue. `true` et `false` sont acceptés.",
        examples=["non"],
    )
    session_avant: str | None = Field(
        None,
        description="Date `AAAA-MM-JJ` : formations ayant une session qui commence au plus tard "
        "ce jour-là et n'est pas finie (fin inconnue, ou aujourd'hui ou plus tard ; "
        "aujourd'hui à Paris).",
        examples=["2027-01-31"],
    )
    duree_min: int | None = Field(
        None, ge=0, le=MAX_DUREE, description="Durée minimale en mois (incluse).", examples=[6]
    )
    duree_max: int | None = Field(
        None, ge=0, le=MAX_DUREE, description="Durée maximale en mois (incluse).", examples=[12]
    )
    q: str | None = Field(
        None,
        max_length=MAX_Q_LENGTH,
        description="Texte cherché dans l'intitulé, la structure et la commune ; insensible "
        "aux accents et à la casse ; tous les mots doivent être présents.",
        examples=["développeur web lyon"],
    )
    lat: float | None = Field(
        None,
        ge=-90,
        le=90,
        allow_inf_nan=False,
        description="Latitude WGS84 du point de recherche (avec `lon`).",
        examples=[45.764],
    )
    lon: float | None = Field(
        None,
        ge=-180,
        le=180,
        allow_inf_nan=False,
        description="Longitude WGS84 du point de recherche (avec `lat`).",
        examples=[4.8357],
    )
    rayon_km: float | None = Field(
        None,
        gt=0,
        le=MAX_RAYON_KM,
        allow_inf_nan=False,
        description="Rayon de recherche en kilomètres autour de `lat`/`lon` ; les formations "
        "portent alors `distance_km` et sont triées de la plus proche à la plus lointaine.",
        examples=[30],
    )
    bbox: str | None = Field(
        None,
        max_length=200,
        pattern=BBOX_PATTERN,
        description="Emprise `minLon,minLat,maxLon,maxLat` (WGS84) : longitudes entre -180 et "
        "180, latitudes entre -90 et 90, minLat ≤ maxLat.",
        examples=["2.2,48.8,2.5,48.95"],
    )


#: Parameters of :class:`FormationQuery` that may be repeated (``?region=11&region=84``).
_REPEATABLE: Final = frozenset(FACET_FIELDS)


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI ``parameters`` of a query model, as FastAPI writes them for ``Query()`` ones.

    Code parameters are documented as arrays of their valid values (:data:`CODE_VALUES`),
    sent as repeated parameters; a comma-separated list is also accepted.
    """
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema["properties"].items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": field_schema,
            "description": field_schema.get("description"),
        }
        if name in CODE_VALUES:
            parameter["schema"] = {
                "type": "array",
                "items": {"type": "string", "enum": list(CODE_VALUES[name])},
                "maxItems": MAX_MULTI_VALUES,
                "description": field_schema.get("description"),
                "examples": [example.split(",") for example in field_schema["examples"]],
            }
            parameter["style"] = "form"
            parameter["explode"] = True
        elif name in PARAMETER_SCHEMAS:
            parameter["schema"] = {
                **PARAMETER_SCHEMAS[name],
                "description": field_schema.get("description"),
                "examples": field_schema["examples"],
            }
        parameters.append(parameter)
    return parameters


#: For a route's ``openapi_extra={"parameters": …}`` when it depends on ``formation_filters``.
FORMATION_QUERY_PARAMETERS: Final = query_parameters(FormationQuery)


def parse_query(model: type[ModelT], params: QueryParams, repeatable: frozenset[str]) -> ModelT:
    """Validate ``model`` from a query string; raise FastAPI's ``RequestValidationError``.

    Repeatable parameters keep every value; of the others the last one counts, as FastAPI does.
    """
    raw: dict[str, Any] = {}
    for name in model.model_fields:
        if name in repeatable:
            values = params.getlist(name)
            if values:
                raw[name] = values
        else:
            value = params.get(name)
            if value is not None:
                raw[name] = value
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("query", *error["loc"])} for error in exc.errors()]
        ) from None


def today_of(settings: Settings) -> date:
    """Return the day ``session_avant`` counts from: ``settings.today``, else today in Paris."""
    return settings.today or datetime.now(PARIS).date()


def search_cache_control(settings: Settings, filters: FormationFilters) -> str:
    """``Cache-Control`` of a search answer: kept ``cache_max_age_s``, or revalidated.

    An answer that depends on the day is revalidated on each use: its ETag carries the day,
    so it never outlives it.
    """
    if filters.depends_on_today:
        return REVALIDATE
    return public_data(settings.cache_max_age_s)


def _yes_no(name: str, text: str | None) -> bool | None:
    if text is None:
        return None
    try:
        return parse_yes_no(text)
    except ValueError as exc:
        raise InvalidParameter(name, f"{name} : {exc}") from None


def _session_avant(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return parse_iso_date(text)
    except ValueError as exc:
        raise InvalidParameter("session_avant", f"session_avant : {exc}") from None


async def formation_filters(request: Request) -> FormationFilters:
    """Parse and validate the search criteria shared by the API, the OGC items and the pages."""
    query = parse_query(FormationQuery, request.query_params, _REPEATABLE)
    codes: dict[str, Any] = {name: split_values(getattr(query, name)) for name in FACET_FIELDS}
    for name, values in codes.items():
        check_codes(name, values)
    yes_no: dict[str, Any] = {name: _yes_no(name, getattr(query, name)) for name in YES_NO_FIELDS}
    session_avant = _session_avant(query.session_avant)
    aujourdhui = None if session_avant is None else today_of(request.app.state.settings)
    duree_min, duree_max = query.duree_min, query.duree_max
    if duree_min is not None and duree_max is not None and duree_min > duree_max:
        raise InvalidParameter("duree_min", "duree_min doit être inférieure ou égale à duree_max")
    lat, lon, rayon_km = query.lat, query.lon, query.rayon_km
    near = None
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        raise InvalidParameter(missing, "lat et lon doivent être donnés ensemble")
    if lat is not None and lon is not None:
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise InvalidParameter("lat", "coordonnées non finies")
        near = Near(lon=lon, lat=lat, rayon_km=rayon_km)
    elif rayon_km is not None:
        raise InvalidParameter("rayon_km", "rayon_km demande aussi lat et lon")
    box: BBox | None = None
    if query.bbox is not None and query.bbox.strip():
        try:
            box = parse_bbox(query.bbox)
        except ValueError as exc:
            raise InvalidParameter("bbox", str(exc)) from None
    return FormationFilters(
        **codes,
        **yes_no,
        duree_min=duree_min,
        duree_max=duree_max,
        session_avant=session_avant,
        aujourdhui=aujourdhui,
        q=query.q,
        near=near,
        bbox=box,
    )


class AnswerQuery(BaseModel):
    """How ``/api/formations`` writes its answer: format and page (see :class:`FormationQuery`)."""

    model_config = ConfigDict(extra="ignore")

    format: AnswerFormat = Field(
        "geojson",
        description="`geojson` (défaut), ou un fichier à télécharger (en-tête "
        "`Content-Disposition` dont le nom dit la sélection, p. ex. "
        "`formations-gen-region-84-2026-11-30.csv`) : "
        + " ; ".join(f"`{name}` : {spec.description}" for name, spec in FILE_FORMATS.items()),
        examples=["csv"],
    )
    colonnes: ColonnesName = Field(
        Colonnes.LIBELLES.value,
        description="Pour `csv` et `xlsx` : `libelles` (défaut), en-têtes et valeurs en "
        "français ; `codes`, codes des champs et valeurs brutes (listes séparées par `;`, "
        "sessions `2027-01-05/2027-06-30`, `..` pour une date inconnue).",
        examples=["codes"],
    )
    limit: int | None = Field(
        None,
        ge=1,
        le=MAX_OFFSET,
        description="Nombre maximal de formations renvoyées (toutes par défaut).",
        examples=[50],
    )
    offset: int = Field(
        0,
        ge=0,
        le=MAX_OFFSET,
        description="Nombre de formations à sauter (pagination).",
        examples=[0],
    )


#: For ``openapi_extra`` of a route depending on ``answer_query``.
ANSWER_QUERY_PARAMETERS: Final = query_parameters(AnswerQuery)


async def answer_query(request: Request) -> AnswerQuery:
    """Parse and validate ``format``, ``colonnes``, ``limit`` and ``offset``."""
    return parse_query(AnswerQuery, request.query_params, frozenset())


def canonical_query(filters: FormationFilters, **extra: Any) -> str:
    """Return a stable text for a query: sorted criteria plus ``extra`` (format, limit…).

    It keys cached answers and their ETags: a search that depends on the day carries the day.
    """
    items = filters.canonical_items()
    if filters.depends_on_today and filters.aujourdhui is not None:
        items.append(("aujourdhui", filters.aujourdhui.isoformat()))
    items.extend((k, str(v)) for k, v in extra.items() if v is not None)
    return "&".join(f"{k}={v}" for k, v in sorted(items))
