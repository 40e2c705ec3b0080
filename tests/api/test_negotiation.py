"""Content negotiation (RFC 9110 § 12.5.3), pure: which codings a header accepts, best first."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.responses import acceptable_encodings, preferred_encoding


def test_preferred_encoding_respects_q_zero() -> None:
    assert preferred_encoding("gzip;q=0") is None
    assert preferred_encoding("*;q=0, gzip") == "gzip"


@given(st.text(max_size=40))
def test_acceptable_encodings_are_offered_ones_without_repeats(header: str) -> None:
    acceptable = acceptable_encodings(header)
    assert set(acceptable) <= {"br", "gzip", "identity"}
    assert len(set(acceptable)) == len(acceptable)


def test_accept_encoding_respects_q_zero() -> None:
    assert preferred_encoding("gzip, br;q=0") == "gzip"
    assert preferred_encoding("br;q=0, gzip;q=0") is None
    assert preferred_encoding("*") == "br"
    assert preferred_encoding("gzip;q=0") is None
    assert preferred_encoding("*;q=0, gzip") == "gzip"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, ("identity",)),
        ("", ("identity",)),
        ("gzip", ("gzip", "identity")),
        ("gzip;q=0", ("identity",)),
        ("br;q=0", ("identity",)),
        ("gzip, deflate, br", ("br", "gzip", "identity")),
        ("gzip;q=1.0, br;q=0.5", ("gzip", "br", "identity")),
        ("br;q=0.5, identity;q=0.8", ("identity", "br")),
        ("*;q=0", ()),
        ("identity;q=0", ()),
        ("*;q=0, identity", ("identity",)),
        ("identity;q=0, gzip", ("gzip",)),
        ("*", ("br", "gzip", "identity")),
        ("GZIP ; Q=0.3", ("gzip", "identity")),
        ("gzip;q=abc", ("identity",)),
        ("br;q=2", ("identity",)),
    ],
)
def test_acceptable_encodings_follow_rfc_9110(
    header: str | None, expected: tuple[str, ...]
) -> None:
    assert acceptable_encodings(header) == expected
