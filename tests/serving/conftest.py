"""Fixtures of the serving tests: real nginx in front of real uvicorn workers, and data files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.synthetic import DEFAULT_GAZETTEER, synthetic_collection
from tests.live_server import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def write_collection(path: Path, collection: dict[str, Any]) -> None:
    """Write a collection atomically, like the build does."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


class Proxy:
    """``deploy/serve.py``: nginx on a free loopback port in front of uvicorn workers."""

    def __init__(self, prefix: Path, data_path: Path, workers: int = 2, **env: str) -> None:
        self.prefix = prefix
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.public_host = f"127.0.0.1:{self.port}"
        environment = {
            **os.environ,
            "CARTE_GEN_DATA_PATH": str(data_path),
            "CARTE_GEN_GAZETTEER_PATH": str(DEFAULT_GAZETTEER),
            **env,
        }
        self.log = prefix.parent / f"serve-{self.port}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, str(REPO_ROOT / "deploy" / "serve.py")),
                    *("--prefix", str(prefix), "--listen", f"127.0.0.1:{self.port}"),
                    *("--workers", str(workers), "--public-host", self.public_host),
                    *("--nginx", NGINX),
                ],
                cwd=REPO_ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def logs(self) -> str:
        """What the launcher, nginx and the workers logged."""
        parts = [self.log.read_text(errors="replace")]
        parts += [p.read_text(errors="replace") for p in sorted(self.prefix.glob("logs/*.log"))]
        return "\n".join(parts)

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Poll ``/healthz`` through nginx until the data is loaded (bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"deploy/serve.py exited: {self.logs()[-3000:]}")
            try:
                answer = httpx.get(f"{self.url}/healthz", timeout=2)
                if answer.status_code == 200 and answer.json().get("count"):
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"proxy not ready in {timeout} s: {self.logs()[-3000:]}")

    def worker_socket(self, number: int = 0) -> Path:
        """The unix socket of one uvicorn worker (to compare with what nginx answers)."""
        return self.prefix / "sockets" / f"worker-{number}.sock"

    def stop(self) -> None:
        """Stop nginx and the workers (SIGTERM to the launcher; kill after a bounded wait)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def proxy_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic collection of 2,000 trainings on disk."""
    path = tmp_path_factory.mktemp("proxy-data") / "formations.geojson"
    write_collection(path, synthetic_collection(2000, seed=11))
    return path


@pytest.fixture(scope="module")
def start_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Proxy]]:
    """Start proxies (``start_proxy(data_path, workers=2, **env)``), all stopped afterwards."""
    proxies: list[Proxy] = []

    def start(data_path: Path, workers: int = 2, **env: str) -> Proxy:
        proxy = Proxy(tmp_path_factory.mktemp("nginx"), data_path, workers, **env)
        proxies.append(proxy)
        proxy.wait_ready()
        return proxy

    yield start
    for proxy in proxies:
        proxy.stop()


@pytest.fixture(scope="module")
def proxy(start_proxy: Callable[..., Proxy], proxy_data: Path) -> Proxy:
    """nginx in front of two uvicorn workers serving ``proxy_data``."""
    return start_proxy(proxy_data)
