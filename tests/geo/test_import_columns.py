"""Property test: the column pass of the import equals row-by-row validation on messy rows."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.importer import ImportResult, InputFileError, Issue, Level, Table, import_table
from geo.importer import columns as columns_module
from geo.importer import rows as rows_module
from geo.importer.columns import CleanRows, clean_rows
from geo.importer.headers import map_headers
from geo.importer.ids import MAX_ID_CHARS, all_safe_ids, is_safe_id
from geo.importer.model import DETAIL_FIELDS, cell_text
from geo.importer.rows import validate_row

#: Headers in a shuffled order, with one unknown column and one optional column left out.
HEADERS = (
    "Code postal",
    "Identifiant",
    "Intitulé",
    "Structure",
    "Type de structure",
    "Commune",
    "Code INSEE",
    "Durée (mois)",
    "Modalité",
    "Latitude",
    "Longitude",
    "Site web",
    "Date de labellisation",
    "Adresse",
    "Remarque",
    "Sessions",
    "Courriel",
    "Téléphone",
    "Lien de candidature",
    "Code RNCP",
    "Niveau de sortie",
    "Public visé",
    "Alternance",
    "Nombre d'heures",
    "Prise en charge",
)
#: Messy values per column: good ones, empty ones, spaces, and every kind of bad one.
BLANKS = ("", " ", "  \t", None)
CELLS: tuple[tuple[object, ...], ...] = (
    ("75011", "1400", "75 011", "ABCDE", "69001 CEDEX", 75011, 1400.0, "7501", *BLANKS),
    ("A1", "A1", "a b", "é-1", "..", "x" * 101, "B-2", 7, 7.0, True, *BLANKS),
    ("Développeur web", "  Data  analyste ", "Web", *BLANKS),
    ("Simplon", "Simplon", "Asso  du coin", *BLANKS),
    ("Association", "asso", "Mairie", "Inconnu", "Associ\ufffdtion", "7210", "SARL;MUNI", *BLANKS),
    ("Paris", "Lyon", " Saint-Denis ", "Paris", *BLANKS),
    ("75056", "2a004", "1001", "ABCDE", 75056, *BLANKS),
    ("6", "6 mois", "1 an", "2,5", "-6", "30", 6, 6.0, 6.5, True, "six", *BLANKS),
    ("Présentiel", "à distance", "mixte", "sur la lune", *BLANKS),
    ("48,85°", "48.85", "abc", "200", 48.85, float("nan"), 45, *BLANKS),
    ("2.35", "2,35", "x", 2.35, -0.0, *BLANKS),
    ("exemple.fr", "http://a.fr", "ftp://a.fr", "pas un site", *BLANKS),
    ("2024-01-31", "31/01/2024", "45000", "32/13/2024", date(2024, 1, 31), datetime(2024, 1, 31)),
    ("1 rue de la Paix", *BLANKS),
    ("note", *BLANKS),
    (
        "2027-01-05/2027-06-30",
        "du 05/01/2027 au 30/06/2027 ; 2027-09",
        "bla",
        "2027-06-30/2027-01-01",
        [{"debut": "2027-01-05", "fin": None}],
        [],
        '[{"debut":"2027-01-05","fin":"2027-02-01"}]',
        *BLANKS,
    ),
    ("a@b.fr", "A@B.FR", "pas un mail", *BLANKS),
    ("01 23 45 67 89", "123456789", 123456789, "+262 262 12 34 56", "12", *BLANKS),
    ("https://a.fr/c", "a.fr", "javascript:alert(1)", *BLANKS),
    ("RNCP37873", "RNCP 37873", "37873", *BLANKS),
    ("5", "Bac+2", "niveau 9", 5, *BLANKS),
    ("Salariés", "salaries; DE", "martiens", ["tout_public"], *BLANKS),
    ("oui", "x", "peut-être", True, False, 1, 0, *BLANKS),
    ("400", "400 h", "beaucoup", 400, 400.5, *BLANKS),
    ("non", "Oui", "?", *BLANKS),
)
#: Cells of a row, sometimes short (cells missing at the end) or long (empty cells added).
row_cells = st.tuples(
    st.tuples(*(st.sampled_from(values) for values in CELLS)),
    st.sampled_from([0, 0, 0, 3, 8, 15]),
    st.sampled_from([(), (), ("",), (None, " ")]),
).map(lambda drawn: drawn[0][: len(drawn[0]) - drawn[1]] + drawn[2])
tables = st.lists(row_cells, min_size=1, max_size=30).map(
    lambda rows: Table(HEADERS, 1, tuple(enumerate(rows, start=2)), "csv")
)


#: The headers as an LHEO feed gives them: no duration column, the hours alone give it.
HEADERS_WITHOUT_DURATION = tuple(header for header in HEADERS if header != "Durée (mois)")
#: Hours within the months allowed, outside them, unreadable, and with or without a duration.
HOURS_CELLS = ("400", "455 h", 1820, "10000", "9", "beaucoup", *BLANKS)
lheo_like_tables = st.lists(
    st.tuples(*(st.sampled_from(values) for values in CELLS)).map(
        lambda cells: tuple(c for h, c in zip(HEADERS, cells, strict=True) if h != "Durée (mois)")
    ),
    min_size=1,
    max_size=30,
).map(lambda rows: Table(HEADERS_WITHOUT_DURATION, 1, tuple(enumerate(rows, 2)), "lheo"))
hours_tables = st.lists(
    st.tuples(
        st.sampled_from(["A1", "A2", "a b", "B-3"]),
        st.sampled_from(["6", "", " ", "six", None]),
        st.sampled_from(HOURS_CELLS),
    ).map(lambda drawn: (drawn[0], "Web", "S", "75011", *drawn[1:])),
    min_size=1,
    max_size=12,
).map(
    lambda rows: Table(
        ("Identifiant", "Intitulé", "Structure", "Code postal", "Durée (mois)", "Nombre d'heures"),
        1,
        tuple(enumerate(rows, 2)),
        "csv",
    )
)
any_table = tables | lheo_like_tables | hours_tables


def _expected_clean_issues(table: Table, found: CleanRows, index: int) -> list[Issue]:
    """The issues of a clean row: the derived duration's warning, if it has one."""
    row, note = found.rows[index], found.hours_notes.get(index)
    if row is None or note is None:
        return []
    column = "Nombre d'heures"
    return [Issue(row.ligne, row.id, column, note, Level.AVERTISSEMENT)]


