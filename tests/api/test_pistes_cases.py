"""The shared thin-result cases (tests/data/pistes_cases.json) against the real API.

The same table is run by ``node --test tests/js/`` against the page's ``pistes.js``: together
they pin the page's answers to ``/api/formations/pistes``.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.map.builder import client_config
from app.pistes import pistes_config, relaxable_criteria
from app.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((REPO_ROOT / "tests" / "data" / "pistes_cases.json").read_text("utf-8"))


def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_pistes_cases", REPO_ROOT / "scripts" / "build_pistes_cases.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    script = builder()
    path = tmp_path_factory.mktemp("pistes") / "formations.geojson"
    collection = {
        "type": "FeatureCollection",
        "metadonnees": {"version": "pistes-cases"},
        "features": [script.feature_of(row) for row in CASES["lignes"]],
    }
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    with TestClient(create_app(Settings(data_path=path, reload_interval_s=3600))) as test_client:
        yield test_client


@pytest.mark.parametrize("case", CASES["cas"], ids=[case["nom"] for case in CASES["cas"]])
def test_the_api_answers_each_case(client: TestClient, case: dict[str, Any]) -> None:
    answer = client.get("/api/formations/pistes?" + case["requete"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == case["reponse"]


def test_the_table_holds_the_rows_and_queries_of_its_script() -> None:
    script = builder()
    assert CASES["lignes"] == script.ROWS
    queries = [(case["nom"], case["requete"]) for case in CASES["cas"]]
    assert queries == script.QUERIES + script.criterion_queries()


def test_the_constants_handed_to_the_page_are_those_of_the_table() -> None:
    assert pistes_config() == CASES["pistes"]
    config = client_config(
        mode="page", donnees_url="/d", afficher_liste=True, afficher_filtres=True, url_publique=None
    )
    assert config["pistes"] == pistes_config()


def test_every_criterion_is_dropped_in_some_case() -> None:
    dropped = {r["parametre"] for case in CASES["cas"] for r in case["reponse"]["relachements"]}
    assert dropped == set(relaxable_criteria()), (
        "run scripts/build_pistes_cases.py after adding a criterion"
    )


def test_the_cases_cover_each_outcome() -> None:
    answers = [case["reponse"] for case in CASES["cas"]]
    nearest = [a["plus_proches"] for a in answers if a["plus_proches"] is not None]
    assert any(a["plus_proches"] is None and a["nombre"] < 3 for a in answers)  # no radius
    assert any(n["rayon_suggere_km"] is None and n["formations"] for n in nearest)
    assert any(n["rayon_suggere_km"] is not None for n in nearest)
    assert any(not n["formations"] for n in nearest)
    assert any(len(a["relachements"]) > 1 for a in answers)
