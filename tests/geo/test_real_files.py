"""Real public files, built end to end with their own headers through ``carte-gen build``.

And what the rows kept with missing values become once served: nulls, « Autre structure »,
cleaned ids, through the API and OGC.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from geo.gazetteer import DEFAULT_PATH as GAZETTEER
from geo.importer import parse_code_postal


def report_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))


def test_the_bfc_regional_file_keeps_every_row(donnees_reelles: Path, tmp_path: Path, carte_gen):
    source = donnees_reelles / "bfc-ternum-dataset.csv"
    with source.open(encoding="utf-8", newline="") as stream:
        expected = len(list(csv.DictReader(stream)))
    assert expected == 697
    output = tmp_path / "bfc.geojson"
    result = carte_gen("build", source, "-o", output)
    assert result.returncode == 0, result.stderr
    assert "Lignes lues : 697" in result.stdout and "Rejetées : 0" in result.stdout
    features = json.loads(output.read_text(encoding="utf-8"))["features"]
    assert len(features) == 697
    assert len({f["id"] for f in features}) == 697
    assert all(f["properties"]["structure"] for f in features)
    assert {f["properties"]["type_structure"] for f in features} == {"autre"}
    report = report_rows(tmp_path / "bfc.rejets.csv")
    assert not [r for r in report if r["Niveau"] == "rejet"]


def test_the_aidants_connect_json_places_every_row_whose_postcode_exists(
    donnees_reelles: Path, tmp_path: Path, carte_gen, gazetteer
):
    source = donnees_reelles / "aidants-connect.json"
    records = json.loads(source.read_text(encoding="utf-8"))
    assert len(records) == 3407
    unknown = {
        number
        for number, record in enumerate(records, start=1)
        if not gazetteer.by_postcode(parse_code_postal(record["Code postal"]))
    }
    output = tmp_path / "aidants.geojson"
    result = carte_gen("build", source, "-o", output)
    assert result.returncode == 0, result.stderr
    features = json.loads(output.read_text(encoding="utf-8"))["features"]
    rejected = {
        int(r["Ligne"])
        for r in report_rows(tmp_path / "aidants.rejets.csv")
        if r["Niveau"] == "rejet"
    }
    assert rejected == unknown
    assert len(features) == len(records) - len(unknown)
    assert len({f["id"] for f in features}) == len(features)
    names = {f["properties"]["structure"] for f in features}
    assert "Médiathèque Simone de Beauvoir" in names


def test_the_demo_still_builds_to_171_features(tmp_path: Path, carte_gen):
    output = tmp_path / "demo.geojson"
    result = carte_gen("build", "data/formations.csv", "-o", output)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(output.read_text(encoding="utf-8"))["features"]) == 171


# --------------------------------------------------------------------------- served


KEPT_ROWS = (
    "Identifiant;Intitulé;Structure;Type de structure;Code postal;Commune;Durée (mois);Modalité\n"
    "GEN/2024/01;Dev web;Simplon;Asso;01000;Bourg-en-Bresse;6;Présentiel\n"
    "K2;;Mairie de Bourg;Club de foot;01000;Bourg-en-Bresse;;\n"
    "K3;Data;Ada;Entreprise;01000;Bourg-en-Bresse;36 mois;en alternance\n"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, carte_gen):
    folder = tmp_path_factory.mktemp("kept")
    source = folder / "kept.csv"
    source.write_text(KEPT_ROWS, encoding="utf-8")
    output = folder / "kept.geojson"
    result = carte_gen("build", source, "-o", output)
    assert result.returncode == 0, result.stderr
    settings = Settings(data_path=output, gazetteer_path=GAZETTEER, reload_interval_s=0)
    with TestClient(create_app(settings)) as client:
        yield client


def ids(answer) -> list[str]:
    assert answer.status_code == 200, answer.text
    return sorted(f["id"] for f in answer.json()["features"])


def test_rows_with_missing_values_are_served_with_nulls(served: TestClient):
    by_id = {f["id"]: f["properties"] for f in served.get("/api/formations").json()["features"]}
    assert set(by_id) == {"GEN-2024-01", "K2", "K3"}
    assert by_id["K2"]["intitule"] is None and by_id["K2"]["structure"] == "Mairie de Bourg"
    assert by_id["K2"]["type_structure"] == "autre"
    assert by_id["K2"]["duree_mois"] is None and by_id["K2"]["modalite"] is None
    assert by_id["K3"]["duree_mois"] is None and by_id["K3"]["modalite"] is None


def test_a_null_duration_matches_no_duration_bound(served: TestClient):
    assert ids(served.get("/api/formations?duree_min=3")) == ["GEN-2024-01"]
    assert ids(served.get("/api/formations?duree_max=24")) == ["GEN-2024-01"]


def test_a_null_mode_matches_no_mode_filter(served: TestClient):
    assert ids(served.get("/api/formations?modalite=presentiel,distanciel,hybride")) == [
        "GEN-2024-01"
    ]


def test_autre_is_a_filter_value_like_the_others(served: TestClient):
    assert ids(served.get("/api/formations?type_structure=autre")) == ["K2"]
    ogc = served.get("/ogc/collections/formations/items?type_structure=autre")
    assert ogc.status_code == 200 and [f["id"] for f in ogc.json()["features"]] == ["K2"]


def test_facets_count_only_values_that_are_there(served: TestClient):
    facets = served.get("/api/filtres").json()["filtres"]
    modes = {v["valeur"]: v["nombre"] for v in facets["modalite"]}
    assert sum(modes.values()) == 1 and modes["presentiel"] == 1
    types = {v["valeur"]: (v["libelle"], v["nombre"]) for v in facets["type_structure"]}
    assert types["autre"] == ("Autre structure", 1)
    assert facets["duree_mois"] == {"min": 6, "max": 6}


def test_a_cleaned_id_answers_on_the_api_and_ogc_item_urls(served: TestClient):
    assert served.get("/api/formations/GEN-2024-01").status_code == 200
    assert served.get("/ogc/collections/formations/items/GEN-2024-01").status_code == 200


def test_the_map_has_an_icon_for_autre(served: TestClient):
    assert served.get("/static/icones/autre.svg").status_code == 200
