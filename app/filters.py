"""Pure filtering of trainings: parameter parsing helpers, criterion masks, facets, CSV cells.

Nothing here does I/O or knows about HTTP: the functions work on a :class:`FilterIndex`
(numpy columns built once per dataset version) and a :class:`FormationFilters` value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from pydantic import TypeAdapter, ValidationError

from app.columns import (
    CodeColumn,
    FacetColumn,
    ListColumn,
    SessionColumn,
    yes_no_code,
)
from geo.geodesy import EARTH_RADIUS_KM, distances_km
from geo.text import fold

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Multi-valued code filters (repeatable, comma-separated), whose values ``/api/filtres``
#: counts (facets). ``public_vise`` matches a training whose list holds any of the values.
FACET_FIELDS: Final[tuple[str, ...]] = (
    "region",
    "departement",
    "type_structure",
    "modalite",
    "niveau_sortie",
    "public_vise",
)
#: Yes/no filters (one value), counted in facets too: ``certifiante`` says whether the
#: training has a certification, ``alternance`` is its own yes/no field (null never matches).
YES_NO_FIELDS: Final[tuple[str, ...]] = ("certifiante", "alternance")
#: Most values one multi-valued parameter may name (a longer list is refused).
MAX_MULTI_VALUES: Final = 200


@dataclass(frozen=True, slots=True)
class BBox:
    """A WGS84 bounding box; ``min_lon > max_lon`` means it crosses the antimeridian."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def as_list(self) -> list[float]:
        """``[minLon, minLat, maxLon, maxLat]``."""
        return [self.min_lon, self.min_lat, self.max_lon, self.max_lat]


@dataclass(frozen=True, slots=True)
class Near:
    """A search point and an optional radius in kilometres."""

    lon: float
    lat: float
    rayon_km: float | None = None


@dataclass(frozen=True, slots=True)
class FormationFilters:
    """Every criterion of a training search; empty tuples and ``None`` mean « any ».

    Code that is generic over the criteria (canonical queries, cache keys, dropping one
    criterion) reads :func:`dataclasses.fields`: a new criterion needs no list of its own.
    """

    region: tuple[str, ...] = ()
    departement: tuple[str, ...] = ()
    type_structure: tuple[str, ...] = ()
    modalite: tuple[str, ...] = ()
    niveau_sortie: tuple[str, ...] = ()
    public_vise: tuple[str, ...] = ()
    certifiante: bool | None = None
    alternance: bool | None = None
    duree_min: int | None = None
    duree_max: int | None = None
    #: A session starting on or before this day and not over on :attr:`aujourdhui`.
    session_avant: date | None = None
    q: str | None = None
    near: Near | None = None
    bbox: BBox | None = None
    #: The day a session is « not over » on (``fin`` null or ≥ it): today in Europe/Paris,
    #: given by the query parser with ``session_avant``. Not a query parameter.
    aujourdhui: date | None = field(default=None, metadata={"parametre": False})
    words: tuple[str, ...] = field(init=False, metadata={"parametre": False})

    def __post_init__(self) -> None:
        if self.session_avant is not None and self.aujourdhui is None:
            raise ValueError("session_avant needs aujourdhui (the reference day)")
        object.__setattr__(self, "words", tuple(dict.fromkeys(fold(self.q or "").split())))

    @property
    def depends_on_today(self) -> bool:
        """Whether the answer changes with the day (a cached answer must not outlive it)."""
        return self.session_avant is not None

    def active(self) -> tuple[str, ...]:
        """Names of the criteria set (fields of this class: ``near`` covers lat/lon/rayon_km)."""
        names = []
        for spec in fields(self):
            if (
                spec.metadata.get("parametre", True)
                and getattr(self, spec.name) != spec.default
                and (spec.name != "q" or self.words)
            ):
                names.append(spec.name)
        return tuple(names)

    def without(self, name: str) -> FormationFilters:
        """Return the same search without the criterion ``name`` (see :meth:`active`)."""
        default: Any = next(spec.default for spec in fields(self) if spec.name == name)
        return replace(self, **{name: default})

    def canonical_items(self) -> list[tuple[str, str]]:
        """Active criteria as sorted ``(parameter, value)`` pairs: equal searches, equal items.

        They are query parameters (OGC links are made of them); the reference day of
        ``session_avant`` is not one: cache keys add it (see :meth:`depends_on_today`).
        """
        items: list[tuple[str, str]] = []
        for name in self.active():
            items.extend(_canonical_items(name, getattr(self, name), self))
        return sorted(items)


