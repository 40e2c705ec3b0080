"""Property test: the indexed search (inverted index, latitude bands) equals a plain row scan."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.columns import new_filter_columns
from app.filters import (
    BBox,
    CodeColumn,
    FilterIndex,
    FormationFilters,
    LatitudeBands,
    Near,
    select,
)
from geo.geodesy import distances_km as haversine_km

REGIONS = ("84", "11", "2A", None)
TYPES = ("ecole", "association", None)
WORDS = ("web", "data", "lyon")
NIVEAUX = ("3", "5", "sans_niveau")
PUBLICS = ("demandeurs_emploi", "salaries", "tout_public")
#: Days around the reference day of the searches, as ISO dates (and null).
DAYS = tuple(date(2027, 3, day).isoformat() for day in (1, 14, 15, 16, 30))
days = st.none() | st.sampled_from(DAYS)
extras = st.fixed_dictionaries(
    {},
    optional={
        "niveau_sortie": st.none() | st.sampled_from(NIVEAUX),
        "public_vise": st.lists(st.sampled_from(PUBLICS), max_size=2, unique=True),
        "certification": st.none() | st.sampled_from(["RNCP1", ""]),
        "alternance": st.none() | st.booleans(),
        "sessions": st.lists(
            st.builds(lambda d, f: {"debut": d, "fin": f}, days, days), max_size=3
        ),
    },
)

rows = st.tuples(
    st.floats(4.0, 6.0) | st.sampled_from([179.9, -179.9, 55.5]),  # lon, a few far away
    st.floats(45.0, 47.0) | st.sampled_from([-21.1, 88.9]),  # lat, a few far away
    st.sampled_from(REGIONS),
    st.sampled_from(TYPES),
    st.none() | st.integers(1, 24),
    st.lists(st.sampled_from(WORDS), max_size=2).map(" ".join),
    extras,
)
near = st.builds(
    Near,
    lon=st.floats(4.0, 6.0) | st.just(179.95),
    lat=st.floats(45.0, 47.0),
    rayon_km=st.none() | st.floats(0.5, 150.0) | st.just(19_000.0),
)
boxes = st.builds(
    BBox,
    min_lon=st.floats(-180, 180),
    min_lat=st.floats(-90, 45),
    max_lon=st.floats(-180, 180),
    max_lat=st.floats(45, 90),
)
filters = st.builds(
    FormationFilters,
    niveau_sortie=st.lists(st.sampled_from(NIVEAUX), max_size=2, unique=True).map(tuple),
    public_vise=st.lists(st.sampled_from(PUBLICS), max_size=2, unique=True).map(tuple),
    certifiante=st.none() | st.booleans(),
    alternance=st.none() | st.booleans(),
    session_avant=st.none() | st.sampled_from(DAYS).map(date.fromisoformat),
    aujourdhui=st.just(date(2027, 3, 15)),
    region=st.lists(st.sampled_from(REGIONS[:3]), max_size=2, unique=True).map(tuple),
    type_structure=st.lists(st.sampled_from(TYPES[:2]), max_size=2, unique=True).map(tuple),
    duree_min=st.none() | st.integers(0, 12),
    duree_max=st.none() | st.integers(12, 30),
    q=st.none() | st.sampled_from(WORDS),
    near=st.none() | near,
    bbox=st.none() | boxes,
)


Row = tuple[float, float, str | None, str | None, int | None, str, dict[str, Any]]


def new_criteria_hold(props: dict[str, Any], wanted: FormationFilters) -> bool:
    """The new criteria, as issue 13 states them, on one row's properties."""
    if wanted.niveau_sortie and props.get("niveau_sortie") not in wanted.niveau_sortie:
        return False
    if wanted.public_vise and not set(props.get("public_vise", ())) & set(wanted.public_vise):
        return False
    if wanted.certifiante is not None and bool(props.get("certification")) != wanted.certifiante:
        return False
    if wanted.alternance is not None and props.get("alternance") is not wanted.alternance:
        return False
    if wanted.session_avant is not None:
        avant, today = wanted.session_avant.isoformat(), str(wanted.aujourdhui)
        return any(
            s["debut"] is not None
            and s["debut"] <= avant
            and (s["fin"] is None or s["fin"] >= today)
            for s in props.get("sessions", ())
        )
    return True


