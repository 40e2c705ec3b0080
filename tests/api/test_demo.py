"""The demo data, built from data/formations.csv with the real CLI, served by the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def demo(demo_path: Path) -> dict[str, Any]:
    return json.loads(demo_path.read_text(encoding="utf-8"))


def test_every_built_training_is_served(demo_client: TestClient, demo: dict[str, Any]) -> None:
    answer = demo_client.get("/api/formations").json()
    assert [f["id"] for f in answer["features"]] == [f["id"] for f in demo["features"]]
    assert answer["metadonnees"]["nombre"] == demo["metadonnees"]["nombre"] == len(demo["features"])
    assert answer["metadonnees"]["version"] == demo["metadonnees"]["version"]


def test_demo_facets_add_up_to_the_collection(
    demo_client: TestClient, demo: dict[str, Any]
) -> None:
    answer = demo_client.get("/api/filtres").json()
    total = len(demo["features"])
    assert sum(v["nombre"] for v in answer["filtres"]["region"]) == total
    assert sum(v["nombre"] for v in answer["filtres"]["type_structure"]) == total
    assert all(v["libelle"] != v["valeur"] for v in answer["filtres"]["region"])
    assert answer["metadonnees"]["demo"] is demo["metadonnees"]["demo"]


def test_demo_filters_and_csv_agree(demo_client: TestClient, demo: dict[str, Any]) -> None:
    region = demo["features"][0]["properties"]["region"]
    geojson = demo_client.get("/api/formations", params={"region": region}).json()
    csv_text = demo_client.get(
        "/api/formations", params={"region": region, "format": "csv"}
    ).content.decode("utf-8-sig")
    expected = [f["id"] for f in demo["features"] if f["properties"]["region"] == region]
    assert [f["id"] for f in geojson["features"]] == expected
    assert len(csv_text.strip().splitlines()) == len(expected) + 1


def test_demo_distance_search_from_paris(demo_client: TestClient) -> None:
    answer = demo_client.get(
        "/api/formations", params={"lat": 48.8566, "lon": 2.3522, "rayon_km": 15}
    ).json()
    distances = [f["properties"]["distance_km"] for f in answer["features"]]
    assert distances == sorted(distances)
    assert all(d <= 15 for d in distances)
