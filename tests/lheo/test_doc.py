"""docs/lheo.md holds the code's tables unchanged, and the demo file is what its script makes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from geo.gazetteer import Gazetteer
from geo.lheo.codes import HEURES_PAR_MOIS, UNKNOWN_INFO
from geo.lheo.doc import TABLES, mapping_markdown
from geo.lheo.mapping import FIELD_MAP
from geo.lheo.reader import MAX_DEPTH, MAX_RECORD_ELEMENTS

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def lheo_doc() -> str:
    return (REPO / "docs" / "lheo.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("render", TABLES, ids=lambda render: render.__name__)
def test_every_table_of_the_code_is_in_the_docs_unchanged(lheo_doc, render):
    assert render() in lheo_doc, (
        f"docs/lheo.md is stale: paste the output of `python -m geo.lheo.doc` ({render.__name__})"
    )


def test_the_docs_state_the_rules_the_tables_do_not_show(lheo_doc):
    assert f"{HEURES_PAR_MOIS:.2f}" in lheo_doc
    assert f'info="{UNKNOWN_INFO}"' in lheo_doc
    assert f"deeper than {MAX_DEPTH} elements" in lheo_doc
    assert f"more than {MAX_RECORD_ELEMENTS:,} elements" in lheo_doc
    for rule in FIELD_MAP:
        assert f"| `{rule.field}` |" in lheo_doc


def test_the_demo_and_case_files_are_what_their_script_makes():
    path = REPO / "scripts" / "make_demo_lheo.py"
    spec = importlib.util.spec_from_file_location("make_demo_lheo", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build(Gazetteer.load()) == (REPO / "tests" / "data" / "lheo-cas.xml").read_bytes()
    assert module.build_demo() == (REPO / "data" / "exemple-lheo.xml").read_bytes()


def test_the_import_docs_map_every_lheo_element_as_the_code_does():
    import_doc = (REPO / "docs" / "import.md").read_text(encoding="utf-8")
    assert mapping_markdown() in import_doc, "docs/import.md: paste `python -m geo.lheo.doc`"
