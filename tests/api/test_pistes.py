"""/api/formations/pistes: what would widen a thin selection (app/pistes.py and its route)."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from app.dependencies import FORMATION_QUERY_PARAMETERS, FormationQuery
from app.filters import FormationFilters, Near
from app.pistes import (
    MAX_SUGGESTED_RADIUS_KM,
    NEAREST_COUNT,
    RADIUS_STEP_KM,
    THIN_BELOW,
    relaxable_criteria,
    suggested_radius,
    widening,
)
from geo.importer.ids import RESERVED_IDS
from tests.api.test_select_reference import Row, filters, index_of, rows, scanned

SEA = {"lat": 47.0, "lon": -3.6}


@settings(max_examples=200, deadline=None)
@given(st.lists(rows, max_size=40), filters)
def test_widening_equals_row_scans_of_each_relaxed_search(
    data: list[Row], wanted: FormationFilters
) -> None:
    found = widening(index_of(data), wanted)
    count = len(scanned(data, wanted)[0])
    assert found.count == count
    anything = FormationFilters()
    expected = []
    for name in relaxable_criteria():  # which ones: test_every_search_parameter_but_the_position…
        relaxed = replace(wanted, **{name: getattr(anything, name)})
        expected.append((name, len(scanned(data, relaxed)[0])))
    wider = [(name, n) for name, n in expected if n > count]
    assert list(found.relaxations) == sorted(wider, key=lambda item: -item[1])
    near = wanted.near
    if near is None or near.rayon_km is None or count >= THIN_BELOW:
        assert found.nearest is None
        return
    assert found.nearest is not None
    unbounded_rows, distances = scanned(data, replace(wanted, near=Near(near.lon, near.lat)))
    assert distances is not None
    beyond = [(r, d) for r, d in zip(unbounded_rows, distances, strict=True) if d > near.rayon_km]
    beyond = beyond[:NEAREST_COUNT]
    assert found.nearest.rows.tolist() == [r for r, _ in beyond]
    radius = found.nearest.radius_km
    if radius is not None:
        assert radius > near.rayon_km
        assert beyond[0][1] <= radius  # it takes in at least the nearest one
        assert radius == MAX_SUGGESTED_RADIUS_KM or beyond[-1][1] <= radius


@given(st.floats(0, 50_000, allow_nan=False))
def test_the_suggested_radius_is_the_next_step_up_to_the_cap(distance: float) -> None:
    radius = suggested_radius(distance)
    assert radius % RADIUS_STEP_KM == 0 and RADIUS_STEP_KM <= radius <= MAX_SUGGESTED_RADIUS_KM
    if radius < MAX_SUGGESTED_RADIUS_KM:
        assert radius - RADIUS_STEP_KM < distance <= radius or radius == RADIUS_STEP_KM


def test_every_search_parameter_but_the_position_can_be_dropped() -> None:
    """A criterion added to the filters and to the query model is dropped without a list."""
    position = {"lat", "lon", "rayon_km"}
    assert set(relaxable_criteria()) == set(FormationQuery.model_fields) - position
    names = [f.name for f in fields(FormationFilters)]
    assert list(relaxable_criteria()) == [n for n in names if n in relaxable_criteria()]


# --------------------------------------------------------------------------- the route


def pistes(client: TestClient, **params: Any) -> Any:
    answer = client.get("/api/formations/pistes", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_empty_radius_names_the_nearest_trainings_and_a_radius(client: TestClient) -> None:
    answer = pistes(client, **SEA, rayon_km=5)
    assert answer["nombre"] == 0
    nearest = client.get("/api/formations", params={**SEA, "limit": NEAREST_COUNT}).json()
    expected = [
        {"id": f["id"], "distance_km": f["properties"]["distance_km"]} for f in nearest["features"]
    ]
    assert answer["plus_proches"]["formations"] == expected
    radius = answer["plus_proches"]["rayon_suggere_km"]
    widened = client.get("/api/formations", params={**SEA, "rayon_km": radius}).json()
    assert [f["id"] for f in widened["features"]][:NEAREST_COUNT] == [e["id"] for e in expected]
    assert answer["relachements"] == []


def test_relaxations_count_the_api_answer_without_each_criterion(
    client: TestClient, synthetic: dict[str, Any]
) -> None:
    region = synthetic["features"][0]["properties"]["region"]
    params = {"region": region, "duree_max": 12, "q": "zzz"}
    answer = pistes(client, **params)
    assert answer["nombre"] == 0 and answer["plus_proches"] is None
    for relaxation in answer["relachements"]:
        without = {k: v for k, v in params.items() if k != relaxation["parametre"]}
        total = client.get("/api/formations", params=without).json()["nombre_total"]
        assert relaxation["nombre"] == total > 0
    assert [r["parametre"] for r in answer["relachements"]] == ["q"]  # alone it empties it


def test_a_full_selection_gets_no_nearest(client: TestClient) -> None:
    answer = pistes(client, **SEA, rayon_km=20_000)
    assert answer["plus_proches"] is None and answer["nombre"] >= THIN_BELOW


def test_pistes_is_no_training_id_and_ids_still_answer(
    client: TestClient, synthetic: dict[str, Any]
) -> None:
    assert "nombre" in pistes(client)
    first = synthetic["features"][0]["id"]
    assert client.get(f"/api/formations/{first}").json()["id"] == first


def test_bad_parameters_get_the_french_errors_of_the_search(client: TestClient) -> None:
    for params, name in (({"rayon_km": 5}, "rayon_km"), ({"region": "zz"}, "region")):
        answer = client.get("/api/formations/pistes", params=params)
        search = client.get("/api/formations", params=params)
        assert answer.status_code == search.status_code == 400
        assert answer.json() == search.json()
        assert answer.json()["detail"][0]["parametre"] == name


def test_answers_have_an_etag_and_revalidate(client: TestClient) -> None:
    first = client.get("/api/formations/pistes", params={**SEA, "rayon_km": 5})
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    again = client.get(
        "/api/formations/pistes?rayon_km=5.0&lon=-3.6&lat=47", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    other = client.get("/api/formations/pistes", params={**SEA, "rayon_km": 6})
    assert other.headers["etag"] != etag


def test_openapi_documents_the_route_with_the_search_parameters(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/api/formations/pistes"]["get"]
    assert [p["name"] for p in operation["parameters"]] == [
        p["name"] for p in FORMATION_QUERY_PARAMETERS
    ]
    content = operation["responses"]["200"]["content"]["application/json"]
    assert content["schema"] == {"$ref": "#/components/schemas/PistesAnswer"}
    assert content["example"]["plus_proches"]["rayon_suggere_km"] % RADIUS_STEP_KM == 0
    schema = spec["components"]["schemas"]["PistesAnswer"]
    assert set(schema["properties"]) == {"nombre", "plus_proches", "relachements"}
    assert "moins de 3 formations" in schema["properties"]["plus_proches"]["description"]
    assert {"400", "422", "304"} <= set(operation["responses"])


def test_the_reserved_ids_are_the_api_s_own_paths_under_formations(client: TestClient) -> None:
    """No training can take an id the API serves itself (geo/importer/ids.py), and only those."""
    prefix = "/api/formations/"
    paths = client.get("/openapi.json").json()["paths"]
    own = {p.removeprefix(prefix) for p in paths if p.startswith(prefix) and "{" not in p}
    assert own == RESERVED_IDS