@settings(max_examples=300, deadline=None)
@given(any_table)
def test_a_row_clean_by_columns_is_the_row_validate_row_keeps_without_problems(
    table: Table,
) -> None:
    """A clean row and its warnings equal validate_row's; a row kept with at most the derived
    duration's warning is found clean."""
    mapping = map_headers(table.headers)
    found = clean_rows(table, mapping)
    for index, ((line, cells), clean) in enumerate(zip(table.rows, found.rows, strict=True)):
        row, issues = validate_row(line, cells, mapping, table.headers)
        if clean is not None:
            assert (row, issues) == (clean, _expected_clean_issues(table, found, index))
        elif row is not None and all(i.motif.startswith("durée déduite") for i in issues):
            pytest.fail(f"row {line} is clean but was left to validate_row: {cells!r}")


@settings(max_examples=300, deadline=None)
@given(any_table)
def test_the_import_with_the_column_pass_equals_the_row_by_row_import(table: Table) -> None:
    """Rows, issues (order included) and counts are those of validating every row by itself."""
    fast = _import_or_error(table)
    assert fast == _import_row_by_row(table)


def test_rows_with_hours_and_no_duration_take_the_column_pass_with_the_same_warnings() -> None:
    """Hours without a duration: the fast path gives validate_row's duration and warnings."""
    headers = ("Identifiant", "Intitulé", "Structure", "Code postal", "Nombre d'heures")
    cells = [("A1", "Web", "S", "75011", "455"), ("A2", "Web", "S", "75011", "10000")]
    cells += [("A1", "Web", "S", "75011", "455 h"), ("A3", "Web", "S", "75011", None)]
    table = Table(headers, 1, tuple(enumerate(cells, start=2)), "lheo")
    found = clean_rows(table, map_headers(headers))
    assert [row is not None for row in found.rows] == [True, True, True, True]
    fast = import_table(table)
    assert fast == _import_row_by_row(table)
    # the second A1 is refused as a duplicate, after its warning; A3 has no hours, no duration
    assert [(row.id, row.duree_mois) for row in fast.rows] == [
        ("A1", 3),
        ("A2", None),
        ("A3", None),
    ]
    warnings = [(i.ligne, i.colonne, i.motif) for i in fast.issues if i.ligne > 1]
    assert [(line, column) for line, column, _ in warnings] == [
        (2, "Nombre d'heures"),
        (3, "Nombre d'heures"),
        (4, "Nombre d'heures"),
        (4, "Identifiant"),
    ]
    assert warnings[0][2].endswith(" : 455 h → 3 mois")
    assert warnings[1][2].endswith(
        " : 10000 h → 66 mois, hors limites (3 à 24 mois) : durée non précisée"
    )


