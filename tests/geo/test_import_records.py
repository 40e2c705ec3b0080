"""Records made a column at a time are the records the dataclass makes a row at a time."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.importer import ImportedRow, TrainingDetails
from geo.importer.model import NO_DETAILS, records_of_columns
from geo.schema import Modalite, Niveau, PublicVise, TypeStructure

texts = st.none() | st.text(max_size=8)
rows = st.tuples(
    st.integers(2, 10**6),
    st.text(min_size=1, max_size=8),
    texts,
    texts,
    st.sampled_from(TypeStructure),
    texts,
    texts,
    texts,
    texts,
    st.none() | st.integers(3, 24),
    st.none() | st.sampled_from(Modalite),
    texts,
    texts,
    st.just(NO_DETAILS),
    st.none() | st.floats(allow_nan=False),
    st.none() | st.floats(allow_nan=False),
)
details = st.tuples(
    st.lists(st.tuples(texts, texts), max_size=2).map(tuple),
    texts,
    texts,
    texts,
    texts,
    st.none() | st.sampled_from(Niveau),
    st.none() | st.sampled_from(Niveau),
    st.lists(st.sampled_from(PublicVise), unique=True, max_size=2).map(tuple),
    st.none() | st.booleans(),
    st.none() | st.integers(0, 900),
    st.none() | st.booleans(),
)


@given(st.lists(rows, max_size=20))
def test_imported_rows_of_columns_are_the_rows_of_the_class(values):
    columns = [list(column) for column in zip(*values, strict=True)] or [
        [] for _ in dataclasses.fields(ImportedRow)
    ]
    made = records_of_columns(ImportedRow, columns)
    assert made == [ImportedRow(*row) for row in values]
    assert [type(row) for row in made] == [ImportedRow] * len(values)


@given(st.lists(details, min_size=1, max_size=20))
def test_details_of_columns_are_the_details_of_the_class(values):
    columns = [list(column) for column in zip(*values, strict=True)]
    assert records_of_columns(TrainingDetails, columns) == [TrainingDetails(*v) for v in values]


def test_records_made_by_columns_stay_frozen():
    [row] = records_of_columns(
        ImportedRow, [[2], ["A"], ["T"], [None], [TypeStructure.ECOLE], *[[None]] * 11]
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.id = "B"  # type: ignore[misc]


def test_columns_must_match_the_fields_and_each_other():
    with pytest.raises(ValueError, match="fields of ImportedRow"):
        records_of_columns(ImportedRow, [[2], ["A"]])
    with pytest.raises(ValueError, match="column id"):
        records_of_columns(ImportedRow, [[2, 3], ["A"], *[[None, None]] * 14])
