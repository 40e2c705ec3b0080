"""The query-string parser of the search criteria: FastAPI's semantics, one validation."""

from __future__ import annotations

import pytest
from fastapi.exceptions import RequestValidationError
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import QueryParams

from app.dependencies import (
    FORMATION_QUERY_PARAMETERS,
    AnswerQuery,
    FormationQuery,
    parse_query,
)
from app.filters import FACET_FIELDS

REPEATABLE = frozenset(FACET_FIELDS)


def test_repeated_lists_keep_every_value_and_scalars_keep_the_last() -> None:
    params = QueryParams("region=11&region=84,93&duree_min=3&duree_min=6&q=web")
    query = parse_query(FormationQuery, params, REPEATABLE)
    assert query.region == ["11", "84,93"]
    assert query.duree_min == 6
    assert query.q == "web"
    assert query.lat is None


@pytest.mark.parametrize(
    ("query_string", "parameter"),
    [
        ("duree_min=-1", "duree_min"),
        ("duree_max=trois", "duree_max"),
        ("lat=91&lon=2", "lat"),
        ("lat=nan&lon=2", "lat"),
        ("rayon_km=0", "rayon_km"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_errors_name_the_parameter(query_string: str, parameter: str) -> None:
    with pytest.raises(RequestValidationError) as caught:
        parse_query(FormationQuery, QueryParams(query_string), REPEATABLE)
    assert [error["loc"][:2] for error in caught.value.errors()] == [("query", parameter)]


@given(st.integers(-5, 2_000_000_000), st.integers(-5, 2_000_000_000))
def test_page_bounds(limit: int, offset: int) -> None:
    params = QueryParams({"limit": str(limit), "offset": str(offset)})
    valid = 1 <= limit <= 1_000_000_000 and 0 <= offset <= 1_000_000_000
    if valid:
        page = parse_query(AnswerQuery, params, frozenset())
        assert (page.limit, page.offset, page.format) == (limit, offset, "geojson")
    else:
        with pytest.raises(RequestValidationError):
            parse_query(AnswerQuery, params, frozenset())


def test_documented_parameters_are_the_parsed_ones() -> None:
    documented = {parameter["name"]: parameter for parameter in FORMATION_QUERY_PARAMETERS}
    assert list(documented) == list(FormationQuery.model_fields)
    for parameter in documented.values():
        assert parameter["in"] == "query" and parameter["required"] is False
        assert parameter["description"] and parameter["schema"]["examples"]