def _canonical_items(name: str, value: Any, filters: FormationFilters) -> list[tuple[str, str]]:
    """Return the ``(parameter, value)`` pairs of one criterion, by the type of its value."""
    if isinstance(value, Near):
        items = [("lat", repr(value.lat)), ("lon", repr(value.lon))]
        if value.rayon_km is not None:
            items.append(("rayon_km", repr(value.rayon_km)))
        return items
    if isinstance(value, BBox):
        return [(name, ",".join(repr(v) for v in value.as_list()))]
    if isinstance(value, tuple):
        return [(name, ",".join(sorted(value)))]
    if isinstance(value, bool):
        return [(name, yes_no_code(value))]
    if isinstance(value, date):
        return [(name, value.isoformat())]
    if name == "q":
        return [(name, " ".join(filters.words))]
    return [(name, str(value))]


# --------------------------------------------------------------------------- parsing helpers


def split_values(values: Iterable[str] | None) -> tuple[str, ...]:
    """Split repeated and comma-separated values, strip them, drop empties and duplicates."""
    seen: dict[str, None] = {}
    for value in values or ():
        for part in value.split(","):
            part = part.strip()
            if part:
                seen[part] = None
    return tuple(seen)


#: Numbers of a bbox are read like ``lat``/``lon`` (the query model's float): one grammar for
#: every number of a query string, which the page's filter script reproduces.
_COORDINATE: Final = TypeAdapter(float)


def parse_bbox(text: str) -> BBox:
    """Parse ``minLon,minLat,maxLon,maxLat`` (WGS84); raise ``ValueError`` with a French message.

    A box whose ``minLon`` is greater than its ``maxLon`` crosses the antimeridian (OGC API).
    """
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 4:
        raise ValueError(
            "quatre nombres séparés par des virgules sont attendus : minLon,minLat,maxLon,maxLat"
        )
    numbers = []
    for part in parts:
        try:
            number = _COORDINATE.validate_python(part)
        except ValidationError:
            raise ValueError(f"« {part[:20]} » n'est pas un nombre") from None
        if not math.isfinite(number):
            raise ValueError("les coordonnées doivent être des nombres finis")
        numbers.append(number)
    min_lon, min_lat, max_lon, max_lat = numbers
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ValueError("les longitudes doivent être comprises entre -180 et 180")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise ValueError("les latitudes doivent être comprises entre -90 et 90")
    if min_lat > max_lat:
        raise ValueError("minLat doit être inférieure ou égale à maxLat")
    return BBox(min_lon, min_lat, max_lon, max_lat)


def french_decimal(value: float) -> str:
    """Write a number with a decimal comma, as French spreadsheets read it (NaN → empty)."""
    if not math.isfinite(value):
        return ""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value).replace(".", ",")


# --------------------------------------------------------------------------- index and masks


@dataclass(frozen=True, slots=True, eq=False)
class LatitudeBands:
    """Row numbers, latitudes and longitudes, sorted by latitude (for radius searches)."""

    rows: IntArray
    lat: FloatArray
    lon: FloatArray

    @classmethod
    def of(cls, lon: FloatArray, lat: FloatArray) -> LatitudeBands:
        """Sort the columns of a dataset by latitude."""
        order = np.argsort(lat, kind="stable").astype(np.intp)
        return cls(order, lat[order], lon[order])


@dataclass(frozen=True, slots=True, eq=False)
class FilterIndex:
    """Columns of a dataset laid out for vectorised filtering (one row per feature)."""

    region: CodeColumn
    departement: CodeColumn
    type_structure: CodeColumn
    modalite: CodeColumn
    duree: FloatArray  # NaN when unknown
    lon: FloatArray
    lat: FloatArray
    text: tuple[str, ...]  # folded « intitule structure commune »
    niveau_sortie: CodeColumn
    public_vise: ListColumn
    certifiante: CodeColumn  # oui/non
    alternance: CodeColumn  # oui/non, null when unknown
    sessions: SessionColumn
    #: Returns the indices of rows inside a (non-crossing) box; a spatial index in the service.
    box_query: Callable[[float, float, float, float], IntArray] | None = None
    #: The rows sorted by latitude: a radius search reads one band of them (two binary
    #: searches) instead of every row. ``None``: scan every row.
    bands: LatitudeBands | None = None

    def __len__(self) -> int:
        return len(self.lon)


def _box_mask_of_rows(index: FilterIndex, box: BBox, rows: IntArray) -> BoolArray:
    lon, lat = index.lon[rows], index.lat[rows]
    inside_lat = (lat >= box.min_lat) & (lat <= box.max_lat)
    if box.min_lon <= box.max_lon:
        return inside_lat & (lon >= box.min_lon) & (lon <= box.max_lon)
    return inside_lat & ((lon >= box.min_lon) | (lon <= box.max_lon))  # crosses the antimeridian


