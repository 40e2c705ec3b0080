"""Production serving, side by side in one run: nginx + uvicorn workers, nginx alone, the floor.

Requires ``wrk`` and ``nginx`` (Debian: ``apt-get install -y wrk nginx``; ``scripts/test.sh``
installs nginx) and the project's environment. Servers are pinned to the last CPU and the load
generator to the first (``taskset``) when there are at least 2 CPUs.

(a) the cached demo collection ``/api/formations`` through ``deploy/serve.py`` (nginx + workers,
    its proxy_cache), against nginx serving the same bytes as a static file (target ≥ 0.8×);
(b) the time a new connection waits for its first answer while 256 kept-alive connections
    load the proxy (p99, target < 1 s);
(c) the time nginx takes to refuse a 40 MB header (target < 100 ms);
(d) how long one uvicorn worker stalls requests while it reloads 100,000 trainings
    (the longest answer during the reload; target < 50 ms), and the memory the loaded
    100,000 trainings take (``bench/bench_memory.py``; target ≤ 2× the file);
(e) Carte GEN's own uvicorn against the floor: a minimal ASGI app on the same uvicorn serving
    the same bytes Carte GEN sent (precompressed), for the cached collection, the vendored
    ``leaflet.js`` (its URL read from the page: the map's joined scripts when built, Leaflet
    first) and the page ``/`` (targets 0.6×, 0.6×, 0.5×).

    uv run --no-sync python bench/bench_serving.py [--duration 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_memory import measure as measure_memory  # noqa: E402

from bench.synthetic import DEFAULT_GAZETTEER, write_synthetic  # noqa: E402
from deploy.render import user_directive  # noqa: E402

CLI = "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ENCODING = {"Accept-Encoding": "gzip"}
HEADER_40_MB = 40 * 1024 * 1024

FLOOR_APP = '''
"""The floor: answers recorded from Carte GEN, sent back as they are."""
import json, os
from pathlib import Path

_FOLDER = Path(os.environ["FLOOR_ANSWERS"])
_ANSWERS = {}
for key, answer in json.loads((_FOLDER / "index.json").read_text()).items():
    headers = [(k.encode(), v.encode()) for k, v in answer["headers"]]
    _ANSWERS[key] = (answer["status"], headers, (_FOLDER / answer["body"]).read_bytes())
_MISSING = (404, [(b"content-length", b"0")], b"")


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    query = scope["query_string"]
    key = scope["path"] + ("?" + query.decode() if query else "")
    status, headers, body = _ANSWERS.get(key, _MISSING)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
'''

STATIC_NGINX = """
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location = /api/formations {{
            alias {root}/formations.gz;
            default_type application/geo+json;
            add_header Content-Encoding gzip;
            add_header Vary Accept-Encoding;
        }}
    }}
}}
"""


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    """Return a free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cpus:
    """Which CPUs the servers and the load generator run on."""

    def __init__(self) -> None:
        count = len(os.sched_getaffinity(0))
        self.pin = count >= 2 and shutil.which("taskset") is not None
        self.server = str(max(os.sched_getaffinity(0))) if self.pin else None
        self.load = str(min(os.sched_getaffinity(0))) if self.pin else None

    @staticmethod
    def pinned(command: list[str], cpus: str | None) -> list[str]:
        """Prefix ``command`` with ``taskset -c cpus`` when pinning."""
        return command if cpus is None else ["taskset", "-c", cpus, *command]


