"""The import documentation and template stay in step with what the importer accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.importer import (
    FIELD_LABELS,
    HEADER_ALIASES,
    MODALITE_ALIASES,
    TYPE_STRUCTURE_ALIASES,
    import_table,
    read_table,
)
from geo.schema import (
    INPUT_FIELDS,
    MODALITE_LABELS,
    SESSION_ROW_FIELDS,
    TYPE_STRUCTURE_LABELS,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def import_doc() -> str:
    return (DOCS / "import.md").read_text(encoding="utf-8")


def test_every_input_field_and_header_alias_is_documented(import_doc: str) -> None:
    for field, aliases in HEADER_ALIASES.items():
        assert f"`{field}`" in import_doc
        assert FIELD_LABELS[field] in import_doc
        for alias in aliases:
            assert alias.lower() in import_doc.lower(), (
                f"header alias {alias!r} of {field} is not documented"
            )


@pytest.mark.parametrize(
    ("labels", "aliases"),
    [(TYPE_STRUCTURE_LABELS, TYPE_STRUCTURE_ALIASES), (MODALITE_LABELS, MODALITE_ALIASES)],
)
def test_every_allowed_value_its_label_and_aliases_are_documented(
    import_doc: str, labels: dict, aliases: dict
) -> None:
    for value, label in labels.items():
        assert f"`{value.value}`" in import_doc
        assert label in import_doc
        for alias in aliases.get(value, ()):
            assert alias.lower() in import_doc.lower(), (
                f"value alias {alias!r} of {value} is not documented"
            )


def test_template_has_every_input_field_and_its_rows_import_cleanly() -> None:
    result = import_table(read_table(DOCS / "modele-formations.csv"))
    # the template's sessions column holds them all: no session per row
    assert set(result.header_map) == set(INPUT_FIELDS) - set(SESSION_ROW_FIELDS)
    assert result.rows_read == 2
    assert len(result.rows) == 2
    assert result.issues == []


def test_the_caps_and_limits_are_documented_with_their_values(import_doc: str) -> None:
    from geo.importer import MAX_CELL_CHARS, MAX_ID_CHARS, MAX_RECORD_LINES, MAX_TEXT_BYTES
    from geo.importer.ids import SAFE_ID_ALPHABET
    from geo.importer.xlsx_reader import (
        MAX_XLSX_BYTES,
        MAX_XLSX_COLUMNS,
        MAX_XLSX_RATIO,
        MAX_XLSX_ROWS,
        MAX_XLSX_SHARED_STRINGS_BYTES,
        MAX_XLSX_UNCOMPRESSED_BYTES,
        MIB,
        RATIO_CHECK_FROM_BYTES,
    )

    rows = {
        "size of a CSV, JSON or GeoJSON file": f"{MAX_TEXT_BYTES // MIB} MiB",
        "size of an XLSX file": f"{MAX_XLSX_BYTES // MIB} MiB",
        "once decompressed (measured": f"{MAX_XLSX_UNCOMPRESSED_BYTES // MIB} MiB",
        "shared texts once decompressed": f"{MAX_XLSX_SHARED_STRINGS_BYTES // MIB} MiB",
        f"part over {RATIO_CHECK_FROM_BYTES // MIB} MiB": str(MAX_XLSX_RATIO),
        "rows of a sheet": str(MAX_XLSX_ROWS),
        "columns of a sheet": str(MAX_XLSX_COLUMNS),
        "length of a cell": f"{MAX_CELL_CHARS} characters",
    }
    for label, value in rows.items():
        line = next((ln for ln in import_doc.splitlines() if label in ln), None)
        assert line is not None, f"cap {label!r} is not documented"
        assert f"| {value} |" in line, f"cap {label!r} should read {value}: {line}"
    assert f"cut to {MAX_CELL_CHARS} characters" in import_doc
    assert f"at most {MAX_ID_CHARS} characters" in import_doc
    assert f"`{SAFE_ID_ALPHABET}`" in import_doc
    assert f"at most {MAX_RECORD_LINES} lines" in import_doc


def test_the_example_insee_codes_are_documented_with_the_type_the_table_gives(
    import_doc: str,
) -> None:
    from geo.categories_juridiques import CATEGORIES_JURIDIQUES

    for code in ("7210", "7346", "7348", "7354", "7410", "5499", "5710", "5720", "9220"):
        assert f"`{code}`" in import_doc
        assert code in CATEGORIES_JURIDIQUES
    assert "geo/categories_juridiques.py" in import_doc
