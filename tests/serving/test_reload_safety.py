"""Safe reloads: a new data file replaces the served one only if it is no worse, and /healthz
tells why in a code, never with a path or an error text (those go to the log)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.store import DatasetStore
from bench.synthetic import DEFAULT_GAZETTEER, synthetic_collection, write_synthetic
from geo.geojson import DROP_ACCEPTED_KEY
from tests.serving.conftest import REPO_ROOT, write_collection

CLI = "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))"
HEALTH_KEYS = {"status", "version", "count", "loaded_at", "generated_at", "reason", "refused_at"}


@contextmanager
def serving(path: Path, **overrides: Any) -> Iterator[TestClient]:
    """An app on ``path`` that looks for a new file on every request."""
    settings = Settings(
        data_path=path, gazetteer_path=DEFAULT_GAZETTEER, reload_interval_s=0, **overrides
    )
    with TestClient(create_app(settings)) as client:
        yield client


def reloaded(client: TestClient) -> dict[str, Any]:
    """Let the app notice the file, wait for the reload to end, return /healthz."""
    client.get("/healthz")
    store: DatasetStore = client.app.state.datasets  # type: ignore[attr-defined]
    store.wait_for_reload()
    health: dict[str, Any] = client.get("/healthz").json()
    return health


@pytest.fixture
def served(tmp_path: Path) -> Callable[..., Any]:
    """Serve 400 synthetic trainings: ``with served(**settings) as (client, path)``."""

    @contextmanager
    def start(**overrides: Any) -> Iterator[tuple[TestClient, Path]]:
        path = tmp_path / "formations.geojson"
        write_collection(path, synthetic_collection(400, seed=5))
        with serving(path, **overrides) as client:
            assert client.get("/healthz").json()["count"] == 400
            yield client, path

    return start


def test_an_empty_collection_does_not_replace_the_data(
    served: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    with served() as (client, path), caplog.at_level(logging.ERROR):
        write_collection(path, {"type": "FeatureCollection", "features": []})
        health = reloaded(client)
        assert health["status"] == "degraded"
        assert health["reason"] == "empty_collection"
        assert health["count"] == 400
        assert client.get("/api/formations?limit=1").json()["nombre_total"] == 400
    assert str(path) in caplog.text and "no trainings" in caplog.text


def test_a_deleted_data_file_shows_in_healthz_and_the_data_stays(
    served: Callable[..., Any],
) -> None:
    with served() as (client, path):
        version = client.get("/healthz").json()["version"]
        path.unlink()
        health = client.get("/healthz").json()
        assert (health["status"], health["reason"]) == ("degraded", "data_file_missing")
        assert (health["count"], health["version"]) == (400, version)
        write_collection(path, synthetic_collection(380, seed=6))
        health = reloaded(client)
        assert (health["status"], health["reason"], health["count"]) == ("ok", None, 380)


def test_a_large_drop_is_refused_unless_the_limit_allows_it(
    served: Callable[..., Any],
) -> None:
    with served() as (client, path):
        write_collection(path, synthetic_collection(150, seed=7))  # -62 %
        health = reloaded(client)
        assert (health["reason"], health["count"]) == ("drop_too_large", 400)
        assert health["refused_at"]
        write_collection(path, synthetic_collection(250, seed=8))  # -37 %: within 50 %
        health = reloaded(client)
        assert (health["status"], health["reason"], health["count"]) == ("ok", None, 250)
    with served(baisse_max=0.9) as (client, path):
        write_collection(path, synthetic_collection(150, seed=7))
        assert reloaded(client)["count"] == 150


def build(output: Path, *options: str) -> dict[str, Any]:
    """Run the real ``carte-gen build`` of the demo CSV; return the written collection."""
    source = REPO_ROOT / "data" / "formations.csv"
    result = subprocess.run(
        [sys.executable, "-c", CLI, "build", str(source), "-o", str(output), "-q", *options],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    collection: dict[str, Any] = orjson.loads(output.read_bytes())
    return collection


def test_a_build_with_accepter_baisse_is_served_despite_the_drop(
    served: Callable[..., Any], tmp_path: Path
) -> None:
    plain = build(tmp_path / "plain.geojson")
    forced = build(tmp_path / "forced.geojson", "--accepter-baisse")
    assert DROP_ACCEPTED_KEY not in plain["metadonnees"]
    assert forced["metadonnees"][DROP_ACCEPTED_KEY] is True
    demo_count = len(forced["features"])
    assert demo_count < 200  # the demo data is less than half of the 400 served
    with served() as (client, path):
        os.replace(tmp_path / "plain.geojson", path)
        assert reloaded(client)["reason"] == "drop_too_large"
        os.replace(tmp_path / "forced.geojson", path)
        health = reloaded(client)
        assert (health["status"], health["count"]) == ("ok", demo_count)


def test_healthz_and_pages_never_show_paths_or_error_text(
    served: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    with served() as (client, path), caplog.at_level(logging.ERROR):
        path.write_text('{"type": "FeatureCollection", "features": [{"id": "x/../../etc"}]}')
        health = reloaded(client)
        assert set(health) - {"gazetteer"} == HEALTH_KEYS
        assert health["reason"] == "data_file_invalid"
        body = client.get("/healthz").text + client.get("/").text
        assert str(path.parent) not in body
        assert "feature #0" not in body and "Error" not in body
    assert str(path) in caplog.text and "feature #0" in caplog.text


def test_a_missing_file_at_start_is_a_reason_code(tmp_path: Path) -> None:
    with serving(tmp_path / "absent.geojson") as client:
        health = client.get("/healthz").json()
        assert (health["status"], health["reason"], health["count"]) == (
            "degraded",
            "data_file_missing",
            0,
        )
        assert str(tmp_path) not in client.get("/healthz").text


def test_a_file_over_the_size_budget_is_refused(served: Callable[..., Any]) -> None:
    with served(data_max_mb=1) as (client, path):
        write_collection(path, synthetic_collection(4000, seed=9))  # > 1 MiB
        assert path.stat().st_size > 1024 * 1024
        health = reloaded(client)
        assert (health["reason"], health["count"]) == ("data_file_too_large", 400)


def test_requests_are_answered_while_a_big_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "formations.geojson"
    write_collection(path, synthetic_collection(400, seed=5))
    big = tmp_path / "big.geojson"
    write_synthetic(big, 100_000, seed=3)
    with serving(path) as client:
        store: DatasetStore = client.app.state.datasets  # type: ignore[attr-defined]
        old_version = client.get("/healthz").json()["version"]
        os.replace(big, path)
        client.get("/healthz")  # starts the reload
        answered_during_reload = 0
        while store.reloading and answered_during_reload < 20:
            answer = client.get("/api/formations?limit=5")
            assert answer.status_code == 200
            assert answer.json()["nombre_total"] == 400  # the old version, whole
            answered_during_reload += store.reloading
        assert answered_during_reload == 20  # all answered before the 100,000 were loaded
        store.wait_for_reload(120)
        health = client.get("/healthz").json()
        assert health["count"] == 100_000 and health["version"] != old_version
