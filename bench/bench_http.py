"""Carte GEN's own request path against the Python floor, side by side in one run.

For the cached demo-sized collection (``/api/formations``), an asset (Leaflet at its hashed
URL: ``dist/scripts.js``, where it is joined with the map's other scripts, or ``leaflet.js``
when the joined file is stale) and the map page (``/``), it loads with ``wrk`` (32
connections, ``Accept-Encoding: gzip``) in turn:

* Carte GEN (``uvicorn app.main:create_app --factory``), and
* the floor (``bench/floor_app.py``): a minimal ASGI app on the same uvicorn (uvloop,
  httptools, one worker, no access log) sending the very bytes Carte GEN sent,

and prints requests/s of each and their ratio (issue 14's targets: ≥ 0.6 for the collection
and the asset, ≥ 0.5 for the page), with the load average. Rounds alternate the servers so
that a busy machine weighs on both alike.

    uv run --no-sync python bench/bench_http.py [--duration 5] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_serving import leaflet_path  # noqa: E402
from bench.floor_app import write_floor  # noqa: E402
from bench.synthetic import DEFAULT_GAZETTEER, write_synthetic  # noqa: E402

DEMO_SIZE = 171
UVICORN = ("--loop", "uvloop", "--http", "httptools", "--no-access-log", "--workers", "1")


def free_port() -> int:
    """Return a free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(app: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start uvicorn on ``app`` (a factory) and wait until it answers."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, "--factory", "--port", str(port), *UVICORN],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text()[-2000:])
        try:
            httpx.get(f"{url}/", timeout=2)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{app} did not answer within 120 s")


def capture(url: str, path: str) -> dict[str, tuple[str, bytes]]:
    """Each encoding's bytes and content type, as Carte GEN sends them (after a warm-up)."""
    variants = {}
    for encoding in ("br", "gzip", "identity"):
        for _ in range(3):  # the first answers build and compress; later ones are cached
            with httpx.stream("GET", url + path, headers={"Accept-Encoding": encoding}) as answer:
                body = b"".join(answer.iter_raw())
        assert answer.status_code == 200, (path, answer.status_code)
        variants[encoding] = (answer.headers["content-type"], body)
    return variants


def wrk(url: str, duration: float) -> float:
    """Measure requests per second with ``wrk`` at 32 connections, gzip accepted."""
    output = subprocess.run(
        [
            *("wrk", "-t", "2", "-c", "32", "-d", f"{max(1, round(duration))}s"),
            *("-H", "Accept-Encoding: gzip", url),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if match is None or errors is not None:
        raise RuntimeError(output)
    return float(match.group(1))


def main() -> int:
    """Run the comparison and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per path")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install -y wrk")
        return 2
    work = Path(tempfile.mkdtemp(prefix="carte-gen-bench-http-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        data = work / "formations.geojson"
        write_synthetic(data, DEMO_SIZE, seed=1)
        env = {
            "CARTE_GEN_DATA_PATH": str(data),
            "CARTE_GEN_GAZETTEER_PATH": str(DEFAULT_GAZETTEER),
            "CARTE_GEN_RELOAD_INTERVAL_S": "2",
        }
        carte, carte_url = start("app.main:create_app", env, work / "carte.log")
        processes.append(carte)
        page = httpx.get(f"{carte_url}/").text
        leaflet = leaflet_path(page)
        paths = {
            "cached collection /api/formations": "/api/formations",
            "asset " + leaflet.rsplit("/", 1)[1]: leaflet,
            "map page /": "/",
        }
        write_floor(work / "floor", {path: capture(carte_url, path) for path in paths.values()})
        floor, floor_url = start(
            "bench.floor_app:create_app",
            {"CARTE_GEN_FLOOR_DIR": str(work / "floor")},
            work / "f.log",
        )
        processes.append(floor)
        print(f"wrk, 32 connections, gzip accepted, {args.rounds}×{args.duration:g} s per server")
        print(f"{'path':<36} {'Carte GEN':>10} {'floor':>10} {'ratio':>6}")
        for label, path in paths.items():
            ours, theirs = [], []
            for _ in range(args.rounds):
                ours.append(wrk(carte_url + path, args.duration))
                theirs.append(wrk(floor_url + path, args.duration))
            mine, floor_rate = sum(ours) / len(ours), sum(theirs) / len(theirs)
            print(f"{label:<36} {mine:>10,.0f} {floor_rate:>10,.0f} {mine / floor_rate:>6.2f}")
        print("load average: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