def scanned(data: list[Row], wanted: FormationFilters) -> tuple[list[int], list[float] | None]:
    """The reference: every row tested on its own, then sorted by (distance, row)."""
    kept: list[tuple[float, int]] = []
    for row, (lon, lat, region, kind, duree, text, props) in enumerate(data):
        if wanted.region and region not in wanted.region:
            continue
        if not new_criteria_hold(props, wanted):
            continue
        if wanted.type_structure and kind not in wanted.type_structure:
            continue
        if wanted.duree_min is not None and (duree is None or duree < wanted.duree_min):
            continue
        if wanted.duree_max is not None and (duree is None or duree > wanted.duree_max):
            continue
        if any(word not in text for word in wanted.words):
            continue
        box = wanted.bbox
        if box is not None:
            inside_lon = (
                box.min_lon <= lon <= box.max_lon
                if box.min_lon <= box.max_lon
                else lon >= box.min_lon or lon <= box.max_lon
            )
            if not (inside_lon and box.min_lat <= lat <= box.max_lat):
                continue
        distance = 0.0
        if wanted.near is not None:
            point = wanted.near
            distance = float(
                haversine_km(point.lon, point.lat, np.array([lon]), np.array([lat]))[0]
            )
            if point.rayon_km is not None and distance > point.rayon_km:
                continue
        kept.append((distance, row))
    kept.sort()
    return [row for _, row in kept], None if wanted.near is None else [d for d, _ in kept]


@settings(max_examples=300, deadline=None)
@given(st.lists(rows, max_size=60), filters)
def test_indexed_search_equals_a_row_scan(data: list[Row], wanted: FormationFilters) -> None:
    check_against_scan(data, wanted)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-1.5, 1.5), st.floats(-1.0, 1.0)), min_size=1, max_size=60),
    st.floats(-60.0, 60.0),
    st.floats(1.0, 120.0),
)
def test_radius_search_equals_a_row_scan(
    offsets: list[tuple[float, float]], lat: float, rayon_km: float
) -> None:
    """Points all around the search point, many near the circle and the corners of its box."""
    data: list[Row] = [(5.0 + dx, lat + dy, None, None, None, "", {}) for dx, dy in offsets]
    check_against_scan(data, FormationFilters(near=Near(5.0, lat, rayon_km)))


def index_of(data: list[Row]) -> FilterIndex:
    """Build the filter index of ``data``, as the dataset builds it of its features."""
    lons = np.array([r[0] for r in data], dtype=np.float64)
    lats = np.array([r[1] for r in data], dtype=np.float64)
    return FilterIndex(
        region=CodeColumn.from_values([r[2] for r in data]),
        departement=CodeColumn.from_values([None] * len(data)),
        type_structure=CodeColumn.from_values([r[3] for r in data]),
        modalite=CodeColumn.from_values([None] * len(data)),
        duree=np.array([math.nan if r[4] is None else r[4] for r in data], dtype=np.float64),
        lon=lons,
        lat=lats,
        text=tuple(r[5] for r in data),
        bands=LatitudeBands.of(lons, lats),
        **new_filter_columns(r[6] for r in data),
    )


def check_against_scan(data: list[Row], wanted: FormationFilters) -> None:
    """Build an index of ``data`` and compare :func:`select` with :func:`scanned`."""
    index = index_of(data)
    expected_rows, expected_distances = scanned(data, wanted)
    selection = select(index, wanted)
    if wanted.near is not None and wanted.near.rayon_km is not None:
        # Rows right on the circle may fall either side of it by rounding: compare the rest.
        radius = wanted.near.rayon_km
        assert expected_distances is not None and selection.distances is not None

        def clear(rows: list[int], distances: list[float]) -> list[int]:
            return [r for r, d in zip(rows, distances, strict=True) if abs(d - radius) > 1e-6]

        assert clear(selection.indices.tolist(), selection.distances.tolist()) == clear(
            expected_rows, expected_distances
        )
        return
    assert selection.indices.tolist() == expected_rows
    if expected_distances is None:
        assert selection.distances is None
    else:
        assert selection.distances is not None
        assert np.allclose(selection.distances, expected_distances)
