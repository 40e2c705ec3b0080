"""The map data (``/carte/donnees.json``): plain rows the page filters, prepared at load time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.routers.pages import CHAMPS_CARTE
from app.settings import Settings
from bench.synthetic import write_synthetic
from geo.schema import PROPERTY_FIELDS, TYPE_STRUCTURE_LABELS


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("donnees") / "formations.geojson"
    write_synthetic(path, 200, seed=3)
    with TestClient(create_app(Settings(data_path=path, reload_interval_s=3600))) as test_client:
        yield test_client


def test_map_rows_are_the_api_features_fields(client: TestClient) -> None:
    answer = client.get("/carte/donnees.json", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    rows = answer.json()["formations"]
    features = client.get("/api/formations").json()["features"]
    assert len(rows) == len(features)
    for row, feature in zip(rows, features, strict=True):
        assert row.pop("id") == feature["id"]
        assert [row.pop("lon"), row.pop("lat")] == feature["geometry"]["coordinates"]
        expected = {k: feature["properties"][k] for k in CHAMPS_CARTE}
        assert row == {k: v for k, v in expected.items() if v is not None}
    etag = answer.headers["etag"]
    revalidation = {"If-None-Match": etag, "Accept-Encoding": "gzip"}
    assert client.get("/carte/donnees.json", headers=revalidation).status_code == 304


def test_map_fields_come_from_the_schema() -> None:
    assert set(CHAMPS_CARTE) <= set(PROPERTY_FIELDS)
    assert list(CHAMPS_CARTE) == [name for name in PROPERTY_FIELDS if name in CHAMPS_CARTE]
    for read_by_the_page in ("intitule", "structure", "type_structure", "region", "modalite"):
        assert read_by_the_page in CHAMPS_CARTE


def test_map_data_names_regions_and_departements(client: TestClient) -> None:
    data = client.get("/carte/donnees.json").json()
    features = client.get("/api/formations").json()["features"]
    for feature in features:
        props = feature["properties"]
        assert data["regions"][props["region"]] == props["region_nom"]
        assert data["departements"][props["departement"]] == [
            props["departement_nom"],
            props["region"],
        ]
    assert data["metadonnees"]["demo"] is True


def test_map_data_is_prepared_when_the_dataset_loads(client: TestClient) -> None:
    dataset = client.app.state.datasets.dataset
    entry = dataset.prepared["carte:donnees"]  # built in the loading thread, before any visit
    assert set(entry.encoded) == {"br", "gzip"}
    answer = client.get("/carte/donnees.json", headers={"Accept-Encoding": "identity"})
    assert answer.content == entry.body
    assert len(json.loads(entry.body)["formations"]) == len(dataset)


def test_every_structure_type_has_its_marker_icon() -> None:
    icons = Path(__file__).resolve().parents[2] / "static" / "icones"
    for kind in TYPE_STRUCTURE_LABELS:
        assert (icons / f"{kind}.svg").is_file(), kind
