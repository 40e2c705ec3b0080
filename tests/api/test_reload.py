"""Hot reload under a running uvicorn: a good new file is served, a broken one is refused."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.synthetic import synthetic_collection


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_replaced_file_is_served_without_restart_and_broken_file_is_refused(
    live_server: Callable[..., Any], tmp_path: Path, write_geojson: Any
) -> None:
    path = tmp_path / "formations.geojson"
    first = synthetic_collection(30, seed=1)
    write_geojson(path, first)
    server = live_server(path, reload_interval_s=0.2)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.get("/healthz").json()["version"] == first["metadonnees"]["version"]
        old_etag = http.get("/api/formations").headers["etag"]

        second = synthetic_collection(45, seed=2)
        write_geojson(path, second)
        new_version = second["metadonnees"]["version"]
        assert wait_for(lambda: http.get("/healthz").json()["version"] == new_version)
        answer = http.get("/api/formations", headers={"If-None-Match": old_etag})
        assert answer.status_code == 200  # the old ETag no longer matches
        assert len(answer.json()["features"]) == 45
        assert answer.json()["metadonnees"]["version"] == new_version

        tmp = path.with_name("broken.tmp")
        tmp.write_text('{"type": "FeatureCollection", "features": [')  # truncated
        tmp.replace(path)
        assert wait_for(lambda: http.get("/healthz").json()["reason"] is not None)
        health = http.get("/healthz").json()
        assert health["status"] == "degraded"
        assert health["reason"] == "data_file_invalid"
        assert health["version"] == new_version
        assert len(http.get("/api/formations").json()["features"]) == 45

        third = synthetic_collection(30, seed=3)  # a drop within CARTE_GEN_BAISSE_MAX
        write_geojson(path, third)
        assert wait_for(lambda: http.get("/healthz").json()["count"] == 30)
        assert http.get("/healthz").json()["reason"] is None
    assert "Refused data file" in server.log.read_text()