def _box_mask(index: FilterIndex, box: BBox) -> BoolArray:
    boxes = (
        [(box.min_lon, box.min_lat, box.max_lon, box.max_lat)]
        if box.min_lon <= box.max_lon
        else [
            (box.min_lon, box.min_lat, 180.0, box.max_lat),
            (-180.0, box.min_lat, box.max_lon, box.max_lat),
        ]
    )
    mask = np.zeros(len(index), dtype=bool)
    for min_lon, min_lat, max_lon, max_lat in boxes:
        if index.box_query is not None:
            mask[index.box_query(min_lon, min_lat, max_lon, max_lat)] = True
        else:
            mask |= (
                (index.lon >= min_lon)
                & (index.lon <= max_lon)
                & (index.lat >= min_lat)
                & (index.lat <= max_lat)
            )
    return mask


def _text_mask(index: FilterIndex, words: tuple[str, ...], rows: IntArray | None) -> BoolArray:
    texts = index.text
    chosen = texts if rows is None else [texts[row] for row in rows.tolist()]
    return np.fromiter(
        (all(word in text for word in words) for text in chosen), dtype=bool, count=len(chosen)
    )


def _facet_column(index: FilterIndex, name: str) -> FacetColumn:
    column: FacetColumn = getattr(index, name)
    return column


def _facet_criteria(filters: FormationFilters) -> list[tuple[str, Sequence[str]]]:
    """Return the active facet and yes/no criteria, as the codes their columns hold."""
    criteria: list[tuple[str, Sequence[str]]] = []
    for name in FACET_FIELDS:
        values = getattr(filters, name)
        if values:
            criteria.append((name, values))
    for name in YES_NO_FIELDS:
        value = getattr(filters, name)
        if value is not None:
            criteria.append((name, (yes_no_code(value),)))
    return criteria


def criterion_masks(
    index: FilterIndex,
    filters: FormationFilters,
    distances: FloatArray | None = None,
    *,
    rows: IntArray | None = None,
) -> dict[str, BoolArray]:
    """One boolean mask per active criterion (keys: criterion names, ``duree``, ``q``…).

    With ``rows``, the masks cover those rows only, and the radius is left out: the caller
    chose ``rows`` by distance already (see :func:`select`).
    """
    masks: dict[str, BoolArray] = {}
    for name, values in _facet_criteria(filters):
        masks[name] = _facet_column(index, name).mask(values, rows)
    if filters.session_avant is not None and filters.aujourdhui is not None:
        masks["session_avant"] = index.sessions.mask(
            filters.session_avant, filters.aujourdhui, rows
        )
    if filters.duree_min is not None or filters.duree_max is not None:
        low = -math.inf if filters.duree_min is None else filters.duree_min
        high = math.inf if filters.duree_max is None else filters.duree_max
        duree = index.duree if rows is None else index.duree[rows]
        # NaN (unknown duration) compares False, without a warning: no np.errstate, which
        # costs as much as the comparisons themselves.
        masks["duree"] = (duree >= low) & (duree <= high)
    if filters.words:
        masks["q"] = _text_mask(index, filters.words, rows)
    if rows is not None:
        if filters.bbox is not None:
            masks["bbox"] = _box_mask_of_rows(index, filters.bbox, rows)
        return masks
    if filters.near is not None and filters.near.rayon_km is not None:
        if distances is None:
            distances = near_distances(index, filters.near)
        masks["near"] = distances <= filters.near.rayon_km
    if filters.bbox is not None:
        masks["bbox"] = _box_mask(index, filters.bbox)
    return masks


def combine(masks: Mapping[str, BoolArray], size: int, exclude: str | None = None) -> BoolArray:
    """AND of the masks except ``exclude`` (all rows when there is none)."""
    result = np.ones(size, dtype=bool)
    for name, mask in masks.items():
        if name != exclude:
            result &= mask
    return result


@dataclass(frozen=True, slots=True)
class Selection:
    """Rows matching a search, in answer order, with their distances when a point is set."""

    indices: IntArray
    distances: FloatArray | None = None

    def __len__(self) -> int:
        return len(self.indices)


def _search_box(lat: float, rayon_km: float) -> tuple[float, float] | None:
    """Half-height and half-width in degrees of a lon/lat box containing a search disc.

    ``None`` when no such box is useful (a pole inside, or half the globe).
    """
    margin = 1.01  # the box must contain the disc despite rounding
    dlat = math.degrees(rayon_km / EARTH_RADIUS_KM) * margin
    cos_lat = math.cos(math.radians(min(89.0, abs(lat) + dlat)))
    dlon = dlat / cos_lat if cos_lat > 1e-6 else 360.0
    if lat - dlat < -89.0 or lat + dlat > 89.0 or dlon >= 180.0:
        return None
    return dlat, dlon


