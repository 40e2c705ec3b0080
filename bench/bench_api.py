"""Throughput and latency of the GeoJSON API under a bounded local load, side by side.

Starts real uvicorn servers (ONE worker each) on loopback ports and an asyncio + httpx load
generator (concurrency 32, a fixed number of requests). The generator runs on the same
2 cores as the server, so absolute figures are pessimistic; the ratios are what count.

(a) the full demo collection, cached (``data/formations.geojson`` if built, else a generated
    171-training set); (b) filtered queries on a generated set of 100,000 trainings, each
    query different so the answer cache never helps; (c) the same bytes as (a) served as a
    plain static file by a uvicorn + Starlette ``StaticFiles`` app (one worker).

    uv run --no-sync python bench/bench_api.py [--requests 2000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from geo.synthetic import DEFAULT_GAZETTEER, write_synthetic  # noqa: E402

CLI = "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))"
STATIC_APP = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
app = Starlette(routes=[Mount("/", StaticFiles(directory=sys.argv[1]))])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), workers=1, log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A uvicorn subprocess (one worker) on a loopback port."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [part.replace("{port}", str(self.port)) for part in command],
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait(self, path: str, timeout: float = 180.0) -> None:
        """Poll ``path`` until it answers 200 (bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(self.url + path, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server not ready")

    def stop(self) -> None:
        """Terminate, then kill after a bounded wait."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def api_server(data: Path) -> Server:
    server = Server(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env={
            "CARTE_GEN_DATA_PATH": str(data),
            "CARTE_GEN_GAZETTEER_PATH": str(DEFAULT_GAZETTEER),
            "CARTE_GEN_RELOAD_INTERVAL_S": "2",
        },
    )
    server.wait("/healthz")
    return server


async def load(
    base_url: str, paths: Sequence[str], concurrency: int, headers: dict[str, str]
) -> tuple[float, list[float], int]:
    """Send every path once with ``concurrency`` workers; returns (seconds, latencies, bytes)."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    latencies: list[float] = []
    received = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal received
            while True:
                try:
                    path = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                async with client.stream("GET", path, headers=headers) as response:
                    size = 0
                    async for chunk in response.aiter_raw():  # bytes on the wire
                        size += len(chunk)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status_code}")
                received += size

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, received


def measure(
    label: str,
    base_url: str,
    paths: Sequence[str],
    concurrency: int,
    headers: dict[str, str] | None = None,
    warmup: int = 50,
) -> float:
    headers = headers or {"Accept-Encoding": "identity"}
    asyncio.run(load(base_url, list(paths[:warmup]), concurrency, headers))
    elapsed, latencies, received = asyncio.run(load(base_url, paths, concurrency, headers))
    latencies.sort()
    rate = len(paths) / elapsed
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(
        f"{label:<58} {rate:8.0f} req/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"
        f"   {received / len(paths) / 1024:8.1f} KiB/answer"
    )
    return rate


def compression_costs(body: bytes) -> None:
    """Print what compressing one body costs (done once per cached answer, or per fresh one)."""
    from app.responses import compress

    for encoding in ("gzip", "br"):
        started = time.perf_counter()
        for _ in range(20):
            packed = compress(body, encoding)
        spent = (time.perf_counter() - started) / 20 * 1000
        size, packed_size = len(body) / 1024, len(packed) / 1024
        print(f"  {encoding:>4}: {spent:6.2f} ms per {size:.0f} KiB → {packed_size:.1f} KiB")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--size", type=int, default=100_000, help="trainings of set (b)")
    args = parser.parse_args()
    rng = random.Random(42)
    n, c = args.requests, args.concurrency

    with tempfile.TemporaryDirectory(prefix="carte-gen-bench-") as tmp_name:
        tmp = Path(tmp_name)
        demo = REPO / "data" / "formations.geojson"
        demo_csv = REPO / "data" / "formations.csv"
        if not demo.is_file() and demo_csv.is_file():  # build the demo with the real CLI
            demo = tmp / "demo.geojson"
            subprocess.run(
                [sys.executable, "-c", CLI, "build", str(demo_csv), "-o", str(demo), "-q"],
                cwd=REPO,
                check=False,
                timeout=600,
            )
        if demo.is_file():
            small, small_label = demo, f"demo data built from data/formations.csv ({demo.name})"
        else:
            small, small_label = tmp / "demo171.geojson", "generated 171 (demo not built)"
            write_synthetic(small, 171, seed=171)
        big = tmp / "big.geojson"
        t0 = time.perf_counter()
        write_synthetic(big, args.size, seed=1)
        print(f"generated {args.size} trainings in {time.perf_counter() - t0:.1f} s")

        print(f"cpus: {os.cpu_count()} (shared by server and load generator); uvicorn: 1 worker")
        print(f"{n} requests per line, concurrency {c}; (a) uses {small_label}\n")

        servers: list[Server] = []
        try:
            small_api = api_server(small)
            servers.append(small_api)
            body = httpx.get(
                small_api.url + "/api/formations", headers={"Accept-Encoding": "identity"}
            ).content
            static_dir = tmp / "static"
            static_dir.mkdir()
            (static_dir / "formations.geojson").write_bytes(body)
            static = Server([sys.executable, "-c", STATIC_APP, str(static_dir), "{port}"])
            servers.append(static)
            static.wait("/formations.geojson")
            print(f"(a)/(c) body: {len(body) / 1024:.1f} KiB")
            compression_costs(body)

            rate_a = measure(
                "(a) /api/formations, full demo, cached", small_api.url, ["/api/formations"] * n, c
            )
            rate_c = measure(
                "(c) same bytes, static file (uvicorn StaticFiles)",
                static.url,
                ["/formations.geojson"] * n,
                c,
            )
            measure(
                "(a') /api/formations, cached, Accept-Encoding: gzip",
                small_api.url,
                ["/api/formations"] * n,
                c,
                {"Accept-Encoding": "gzip"},
            )
            measure(
                "(a'') /api/formations, cached, Accept-Encoding: br",
                small_api.url,
                ["/api/formations"] * n,
                c,
                {"Accept-Encoding": "br"},
            )
            print(f"\n(a)/(c) throughput ratio: {rate_a / rate_c:.2f} (target ≥ 0.5)\n")

            t0 = time.perf_counter()
            big_api = api_server(big)
            servers.append(big_api)
            print(f"100k server ready in {time.perf_counter() - t0:.1f} s")
            regions = [
                v["valeur"]
                for v in httpx.get(big_api.url + "/api/filtres").json()["filtres"]["region"]
            ]
            types = ["ecole", "association", "collectivite", "entreprise", "etablissement_public"]
            combos = [
                f"/api/formations?region={r}&type_structure={t}&duree_min={lo}&duree_max={lo + w}"
                for r in regions
                for t in types
                for lo in (3, 6, 9)
                for w in (3, 6, 12)
            ]
            rng.shuffle(combos)  # > cache size and never repeated back to back
            filtered = (combos * (n // len(combos) + 1))[: n // 2]
            measure("(b1) 100k: region + type + duration (uncached)", big_api.url, filtered, c)
            measure(
                "(b1) same, Accept-Encoding: gzip",
                big_api.url,
                filtered,
                c,
                {"Accept-Encoding": "gzip"},
            )
            measure(
                "(b1) same, Accept-Encoding: br",
                big_api.url,
                filtered,
                c,
                {"Accept-Encoding": "br"},
            )
            points = httpx.get(big_api.url + "/api/formations?limit=3000&offset=5000").json()
            coords = [f["geometry"]["coordinates"] for f in points["features"]]
            near = [
                f"/api/formations?lat={lat + rng.uniform(-0.01, 0.01):.5f}"
                f"&lon={lon + rng.uniform(-0.01, 0.01):.5f}&rayon_km=30"
                for lon, lat in (rng.choice(coords) for _ in range(n // 2))
            ]
            measure("(b2) 100k: within 30 km, nearest first (uncached)", big_api.url, near, c)
            measure(
                "(b2) same, Accept-Encoding: gzip",
                big_api.url,
                near,
                c,
                {"Accept-Encoding": "gzip"},
            )
            one = near[:1] * (n // 2)
            measure("(b3) 100k: one 30 km query repeated (cached)", big_api.url, one, c)
            print("\nlatency alone (concurrency 1: no queueing behind 31 other requests;")
            print("identity and gzip lines use the same queries, more than the cache holds):")
            rng.shuffle(filtered)
            k = n // 8
            measure("(b1) region + type + duration, c=1", big_api.url, filtered[:k], 1, warmup=10)
            measure("(b2) within 30 km, c=1", big_api.url, near[-k:], 1, warmup=10)
            measure(
                "(b1) region + type + duration, c=1, gzip",
                big_api.url,
                filtered[:k],
                1,
                {"Accept-Encoding": "gzip"},
                warmup=10,
            )
            measure(
                "(b2) within 30 km, c=1, gzip",
                big_api.url,
                near[-k:],
                1,
                {"Accept-Encoding": "gzip"},
                warmup=10,
            )
            measure("(a) full demo, cached, c=1", small_api.url, ["/api/formations"] * k, 1)
            measure("(c) static file, c=1", static.url, ["/formations.geojson"] * k, 1)
            sample = httpx.get(big_api.url + near[0]).json()
            print(f"\n(b2) sample answer: {len(sample['features'])} trainings")
        finally:
            for server in servers:
                server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
