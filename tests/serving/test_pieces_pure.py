"""Large JSON values encoded and freed in pieces give the same bytes as one encoding."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from app.pieces import VALUES_PER_PIECE, free_in_pieces, json_in_pieces

SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=5), children)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_the_pieces_join_into_the_one_encoding(value: Any) -> None:
    pieces: list[bytes] = []
    json_in_pieces(value, pieces)
    assert b"".join(pieces) == orjson.dumps(value)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 3 * VALUES_PER_PIECE + 2), SCALARS)
def test_a_long_list_is_encoded_slice_by_slice_and_freed(size: int, item: Any) -> None:
    value = {"colonne": [item] * size, "autre": {"codes": list(range(size))}}
    expected = orjson.dumps(value)
    pieces: list[bytes] = []
    json_in_pieces(value, pieces)
    assert b"".join(pieces) == expected
    free_in_pieces(value)
    assert value == {"colonne": [], "autre": {"codes": []}}