class Process:
    """A server subprocess, stopped by :meth:`stop` (SIGTERM, then SIGKILL)."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_until(self, ready: Callable[[], bool], timeout: float = 300.0) -> None:
        """Poll ``ready`` until it is true (bounded); fail if the process exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if ready():
                    return
            except (httpx.HTTPError, OSError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError("server not ready")

    def stop(self) -> None:
        """Terminate, then kill after a bounded wait."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def health_count(url: str) -> int:
    """Return the number of trainings ``/healthz`` reports."""
    count: int = httpx.get(url + "/healthz", timeout=5).json()["count"]
    return count


def start_proxy(data: Path, prefix: Path, workers: int, cpus: Cpus) -> tuple[Process, str]:
    """``deploy/serve.py`` (nginx with one worker process, ``workers`` uvicorn workers)."""
    port = free_port()
    command = [
        *(sys.executable, str(REPO / "deploy" / "serve.py"), "--prefix", str(prefix)),
        *("--listen", f"127.0.0.1:{port}", "--workers", str(workers), "--nginx-workers", "1"),
        *("--public-host", f"127.0.0.1:{port}", "--nginx", NGINX),
    ]
    env = {"CARTE_GEN_DATA_PATH": str(data), "CARTE_GEN_GAZETTEER_PATH": str(DEFAULT_GAZETTEER)}
    process = Process(Cpus.pinned(command, cpus.server), env)
    url = f"http://127.0.0.1:{port}"
    process.wait_until(lambda: health_count(url) > 0)
    return process, url


def start_static_nginx(body: bytes, prefix: Path, cpus: Cpus) -> tuple[Process, str]:
    """Nginx serving ``body`` (gzip) as a static file at ``/api/formations``."""
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "formations.gz").write_bytes(body)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        STATIC_NGINX.format(user=user_directive(), prefix=prefix, port=port, root=prefix)
    )
    process = Process(Cpus.pinned([NGINX, "-p", str(prefix), "-c", str(conf)], cpus.server))
    url = f"http://127.0.0.1:{port}"
    process.wait_until(lambda: httpx.get(url + "/api/formations").status_code == 200)
    return process, url


def start_uvicorn(
    target: Sequence[str], env: dict[str, str], cpus: Cpus, ready_path: str
) -> tuple[Process, str]:
    """One uvicorn process as in production (uvloop, httptools, no access log)."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port)),
        *("--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"),
    ]
    process = Process(Cpus.pinned(command, cpus.server), env)
    url = f"http://127.0.0.1:{port}"
    process.wait_until(lambda: httpx.get(url + ready_path, timeout=5).status_code == 200)
    return process, url


# --------------------------------------------------------------------------- measures


def wrk(url: str, connections: int, seconds: int, cpus: Cpus) -> float:
    """Answers per second of ``wrk`` on one URL (gzip accepted), after a 1 s warm-up."""
    headers = [arg for k, v in ENCODING.items() for arg in ("-H", f"{k}: {v}")]
    rate = 0.0
    for duration in (1, seconds):
        command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", *headers, url]
        out = subprocess.run(
            Cpus.pinned(command, cpus.load),
            capture_output=True,
            text=True,
            check=True,
            timeout=duration + 120,
        ).stdout
        if "Non-2xx" in out:
            raise RuntimeError(f"errors from {url}:\n{out}")
        match = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if match is None:
            raise RuntimeError(f"unexpected wrk output:\n{out}")
        rate = float(match.group(1))
    return rate


def recorded(url: str, path: str) -> tuple[dict[str, Any], bytes]:
    """Carte GEN's answer to ``path`` (gzip accepted): status, headers and body as sent."""
    with httpx.Client(base_url=url, timeout=60) as client:
        answer = client.send(client.build_request("GET", path, headers=ENCODING), stream=True)
        body = b"".join(answer.iter_raw())
        answer.close()
    skipped = {"date", "server", "transfer-encoding", "connection"}
    headers = [[k, v] for k, v in answer.headers.multi_items() if k.lower() not in skipped]
    return {"status": answer.status_code, "headers": headers}, body


def leaflet_path(page: str) -> str:
    """Find Leaflet in the page, alone or first of the map's joined classic scripts.

    Never hard-coded: its URL may change (``static/dist/scripts.js`` once built). The page's
    head preloads it (``href``) for its start-up to run.
    """
    match = re.search(r'(?:src|href)="(/[^"]*(?:leaflet[^"/]*|/dist/scripts)\.js[^"]*)"', page)
    if match is None:
        raise RuntimeError("no leaflet script in the page")
    return match.group(1)


