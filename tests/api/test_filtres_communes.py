"""/api/filtres (facets under the other filters) and /api/communes (gazetteer autocomplete)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from geo.schema import MODALITE_LABELS, TYPE_STRUCTURE_LABELS


def counts(features: list[dict[str, Any]], field: str) -> dict[str, int]:
    return dict(Counter(f["properties"][field] for f in features if f["properties"][field]))


def test_facets_count_each_value_under_the_other_filters(
    client: TestClient, synthetic: dict[str, Any]
) -> None:
    region = synthetic["features"][0]["properties"]["region"]
    answer = client.get(
        "/api/filtres", params={"region": region, "type_structure": "association"}
    ).json()
    features = synthetic["features"]
    in_type = [f for f in features if f["properties"]["type_structure"] == "association"]
    in_region = [f for f in features if f["properties"]["region"] == region]
    in_both = [f for f in in_region if f["properties"]["type_structure"] == "association"]
    regions = {v["valeur"]: v["nombre"] for v in answer["filtres"]["region"]}
    assert regions == counts(in_type, "region")  # the region filter itself is ignored
    types = {v["valeur"]: v["nombre"] for v in answer["filtres"]["type_structure"]}
    assert {k: n for k, n in types.items() if n} == counts(in_region, "type_structure")
    departements = {v["valeur"]: v["nombre"] for v in answer["filtres"]["departement"]}
    assert departements == counts(in_both, "departement")
    durations = [f["properties"]["duree_mois"] for f in in_both]
    assert answer["filtres"]["duree_mois"] == {"min": min(durations), "max": max(durations)}


def test_facets_carry_french_labels_and_dataset_metadata(
    client: TestClient, synthetic: dict[str, Any]
) -> None:
    answer = client.get("/api/filtres").json()
    labels = {v["valeur"]: v["libelle"] for v in answer["filtres"]["type_structure"]}
    assert labels == {k.value: v for k, v in TYPE_STRUCTURE_LABELS.items()}
    modalites = {v["valeur"]: v["libelle"] for v in answer["filtres"]["modalite"]}
    assert modalites == {k.value: v for k, v in MODALITE_LABELS.items()}
    first = synthetic["features"][0]["properties"]
    regions = {v["valeur"]: v["libelle"] for v in answer["filtres"]["region"]}
    assert regions[first["region"]] == first["region_nom"]
    meta = answer["metadonnees"]
    assert meta["version"] == synthetic["metadonnees"]["version"]
    assert meta["nombre"] == len(synthetic["features"])
    assert meta["demo"] is True
    lons = [f["geometry"]["coordinates"][0] for f in synthetic["features"]]
    lats = [f["geometry"]["coordinates"][1] for f in synthetic["features"]]
    assert meta["emprise"] == [min(lons), min(lats), max(lons), max(lats)]


def test_a_selected_value_without_matches_stays_listed_with_zero(client: TestClient) -> None:
    answer = client.get("/api/filtres", params={"region": "989"}).json()
    expected = {"valeur": "989", "libelle": "Île de Clipperton", "nombre": 0}
    assert expected in answer["filtres"]["region"]


def test_communes_by_name_prefix(client: TestClient) -> None:
    answer = client.get("/api/communes", params={"q": "villeurb"}).json()
    assert answer[0]["nom"] == "Villeurbanne"
    assert answer[0]["code_insee"] == "69266"
    assert answer[0]["departement"] == "69"
    assert answer[0]["code_postal"] == "69100"
    assert 4.8 < answer[0]["lon"] < 5.0 and 45.7 < answer[0]["lat"] < 45.8


def test_communes_by_postcode_prefix_respect_the_limit(client: TestClient) -> None:
    answer = client.get("/api/communes", params={"q": "6910", "limit": 3}).json()
    assert 1 <= len(answer) <= 3
    assert all(commune["code_postal"].startswith("6910") for commune in answer)


def test_communes_need_two_characters(client: TestClient) -> None:
    response = client.get("/api/communes", params={"q": " a "})
    assert response.status_code == 400
    assert response.json()["detail"][0]["parametre"] == "q"


def test_communes_without_gazetteer_answer_503(
    app_client: Any, synthetic_path: Path, tmp_path: Path
) -> None:
    with app_client(synthetic_path, gazetteer_path=tmp_path / "absent.json.gz") as client:
        response = client.get("/api/communes", params={"q": "lyon"})
        assert response.status_code == 503
        assert "communes" in response.json()["detail"][0]["message"]
        assert client.get("/healthz").json()["gazetteer"] == "gazetteer_missing"
