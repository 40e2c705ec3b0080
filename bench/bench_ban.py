"""Benchmark the BAN client against a local addok: rows/s and requests, batch vs per-row.

Starts Redis + gunicorn addok exactly as the tests do (tests/addok/server.py), loads one
synthetic address per row, then geocodes the same rows in batch mode, in per-row mode, and
again in batch mode from a warm cache. Usage:

    uv run --no-sync python bench/bench_ban.py [--rows 10000] [--batch-size 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import httpx

from geo.address import PRECISION_BY_RESULT_TYPE, AddressQuery
from geo.ban import BanCache, BanConfig, BanGeocoder
from geo.ban.config import Mode
from geo.schema import Precision

REPO_ROOT = Path(__file__).resolve().parent.parent


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


addok_server = _load("carte_gen_bench_addok_server", REPO_ROOT / "tests/addok/server.py")
addok_data = _load("carte_gen_bench_addok_ndjson", REPO_ROOT / "tests/addok/ndjson.py")


def queries_for(seeds: list) -> list[AddressQuery]:
    """One query per seed, written as a spreadsheet would (lower case, commune name)."""
    return [
        AddressQuery(
            key=f"row{index}",
            adresse=f"{seed.housenumber} {seed.street.lower()}",
            code_postal=seed.municipality.postcode,
            commune=seed.municipality.name,
            code_insee=seed.municipality.citycode,
        )
        for index, seed in enumerate(seeds)
    ]


async def run(
    url: str, queries: list[AddressQuery], config: BanConfig, cache: BanCache | None
) -> tuple[float, BanGeocoder, int]:
    """Geocode once; return seconds, the geocoder (stats) and rows placed at the address."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(config.timeout_s)) as client:
        geocoder = BanGeocoder(config, client=client, cache=cache)
        started = time.perf_counter()
        outcomes = await geocoder.geocode(queries)
        elapsed = time.perf_counter() - started
    at_door = sum(
        1
        for o in outcomes
        if o.match is not None and PRECISION_BY_RESULT_TYPE[o.match.type] is Precision.ADRESSE
    )
    return elapsed, geocoder, at_door


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8, help="per-row concurrency")
    parser.add_argument(
        "--rate-limit", type=float, default=1000.0,
        help="requests/s for the local server (the BAN's own limit is 50/s per IP)",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()

    subprocess.run([str(REPO_ROOT / "scripts/install-addok.sh")], check=True)
    seeds = addok_data.synthetic_seeds(args.rows)
    queries = queries_for(seeds)
    with addok_server.AddokServer(workers=args.workers) as server:
        started = time.perf_counter()
        server.start(addok_data.documents(seeds))
        print(f"addok loaded with {args.rows} addresses in {time.perf_counter() - started:.1f} s")
        print(f"{'mode':<22}{'rows':>7}{'seconds':>9}{'rows/s':>9}{'requests':>10}{'at door':>9}")
        with tempfile.TemporaryDirectory() as tmp:
            cache_path = Path(tmp) / "ban.sqlite3"
            runs: list[tuple[str, Mode, int, BanCache | None]] = [
                ("batch", "batch", 2, None),
                ("per-row", "row", args.concurrency, None),
                ("batch, filling cache", "batch", 2, BanCache(cache_path)),
                ("batch, warm cache", "batch", 2, BanCache(cache_path)),
            ]
            figures: dict[str, float] = {}
            for label, mode, concurrency, cache in runs:
                config = BanConfig(
                    base_url=server.url, mode=mode, batch_size=args.batch_size,
                    concurrency=concurrency, rate_limit_per_s=args.rate_limit, timeout_s=30,
                )  # fmt: skip
                server.reset_access_log()
                elapsed, geocoder, at_door = asyncio.run(run(server.url, queries, config, cache))
                time.sleep(0.3)
                logged = len(server.requests_logged())
                figures[label] = len(queries) / elapsed
                print(
                    f"{label:<22}{len(queries):>7}{elapsed:>9.2f}{len(queries) / elapsed:>9.0f}"
                    f"{logged:>10}{at_door:>9}"
                )
                if mode == "batch" and cache is None:
                    chunks = math.ceil(len(queries) / args.batch_size)
                    assert geocoder.stats.requests == logged == chunks, (logged, chunks)
        print(f"batch / per-row speed: {figures['batch'] / figures['per-row']:.1f}x")
        print(
            f"per-row at the BAN's public pace ({BanConfig().rate_limit_per_s:.0f} req/s) would "
            f"take at least {len(queries) / BanConfig().rate_limit_per_s:.0f} s"
        )


if __name__ == "__main__":
    main()
