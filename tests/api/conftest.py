"""Fixtures of the API tests: synthetic and demo data, in-process apps and a real uvicorn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from bench.synthetic import DEFAULT_GAZETTEER, synthetic_collection
from tests.live_server import LiveServer

REPO_ROOT = Path(__file__).resolve().parents[2]
SYNTHETIC_COUNT = 400
CLI = "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))"


def make_settings(data_path: Path, **overrides: Any) -> Settings:
    """Settings of a test app: its own data file, reload checks on every request."""
    values: dict[str, Any] = {
        "data_path": data_path,
        "gazetteer_path": DEFAULT_GAZETTEER,
        "reload_interval_s": 0,
        "cache_max_age_s": 60,
    }
    values.update(overrides)
    return Settings(**values)


def write_collection(path: Path, collection: dict[str, Any]) -> None:
    """Write a collection atomically, like the build does."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


@pytest.fixture(scope="session")
def write_geojson() -> Callable[[Path, dict[str, Any]], None]:
    """The atomic writer used to put test collections on disk."""
    return write_collection


@pytest.fixture(scope="session")
def synthetic() -> dict[str, Any]:
    """A seeded synthetic collection (real communes when the gazetteer is built)."""
    return synthetic_collection(SYNTHETIC_COUNT, seed=7)


@pytest.fixture(scope="session")
def synthetic_path(tmp_path_factory: pytest.TempPathFactory, synthetic: dict[str, Any]) -> Path:
    """The synthetic collection written to a file."""
    path = tmp_path_factory.mktemp("synthetic") / "formations.geojson"
    write_collection(path, synthetic)
    return path


@pytest.fixture(scope="module")
def client(synthetic_path: Path) -> Iterator[TestClient]:
    """A client of an app serving the synthetic data (lifespan run)."""
    with TestClient(create_app(make_settings(synthetic_path))) as test_client:
        yield test_client


@pytest.fixture
def app_client() -> Callable[..., Any]:
    """Make a client of an app on any data file: ``with app_client(path) as client``."""

    @contextmanager
    def factory(path: Path, **overrides: Any) -> Iterator[TestClient]:
        with TestClient(create_app(make_settings(path, **overrides))) as test_client:
            yield test_client

    return factory


# --------------------------------------------------------------------------- demo data


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data built with the real CLI (``carte-gen build data/formations.csv``)."""
    source = REPO_ROOT / "data" / "formations.csv"
    assert source.is_file(), "data/formations.csv (the demo input) is missing"
    output = tmp_path_factory.mktemp("demo") / "formations.geojson"
    result = subprocess.run(
        [sys.executable, "-c", CLI, "build", str(source), "-o", str(output), "-q"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert output.is_file(), f"build failed ({result.returncode}): {result.stderr[-2000:]}"
    return output


@pytest.fixture(scope="module")
def demo_client(demo_path: Path) -> Iterator[TestClient]:
    """A client of an app serving the demo data."""
    with TestClient(create_app(make_settings(demo_path))) as test_client:
        yield test_client


# --------------------------------------------------------------------------- live server


@pytest.fixture
def live_server() -> Iterator[Callable[..., LiveServer]]:
    """Start real uvicorn servers on data files; every one is stopped after the test."""
    servers: list[LiveServer] = []

    def start(data_path: Path, reload_interval_s: float = 0.0) -> LiveServer:
        server = LiveServer(
            data_path,
            CARTE_GEN_GAZETTEER_PATH=str(DEFAULT_GAZETTEER),
            CARTE_GEN_RELOAD_INTERVAL_S=str(reload_interval_s),
        )
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.stop()
