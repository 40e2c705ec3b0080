"""Fixtures of the API tests: synthetic and demo data, in-process apps and a real uvicorn."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from geo.synthetic import DEFAULT_GAZETTEER, synthetic_collection

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


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """A real uvicorn serving ``create_app`` in a subprocess, on a loopback port."""

    def __init__(self, data_path: Path, reload_interval_s: float = 0.0) -> None:
        self.data_path = data_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "CARTE_GEN_DATA_PATH": str(data_path),
            "CARTE_GEN_GAZETTEER_PATH": str(DEFAULT_GAZETTEER),
            "CARTE_GEN_RELOAD_INTERVAL_S": str(reload_interval_s),
        }
        self.log = data_path.with_name(f"uvicorn-{self.port}.log")
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Poll /healthz until it answers (bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"uvicorn not ready in {timeout} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        """Terminate the server (kill after a bounded wait)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log_file.close()


@pytest.fixture
def live_server() -> Iterator[Callable[..., LiveServer]]:
    """Start real uvicorn servers on data files; every one is stopped after the test."""
    servers: list[LiveServer] = []

    def start(data_path: Path, reload_interval_s: float = 0.0) -> LiveServer:
        server = LiveServer(data_path, reload_interval_s)
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.stop()
