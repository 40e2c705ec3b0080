"""The demo dataset: shape, spread, messy cases, determinism, and placement by the offline chain."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from geo.geocode import geocode_offline
from geo.importer import import_table, parse_duree, parse_type_structure, read_table
from geo.schema import DUREE_MAX_MOIS, DUREE_MIN_MOIS, Modalite, Niveau, PublicVise, TypeStructure

REPO = Path(__file__).resolve().parents[2]
CSV_PATH = REPO / "data" / "formations.csv"
META_PATH = REPO / "data" / "formations.meta.json"


@pytest.fixture(scope="module")
def demo_script():
    path = REPO / "scripts" / "make_demo_data.py"
    spec = importlib.util.spec_from_file_location("make_demo_data", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_demo_data"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo_rows(demo_script, gazetteer):
    return demo_script.make_rows(gazetteer)


@pytest.fixture(scope="module")
def csv_records() -> list[dict[str, str]]:
    text = CSV_PATH.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_the_committed_files_equal_a_rebuild(demo_script, demo_rows):
    assert demo_script.render(demo_rows) == CSV_PATH.read_bytes(), (
        "data/formations.csv is stale: run uv run --no-sync python scripts/make_demo_data.py"
    )
    assert demo_script.render_meta() == META_PATH.read_bytes()


def test_generation_is_deterministic(demo_script, gazetteer, demo_rows):
    assert demo_script.render(demo_script.make_rows(gazetteer)) == demo_script.render(demo_rows)


def test_shape_like_an_excel_export(csv_records):
    raw = CSV_PATH.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    assert list(csv_records[0]) == [
        "Identifiant",
        "Intitulé de la formation",
        "Structure",
        "Type de structure",
        "Adresse",
        "Code postal",
        "Commune",
        "Code INSEE",
        "Durée (mois)",
        "Modalité",
        "Site web",
        "Date de labellisation",
        "Sessions",
        "Courriel",
        "Téléphone",
        "Lien de candidature",
        "Certification",
        "Niveau d'entrée",
        "Niveau de sortie",
        "Public visé",
        "Alternance",
        "Nombre d'heures",
        "Prise en charge",
    ]
    assert len(csv_records) == 171
    assert len({r["Identifiant"] for r in csv_records}) == 171
    assert len({r["Structure"] for r in csv_records}) == 84


def test_types_and_durations_are_in_range(csv_records):
    types = Counter(parse_type_structure(r["Type de structure"]) for r in csv_records)
    assert set(types) == set(TypeStructure) - {TypeStructure.AUTRE}
    assert types[TypeStructure.ECOLE] > types[TypeStructure.COLLECTIVITE]
    assert types[TypeStructure.ASSOCIATION] > types[TypeStructure.ETABLISSEMENT_PUBLIC]
    in_hours = [r for r in csv_records if not r["Durée (mois)"]]
    assert in_hours and all(r["Nombre d'heures"] for r in in_hours)
    durations = [parse_duree(r["Durée (mois)"]) for r in csv_records if r["Durée (mois)"]]
    assert all(DUREE_MIN_MOIS <= d <= DUREE_MAX_MOIS for d in durations)
    assert min(durations) == 3 and max(durations) == 24
    assert any(r["Durée (mois)"].endswith("mois") for r in csv_records)
    assert any(r["Durée (mois)"].isdigit() for r in csv_records)
    labels = {r["Type de structure"] for r in csv_records}
    assert {"Association", "Collectivité", "École"} <= labels


def test_everything_is_visibly_fictitious(csv_records):
    for record in csv_records:
        structure = record["Structure"]
        assert any(w in structure for w in ("Exemple", "(démo)", "Fictive", "fictive")), structure
        site = record["Site web"]
        assert site == "" or "exemple.invalid/" in site or "example.org/" in site, site
        street = record["Adresse"].split(" ", 1)[1]
        assert any(
            w in street for w in ("Exemple", "Démonstration", "Essais", "Prototype", "Fictif",
                                  "Tests", "Maquette", "Échantillon")
        ), street  # fmt: skip


def test_messy_cases_are_all_present(demo_rows, csv_records):
    cases = Counter(row.cas for row in demo_rows)
    for case in (
        "sans_accents",
        "majuscules",
        "code_postal_seul",
        "code_insee_seul",
        "cedex",
        "zero_perdu",
        "st_ste",
        "tout_rempli",
    ):
        assert cases[case] >= 1, case
    communes = [r["Commune"] for r in csv_records]
    assert any(c.startswith(("St ", "Ste-")) for c in communes)
    assert any("CEDEX" in c for c in communes)
    assert any("CEDEX" in r["Code postal"] for r in csv_records)
    assert any(c and c == c.upper() for c in communes)
    assert any(r["Code postal"] == "" and r["Code INSEE"] for r in csv_records)
    assert any(r["Commune"] == "" and r["Code postal"] and not r["Code INSEE"] for r in csv_records)
    assert any(not r["Site web"].startswith("http") and r["Site web"] for r in csv_records)


def test_every_row_is_placed_offline_in_its_intended_commune(demo_rows, gazetteer):
    imported = import_table(read_table(CSV_PATH))
    assert not [i for i in imported.issues if i.niveau.name == "REJET"]
    assert len(imported.rows) == 171
    report = geocode_offline(imported.rows, gazetteer, imported.column_names)
    assert len(report.placed) == 171, report.issues
    intended = {row.cells[0]: row.code_insee for row in demo_rows}
    for placed in report.placed:
        assert placed.placement.commune.code_insee == intended[placed.row.id], placed.row
    regions = {placed.placement.commune.region for placed in report.placed}
    assert len(regions) == 18
    assert {"01", "02", "03", "04", "06"} <= regions
    assert {placed.row.modalite for placed in report.placed} == set(Modalite)


def test_meta_sidecar():
    meta = json.loads(META_PATH.read_text("utf-8"))
    assert meta["demo"] is True
    assert meta["titre"] == (
        "Formations labellisées Grande École du Numérique — données de démonstration"
    )
    assert meta["licence"] and meta["producteur"]


def test_the_details_of_issue_13_are_all_there_and_fictitious(demo_rows, csv_records):
    result = import_table(read_table(CSV_PATH))
    rows = [row.details for row in result.rows]
    assert not [i for i in result.issues if i.colonne in ("Courriel", "Téléphone", "Sessions")]
    assert sum(bool(row.sessions) for row in rows) > 100
    assert {len(row.sessions) for row in rows} >= {0, 1, 2, 3}
    assert all(row.contact_email is None or row.contact_email.endswith(".invalid") for row in rows)
    phones = [row.contact_telephone for row in rows if row.contact_telephone]
    assert phones and all(phone.startswith("01 99 00 ") for phone in phones)
    assert {row.niveau_sortie for row in rows} - {None} == {
        Niveau.NIVEAU_3,
        Niveau.NIVEAU_4,
        Niveau.NIVEAU_5,
        Niveau.NIVEAU_6,
    }
    assert all(
        row.niveau_entree is None
        or row.niveau_sortie is None
        or row.niveau_entree == Niveau.SANS_NIVEAU
        or row.niveau_entree < row.niveau_sortie
        for row in rows
    )
    assert {p for row in rows for p in row.public_vise} >= set(PublicVise) - {
        PublicVise.AUTRE_PUBLIC
    }
    assert {row.alternance for row in rows} == {True, False, None}
    assert {row.prise_en_charge for row in rows} == {True, False, None}
    assert any(row.certification and row.certification.startswith("RS") for row in rows)
    in_hours = [row for row in result.rows if row.details.nombre_heures is not None]
    assert in_hours and all(row.duree_mois is not None for row in in_hours)
    raw_sessions = " ".join(record["Sessions"] for record in csv_records)
    assert "du " in raw_sessions and "/20" in raw_sessions and " - " in raw_sessions


def test_sessions_move_with_the_reference_date(demo_script, gazetteer):
    later = demo_script.make_rows(gazetteer, date(2030, 1, 1))
    assert "2030" in " ".join(row.cells[12] for row in later)
    assert demo_script.render(later) == demo_script.render(
        demo_script.make_rows(gazetteer, date(2030, 1, 1))
    )
