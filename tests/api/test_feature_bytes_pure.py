"""Property tests of the answer assembly: vectorised distances and joined pre-encoded features."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from hypothesis import given
from hypothesis import strategies as st

from app.dataset import Dataset
from app.encoding import distance_tails, distance_tenths, encoded_distances
from app.filters import FormationFilters, Near

distances = st.floats(0, 20_100, allow_nan=False, allow_infinity=False)
#: Values next to a rounding tie (x.x5), where ``d * 10`` may be off by an ulp.
ties = st.integers(0, 200_000).map(lambda k: k / 100 + 0.005 * (k % 2 == 0))


@given(st.lists(distances | ties, max_size=200))
def test_encoded_distances_write_what_orjson_writes_for_python_round(values: list[float]) -> None:
    """Each number is exactly ``orjson.dumps(round(d, 1))``, ties included."""
    encoded = encoded_distances(np.array(values, dtype=np.float64)) if values else []
    assert encoded == [orjson.dumps(round(v, 1)) for v in values]


@given(st.lists(distances | ties, max_size=200))
def test_distance_table_writes_what_orjson_writes_for_python_round(values: list[float]) -> None:
    """The table path (tenths, then a pre-encoded ending) agrees with ``round(d, 1)``."""
    tenths = distance_tenths(np.array(values, dtype=np.float64)).tolist() if values else []
    assert [k / 10 for k in tenths] == [round(v, 1) for v in values]
    tails = distance_tails(10)
    assert tails[3] == b',"distance_km":0.3}},'


def _feature(number: int, lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": f"F-{number}",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


points = st.tuples(st.floats(2.0, 2.6), st.floats(48.6, 49.0))
properties = st.sampled_from([{}, {"intitule": "Développeur", "duree_mois": 6}])


@given(
    st.lists(st.tuples(points, properties), min_size=1, max_size=30),
    points,
    st.integers(0, 5),
    st.none() | st.integers(0, 40),
)
def test_feature_bytes_is_the_json_of_each_feature_with_its_distance_last(
    rows: list[tuple[tuple[float, float], dict[str, Any]]],
    point: tuple[float, float],
    start: int,
    stop: int | None,
) -> None:
    """Joined bytes decode to the selected features, ``distance_km`` last, rounded to 0.1 km."""
    features = [_feature(n, lon, lat, props) for n, ((lon, lat), props) in enumerate(rows)]
    dataset = Dataset(features, {}, version="test")
    selection = dataset.select(FormationFilters(near=Near(point[0], point[1], None)))
    assert selection.distances is not None
    decoded = orjson.loads(b"[" + dataset.feature_bytes(selection, start, stop) + b"]")
    expected_rows = selection.indices[start:stop].tolist()
    expected_distances = selection.distances[start:stop].tolist()
    assert [f["id"] for f in decoded] == [features[row]["id"] for row in expected_rows]
    for feature, row, distance in zip(decoded, expected_rows, expected_distances, strict=True):
        assert list(feature["properties"]) == [*features[row]["properties"], "distance_km"]
        assert feature["properties"]["distance_km"] == round(distance, 1)
        assert feature["geometry"] == features[row]["geometry"]
    plain = dataset.feature_bytes(dataset.select(FormationFilters()), start, stop)
    assert orjson.loads(b"[" + plain + b"]") == features[start:stop]
    assert orjson.loads(dataset.feature("F-0") or b"null") == features[0]
