"""The LHEO reader: both forms, with and without namespace, nothing lost, mapping rules."""

from __future__ import annotations

import io

import pytest
from lxml import etree

from geo.lheo import RECORD_FIELDS, LheoError, read_lheo_lines
from geo.lheo.codes import (
    NAMESPACE_2_3,
    NIVEAU_BY_LHEO_CODE,
    NIVEAU_LABELS,
    PUBLIC_LABELS,
    PUBLICS_BY_FORMACODE,
    duree_mois_depuis_heures,
    iso_date,
    lheo_date,
)

NAMESPACES = [NAMESPACE_2_3, "http://www.lheo.org/2.2", "http://www.lheo.org/2.0", None]


def _local(element) -> str:
    return etree.QName(element).localname


def _oracle(data: bytes) -> tuple[int, list[list[tuple[str, str]]]]:
    """Records and dated sessions per record, counted on a full in-memory parse of the file."""
    root = etree.fromstring(data)
    expected_records = 0
    sessions: list[list[tuple[str, str]]] = []
    for action in (e for e in root.iter() if _local(e) == "action"):
        sites = [c for c in action if _local(c) == "lieu-de-formation"]
        periods = []
        for session in (c for c in action if _local(c) == "session"):
            periode = next(c for c in session if _local(c) == "periode")
            debut, fin = (c.text for c in periode)
            if {debut, fin} != {"00000000", "99999999"}:
                periods.append((debut, fin))
        for _ in sites or [None]:
            expected_records += 1
            sessions.append(periods)
    return expected_records, sessions


def test_every_action_and_site_gives_a_record_with_every_session(demo_bytes, read_bytes):
    records = read_bytes(demo_bytes)
    expected_records, expected_sessions = _oracle(demo_bytes)
    assert len(records) == expected_records == 7
    for record, periods in zip(records, expected_sessions, strict=True):
        assert [(s["debut"], s["fin"]) for s in record["sessions"]] == [
            (iso_date(debut), iso_date(fin)) for debut, fin in periods
        ]
    assert sum(len(r["sessions"]) for r in records) == 13
    assert all(list(record) == list(RECORD_FIELDS) for record in records)


def test_several_actions_of_one_formation_share_its_fields(demo_bytes, read_bytes):
    lille, rennes = read_bytes(demo_bytes)[:2]
    assert (lille["id"], rennes["id"]) == ("A-DEMO-001-LILLE", "A-DEMO-001-RENNES")
    for field in ("intitule", "structure", "siret", "certification", "niveau_sortie", "site_web"):
        assert lille[field] == rennes[field] is not None
    assert (lille["commune"], rennes["commune"]) == ("Lille", "Rennes")
    assert (lille["alternance"], rennes["alternance"]) == ("non", "oui")
    assert (lille["modalite"], rennes["modalite"]) == ("presentiel", "hybride")
    assert lille["public_vise"] == ["demandeurs_emploi", "personnes_handicap"]
    assert rennes["public_vise"] == ["demandeurs_emploi", "jeunes_moins_26_ans"]
    assert rennes["sessions"][-1] == {"debut": "2028-01-10", "fin": None}


def test_an_action_with_two_sites_gives_two_records_with_the_same_sessions(demo_bytes, read_bytes):
    marseille, toulouse = read_bytes(demo_bytes)[2:4]
    assert (marseille["id"], toulouse["id"]) == ("A-DEMO-002-1", "A-DEMO-002-2")
    assert (marseille["code_insee"], toulouse["code_insee"]) == ("13201", "31555")
    assert marseille["latitude"] is not None and toulouse["latitude"] is None
    assert marseille["sessions"] == toulouse["sessions"]
    assert marseille["sessions"][0] == {"debut": "2027-03", "fin": "2027-12"}
    assert marseille["contact_telephone"] == "06 00 00 00 02"  # a mobile when no landline


def test_missing_optional_parts_read_as_empty_not_lost(demo_bytes, read_bytes):
    record = read_bytes(demo_bytes)[4]
    assert record["intitule"] == "Médiation numérique : premiers pas"
    for field in (
        "siret", "adresse", "code_insee", "latitude", "longitude", "site_web", "url_candidature",
        "contact_email", "contact_telephone", "certification", "niveau_entree", "niveau_sortie",
        "modalite", "date_labellisation",
    ):  # fmt: skip
        assert record[field] is None, field
    assert (record["code_postal"], record["commune"]) == ("63000", "CLERMONT-FERRAND")
    assert record["nombre_heures"] == "420"  # read in « 420 heures sur 4 mois »
    assert record["type_structure"] == "autre"


