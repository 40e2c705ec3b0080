"""Schemathesis explores the OpenAPI schema: no 5xx, answers conform to the documented schemas,
and a request the schema calls valid is accepted.

The schema is loaded at import (schemathesis' lazy ``from_fixture`` does not work with the
installed pytest); the app's data file is written and its lifespan run by a module fixture.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from app.settings import Settings
from bench.synthetic import DEFAULT_GAZETTEER, write_synthetic

DATA_DIR = Path(tempfile.mkdtemp(prefix="carte-gen-schemathesis-"))
APP = create_app(
    Settings(
        data_path=DATA_DIR / "formations.geojson",
        gazetteer_path=DEFAULT_GAZETTEER,
        reload_interval_s=0,
    )
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def running_app() -> Iterator[None]:
    write_synthetic(DATA_DIR / "formations.geojson", 150, seed=11)
    try:
        with TestClient(APP):  # the lifespan puts the dataset on APP.state for every call
            yield
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


#: Rules between parameters that OpenAPI cannot state (each also said in the descriptions): a
#: request breaking only these may be refused although each value is valid on its own.
CROSS_PARAMETER_RULES: Final = (
    "lat et lon doivent être donnés ensemble",
    "rayon_km demande aussi lat et lon",
    "duree_min doit être inférieure ou égale à duree_max",
    "les longitudes doivent être comprises entre -180 et 180",
    "les latitudes doivent être comprises entre -90 et 90",
    "minLat doit être inférieure ou égale à maxLat",
)


def valid_requests_are_accepted(response: Any, case: Any) -> None:
    """A request generated as valid gets 2xx, 304, a documented 404 or 503, or breaks a
    cross-parameter rule; never a refusal of a value the schema allows."""
    if not case.meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return
    messages = [item["message"] for item in response.json()["detail"]]
    unexplained = [m for m in messages if m not in CROSS_PARAMETER_RULES]
    assert not unexplained, f"valid request refused: {case.path} {case.query} → {messages}"


@schema.parametrize()
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_fails_and_matches_its_schema(case: Any) -> None:
    response = case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
    valid_requests_are_accepted(response, case)
