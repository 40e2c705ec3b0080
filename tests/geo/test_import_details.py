"""Parsers of a training's details (issue 13): what each accepts, normalises and refuses."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.importer import ValueProblem, import_table, parse_bytes
from geo.importer.details import (
    parse_certification,
    parse_email,
    parse_heures,
    parse_niveau,
    parse_oui_non,
    parse_public_vise,
    parse_sessions,
    parse_telephone,
    parse_url,
    prochaine_session,
)
from geo.schema import Niveau, PublicVise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01 23 45 67 89", "01 23 45 67 89"),
        ("01.23.45.67.89", "01 23 45 67 89"),
        ("123456789", "01 23 45 67 89"),
        ("+33 1 23 45 67 89", "01 23 45 67 89"),
        ("+33 (0)1 23 45 67 89", "01 23 45 67 89"),
        ("0033123456789", "01 23 45 67 89"),
        ("+262 262 12 34 56", "+262 262 12 34 56"),
        ("+590690123456", "+590 690 12 34 56"),
        ("+687 12 34 56", "+687 12 34 56"),
        ("+689 40 12 34 56", "+689 40 12 34 56"),
        ("3949", "3949"),
    ],
)
def test_phone_numbers_are_normalised(text: str, expected: str) -> None:
    assert parse_telephone(text) == expected


@pytest.mark.parametrize("text", ["12", "00 23 45 67 89", "01 23 45 67", "+33 0 1", "tél. mairie"])
def test_bad_phone_numbers_are_refused_naming_the_value(text: str) -> None:
    with pytest.raises(ValueProblem, match=re.escape(f"« {text} »")):
        parse_telephone(text)


def test_emails_urls_and_certifications() -> None:
    assert parse_email("mailto:Jo@Exemple.INVALID") == "Jo@exemple.invalid"
    assert parse_url("exemple.fr/candidater") == "https://exemple.fr/candidater"
    for bad in ("javascript:alert(1)", "ftp://a.fr", "mailto:a@b.fr"):
        with pytest.raises(ValueProblem):
            parse_url(bad)
    for text in ("RNCP 37873", "rncp37873", "RNCP n° 37873", "RNCP-037873"):
        assert parse_certification(text) == "RNCP37873"
    assert parse_certification("https://www.francecompetences.fr/recherche/rs/5432/") == "RS5432"
    with pytest.raises(ValueProblem, match="37873"):
        parse_certification("37873")


def test_levels_in_every_unambiguous_form_and_only_those() -> None:
    for text in ("5", "niveau 5", "Bac+2", "bac + 2", "BTS", "Niveau 5 (bac + 2 : BTS, DEUST)", 5):
        assert parse_niveau(text) is Niveau.NIVEAU_5
    assert parse_niveau("Sans niveau spécifique") is Niveau.SANS_NIVEAU
    for text in ("niveau I", "1", "9", "bac+1"):
        with pytest.raises(ValueProblem, match="inconnu"):
            parse_niveau(text)


def test_publics_by_label_or_code_in_schema_order_unknowns_noted() -> None:
    found, notes = parse_public_vise("Salariés ; demandeurs_emploi, RQTH | martiens")
    assert found == (
        PublicVise.DEMANDEURS_EMPLOI,
        PublicVise.SALARIES,
        PublicVise.PERSONNES_HANDICAP,
    )
    assert len(notes) == 1 and "« martiens »" in notes[0]
    assert parse_public_vise('["tout_public"]') == ((PublicVise.TOUT_PUBLIC,), [])
    assert parse_public_vise(["salaries", "salaries"]) == ((PublicVise.SALARIES,), [])


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("oui", True), ("O", True), ("vrai", True), ("x", True), ("1", True), (True, True),
     ("non", False), ("n", False), ("Faux", False), ("0", False), (0, False), (False, False)],
)  # fmt: skip
def test_yes_no(cell: object, expected: bool) -> None:
    assert parse_oui_non(cell) is expected


def test_hours() -> None:
    assert [parse_heures(t) for t in ("400", "400 h", "400 heures", 400, 400.0)] == [400] * 5
    for bad in ("400,5", "0", "beaucoup", "-3"):
        with pytest.raises(ValueProblem):
            parse_heures(bad)


def test_sessions_in_a_cell_every_form_sorted() -> None:
    sessions, notes = parse_sessions(
        "2027-09-05/2028-02-28 ; du 05/01/2027 au 30/06/2027\n/2026-12-31 ; 20270301-20270600"
    )
    assert sessions == (
        (None, "2026-12-31"),
        ("2027-01-05", "2027-06-30"),
        ("2027-03-01", "2027-06-30"),
        ("2027-09-05", "2028-02-28"),
    )
    assert notes == ["date « 2027-06 » sans jour : lue comme le 2027-06-30"]
    kept, notes = parse_sessions("2027-06-30/2027-01-01 ; n'importe quoi ; 2027-01-05")
    assert kept == (("2027-01-05", None),)
    assert len(notes) == 2 and all("session ignorée" in note for note in notes)


iso_days = st.dates(date(2020, 1, 1), date(2035, 12, 31))


@given(st.lists(st.tuples(iso_days, iso_days), max_size=5), iso_days)
def test_the_next_session_is_the_first_start_on_or_after_the_build_day(spans, today) -> None:
    text = " ; ".join(f"{min(a, b):%d/%m/%Y} - {max(a, b):%d/%m/%Y}" for a, b in spans)
    sessions, notes = parse_sessions(text)
    assert notes == [] and len(sessions) == len(spans)
    starts = [min(a, b) for a, b in spans if min(a, b) >= today]
    expected = min(starts).isoformat() if starts else None
    assert prochaine_session(sessions, today) == expected


def test_json_input_takes_the_new_fields_as_json_values_or_text() -> None:
    document = [
        {
            "id": "J1",
            "intitule": "Web",
            "code_postal": "75011",
            "sessions": [{"debut": "2027-01-05", "fin": "2027-06-30"}, {"debut": "2026-09-01"}],
            "public_vise": ["salaries", "Demandeurs d'emploi"],
            "alternance": True,
            "prise_en_charge": False,
            "nombre_heures": 400,
            "niveau_sortie": 5,
        },
        {
            "id": "J2",
            "intitule": "Data",
            "code_postal": "75011",
            "sessions": "2027-01-05/2027-06-30",
            "public_vise": "salaries; tout_public",
            "alternance": "non",
            "prise_en_charge": "oui",
            "nombre_heures": "400 h",
            "niveau_sortie": "niveau 5",
        },
    ]
    result = import_table(parse_bytes(json.dumps(document).encode(), "offre.json"))
    first, second = (row.details for row in result.rows)
    assert first.sessions == (("2026-09-01", None), ("2027-01-05", "2027-06-30"))
    assert first.public_vise == (PublicVise.DEMANDEURS_EMPLOI, PublicVise.SALARIES)
    assert (first.alternance, first.prise_en_charge) == (True, False)
    assert (second.alternance, second.prise_en_charge) == (False, True)
    assert first.nombre_heures == second.nombre_heures == 400
    assert first.niveau_sortie is second.niveau_sortie is Niveau.NIVEAU_5
    assert second.public_vise == (PublicVise.SALARIES, PublicVise.TOUT_PUBLIC)
    assert [row.duree_mois for row in result.rows] == [3, 3]  # derived from the hours
