"""Property tests of the pure helpers: bbox, value splitting, CSV cells, masks, distances."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from app.columns import new_filter_columns
from app.filters import (
    BBox,
    CodeColumn,
    FilterIndex,
    FormationFilters,
    Near,
    facet_counts,
    french_decimal,
    near_distances,
    parse_bbox,
    select,
    split_values,
)
from app.responses import etag_matches, preferred_encoding
from geo.geodesy import distances_km as haversine_km
from geo.io import FORMULA_TRIGGERS, neutralise_cell

lons = st.floats(-180, 180, allow_nan=False)
lats = st.floats(-90, 90, allow_nan=False)


@given(lons, lats, lons, lats)
def test_valid_bbox_round_trips(min_lon: float, lat1: float, max_lon: float, lat2: float) -> None:
    min_lat, max_lat = sorted((lat1, lat2))
    text = f"{min_lon!r}, {min_lat!r},{max_lon!r} ,{max_lat!r}"
    assert parse_bbox(text) == BBox(min_lon, min_lat, max_lon, max_lat)


@given(st.text(max_size=60))
def test_any_text_parses_or_raises_a_french_value_error(text: str) -> None:
    try:
        box = parse_bbox(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert all(math.isfinite(v) for v in box.as_list())
        assert -90 <= box.min_lat <= box.max_lat <= 90


@given(st.sampled_from(["nan", "inf", "-inf", "1e309", "NaN"]), st.integers(0, 3))
def test_non_finite_coordinates_are_refused(bad: str, position: int) -> None:
    parts = ["1", "2", "3", "4"]
    parts[position] = bad
    try:
        parse_bbox(",".join(parts))
    except ValueError:
        return
    raise AssertionError("accepted a non-finite bbox")


@given(st.text())
def test_neutralised_cells_never_start_a_formula(value: str) -> None:
    cell = neutralise_cell(value)
    assert not cell.startswith(FORMULA_TRIGGERS)
    assert cell == value or cell == "'" + value
    if value.startswith(FORMULA_TRIGGERS):
        assert cell == "'" + value


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_french_decimals_use_a_comma_and_read_back(value: float) -> None:
    text = french_decimal(value)
    assert "." not in text
    if math.isfinite(value):
        assert float(text.replace(",", ".")) == value
    else:
        assert text == ""


@given(st.lists(st.text(alphabet="ab,c ", max_size=8), max_size=5))
def test_split_values_keeps_each_non_empty_value_once(values: list[str]) -> None:
    parts = split_values(values)
    expected = [p.strip() for v in values for p in v.split(",") if p.strip()]
    assert list(parts) == list(dict.fromkeys(expected))


@given(
    st.lists(st.one_of(st.none(), st.sampled_from(["84", "11", "2A", "971"])), max_size=60),
    st.sets(st.sampled_from(["84", "11", "2A", "971", "99"])),
)
def test_code_column_mask_and_counts_match_python(
    values: list[str | None], wanted: set[str]
) -> None:
    column = CodeColumn.from_values(values)
    mask = column.mask(wanted)
    assert mask.tolist() == [v in wanted for v in values]
    rows = np.array([i % 2 == 0 for i in range(len(values))], dtype=bool)
    expected: dict[str, int] = {}
    for i, v in enumerate(values):
        if v is not None and i % 2 == 0:
            expected[v] = expected.get(v, 0) + 1
    assert column.counts(rows) == expected


def index_of(points: list[tuple[float, float]]) -> FilterIndex:
    n = len(points)
    return FilterIndex(
        region=CodeColumn.from_values(["84"] * n),
        departement=CodeColumn.from_values(["69"] * n),
        type_structure=CodeColumn.from_values(["ecole"] * n),
        modalite=CodeColumn.from_values([None] * n),
        duree=np.full(n, 6.0),
        lon=np.array([p[0] for p in points], dtype=float),
        lat=np.array([p[1] for p in points], dtype=float),
        text=("",) * n,
        **new_filter_columns([{}] * n),
    )


@given(
    st.lists(st.tuples(lons, lats), min_size=1, max_size=80),
    lons,
    lats,
    st.floats(0.001, 20_000),
)
def test_box_prefilter_finds_exactly_the_points_within_the_radius(
    points: list[tuple[float, float]], lon: float, lat: float, rayon: float
) -> None:
    index = index_of(points)
    brute = haversine_km(lon, lat, index.lon, index.lat)
    fast = near_distances(index, Near(lon, lat, rayon))
    assume(np.all(np.abs(brute - rayon) > 1e-6))  # no point right on the circle
    assert ((fast <= rayon) == (brute <= rayon)).all()
    within = brute <= rayon
    assert np.allclose(fast[within], brute[within])


@given(st.lists(st.tuples(lons, lats), min_size=1, max_size=50), lons, lats)
def test_selection_is_nearest_first(
    points: list[tuple[float, float]], lon: float, lat: float
) -> None:
    selection = select(index_of(points), FormationFilters(near=Near(lon, lat)))
    assert selection.distances is not None
    assert len(selection) == len(points)
    assert (np.diff(selection.distances) >= 0).all()


@given(
    st.lists(st.tuples(lons, lats), min_size=1, max_size=50),
    st.floats(-180, 180),
    st.floats(-180, 180),
)
def test_bbox_crossing_the_antimeridian_keeps_both_sides(
    points: list[tuple[float, float]], west: float, east: float
) -> None:
    box = BBox(west, -90, east, 90)
    selection = select(index_of(points), FormationFilters(bbox=box))
    if west <= east:
        expected = [i for i, (x, _) in enumerate(points) if west <= x <= east]
    else:
        expected = [i for i, (x, _) in enumerate(points) if x >= west or x <= east]
    assert selection.indices.tolist() == expected


def test_facets_ignore_their_own_filter() -> None:
    index = FilterIndex(
        region=CodeColumn.from_values(["84", "84", "11", "11"]),
        departement=CodeColumn.from_values(["69", "38", "75", "75"]),
        type_structure=CodeColumn.from_values(["ecole", "association", "ecole", "ecole"]),
        modalite=CodeColumn.from_values([None, "hybride", None, None]),
        duree=np.array([3.0, 6.0, 12.0, np.nan]),
        lon=np.zeros(4),
        lat=np.zeros(4),
        text=("",) * 4,
        **new_filter_columns([{}] * 4),
    )
    counts = facet_counts(index, FormationFilters(region=("84",), type_structure=("ecole",)))
    assert counts["region"] == {"84": 1, "11": 2}
    assert counts["type_structure"] == {"ecole": 1, "association": 1}
    assert counts["departement"] == {"69": 1}


@given(st.text(max_size=40))
def test_accept_encoding_parsing_never_fails(header: str) -> None:
    assert preferred_encoding(header) in (None, "br", "gzip")


def test_etag_matching() -> None:
    assert etag_matches('"abc"', '"abc"')
    assert etag_matches('W/"abc", "x"', '"abc"')
    assert not etag_matches('"abc-br"', '"abc"')  # each encoding has its own tag
    assert not etag_matches('"abc"', '"abc-br"')
    assert etag_matches("*", '"abc"')
    assert not etag_matches('"abd"', '"abc"')
    assert not etag_matches(None, '"abc"')