def first_answer_times(port: int, samples: int) -> list[float]:
    """Seconds from connecting to the end of a small answer, each on a new connection."""
    times = []
    request = (
        f"GET /api/formations?limit=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Accept-Encoding: gzip\r\nConnection: close\r\n\r\n"
    ).encode()
    for _ in range(samples):
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(request)
            while sock.recv(65536):
                pass
        times.append(time.perf_counter() - started)
        time.sleep(0.02)
    return times


def refusal_time(port: int) -> tuple[float, bytes]:
    """Seconds from the start of a 40 MB header to nginx's answer, and its status line."""
    chunk, sent, answer = b"a" * 65536, 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        started = time.perf_counter()
        sock.sendall(b"GET /api/formations HTTP/1.1\r\nHost: x\r\nX-Gros: ")
        try:
            while sent < HEADER_40_MB and not answer:
                sock.sendall(chunk)
                sent += len(chunk)
                sock.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    answer = sock.recv(65536)
                sock.setblocking(True)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(60)
        while not answer:
            answer = sock.recv(65536)
        elapsed = time.perf_counter() - started
    return elapsed, answer.split(b"\r\n", 1)[0]


def reload_stall(url: str, path: Path, replacement: Path) -> tuple[list[float], list[float], float]:
    """Latencies of back-to-back requests before and during a reload; the reload's length."""
    port = int(url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def timed(target: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        connection.request("GET", target, headers=ENCODING)
        body = connection.getresponse().read()
        return time.perf_counter() - started, body

    version = json.loads(timed("/healthz")[1])["version"]
    before = [timed("/api/formations?limit=1")[0] for _ in range(300)]
    os.replace(replacement, path)
    during: list[float] = []
    started = time.perf_counter()
    while time.perf_counter() - started < 600:
        during.append(timed("/api/formations?limit=1")[0])
        if len(during) % 10 == 0:
            seconds, body = timed("/healthz")
            during.append(seconds)
            if json.loads(body)["version"] != version:
                break
    connection.close()
    return before, during, time.perf_counter() - started


def percentile(values: Sequence[float], share: float) -> float:
    """Return the ``share`` percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def verdict(ok: bool) -> str:
    """How a target came out."""
    return "met" if ok else "MISSED"


# --------------------------------------------------------------------------- the run


def demo_collection(tmp: Path) -> Path:
    """Return the built demo data (``data/formations.geojson``, else built from the CSV)."""
    built = REPO / "data" / "formations.geojson"
    if built.is_file():
        return built
    output = tmp / "demo.geojson"
    source = REPO / "data" / "formations.csv"
    subprocess.run(
        [sys.executable, "-c", CLI, "build", str(source), "-o", str(output), "-q"],
        cwd=REPO,
        check=True,
    )
    return output


def run(args: argparse.Namespace, tmp: Path) -> None:
    """Start every server in turn and print each figure as soon as it is measured."""
    cpus = Cpus()
    started_load = os.getloadavg()
    print(f"CPUs: {os.cpu_count()}; servers on {cpus.server}, load on {cpus.load}")
    print(
        f"load average at start: {started_load[0]:.2f} {started_load[1]:.2f} {started_load[2]:.2f}"
    )
    demo = demo_collection(tmp)
    env = {"CARTE_GEN_DATA_PATH": str(demo), "CARTE_GEN_GAZETTEER_PATH": str(DEFAULT_GAZETTEER)}

    collection_gzip = b""
    if "e" in args.only or "a" in args.only:
        # (e) Carte GEN's uvicorn against the floor, and the bytes the static nginx will serve.
        carte, carte_url = start_uvicorn(
            ["app.main:create_app", "--factory"], env, cpus, "/healthz"
        )
        try:
            page = httpx.get(carte_url + "/", timeout=60).text
            paths = {
                "collection": "/api/formations",
                "leaflet.js": leaflet_path(page),
                "page /": "/",
            }
            answers = tmp / "floor"
            answers.mkdir()
            index = {}
            for number, path in enumerate(paths.values()):
                meta, body = recorded(carte_url, path)
                (answers / f"{number}.bin").write_bytes(body)
                index[path] = {**meta, "body": f"{number}.bin"}
            (answers / "index.json").write_text(json.dumps(index))
            collection_gzip = (answers / "0.bin").read_bytes()
            carte_rates = {
                name: wrk(carte_url + p, 32, args.duration, cpus) for name, p in paths.items()
            }
        finally:
            carte.stop()
        (tmp / "floor_app.py").write_text(FLOOR_APP)
        floor, floor_url = start_uvicorn(
            ["floor_app:app", "--app-dir", str(tmp)], {"FLOOR_ANSWERS": str(answers)}, cpus, "/"
        )
        try:
            floor_rates = {
                name: wrk(floor_url + p, 32, args.duration, cpus) for name, p in paths.items()
            }
        finally:
            floor.stop()
        print(
            "\n(e) Carte GEN's uvicorn against the floor (same uvicorn, same bytes), wrk -c32, gzip"
        )
        print(f"{'path':<14} {'Carte GEN':>10} {'floor':>10} {'ratio':>7} {'target':>7}")
        for name, target in (("collection", 0.6), ("leaflet.js", 0.6), ("page /", 0.5)):
            ratio = carte_rates[name] / floor_rates[name]
            print(
                f"{name:<14} {carte_rates[name]:10.0f} {floor_rates[name]:10.0f} {ratio:7.2f}"
                f" {target:7.1f}  {verdict(ratio >= target)}   ({paths[name]})"
            )

    if set("abc") & set(args.only):
        # (a) the proxy's cache against nginx's static file; (b) and (c) on the same proxy.
        static, static_url = start_static_nginx(collection_gzip, tmp / "static", cpus)
        proxy, proxy_url = start_proxy(demo, tmp / "proxy", args.workers, cpus)
        try:
            # Alternated, so that both see the same share of whatever else the machine runs.
            static_rates, proxy_rates = [], []
            for _ in range(args.rounds):
                static_rates.append(wrk(static_url + "/api/formations", 32, args.duration, cpus))
                proxy_rates.append(wrk(proxy_url + "/api/formations", 32, args.duration, cpus))
            static.stop()
            ratios = [p / s for p, s in zip(proxy_rates, static_rates, strict=True)]
            ratio = statistics.median(ratios)
            print(f"\n(a) cached demo collection, wrk -c32, gzip ({len(collection_gzip):,} bytes)")
            print(f"    nginx static file: {' '.join(f'{r:.0f}' for r in static_rates)} req/s")
            print(
                f"    proxy (nginx + {args.workers} workers):"
                f" {' '.join(f'{r:.0f}' for r in proxy_rates)} req/s"
            )
            print(
                f"    ratio per round {' '.join(f'{r:.2f}' for r in ratios)}, median {ratio:.2f}"
                f" (target ≥ 0.8: {verdict(ratio >= 0.8)})"
            )

            port = int(proxy_url.rsplit(":", 1)[1])
            load_seconds = max(10, args.duration * 3)
            crowd = subprocess.Popen(
                Cpus.pinned(
                    [
                        "wrk",
                        "-t1",
                        "-c256",
                        f"-d{load_seconds}s",
                        "-H",
                        "Accept-Encoding: gzip",
                        proxy_url + "/api/formations",
                    ],
                    cpus.load,
                ),
                stdout=subprocess.DEVNULL,
            )
            try:
                time.sleep(1)  # the 256 connections are open and busy
                times = first_answer_times(port, args.samples)
            finally:
                crowd.wait(load_seconds + 60)
            p99 = percentile(times, 0.99)
            print("\n(b) a new connection's first answer, 256 kept-alive connections on the proxy")
            print(
                f"    {len(times)} samples: p50 {statistics.median(times) * 1000:.1f} ms, "
                f"p99 {p99 * 1000:.1f} ms, max {max(times) * 1000:.1f} ms "
                f"(target p99 < 1 s: {verdict(p99 < 1)})"
            )
            refusals = [refusal_time(port) for _ in range(10)]
            worst = max(seconds for seconds, _ in refusals)
            statuses = sorted({status.decode() for _, status in refusals})
            print("\n(c) a 40 MB header")
            print(
                f"    refused with {', '.join(statuses)} in median "
                f"{statistics.median(s for s, _ in refusals) * 1000:.1f} ms,"
                f" max {worst * 1000:.1f} ms"
                f" (target < 100 ms: {verdict(worst < 0.1)})"
            )
        finally:
            static.stop()
            proxy.stop()

    if "d" in args.only:
        # (d) one worker reloading 100,000 trainings while it answers; memory of that version.
        data = tmp / "big.geojson"
        replacement = tmp / "big-next.geojson"
        write_synthetic(data, args.reload_count, seed=1)
        write_synthetic(replacement, args.reload_count, seed=2)
        big_env = {
            "CARTE_GEN_DATA_PATH": str(data),
            "CARTE_GEN_GAZETTEER_PATH": str(DEFAULT_GAZETTEER),
            "CARTE_GEN_RELOAD_INTERVAL_S": "0.2",
        }
        worker, worker_url = start_uvicorn(
            ["app.main:create_app", "--factory"], big_env, cpus, "/healthz"
        )
        try:
            worker.wait_until(lambda: health_count(worker_url) == args.reload_count)
            before, during, reload_seconds = reload_stall(worker_url, data, replacement)
        finally:
            worker.stop()
        longest = max(during)
        print(f"\n(d) requests to one worker while it reloads {args.reload_count:,} trainings")
        print(
            f"    before: p50 {statistics.median(before) * 1000:.2f} ms,"
            f" max {max(before) * 1000:.1f} ms; during the {reload_seconds:.1f} s reload"
            f" ({len(during)} requests): p50 {statistics.median(during) * 1000:.2f} ms,"
            f" p99 {percentile(during, 0.99) * 1000:.1f} ms, longest {longest * 1000:.1f} ms"
            f" (target < 50 ms: {verdict(longest < 0.05)})"
        )
        memory = measure_memory(data)
        size = data.stat().st_size
        print(
            f"    memory of the loaded {memory['count']:,} trainings ({size / 2**20:.1f} MiB file):"
        )
        for name in ("traced", "rss", "peak"):
            print(
                f"      {name:>6}: {memory[name] / 2**20:7.1f} MiB"
                f" = {memory[name] / size:.2f}× the file"
            )
        print(
            f"      target ≤ 2× (traced: {verdict(memory['traced'] <= 2 * size)}; "
            f"rss: {verdict(memory['rss'] <= 2 * size)})"
        )
    ended_load = os.getloadavg()
    print(f"\nload average at end: {ended_load[0]:.2f} {ended_load[1]:.2f} {ended_load[2]:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options and run every measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers behind nginx")
    parser.add_argument("--samples", type=int, default=200, help="new connections timed in (b)")
    parser.add_argument("--rounds", type=int, default=3, help="alternated runs of (a)")
    parser.add_argument("--reload-count", type=int, default=100_000, help="trainings in (d)")
    parser.add_argument(
        "--only", default="abcde", help="letters of the measures to run (default: abcde)"
    )
    args = parser.parse_args(argv)
    for tool in ("wrk", NGINX):
        if shutil.which(tool) is None:
            print(f"{tool} is required (apt-get install -y wrk nginx)", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as tmp:
        run(args, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
