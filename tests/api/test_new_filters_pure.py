"""Property tests of the pure pieces of the new filters: date and yes/no parsing, columns, keys."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from app.columns import (
    PUBLIC_VISE_VALUES,
    YES_NO_VALUES,
    ListColumn,
    SessionColumn,
    parse_iso_date,
    parse_yes_no,
    session_pairs,
)
from app.filters import FormationFilters, Near
from app.routers.pages import map_columns, map_rows

iso_like = st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
texts = st.text(max_size=20) | iso_like | st.dates().map(date.isoformat)


@given(texts)
def test_a_date_is_read_exactly_when_it_is_a_real_yyyy_mm_dd_day(text: str) -> None:
    try:
        read = parse_iso_date(text)
    except ValueError as exc:
        assert str(exc)
        digits = text.isascii() and len(text) == 10 and text[4] == text[7] == "-"
        if digits:
            try:  # a well-formed text refused is not a day of the calendar
                date.fromisoformat(text)
            except ValueError:
                pass
            else:
                raise AssertionError(f"refused the real day {text}") from None
    else:
        assert read.isoformat() == text


@given(st.dates())
def test_every_day_of_the_calendar_reads_back(day: date) -> None:
    assert parse_iso_date(day.isoformat()) == day


@given(st.text(max_size=8) | st.sampled_from(list(YES_NO_VALUES)))
def test_yes_no_takes_its_four_spellings_only(text: str) -> None:
    try:
        value = parse_yes_no(text)
    except ValueError as exc:
        assert text not in YES_NO_VALUES
        assert "oui, non" in str(exc)
    else:
        assert value is YES_NO_VALUES[text]


publics = st.lists(st.sampled_from((*PUBLIC_VISE_VALUES, "inconnu")), max_size=4)
cells = st.one_of(st.none(), publics, st.just("salaries"))


@given(st.lists(cells, max_size=40), st.lists(st.sampled_from(PUBLIC_VISE_VALUES), max_size=3))
def test_a_list_column_matches_any_wanted_value_and_counts_each(
    rows: list[Any], wanted: list[str]
) -> None:
    column = ListColumn.from_values(rows, PUBLIC_VISE_VALUES)
    lists = [row if isinstance(row, list) else [] for row in rows]
    expected = [bool(set(values) & set(wanted)) for values in lists]
    assert column.mask(wanted).tolist() == expected
    assert column.rows_of(wanted).tolist() == [i for i, hit in enumerate(expected) if hit]
    every = np.ones(len(rows), dtype=bool)
    counts: dict[str, int] = {}
    for values in lists:
        for value in set(values) & set(PUBLIC_VISE_VALUES):
            counts[value] = counts.get(value, 0) + 1
    assert column.counts(every) == counts


days = st.none() | st.dates(date(2026, 1, 1), date(2028, 12, 31)).map(date.isoformat)
sessions = st.lists(
    st.one_of(
        st.builds(lambda d, f: {"debut": d, "fin": f}, days, days),
        st.just({"debut": "2027-02-30", "fin": None}),  # not a day: unknown
        st.just("pas une session"),
    ),
    max_size=3,
)


@given(
    st.lists(st.none() | sessions, max_size=20),
    st.dates(date(2026, 1, 1), date(2028, 12, 31)),
    st.dates(date(2026, 1, 1), date(2028, 12, 31)),
)
def test_a_session_column_finds_sessions_started_by_a_day_and_not_over(
    rows: list[Any], avant: date, today: date
) -> None:
    column = SessionColumn.from_values(rows)
    expected = [
        any(
            debut is not None
            and debut <= avant.isoformat()
            and (fin is None or fin >= today.isoformat())
            for debut, fin in session_pairs(row)
        )
        for row in rows
    ]
    assert column.mask(avant, today).tolist() == expected
    subset = np.arange(len(rows), dtype=np.intp)[::2]
    assert column.mask(avant, today, subset).tolist() == expected[::2]


criteria = st.builds(
    FormationFilters,
    region=st.lists(st.sampled_from(["84", "11"]), max_size=2, unique=True).map(tuple),
    niveau_sortie=st.lists(st.sampled_from(["3", "5"]), max_size=2, unique=True).map(tuple),
    public_vise=st.lists(st.sampled_from(PUBLIC_VISE_VALUES), max_size=2, unique=True).map(tuple),
    certifiante=st.none() | st.booleans(),
    alternance=st.none() | st.booleans(),
    session_avant=st.none() | st.dates(),
    aujourdhui=st.just(date(2027, 3, 15)),
    duree_min=st.none() | st.integers(0, 12),
    q=st.none() | st.sampled_from(["web", "  "]),
    near=st.none() | st.just(Near(4.8, 45.7, 10.0)),
)


@given(criteria)
def test_dropping_a_criterion_drops_it_alone_from_the_canonical_items(
    filters: FormationFilters,
) -> None:
    names = {name for name, _ in filters.canonical_items()}
    assert "aujourdhui" not in names
    for active in filters.active():
        dropped = filters.without(active)
        assert active not in dropped.active()
        assert set(dropped.active()) == set(filters.active()) - {active}
    defaults = FormationFilters(aujourdhui=filters.aujourdhui)
    assert defaults.active() == () and defaults.canonical_items() == []
    assert filters.depends_on_today == (filters.session_avant is not None)
    # every field that is a parameter is covered without a list kept by hand
    parameters = {f.name for f in fields(FormationFilters) if f.metadata.get("parametre", True)}
    assert set(filters.active()) <= parameters


@given(criteria, criteria)
def test_equal_searches_have_equal_canonical_items(
    a: FormationFilters, b: FormationFilters
) -> None:
    if a.canonical_items() == b.canonical_items():
        assert a.active() == b.active()
    same = FormationFilters(
        **{
            f.name: getattr(a, f.name)
            for f in fields(FormationFilters)
            if f.init and f.name not in ("region", "public_vise")
        },
        region=tuple(reversed(a.region)),
        public_vise=tuple(reversed(a.public_vise)),
    )
    assert same.canonical_items() == a.canonical_items()


map_rows_strategy = st.lists(
    st.fixed_dictionaries(
        {"id": st.text("ab", min_size=1, max_size=3), "lon": st.just(1.0), "lat": st.just(2.0)},
        optional={
            "public_vise": st.lists(st.sampled_from(PUBLIC_VISE_VALUES), min_size=1, max_size=2),
            "sessions": st.lists(st.tuples(days, days).map(list), min_size=1, max_size=2),
            "alternance": st.booleans(),
            "niveau_sortie": st.sampled_from(["3", "5"]),
        },
    ),
    max_size=12,
)


@given(map_rows_strategy)
def test_the_map_columns_carry_lists_and_read_back(rows: list[dict[str, Any]]) -> None:
    assert map_rows(map_columns(rows)) == rows
