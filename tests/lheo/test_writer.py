"""The LHEO writer: round trip through the reader, escaping, and the documented structure."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from geo.lheo import RECORD_FIELDS, read_lheo
from geo.lheo.codes import (
    LHEO_CODE_BY_MODALITE,
    NIVEAU_LABELS,
    PUBLIC_LABELS,
    TYPE_STRUCTURE_AUTRE,
    UNKNOWN_INFO,
)
from geo.lheo.structure import structure_problems
from geo.lheo.writer import write_lheo


def _write(records) -> bytes:
    out = io.BytesIO()
    write_lheo(records, out)
    return out.getvalue()


def _round_trip(records) -> list[dict[str, object]]:
    return list(read_lheo(io.BytesIO(_write(records))))


# Text as the importer hands it over: stripped, XML-compatible, not LHEO's « - » placeholder.
texts = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(lambda text: text not in ("", "-"))
)
optional_texts = st.none() | texts
iso_dates = st.dates().map(lambda day: day.isoformat()) | st.dates().map(
    lambda day: day.isoformat()[:7]
)
sessions = st.lists(
    st.fixed_dictionaries({"debut": st.none() | iso_dates, "fin": st.none() | iso_dates}).filter(
        lambda period: period != {"debut": None, "fin": None}
    ),
    max_size=4,
)
#: Level 8 has no LHEO code of its own (see test_level_8_reads_back_as_7).
levels = st.none() | st.sampled_from([level for level in NIVEAU_LABELS if level != "8"])
publics = st.sets(st.sampled_from(list(PUBLIC_LABELS))).map(
    lambda chosen: [value for value in PUBLIC_LABELS if value in chosen]
)
certifications = st.none() | st.builds(
    lambda prefix, number: f"{prefix}{number}",
    st.sampled_from(["RNCP", "RS"]),
    st.integers(1, 99999),
)

records = st.fixed_dictionaries(
    {
        "id": optional_texts,
        "intitule": optional_texts,
        "structure": optional_texts,
        "type_structure": st.just(TYPE_STRUCTURE_AUTRE),
        "siret": optional_texts,
        "adresse": optional_texts,
        "code_postal": optional_texts,
        "commune": optional_texts,
        "code_insee": optional_texts,
        "latitude": optional_texts,
        "longitude": optional_texts,
        "site_web": optional_texts,
        "url_candidature": optional_texts,
        "contact_email": optional_texts,
        "contact_telephone": optional_texts,
        "certification": certifications,
        "niveau_entree": levels,
        "niveau_sortie": levels,
        "public_vise": publics,
        "alternance": st.sampled_from(["oui", "non"]),
        "nombre_heures": st.none() | st.integers(0, 99999).map(str),
        "prise_en_charge": st.sampled_from([None, "oui", "non"]),
        "modalite": st.none() | st.sampled_from(list(LHEO_CODE_BY_MODALITE)),
        "sessions": sessions,
        "date_labellisation": st.none(),
    }
)


@settings(max_examples=5)
@given(records)
def test_the_strategy_covers_every_record_field(record):
    assert set(record) == set(RECORD_FIELDS)


@settings(max_examples=150, deadline=None)
@given(st.lists(records, max_size=4))
def test_records_written_then_read_are_the_same_records(batch):
    assert _round_trip(batch) == batch


@settings(max_examples=60, deadline=None)
@given(st.lists(records, min_size=1, max_size=3))
def test_written_documents_follow_the_documented_structure(batch):
    assert structure_problems(etree.fromstring(_write(batch))) == []


def test_the_demo_file_survives_a_round_trip(demo_bytes, read_bytes):
    records = read_bytes(demo_bytes)
    assert _round_trip(records) == records


def test_markup_in_values_is_escaped_and_control_characters_dropped():
    record = {
        "id": 'a"b<c>&d',
        "intitule": "</intitule-formation><x>&amp;",
        "structure": "A\x00B\x1fC",
        "sessions": [],
    }
    data = _write([record])
    assert b"<x>" not in data and b"\x00" not in data
    (back,) = list(read_lheo(io.BytesIO(data)))
    assert back["id"] == 'a"b<c>&d'
    assert back["intitule"] == "</intitule-formation><x>&amp;"
    assert back["structure"] == "ABC"


def test_required_elements_without_a_value_are_marked_unknown():
    data = _write([{"intitule": "x", "public_vise": [], "modalite": None, "sessions": []}])
    root = etree.fromstring(data)
    marked = {etree.QName(e).localname for e in root.iter() if e.get("info") == UNKNOWN_INFO}
    assert marked == {
        "code-public-vise",
        "modalites-enseignement",
        "prise-en-charge-frais-possible",
    }
    (back,) = list(read_lheo(io.BytesIO(data)))
    assert (back["public_vise"], back["modalite"], back["prise_en_charge"]) == ([], None, None)
    assert back["sessions"] == []  # the one unknown period LHEO requires reads as none


def test_level_8_reads_back_as_7():
    (back,) = _round_trip([{"niveau_sortie": "8", "niveau_entree": "7"}])
    assert (back["niveau_sortie"], back["niveau_entree"]) == ("7", "7")


def test_the_structure_check_finds_elements_out_of_order_or_missing():
    root = etree.fromstring(_write([{"intitule": "x"}]))
    formation = root[0][0]
    intitule = formation[1]
    formation.remove(intitule)
    formation.append(intitule)
    action = next(e for e in formation if etree.QName(e).localname == "action")
    for session in [e for e in action if etree.QName(e).localname == "session"]:
        action.remove(session)
    problems = structure_problems(root)
    assert any("<intitule-formation> est hors de l'ordre" in p for p in problems)
    assert any("0 <session> pour [1, N]" in p for p in problems)


def test_an_empty_selection_is_not_a_valid_lheo_document():
    (problem,) = structure_problems(etree.fromstring(_write([])))
    assert "0 <formation> pour [1, N]" in problem
