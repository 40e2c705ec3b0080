"""Throughput and latency of the GeoJSON API under load, side by side with a static file.

Starts real uvicorn servers as in production (``uvicorn app.main:create_app --factory``,
``--no-access-log``, uvloop + httptools) on loopback ports and loads them with ``wrk``
(C, event-driven) at concurrency 32, so the figures measure the server rather than the
load generator. Without ``wrk`` (``apt-get install -y wrk``) it falls back to an asyncio +
httpx generator in Python, which saturates near 250 req/s on 2 cores and says so.

With one worker and at least 2 CPUs, the servers are pinned to the last CPU and the load
generator to the first (``taskset``), so they do not fight over a core. With 2 workers the
servers get every CPU and the generator is pinned to the first one (they share it).

(a) the full demo collection, cached (``data/formations.geojson`` if built, else built from
    ``data/formations.csv``, else a generated 171-training set);
(b) filtered queries on a generated set of 100,000 trainings (``bench/synthetic.py``):
    (b1) region + type + duration, (b2) within 30 km, nearest first: each rotating through
    more distinct queries than the answer cache holds, so every answer is computed; and
    (b3) one repeated query (cache hits), labelled as such;
(c) the same bytes as (a) as a plain static file (uvicorn + Starlette ``StaticFiles``, same
    number of workers, same pinning).

    uv run --no-sync python bench/bench_api.py [--duration 10] [--workers 1,2]
    uv run --no-sync python bench/bench_api.py --generator httpx --requests 2000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.cache import CACHE_MAX_ENTRIES  # noqa: E402
from bench.synthetic import DEFAULT_GAZETTEER, write_synthetic  # noqa: E402

CLI = "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))"
STATIC_APP = """
import os
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
app = Starlette(routes=[Mount("/", StaticFiles(directory=os.environ["BENCH_STATIC_DIR"]))])
"""
#: wrk script: each connection takes the next path of a list (one per line of a file given
#: after ``--``), then prints one machine-readable line with the summary and percentiles.
WRK_SCRIPT = """
local paths = {}
local next_path = 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
end
function request()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""
REGION_TYPES = ("ecole", "association", "collectivite", "entreprise", "etablissement_public")
DISTINCT_QUERIES = 200  # per rotating line; must exceed the answer cache (CACHE_MAX_ENTRIES)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(command: list[str], cpus: str | None) -> list[str]:
    """Prefix ``command`` with ``taskset -c cpus`` when pinning."""
    return command if cpus is None else ["taskset", "-c", cpus, *command]


