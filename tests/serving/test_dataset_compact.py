"""The compact dataset: ids found without a dict, features decoded from the one encoded copy."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.dataset import Dataset, DatasetError


def feature(feature_id: str, number: int) -> dict[str, Any]:
    """A valid feature with a few properties."""
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": {"type": "Point", "coordinates": [2.0 + number / 1000, 48.0]},
        "properties": {"intitule": f"Formation {number}", "region": "11", "duree_mois": 6},
    }


ids = st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=30, unique=True)


@settings(max_examples=200, deadline=None)
@given(ids=ids, unknown=st.text(min_size=1, max_size=7))
def test_every_id_is_found_and_only_its_own_feature(ids: list[str], unknown: str) -> None:
    features = [feature(feature_id, number) for number, feature_id in enumerate(ids)]
    dataset = Dataset(features, {}, version="t")
    for row, feature_id in enumerate(ids):
        assert dataset.row_of(feature_id) == row
        assert orjson.loads(dataset.feature(feature_id) or b"") == features[row]
        assert dataset.features[row] == features[row]
    if unknown not in ids:
        assert dataset.row_of(unknown) is None and dataset.feature(unknown) is None


@pytest.mark.parametrize("ids", [["a", "b", "a"], ['é"x', 'é"x'], ["1", "10", "1"]])
def test_duplicate_ids_are_refused(ids: list[str]) -> None:
    with pytest.raises(DatasetError, match="duplicate feature id"):
        Dataset([feature(i, n) for n, i in enumerate(ids)], {}, version="t")


def test_a_dismantled_version_is_empty() -> None:
    dataset = Dataset([feature(f"F{n}", n) for n in range(100)], {}, version="t")
    pauses: list[int] = []
    dataset.dismantle(lambda: pauses.append(1), batch=16)
    assert len(dataset) == 0 and len(pauses) >= 100 // 16
