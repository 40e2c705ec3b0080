"""The map data (``/carte/donnees.json``): the page's rows, by column, prepared at load time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from app.main import create_app
from app.routers.pages import (
    CHAMPS_CARTE,
    CHAMPS_FICHE,
    CHAMPS_FILTRES,
    HORS_CARTE,
    encoded_column,
    map_columns,
    map_row,
    map_rows,
)
from app.settings import Settings
from bench.synthetic import synthetic_collection
from geo.schema import PROPERTY_FIELDS, TYPE_STRUCTURE_LABELS
from tests.new_fields import with_new_fields


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("donnees") / "formations.geojson"
    collection = with_new_fields(synthetic_collection(200, seed=3), seed=3)
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    with TestClient(create_app(Settings(data_path=path, reload_interval_s=3600))) as test_client:
        yield test_client


def test_map_rows_are_the_api_features_fields(client: TestClient) -> None:
    answer = client.get("/carte/donnees.json", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    rows = map_rows(answer.json()["formations"])
    features = client.get("/api/formations").json()["features"]
    assert len(rows) == len(features)
    for row, feature in zip(rows, features, strict=True):
        assert row.pop("id") == feature["id"]
        assert [row.pop("lon"), row.pop("lat")] == feature["geometry"]["coordinates"]
        expected = {k: feature["properties"].get(k) for k in CHAMPS_CARTE}
        # sessions as [debut, fin] pairs; the page works the next session out of them
        if expected["sessions"]:
            expected["sessions"] = [[s["debut"], s["fin"]] for s in expected["sessions"]]
            expected["prochaine_session"] = None
        assert row == {k: v for k, v in expected.items() if v is not None and v != []}
    etag = answer.headers["etag"]
    revalidation = {"If-None-Match": etag, "Accept-Encoding": "gzip"}
    assert client.get("/carte/donnees.json", headers=revalidation).status_code == 304


def test_map_fields_come_from_the_schema() -> None:
    assert tuple(name for name in PROPERTY_FIELDS if name not in HORS_CARTE) == CHAMPS_CARTE
    for read_by_the_page in ("intitule", "structure", "type_structure", "region", "modalite"):
        assert read_by_the_page in CHAMPS_CARTE
    # what the popup, the list and the filters read is never left out of the map data
    assert set(CHAMPS_FICHE) | set(CHAMPS_FILTRES) <= set(CHAMPS_CARTE)


def test_the_next_session_of_the_build_is_sent_only_without_sessions() -> None:
    def feature(**properties: object) -> dict[str, object]:
        return {"id": "a", "geometry": {"coordinates": [2.0, 48.0]}, "properties": properties}

    periods = [{"debut": "2027-01-05", "fin": "2027-06-30"}]
    with_sessions = map_row(feature(sessions=periods, prochaine_session="2027-01-05"))
    assert with_sessions["sessions"] == [["2027-01-05", "2027-06-30"]]
    assert "prochaine_session" not in with_sessions
    assert (
        map_row(feature(sessions=[], prochaine_session="2027-01-05"))["prochaine_session"]
        == "2027-01-05"
    )


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
    assert json.loads(entry.body)["formations"]["nombre"] == len(dataset)


def test_every_structure_type_has_its_marker_icon() -> None:
    icons = Path(__file__).resolve().parents[2] / "static" / "icones"
    for kind in TYPE_STRUCTURE_LABELS:
        assert (icons / f"{kind}.svg").is_file(), kind


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([1.0, 0.5]), st.text(max_size=2)
)
#: Lists as ``sessions`` and ``public_vise`` hold them (``[1]``, ``[1.0]``, ``[True]`` differ).
LISTS = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {"debut": st.sampled_from(["2027-01-05", None]), "fin": st.sampled_from(["x", None])}
        ),
        st.sampled_from(["a", "b", 1, 1.0, True]),
    ),
    max_size=2,
)


@given(st.lists(SCALARS | LISTS, max_size=40))
def test_a_column_decodes_to_its_values(values: list[object]) -> None:
    column = encoded_column(values)
    decoded = (
        column if isinstance(column, list) else [column["valeurs"][c] for c in column["codes"]]
    )
    # JSON texts tell apart what equality merges: 1, 1.0 and True, in lists too
    assert [orjson.dumps(v) for v in decoded] == [orjson.dumps(v) for v in values]
    if not isinstance(column, list):
        assert len(column["valeurs"]) * 2 <= len(values)


ROWS = st.lists(
    st.fixed_dictionaries(
        {"lon": st.sampled_from([2.35, -1.5, 5.0]), "lat": st.sampled_from([48.85, 43.6])},
        optional={name: st.sampled_from(["a", "b", 12]) for name in CHAMPS_CARTE},
    ),
    max_size=30,
)


@given(ROWS)
def test_rows_come_back_from_their_columns(rows: list[dict[str, object]]) -> None:
    rows = [{"id": str(i), **row} for i, row in enumerate(rows)]
    columns = map_columns(rows)
    decoded = map_rows(columns)
    assert decoded == rows
    places = columns["position"]["valeurs"]
    for row, place in zip(rows, columns["position"]["codes"], strict=True):
        assert places[place] == [row["lon"], row["lat"]]
    assert len(places) == len({(row["lon"], row["lat"]) for row in rows})
