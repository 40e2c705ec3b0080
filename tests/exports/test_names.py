"""File names of the downloads: they say the selection, are safe, bounded and unique."""

from __future__ import annotations

import re
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from app.exports.names import (
    MAX_SELECTION_BYTES,
    NAME_PREFIX,
    content_disposition,
    data_date,
    export_filename,
)
from app.filters import FormationFilters, Near

SAFE_NAME = re.compile(r"^[\w.-]+$")


def test_a_region_and_the_data_date_name_the_file() -> None:
    items = FormationFilters(region=("84",)).canonical_items()
    assert export_filename(items, "csv", "2026-11-30") == "formations-gen-region-84-2026-11-30.csv"


def test_no_selection_and_no_date() -> None:
    assert export_filename([], "xlsx") == f"{NAME_PREFIX}.xlsx"


def test_every_active_criterion_appears() -> None:
    filters = FormationFilters(
        region=("11", "84"),
        type_structure=("association",),
        duree_max=12,
        q="Développeur web",
        near=Near(lon=4.8357, lat=45.764, rayon_km=30.0),
    )
    name = export_filename(filters.canonical_items(), "csv", "2026-11-30")
    assert name == (
        "formations-gen-duree_max-12-lat-45.764-lon-4.8357-q-developpeur-web-rayon_km-30.0"
        "-region-11-84-type_structure-association-2026-11-30.csv"
    )


def test_the_date_is_the_data_s() -> None:
    assert data_date("2026-11-30T05:40:00+00:00") == "2026-11-30"
    assert data_date(None) is None
    assert data_date("hier") is None


def test_non_ascii_names_get_an_rfc_6266_filename_star() -> None:
    header = content_disposition("formations-gen-q-développeur-2026-11-30.csv")
    assert header.startswith('attachment; filename="formations-gen-q-developpeur-2026-11-30.csv"')
    star = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(star) == "formations-gen-q-développeur-2026-11-30.csv"
    assert content_disposition("formations-gen.csv") == 'attachment; filename="formations-gen.csv"'


items = st.lists(
    st.tuples(
        st.sampled_from(["q", "region", "bbox", "lat", "session_avant"]), st.text(max_size=80)
    ),
    max_size=8,
)


@given(items)
def test_names_are_safe_bounded_and_headers_encodable(selection: list[tuple[str, str]]) -> None:
    name = export_filename(selection, "csv", "2026-11-30")
    assert SAFE_NAME.match(name), name
    assert name.endswith("-2026-11-30.csv")
    assert len(name.encode()) <= len(NAME_PREFIX) + MAX_SELECTION_BYTES + len("--2026-11-30.csv")
    header = content_disposition(name)
    header.encode("latin-1")  # an HTTP header value
    fallback = re.search(r'filename="([^"]*)"', header)
    assert fallback and re.fullmatch(r"[A-Za-z0-9._-]+", fallback[1])
    if "filename*=" in header:
        assert unquote(header.split("filename*=UTF-8''", 1)[1]) == name


letters = st.text(alphabet="abcdefghij", min_size=1, max_size=200)


@given(letters, letters)
def test_long_selections_that_differ_get_different_names(first: str, second: str) -> None:
    common = "x" * MAX_SELECTION_BYTES  # the visible part is the same: the digest differs
    one = export_filename([("q", common + first)], "csv")
    two = export_filename([("q", common + second)], "csv")
    assert (one == two) == (first == second)
    assert len(one) <= len(NAME_PREFIX) + 1 + MAX_SELECTION_BYTES + len(".csv")
