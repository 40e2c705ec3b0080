"""Thin results: what would widen a selection (pure, on a :class:`~app.filters.FilterIndex`).

Two ways out of a dead end, served by ``/api/formations/pistes`` and computed the same way by
the page (``static/js/pistes.js``, with the constants of :func:`pistes_config`; the shared
cases of ``tests/data/pistes_cases.json`` pin the two together):

- the nearest matches beyond the radius, and a radius that takes them in: given only when a
  radius is set and the selection holds fewer than :data:`THIN_BELOW` trainings;
- for each active criterion, how many trainings there would be without it (only those that
  would give more).
"""

from __future__ import annotations

import math
from dataclasses import MISSING, Field, dataclass, fields, replace
from typing import Any, Final

import numpy as np

from app.dependencies import FormationQuery
from app.filters import (
    FilterIndex,
    FloatArray,
    FormationFilters,
    IntArray,
    Near,
    combine,
    criterion_masks,
    near_distances,
    select,
)

#: A selection is thin below this many trainings: the nearest ones beyond the radius are named.
THIN_BELOW: Final = 3
#: How many of the nearest matches beyond the radius are named.
NEAREST_COUNT: Final = 3
#: The suggested radius is the distance of the farthest one named, rounded up to this step…
RADIUS_STEP_KM: Final = 5
#: … and at most this (the largest radius the page's form offers).
MAX_SUGGESTED_RADIUS_KM: Final = 200
#: The nearest beyond the radius are looked for in discs up to this radius, then everywhere.
PROBE_MAX_KM: Final = 1_000.0


def _default(criterion: Field[Any]) -> Any:
    """Return the value of a :class:`FormationFilters` field meaning « any »."""
    if criterion.default is not MISSING:
        return criterion.default
    assert criterion.default_factory is not MISSING  # every criterion has a default
    return criterion.default_factory()


def relaxable_criteria() -> tuple[str, ...]:
    """Return the criteria a user can drop one at a time, in :class:`FormationFilters` order.

    Every field of the filters that is also a query parameter (a criterion added to both is
    picked up here without a list to maintain); the position (``near``, from ``lat``/``lon``/
    ``rayon_km``) is widened by the radius instead.
    """
    parameters = FormationQuery.model_fields
    return tuple(f.name for f in fields(FormationFilters) if f.init and f.name in parameters)


def without_criterion(filters: FormationFilters, name: str) -> FormationFilters:
    """Return ``filters`` with the criterion ``name`` back to « any »."""
    (criterion,) = (f for f in fields(FormationFilters) if f.name == name)
    return replace(filters, **{name: _default(criterion)})


def suggested_radius(distance_km: float) -> int:
    """Return a radius taking in ``distance_km``: rounded up to :data:`RADIUS_STEP_KM`, capped."""
    steps = max(1, math.ceil(distance_km / RADIUS_STEP_KM))
    return min(steps * RADIUS_STEP_KM, MAX_SUGGESTED_RADIUS_KM)


@dataclass(frozen=True, slots=True)
class Nearest:
    """The nearest matches beyond the radius (rows, nearest first) and a radius to take them in.

    ``radius_km`` is ``None`` when no radius up to :data:`MAX_SUGGESTED_RADIUS_KM` would add
    a training to the selection.
    """

    rows: IntArray
    distances: FloatArray
    radius_km: int | None


@dataclass(frozen=True, slots=True)
class Widening:
    """What would widen a selection of ``count`` trainings.

    ``nearest`` is set when a radius is set and the selection is thin; ``relaxations`` are
    ``(criterion, count without it)`` for each criterion whose removal alone gives more,
    most results first (ties in :func:`relaxable_criteria` order).
    """

    count: int
    nearest: Nearest | None
    relaxations: tuple[tuple[str, int], ...]


def _everywhere(
    index: FilterIndex, filters: FormationFilters, near: Near, count: int
) -> tuple[IntArray, FloatArray]:
    """Find the ``count`` nearest matches beyond the radius, measuring every training.

    Only the few nearest are sorted, not every match; equal distances keep the row order.
    """
    assert near.rayon_km is not None
    distances = near_distances(index, Near(near.lon, near.lat, None))
    masks = criterion_masks(index, replace(filters, near=None), distances)
    rows = np.flatnonzero(combine(masks, len(index)) & (distances > near.rayon_km))
    found = distances[rows]
    if len(rows) > count:  # the ties of the last one kept too, for the row order
        keep = found <= np.partition(found, count - 1)[count - 1]
        rows, found = rows[keep], found[keep]
    order = np.lexsort((rows, found))[:count]
    return rows[order].astype(np.intp), found[order]


def nearest_beyond(index: FilterIndex, filters: FormationFilters, near: Near) -> Nearest:
    """Find the :data:`NEAREST_COUNT` nearest matches of ``filters`` beyond ``near``'s radius.

    Nearest first, equal distances in row order, as :func:`~app.filters.select` orders them.
    They are looked for within discs of doubling radius (each a band of rows, as a radius
    search reads them), and over every training past :data:`PROBE_MAX_KM`.
    """
    radius_km = near.rayon_km
    assert radius_km is not None
    probe = max(2 * radius_km, 2.0 * RADIUS_STEP_KM)
    rows: IntArray | None = None
    while probe <= PROBE_MAX_KM:
        within = select(index, replace(filters, near=Near(near.lon, near.lat, probe)))
        assert within.distances is not None
        beyond = np.flatnonzero(within.distances > radius_km)[:NEAREST_COUNT]
        if len(beyond) == NEAREST_COUNT:  # no training farther than the probe comes before
            rows, found = within.indices[beyond], within.distances[beyond]
            break
        probe *= 2
    if rows is None:
        rows, found = _everywhere(index, filters, near, NEAREST_COUNT)
    radius: int | None = None
    if len(rows):
        radius = suggested_radius(float(found[-1]))
        if radius <= radius_km or radius < float(found[0]):
            radius = None  # the cap leaves it no wider, or takes none of them in
    return Nearest(rows, found, radius)


def widening(index: FilterIndex, filters: FormationFilters) -> Widening:
    """Find the nearest matches beyond a thin selection's radius, and the criteria to drop."""
    count = len(select(index, filters))
    near = filters.near
    nearest = None
    if near is not None and near.rayon_km is not None and count < THIN_BELOW:
        nearest = nearest_beyond(index, filters, near)
    relaxations = []
    for name in relaxable_criteria():
        relaxed = without_criterion(filters, name)
        if relaxed == filters:
            continue
        wider = len(select(index, relaxed))
        if wider > count:
            relaxations.append((name, wider))
    relaxations.sort(key=lambda item: -item[1])  # stable: ties keep the criteria's order
    return Widening(count, nearest, tuple(relaxations))


def pistes_config() -> dict[str, Any]:
    """Return the constants the page computes the same answers with (part of its config)."""
    return {
        "peu_de_resultats": THIN_BELOW,
        "plus_proches": NEAREST_COUNT,
        "pas_rayon_km": RADIUS_STEP_KM,
        "rayon_max_km": MAX_SUGGESTED_RADIUS_KM,
        "criteres": list(relaxable_criteria()),
    }
