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
from geo.schema import INPUT_FIELDS, MODALITE_LABELS, TYPE_STRUCTURE_LABELS

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
    assert set(result.header_map) == set(INPUT_FIELDS)
    assert result.rows_read == 2
    assert len(result.rows) == 2
    assert result.issues == []
