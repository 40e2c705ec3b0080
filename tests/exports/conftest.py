"""Fixtures of the export tests: trainings carrying issue 13's fields, and an app serving them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from bench.synthetic import DEFAULT_GAZETTEER
from bench.synthetic_c1 import c1_collection
from geo.geojson import write_geojson_atomic


@pytest.fixture(scope="session")
def c1() -> dict[str, Any]:
    """120 synthetic trainings with issue 13's fields."""
    return c1_collection(120, seed=13)


@pytest.fixture(scope="session")
def c1_path(tmp_path_factory: pytest.TempPathFactory, c1: dict[str, Any]) -> Path:
    """The collection with issue 13's fields, on disk."""
    path = tmp_path_factory.mktemp("exports") / "formations.geojson"
    write_geojson_atomic(path, c1)
    return path


def make_settings(data_path: Path) -> Settings:
    """Settings of a test app on its own data file."""
    return Settings(
        data_path=data_path,
        gazetteer_path=DEFAULT_GAZETTEER,
        reload_interval_s=0,
        cache_max_age_s=60,
    )


@pytest.fixture(scope="module")
def client(c1_path: Path) -> Iterator[TestClient]:
    """A client of an app serving the trainings with issue 13's fields."""
    with TestClient(create_app(make_settings(c1_path))) as test_client:
        yield test_client
