"""The shared filter cases (tests/data/filter_cases.json) against the real API.

The same table is run by ``node --test tests/js/`` against the page's filter module: together
they pin the page's rules to the API's.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import QueryParams

from app.dependencies import FormationQuery, parse_query
from app.main import create_app
from app.map.builder import filter_rules
from app.routers.pages import map_row, map_rows
from app.settings import Settings
from geo.schema import empty_properties
from geo.text import fold

REPO_ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((REPO_ROOT / "tests" / "data" / "filter_cases.json").read_text("utf-8"))


def feature_of(row: dict[str, Any]) -> dict[str, Any]:
    """The GeoJSON feature of a row of the table (missing properties are null, or [] for lists)."""
    properties: dict[str, Any] = empty_properties()
    properties.update({k: v for k, v in row.items() if k not in ("id", "lon", "lat")})
    properties["sessions"] = [{"debut": d, "fin": f} for d, f in properties["sessions"]]
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        "properties": properties,
    }


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("cases") / "formations.geojson"
    collection = {
        "type": "FeatureCollection",
        "metadonnees": {"version": "filter-cases"},
        "features": [feature_of(row) for row in CASES["lignes"]],
    }
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    settings = Settings(
        data_path=path, reload_interval_s=3600, today=date.fromisoformat(CASES["aujourdhui"])
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def without(query: str, names: list[str]) -> str:
    """``query`` without the parameters named ``names``."""
    return "&".join(
        part
        for part in query.split("&")
        if part and unquote_plus(part.split("=", 1)[0]) not in names
    )


def ids_of(client: TestClient, query: str) -> list[str]:
    answer = client.get("/api/formations" + (f"?{query}" if query else ""))
    assert answer.status_code == 200, answer.text
    return [feature["id"] for feature in answer.json()["features"]]


@pytest.mark.parametrize("case", CASES["cas"], ids=[case["nom"] for case in CASES["cas"]])
def test_the_api_answers_each_case(client: TestClient, case: dict[str, Any]) -> None:
    if "refus" not in case:
        assert ids_of(client, case["requete"]) == case["ids"]
        return
    answer = client.get(f"/api/formations?{case['requete']}")
    assert answer.status_code in (400, 422)
    assert sorted({item["parametre"] for item in answer.json()["detail"]}) == case["refus"]
    # What the page shows: the API's answer without the parameters it ignores.
    assert set(case["refus"]) <= set(case["ignores"])
    assert ids_of(client, without(case["requete"], case["ignores"])) == case["ids"]


def test_the_page_is_sent_the_rows_of_the_table(client: TestClient) -> None:
    data = client.get("/carte/donnees.json").json()
    assert map_rows(data["formations"]) == CASES["lignes"]
    assert [map_row(feature_of(row)) for row in CASES["lignes"]] == CASES["lignes"]


def test_the_rules_handed_to_the_page_are_those_of_the_table() -> None:
    assert filter_rules() == CASES["regles"]


@pytest.mark.parametrize("number", CASES["nombres"], ids=lambda n: repr(n["texte"]))
def test_the_query_model_reads_each_number_form(number: dict[str, Any]) -> None:
    for name in ("duree_min", "lat"):
        try:
            value = getattr(
                parse_query(FormationQuery, QueryParams({name: number["texte"]}), frozenset()),
                name,
            )
        except Exception:  # the refusal itself is what is compared
            value = None
        assert value == number[name], name


def test_fold_of_each_text() -> None:
    for text, folded in CASES["plis"]:
        assert fold(text) == folded, text


def test_the_page_fold_table_is_generated_from_fold() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_fold_table", REPO_ROOT / "scripts" / "build_fold_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.TABLE_PATH.read_text(encoding="utf-8") == module.table_module()


def test_the_cases_cover_every_filter_and_both_outcomes() -> None:
    queries = " ".join(case["requete"] for case in CASES["cas"])
    names = set(FormationQuery.model_fields)
    assert all(f"{name}=" in queries for name in names)
    refused = {name for case in CASES["cas"] for name in case.get("refus", ())}
    assert names <= refused  # every parameter has a refused form too
