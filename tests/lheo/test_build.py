"""``carte-gen build offre.xml``: LHEO files through the same row validation, nothing lost."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from geo.importer import parse_bytes
from geo.importer.details import parse_telephone
from geo.lheo import read_lheo
from geo.lheo.codes import NAMESPACE_2_3, OUI

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "data" / "lheo-cas.xml"


def carte_gen(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real console script (exit code, French messages on stderr)."""
    script = Path(sys.executable).parent / "carte-gen"
    return subprocess.run(
        [str(script), *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1796083200"},  # 2026-12-01
        cwd=REPO,
        timeout=timeout,
        check=False,
    )


def build(source: Path, tmp_path: Path) -> tuple[dict[str, Any], str]:
    output = tmp_path / "sortie.geojson"
    result = carte_gen("build", source, "-o", output)
    assert result.returncode == 0, result.stderr
    report = (tmp_path / "sortie.rejets.csv").read_text("utf-8-sig")
    return json.loads(output.read_text("utf-8")), report


def assert_nothing_lost(records: list[dict[str, Any]], collection: dict[str, Any]) -> None:
    """Every record is a feature, and every value it has is in the feature (normalised)."""
    features = collection["features"]
    assert len(features) == len(records) == collection["metadonnees"]["nombre"]
    for record, feature in zip(records, features, strict=True):  # in file order
        assert feature["id"] == record["id"] or (record["id"] is None and feature["id"])
        props = feature["properties"]
        for name in ("intitule", "structure", "adresse", "site_web", "url_candidature"):
            assert props[name] == record[name], name
        for name in ("certification", "niveau_entree", "niveau_sortie", "modalite"):
            assert props[name] == record[name], name
        assert props["public_vise"] == record["public_vise"]
        if record["contact_email"]:
            assert props["contact_email"] == record["contact_email"].lower()
        if record["contact_telephone"]:
            assert props["contact_telephone"] == parse_telephone(record["contact_telephone"])
        for name in ("alternance", "prise_en_charge"):
            expected = None if record[name] is None else record[name] == OUI
            assert props[name] == expected, name
        heures = record["nombre_heures"]
        assert props["nombre_heures"] == (int(heures) if heures else None)
        if heures:
            assert props["duree_mois"] is not None
        assert len(props["sessions"]) == len(record["sessions"])
        for side in ("debut", "fin"):
            read = sorted(s[side] or "" for s in record["sessions"])
            built = sorted(s[side] or "" for s in props["sessions"])
            assert all(b.startswith(r) for r, b in zip(read, built, strict=True)), side
        if record["code_insee"]:
            assert props["code_insee"] == record["code_insee"]
        if record["latitude"]:
            lon, lat = feature["geometry"]["coordinates"]
            assert (lat, lon) == pytest.approx(
                (float(record["latitude"]), float(record["longitude"])), abs=1e-6
            )


def test_full_offers_with_several_actions_sites_and_sessions_build_with_nothing_lost(tmp_path):
    records = list(read_lheo(io.BytesIO(CASES.read_bytes())))
    assert len(records) == 7 and sum(len(r["sessions"]) for r in records) == 13  # type: ignore[arg-type]
    collection, report = build(CASES, tmp_path)
    assert_nothing_lost(records, collection)
    assert "rejet" not in report
    assert "sans jour : lue comme le" in report  # a month-only session date, stated


@pytest.mark.parametrize("namespace", [NAMESPACE_2_3, "http://www.lheo.org/2.2", None])
def test_an_index_in_any_lheo_namespace_builds_with_nothing_lost(
    namespace, index_document, tmp_path
):
    data = index_document(namespace)
    source = tmp_path / "index.xml"
    source.write_bytes(data)
    records = list(read_lheo(io.BytesIO(data)))
    collection, report = build(source, tmp_path)
    assert_nothing_lost(records, collection)
    first = next(f for f in collection["features"] if f["id"] == "R1")["properties"]
    assert first["sessions"] == [
        {"debut": "2027-01-04", "fin": "2027-06-30"},
        {"debut": "2027-09-01", "fin": None},
    ]
    assert first["prochaine_session"] == "2027-01-04"
    assert first["public_vise"] == ["demandeurs_emploi", "autre_public"]
    assert first["certification"] == "RS6012"
    assert first["duree_mois"] == 8  # 1200 h ÷ 151.67, stated in the report
    assert "1200 h → 8 mois" in report


def test_the_namespace_does_not_change_what_is_built(with_namespace, tmp_path):
    built = []
    for index, namespace in enumerate((NAMESPACE_2_3, None)):
        source = tmp_path / f"offre-{index}.xml"
        source.write_bytes(with_namespace(CASES.read_bytes(), namespace))
        folder = tmp_path / str(index)
        folder.mkdir()
        collection, _ = build(source, folder)
        built.append(collection["features"])
    assert built[0] == built[1]


def test_lheo_values_go_through_the_spreadsheet_rules(tmp_path):
    data = CASES.read_bytes().replace(b"03 20 00 00 01", b"pas un numero")
    data = data.replace(
        b"<prise-en-charge-frais-possible>1<", b"<prise-en-charge-frais-possible>7<"
    )
    table = parse_bytes(data)
    assert table.format == "lheo"
    source = tmp_path / "offre.xml"
    source.write_bytes(data)
    collection, report = build(source, tmp_path)
    lille = next(f for f in collection["features"] if f["id"] == "A-DEMO-001-LILLE")["properties"]
    assert lille["contact_telephone"] is None
    assert lille["prise_en_charge"] is None
    assert "téléphone « pas un numero » invalide" in report
    assert "« 7 » n'est ni oui ni non" in report


HOSTILE = {
    "bombe": (
        b'<?xml version="1.0"?>\n<!DOCTYPE lheo [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<lheo><offres>&b;</offres></lheo>'
    ),
    "entite_externe": (
        b'<?xml version="1.0"?>\n<!DOCTYPE lheo [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b"<lheo><offres>&x;</offres></lheo>"
    ),
    "imbrication": b"<lheo>" + b"<a>" * 5_000_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_lheo_file_is_refused_quickly_in_french(name, tmp_path):
    source = tmp_path / f"{name}.xml"
    source.write_bytes(HOSTILE[name])
    started = time.perf_counter()
    result = carte_gen("build", source, "-o", tmp_path / "sortie.geojson")
    assert result.returncode == 2
    assert "fichier LHEO refusé" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "sortie.geojson").exists()
    assert time.perf_counter() - started < 30  # the process start-up, not the file, dominates


def test_the_demo_lheo_file_builds_into_the_same_map(tmp_path):
    csv_folder, lheo_folder = tmp_path / "csv", tmp_path / "lheo"
    csv_folder.mkdir()
    lheo_folder.mkdir()
    from_csv, _ = build(REPO / "data" / "formations.csv", csv_folder)
    from_lheo, _ = build(REPO / "data" / "exemple-lheo.xml", lheo_folder)
    assert len(from_lheo["features"]) == len(from_csv["features"]) == 171
    # Not in LHEO: the structure type, the label date, a duration given in months only;
    # an unknown alternance is written as no work-linked code and reads as « non ».
    not_in_lheo = {"type_structure", "date_labellisation", "duree_mois", "alternance"}
    for ours, theirs in zip(from_csv["features"], from_lheo["features"], strict=True):
        assert ours["id"] == theirs["id"]
        assert ours["geometry"] == theirs["geometry"]
        for name, value in ours["properties"].items():
            if name not in not_in_lheo:
                assert theirs["properties"][name] == value, (ours["id"], name)
        assert theirs["properties"]["alternance"] is (ours["properties"]["alternance"] is True)
        if ours["properties"]["nombre_heures"] is not None:
            assert theirs["properties"]["duree_mois"] == ours["properties"]["duree_mois"]
