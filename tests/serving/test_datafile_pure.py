"""The streamed reading of a data file agrees with decoding it whole (oracle: orjson)."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.datafile import DatasetError, iter_features, split_collection

# Text full of what a scanner can trip on: quotes, backslashes, brackets, commas.
tricky_text = st.text(alphabet=st.sampled_from(list('ab"\\{}[],: é\n')), max_size=12)
properties = st.dictionaries(
    st.sampled_from(["intitule", "structure", "a\\", 'b"', "{"]),
    st.one_of(tricky_text, st.integers(-5, 5), st.none(), st.lists(tricky_text, max_size=2)),
    max_size=4,
)
features = st.lists(
    st.builds(
        lambda number, lon, lat, props: {
            "type": "Feature",
            "id": f"F{number}",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props,
        },
        st.integers(0, 10**6),
        st.floats(-180, 180),
        st.floats(-90, 90),
        properties,
    ),
    max_size=8,
    unique_by=lambda feature: feature["id"],
)


@settings(max_examples=300, deadline=None)
@given(
    features=features,
    metadata=st.dictionaries(tricky_text, tricky_text, max_size=3),
    indent=st.sampled_from([None, 1]),
    metadata_first=st.booleans(),
)
def test_split_features_are_the_decoded_features(
    features: list[dict[str, Any]],
    metadata: dict[str, str],
    indent: int | None,
    metadata_first: bool,
) -> None:
    members: dict[str, Any] = {"type": "FeatureCollection"}
    if metadata_first:
        members["metadonnees"] = metadata
    members["features"] = features
    members.setdefault("metadonnees", metadata)
    document = json.dumps(members, indent=indent, ensure_ascii=False).encode()
    split = split_collection(document, chunk_bytes=7)  # strings and escapes cut by chunks
    assert list(iter_features(document, split)) == [
        {
            **feature,
            "geometry": {
                "type": "Point",
                "coordinates": [float(c) for c in feature["geometry"]["coordinates"]],
            },
        }
        for feature in features
    ]
    assert split.members == {**orjson.loads(document), "features": []}


@pytest.mark.parametrize(
    "document",
    [
        b'{"type": "FeatureCollection", "features": [',
        b'{"type": "FeatureCollection", "features": [{"type": "Feature"}',
        b'{"type": "FeatureCollection", "features": [1, 2]}',
        b'{"type": "FeatureCollection", "features": [{}] x}',
        b'[{"type": "FeatureCollection"}]',
        b'{"type": "FeatureCollection", "features": [{"a": "\\"}"}]',
        b"",
    ],
)
def test_broken_documents_are_refused(document: bytes) -> None:
    with pytest.raises(DatasetError):
        split = split_collection(document)
        list(iter_features(document, split))