class Server:
    """A uvicorn subprocess on a loopback port."""

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

    def wait(self, path: str, timeout: float = 300.0) -> None:
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
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def uvicorn_command(target: list[str], workers: int, cpus: str | None) -> list[str]:
    """Run uvicorn as in production: uvloop + httptools, no access log, ``workers`` processes."""
    return pinned(
        [
            sys.executable,
            "-m",
            "uvicorn",
            *target,
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cpus,
    )


def api_server(data: Path, workers: int, cpus: str | None) -> Server:
    server = Server(
        uvicorn_command(["app.main:create_app", "--factory"], workers, cpus),
        env={
            "CARTE_GEN_DATA_PATH": str(data),
            "CARTE_GEN_GAZETTEER_PATH": str(DEFAULT_GAZETTEER),
            "CARTE_GEN_RELOAD_INTERVAL_S": "2",
        },
    )
    server.wait("/healthz")
    if workers > 1:  # every worker loads the data itself: wait until all of them answer
        for _ in range(workers * 10):
            httpx.get(server.url + "/healthz", timeout=300)
    return server


def static_server(app_dir: Path, static_dir: Path, workers: int, cpus: str | None) -> Server:
    server = Server(
        uvicorn_command(["static_app:app", "--app-dir", str(app_dir)], workers, cpus),
        env={"BENCH_STATIC_DIR": str(static_dir)},
    )
    server.wait("/formations.geojson")
    return server


# --------------------------------------------------------------------------- load generators


@dataclass(frozen=True, slots=True)
class Result:
    """What one load line measured."""

    requests: int
    seconds: float
    received: int
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        """Answers per second."""
        return self.requests / self.seconds if self.seconds else 0.0


class Wrk:
    """``wrk`` for a fixed duration, one thread (it saturates a core well before the server)."""

    name = "wrk"

    def __init__(self, tmp: Path, duration: int, cpus: str | None) -> None:
        self.script = tmp / "rotate.lua"
        self.script.write_text(WRK_SCRIPT)
        self.tmp = tmp
        self.duration = duration
        self.cpus = cpus
        self.files = 0

    def run(
        self, base_url: str, paths: Sequence[str], concurrency: int, headers: dict[str, str]
    ) -> Result:
        """Run wrk on ``paths`` in rotation (a short warm-up first)."""
        self.files += 1
        listing = self.tmp / f"paths-{self.files}.txt"
        listing.write_text("".join(f"{p}\n" for p in paths))
        for seconds in (max(1, round(self.duration / 5)), max(1, round(self.duration))):
            command = pinned(
                [
                    "wrk",
                    "-t1",
                    f"-c{concurrency}",
                    f"-d{seconds}s",  # wrk takes whole seconds only
                    "--timeout",
                    "30s",
                    *(arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")),
                    "-s",
                    str(self.script),
                    base_url,
                    "--",
                    str(listing),
                ],
                self.cpus,
            )
            out = subprocess.run(
                command, capture_output=True, text=True, check=True, timeout=seconds + 120
            ).stdout
        match = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.M)
        if match is None:
            raise RuntimeError(f"unexpected wrk output:\n{out}")
        n, us, received, p50, p99, status, socket_errors = map(int, match.groups())
        return Result(n, us / 1e6, received, p50 / 1000, p99 / 1000, status + socket_errors)


class Httpx:
    """The fallback: asyncio + httpx in this process, a fixed number of requests."""

    name = "httpx (Python; caps near 250 req/s on 2 cores: figures measure the generator)"

    def __init__(self, requests: int) -> None:
        self.requests = requests

    def run(
        self, base_url: str, paths: Sequence[str], concurrency: int, headers: dict[str, str]
    ) -> Result:
        """Send ``requests`` requests cycling through ``paths`` (after a short warm-up)."""
        todo = [paths[i % len(paths)] for i in range(self.requests)]
        asyncio.run(self._load(base_url, todo[:50], concurrency, headers))
        seconds, latencies, received, errors = asyncio.run(
            self._load(base_url, todo, concurrency, headers)
        )
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        return Result(
            len(todo), seconds, received, statistics.median(latencies) * 1000, p99 * 1000, errors
        )

    @staticmethod
    async def _load(
        base_url: str, paths: Sequence[str], concurrency: int, headers: dict[str, str]
    ) -> tuple[float, list[float], int, int]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        for path in paths:
            queue.put_nowait(path)
        latencies: list[float] = []
        received = errors = 0
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

            async def worker() -> None:
                nonlocal received, errors
                while True:
                    try:
                        path = queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    started = time.perf_counter()
                    async with client.stream("GET", path, headers=headers) as response:
                        async for chunk in response.aiter_raw():  # bytes on the wire
                            received += len(chunk)
                    latencies.append(time.perf_counter() - started)
                    errors += response.status_code != 200

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return time.perf_counter() - started, latencies, received, errors


Generator = Wrk | Httpx


def measure(
    table: list[str],
    label: str,
    generator: Generator,
    base_url: str,
    paths: Sequence[str],
    concurrency: int,
    encoding: str = "identity",
) -> Result:
    """Run one line and append it to ``table`` (also printed at once)."""
    result = generator.run(base_url, paths, concurrency, {"Accept-Encoding": encoding})
    size = result.received / max(1, result.requests) / 1024
    line = (
        f"{label:<52} {result.rate:8.0f} {result.p50_ms:8.1f} {result.p99_ms:8.1f}"
        f" {size:9.1f} {result.errors:6d}"
    )
    print(line, flush=True)
    table.append(line)
    return result


HEADER = f"{'line':<52} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'KiB/ans':>9} {'errors':>6}"


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


def filtered_queries(big_url: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """Distinct (b1) region + type + duration queries and (b2) 30 km queries, shuffled."""
    regions = [v["valeur"] for v in httpx.get(big_url + "/api/filtres").json()["filtres"]["region"]]
    combos = [
        f"/api/formations?region={r}&type_structure={t}&duree_min={lo}&duree_max={lo + w}"
        for r in regions
        for t in REGION_TYPES
        for lo in (3, 6, 9)
        for w in (3, 6, 12)
    ]
    rng.shuffle(combos)
    points = httpx.get(big_url + "/api/formations?limit=3000").json()
    coords = [f["geometry"]["coordinates"] for f in points["features"]]
    near = [
        f"/api/formations?lat={lat + rng.uniform(-0.01, 0.01):.5f}"
        f"&lon={lon + rng.uniform(-0.01, 0.01):.5f}&rayon_km=30"
        for lon, lat in (rng.choice(coords) for _ in range(DISTINCT_QUERIES))
    ]
    return combos[:DISTINCT_QUERIES], near


def suite(
    workers: int,
    generator: Generator,
    cpus: tuple[str | None, str | None],
    small: Path,
    big: Path,
    tmp: Path,
    c: int,
) -> list[str]:
    """Every line for one worker count; returns the table rows."""
    server_cpus, generator_cpus = cpus
    table: list[str] = []
    servers: list[Server] = []
    try:
        small_api = api_server(small, workers, server_cpus)
        servers.append(small_api)
        body = httpx.get(
            small_api.url + "/api/formations", headers={"Accept-Encoding": "identity"}
        ).content
        static_dir = tmp / f"static-{workers}"
        static_dir.mkdir()
        (static_dir / "formations.geojson").write_bytes(body)
        static = static_server(tmp, static_dir, workers, server_cpus)
        servers.append(static)
        if httpx.get(static.url + "/formations.geojson").content != body:
            raise RuntimeError("static file differs from the API answer")
        print(
            f"\n== uvicorn {workers} worker(s); servers on CPU {server_cpus or 'any'}, "
            f"load generator on CPU {generator_cpus or 'any'}; {generator.name}"
        )
        print(HEADER)
        a = measure(
            table,
            "(a) /api/formations, full demo, cached",
            generator,
            small_api.url,
            ["/api/formations"],
            c,
        )
        cc = measure(
            table,
            "(c) same bytes, static file (StaticFiles)",
            generator,
            static.url,
            ["/formations.geojson"],
            c,
        )
        measure(table, "(a) gzip", generator, small_api.url, ["/api/formations"], c, "gzip")
        measure(
            table,
            "(c) gzip (StaticFiles does not compress)",
            generator,
            static.url,
            ["/formations.geojson"],
            c,
            "gzip",
        )
        ratio = f"(a)/(c) throughput ratio: {a.rate / cc.rate:.2f} (target ≥ 0.5)"
        print(ratio)
        small_api.stop()
        static.stop()
        servers.clear()

        t0 = time.perf_counter()
        big_api = api_server(big, workers, server_cpus)
        servers.append(big_api)
        print(f"100k server ready in {time.perf_counter() - t0:.1f} s")
        combos, near = filtered_queries(big_api.url, random.Random(42))
        note = f"{len(combos)} distinct, uncached"
        b1 = measure(table, f"(b1) region+type+duration, {note}", generator, big_api.url, combos, c)
        measure(table, "(b1) same, gzip", generator, big_api.url, combos, c, "gzip")
        b2 = measure(table, f"(b2) 30 km nearest first, {note}", generator, big_api.url, near, c)
        measure(table, "(b2) same, gzip", generator, big_api.url, near, c, "gzip")
        measure(
            table,
            "(b3) one region+type+duration repeated (cache hit)",
            generator,
            big_api.url,
            combos[:1],
            c,
        )
        measure(
            table, "(b3) one 30 km query repeated (cache hit)", generator, big_api.url, near[:1], c
        )
        measure(table, "(b1) c=1 (no queueing)", generator, big_api.url, combos, 1)
        measure(table, "(b2) c=1 (no queueing)", generator, big_api.url, near, 1)
        sizes = [len(httpx.get(big_api.url + p).json()["features"]) for p in combos[:20]]
        sizes2 = [len(httpx.get(big_api.url + p).json()["features"]) for p in near[:20]]
        print(
            f"trainings per answer: (b1) median {statistics.median(sizes):.0f}, "
            f"(b2) median {statistics.median(sizes2):.0f}"
        )
        verdict = f"(b) p50 at c={c}: b1 {b1.p50_ms:.1f} ms, b2 {b2.p50_ms:.1f} ms (target < 20 ms)"
        print(verdict)
        table.extend([ratio, verdict])
    finally:
        for server in servers:
            server.stop()
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk line")
    parser.add_argument("--requests", type=int, default=2000, help="requests per httpx line")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", default="1,2", help="uvicorn worker counts to try")
    parser.add_argument("--size", type=int, default=100_000, help="trainings of set (b)")
    parser.add_argument("--generator", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--no-pin", action="store_true", help="do not use taskset")
    args = parser.parse_args()
    assert DISTINCT_QUERIES > CACHE_MAX_ENTRIES, "rotating lines must defeat the answer cache"

    use_wrk = args.generator == "wrk" or (args.generator == "auto" and shutil.which("wrk"))
    if args.generator == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk")
    if not use_wrk:
        print("wrk not found: falling back to httpx, which measures itself more than the")
        print("server. For real figures: apt-get install -y wrk\n")
    cpu_count = os.cpu_count() or 1
    can_pin = not args.no_pin and cpu_count >= 2 and shutil.which("taskset") is not None
    worker_counts = [int(w) for w in args.workers.split(",")]

    with tempfile.TemporaryDirectory(prefix="carte-gen-bench-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "static_app.py").write_text(STATIC_APP)
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
            small, small_label = demo, f"demo built from data/formations.csv ({demo.name})"
        else:
            small, small_label = tmp / "demo171.geojson", "generated 171 (demo not built)"
            write_synthetic(small, 171, seed=171)
        big = tmp / "big.geojson"
        t0 = time.perf_counter()
        write_synthetic(big, args.size, seed=1)
        print(f"generated {args.size} trainings in {time.perf_counter() - t0:.1f} s")
        print(f"(a)/(c) body: {small.stat().st_size / 1024:.1f} KiB file; {small_label}")
        compression_costs(small.read_bytes())

        def generator(cpus: str | None) -> Generator:
            return Wrk(tmp, args.duration, cpus) if use_wrk else Httpx(args.requests)

        first, last = "0", str(cpu_count - 1)
        tables: dict[int, list[str]] = {}
        load_before = os.getloadavg()
        for workers in worker_counts:
            cpus: tuple[str | None, str | None]
            if can_pin and use_wrk:
                cpus = (last, first) if workers == 1 else (None, first)
            else:
                cpus = (None, None)
            tables[workers] = suite(
                workers, generator(cpus[1]), cpus, small, big, tmp, args.concurrency
            )
        load_after = os.getloadavg()

    print(
        f"\n===== summary: concurrency {args.concurrency}; load generator: "
        f"{'wrk (1 thread)' if use_wrk else 'httpx'}; "
        f"{f'{args.duration:g} s per line' if use_wrk else f'{args.requests} requests per line'}"
    )
    print(
        f"cpus: {cpu_count}; pinning: {'taskset' if can_pin and use_wrk else 'none'}; "
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)"
    )
    for workers, table in tables.items():
        print(f"\nuvicorn --workers {workers}")
        print(HEADER)
        print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