def _inside_lon(lons: FloatArray, center: float, dlon: float) -> BoolArray:
    if center - dlon < -180.0 or center + dlon > 180.0:  # the box crosses the antimeridian
        return np.abs((lons - center + 540.0) % 360.0 - 180.0) <= dlon
    return (lons >= center - dlon) & (lons <= center + dlon)


def rows_within(index: FilterIndex, near: Near) -> tuple[IntArray, FloatArray]:
    """Rows within the radius of ``near`` (ascending) and their distances in km.

    Only the rows of the search box are measured; with ``bands``, only the latitude band
    is even read. Without a radius, every row is within.
    """
    radius = near.rayon_km
    box = None if radius is None else _search_box(near.lat, radius)
    if radius is None or box is None:
        distances = distances_km(near.lon, near.lat, index.lon, index.lat)
        rows = np.arange(len(index), dtype=np.intp)
        if radius is None:
            return rows, distances
        within = distances <= radius
        return rows[within], distances[within]
    dlat, dlon = box
    bands = index.bands
    if bands is not None:
        first = int(np.searchsorted(bands.lat, near.lat - dlat, "left"))
        last = int(np.searchsorted(bands.lat, near.lat + dlat, "right"))
        candidates = bands.rows[first:last][_inside_lon(bands.lon[first:last], near.lon, dlon)]
        candidates.sort()  # ascending rows: equal distances then keep the rows' order
    else:
        band = np.flatnonzero((index.lat >= near.lat - dlat) & (index.lat <= near.lat + dlat))
        candidates = band[_inside_lon(index.lon[band], near.lon, dlon)]
    distances = distances_km(near.lon, near.lat, index.lon[candidates], index.lat[candidates])
    within = distances <= radius
    return candidates[within], distances[within]


def near_distances(index: FilterIndex, near: Near) -> FloatArray:
    """Distances in km from ``near`` to every row; ``inf`` for rows beyond the radius."""
    if near.rayon_km is None:
        return distances_km(near.lon, near.lat, index.lon, index.lat)
    rows, distances_within = rows_within(index, near)
    distances = np.full(len(index), np.inf)
    distances[rows] = distances_within
    return distances


def _fewest_rows(index: FilterIndex, filters: FormationFilters) -> IntArray | None:
    """Rows of the most selective facet criterion (``None``: no facet criterion)."""
    fewest: IntArray | None = None
    for name, values in _facet_criteria(filters):
        rows = _facet_column(index, name).rows_of(values)
        if fewest is None or len(rows) < len(fewest):
            fewest = rows
    return fewest


def select(index: FilterIndex, filters: FormationFilters) -> Selection:
    """Rows matching every criterion; nearest first (ties by row order) when a point is set.

    With a radius, the rows within it are found first, else the rows of the most selective
    facet (region, type…); the other criteria are only tested on those: a search then
    costs about the size of its answer, not of the dataset.
    """
    if filters.near is not None and filters.near.rayon_km is not None:
        rows, distances_within = rows_within(index, filters.near)
        keep = combine(criterion_masks(index, filters, rows=rows), len(rows))
        rows, distances_within = rows[keep], distances_within[keep]
        order = np.argsort(distances_within, kind="stable")
        return Selection(rows[order], distances_within[order])
    if filters.near is None:
        facet_rows = _fewest_rows(index, filters)
        if facet_rows is not None:
            keep = combine(criterion_masks(index, filters, rows=facet_rows), len(facet_rows))
            return Selection(facet_rows[keep])
    distances = None
    if filters.near is not None:
        distances = near_distances(index, filters.near)
    masks = criterion_masks(index, filters, distances)
    indices = np.flatnonzero(combine(masks, len(index))).astype(np.intp)
    if distances is None:
        return Selection(indices)
    selected = distances[indices]
    order = np.argsort(selected, kind="stable")
    return Selection(indices[order], selected[order])


def facet_counts(index: FilterIndex, filters: FormationFilters) -> dict[str, dict[str, int]]:
    """For each facet, value → number of rows matching every OTHER active criterion."""
    masks = criterion_masks(index, filters)
    counts: dict[str, dict[str, int]] = {}
    for name in (*FACET_FIELDS, *YES_NO_FIELDS):
        column = _facet_column(index, name)
        counts[name] = column.counts(combine(masks, len(index), exclude=name))
    return counts


def duration_range(index: FilterIndex, filters: FormationFilters) -> tuple[int | None, int | None]:
    """Smallest and largest duration among rows matching every criterion but the duration."""
    masks = criterion_masks(index, filters)
    durations = index.duree[combine(masks, len(index), exclude="duree")]
    durations = durations[~np.isnan(durations)]
    if durations.size == 0:
        return None, None
    return int(durations.min()), int(durations.max())