def _import_row_by_row(table: Table) -> ImportResult | str:
    """The import with every row validated by validate_row (no column pass)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            rows_module,
            "clean_rows",
            lambda table, mapping: CleanRows([None] * len(table.rows), {}),
        )
        return _import_or_error(table)


def _import_or_error(table: Table) -> ImportResult | str:
    try:
        return import_table(table)
    except InputFileError as exc:
        return str(exc)


@given(st.data())
def test_equal_cells_of_different_types_keep_their_own_reading(data: st.DataObject) -> None:
    """``1``, ``1.0`` and ``True`` are equal dict keys but read differently: never shared."""
    first, second = data.draw(st.permutations([6, 6.0, True, "6"]))[:2]
    cells = (("A1", "Web", "S", "75011", first), ("A2", "Web", "S", "75011", second))
    headers = ("Identifiant", "Intitulé", "Structure", "Code postal", "Durée (mois)")
    table = Table(headers, 1, tuple((n, c) for n, c in enumerate(cells, start=2)), "xlsx")
    mapping = map_headers(headers)
    for (line, row_cells), clean in zip(table.rows, clean_rows(table, mapping).rows, strict=True):
        row, issues = validate_row(line, row_cells, mapping, headers)
        assert clean == (row if not issues else None)


def test_the_column_pass_reads_every_field_of_a_row() -> None:
    """Each field of ImportedRow but its line number has its reading in the column pass."""
    assert set(columns_module._CLEAN_OUTCOMES) == (
        set(columns_module._ROW_FIELDS) - {"ligne", "details"}
    ) | set(DETAIL_FIELDS)


id_texts = st.text(alphabet="aZ09._~-é \n/", max_size=8) | st.sampled_from(
    ["", ".", "..", "a" * MAX_ID_CHARS, "a" * (MAX_ID_CHARS + 1), "a\nb", "\n"]
)


@given(st.lists(id_texts, max_size=6))
def test_all_safe_ids_is_is_safe_id_on_every_text(texts: list[str]) -> None:
    """The one-pass check of a column of ids says what is_safe_id says of each id."""
    assert all_safe_ids(texts) == all(is_safe_id(text) for text in texts)


@given(st.lists(st.text(alphabet="ab \t\n\u00a0\u2003\x1c", max_size=6), max_size=6))
def test_a_plain_column_is_one_whose_texts_are_their_own_cell_text(texts: list[str]) -> None:
    """The one-pass check says a column is plain exactly when cell_text keeps every text."""
    expected = all(cell_text(text).strip() == text for text in texts)
    assert columns_module._all_plain(texts) == expected