def test_values_are_mapped_and_text_unescaped(demo_bytes, read_bytes):
    records = read_bytes(demo_bytes)
    cayenne, ajaccio = records[5], records[6]
    assert cayenne["certification"] == "RS5210"
    assert (cayenne["niveau_entree"], cayenne["niveau_sortie"]) == ("5", "6")
    assert cayenne["modalite"] == "distanciel"
    assert ajaccio["intitule"] == "Data & IA : analyste <junior> (parcours « hybride »)"
    assert ajaccio["site_web"] == "https://campus-donnees.example/?p=analyste&lang=fr"
    assert ajaccio["alternance"] == "oui"
    assert ajaccio["code_insee"] == "2A004"
    assert records[0]["nombre_heures"] == "980"
    assert records[1]["nombre_heures"] == "700"  # centre hours alone


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_the_namespace_does_not_change_the_records(
    namespace, demo_bytes, read_bytes, with_namespace
):
    assert read_bytes(with_namespace(demo_bytes, namespace)) == read_bytes(demo_bytes)


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_an_index_gives_one_record_per_summary(namespace, read_bytes, index_document):
    first, second = read_bytes(index_document(namespace))
    assert first["id"] == "R1"
    assert (first["intitule"], first["structure"], first["siret"]) == (
        "Développeur d'applications",
        "École fictive du Code",
        "99900000900017",
    )
    assert (first["code_postal"], first["code_insee"], first["commune"]) == (
        "69003",
        "69383",
        "Lyon",
    )
    assert first["public_vise"] == ["demandeurs_emploi", "autre_public"]  # 99999 is kept
    assert first["sessions"] == [
        {"debut": "2027-01-04", "fin": "2027-06-30"},
        {"debut": "2027-09", "fin": None},
    ]
    assert (first["contact_email"], first["contact_telephone"]) == (
        "ecole@code.invalid",
        "04 00 00 00 09",
    )
    assert (first["certification"], first["niveau_entree"], first["modalite"]) == (
        "RS6012",
        "4",
        "distanciel",
    )
    assert (first["nombre_heures"], first["prise_en_charge"]) == ("1200", "oui")
    assert second["siret"] is None and second["sessions"] == []
    assert second["public_vise"] == ["tout_public"]
    assert second["commune"] == "Brest" and second["code_postal"] is None


def test_an_unknown_namespace_or_root_is_refused_in_french(read_bytes):
    with pytest.raises(LheoError, match="espace de noms « urn:autre » inconnu"):
        read_bytes(b'<lheo xmlns="urn:autre"><offres/></lheo>')
    with pytest.raises(LheoError, match="ce n'est pas un fichier LHEO"):
        read_bytes(b"<formations><formation/></formations>")


@pytest.mark.parametrize(
    ("lheo", "iso"),
    [
        ("20270915", "2027-09-15"),
        ("20270900", "2027-09"),
        ("20270000", "2027"),
        ("00000000", None),
        ("99999999", None),
        (" 20270915 ", "2027-09-15"),
        ("15/09/2027", "15/09/2027"),  # not LHEO: passed on for the importer to judge
    ],
)
def test_lheo_dates(lheo, iso):
    assert iso_date(lheo) == iso


def test_iso_dates_go_back_to_lheo():
    assert lheo_date("2027-09-15", "00000000") == "20270915"
    assert lheo_date("2027-09", "00000000") == "20270900"
    assert lheo_date("2027", "00000000") == "20270000"
    assert lheo_date(None, "99999999") == "99999999"


def test_every_lheo_level_reads_as_a_national_level_or_unknown():
    assert set(NIVEAU_BY_LHEO_CODE.values()) - {None} <= set(NIVEAU_LABELS)
    assert NIVEAU_BY_LHEO_CODE["0"] is None
    assert [NIVEAU_BY_LHEO_CODE[str(key)] for key in range(4, 9)] == ["3", "4", "5", "6", "7"]


def test_every_public_code_reads_as_a_known_public():
    for publics in PUBLICS_BY_FORMACODE.values():
        assert set(publics) <= set(PUBLIC_LABELS)


@pytest.mark.parametrize(("heures", "mois"), [(0, 1), (76, 1), (152, 1), (455, 3), (1820, 12)])
def test_hours_to_months_rule(heures, mois):
    assert duree_mois_depuis_heures(heures) == mois


@pytest.mark.parametrize("namespace", [NAMESPACE_2_3, None])
def test_coordinates_in_the_sites_extras_are_read_when_the_address_has_none(namespace, read_bytes):
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    data = f"""<lheo{xmlns}><offres><formation><intitule-formation>x</intitule-formation>
    <action><lieu-de-formation><coordonnees><adresse><ligne>-</ligne><codepostal>29200
    </codepostal><ville>Brest</ville></adresse></coordonnees><extras info="geo">
    <geolocalisation><latitude>48.39</latitude><longitude>-4.49</longitude></geolocalisation>
    </extras></lieu-de-formation></action></formation></offres></lheo>""".encode()
    (record,) = read_bytes(data)
    assert (record["latitude"], record["longitude"]) == ("48.39", "-4.49")
    assert record["code_postal"] == "29200"  # surrounding blanks are not part of a value


def test_each_record_knows_the_line_it_comes_from(demo_bytes, index_document):
    lines = demo_bytes.decode().splitlines()
    located = list(read_lheo_lines(io.BytesIO(demo_bytes)))
    assert len(located) == 7
    for line, _ in located:
        assert lines[line - 1].strip() == "<lieu-de-formation>"
    (first, _), (second, _) = read_lheo_lines(io.BytesIO(index_document(None)))
    index_lines = index_document(None).decode().splitlines()
    assert index_lines[first - 1].strip().startswith("<resume-offre")
    assert index_lines[second - 1].strip() == "<resume-offre>"
