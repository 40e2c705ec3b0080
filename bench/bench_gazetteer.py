"""Gazetteer load time and look-up throughput (match, by_postcode, nearest, commune_at).

Run: ``uv run --no-sync python bench/bench_gazetteer.py [rows]``.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.gazetteer import FUZZY_CUTOFF_COUNTRY, Gazetteer, _length_window, _signatures_of
from geo.text import commune_key


def typo(name: str, rng: random.Random) -> str:
    """Drop, double or swap one letter of a name."""
    if len(name) < 5:
        return name + "e"
    i = rng.randrange(1, len(name) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return name[:i] + name[i + 1 :]
    if kind == 1:
        return name[:i] + name[i] + name[i:]
    return name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]


def country_fuzzy(gazetteer: Gazetteer, names: list[str]) -> None:
    """Print what the length window saves in the country-wide fuzzy search (same answers)."""
    keys = [commune_key(name) for name in names]
    index = gazetteer._signatures
    compared = sharing = 0
    for key in keys:
        shortest, longest = _length_window(len(key), FUZZY_CUTOFF_COUNTRY)
        union = {k for s in _signatures_of(key) for k in index.get(s, ())}
        sharing += len(union)
        compared += sum(1 for k in union if shortest <= len(k) <= longest)
    start = time.perf_counter()
    for key in keys:
        gazetteer._country_fuzzy(key, FUZZY_CUTOFF_COUNTRY)
    elapsed = time.perf_counter() - start
    print(
        f"country fuzzy search: {len(keys)} typos, {sharing / len(keys):,.0f} keys share a "
        f"signature on average, {compared / len(keys):,.0f} within the length window are "
        f"compared; {elapsed / len(keys) * 1e6:,.1f} µs per search"
    )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    loads, cpu = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        gazetteer = Gazetteer.load()
        loads.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(
        f"load: median {statistics.median(loads) * 1000:.0f} ms wall, "
        f"{statistics.median(cpu) * 1000:.0f} ms CPU (wall differs when the machine is busy)"
    )

    rng = random.Random(42)
    communes = [c for c in gazetteer if c.codes_postaux]
    weights = [max(c.population or 1, 1) for c in communes]
    # A realistic file: population-weighted communes, so names repeat as in real lists.
    picked = rng.choices(communes, weights=weights, k=rows)
    queries: list[tuple[str, str | None]] = []
    for commune in picked:
        roll = rng.random()
        name = commune.nom
        if roll < 0.6:
            queries.append((name, commune.codes_postaux[0]))
        elif roll < 0.75:
            queries.append((name.upper().replace("SAINT", "ST"), None))
        elif roll < 0.9:
            queries.append((typo(name, rng), commune.codes_postaux[0]))
        else:
            queries.append((typo(name, rng), None))
    fuzzy = sum(1 for q, c in zip(queries, picked, strict=True) if q[0] != c.nom)
    start, start_cpu = time.perf_counter(), time.process_time()
    found = sum(1 for nom, cp in queries if gazetteer.match(nom, cp))
    elapsed, cpu_time = time.perf_counter() - start, time.process_time() - start_cpu
    print(
        f"match: {rows} rows ({fuzzy} with typos or other spellings) in {elapsed:.2f} s = "
        f"{rows / elapsed:,.0f} rows/s wall, {rows / cpu_time:,.0f} rows/s CPU, {found} found"
    )

    fresh = Gazetteer.load()
    start = time.perf_counter()
    fresh.match("Bordeauxx")  # builds the fuzzy signature index once
    print(f"first fuzzy look-up (builds its index): {(time.perf_counter() - start) * 1000:.0f} ms")
    cold = [(typo(c.nom, rng), None) for c in rng.sample(communes, 300)]
    start = time.perf_counter()
    for nom, cp in cold:
        fresh.match(nom, cp)
    elapsed = time.perf_counter() - start
    print(f"match, uncached fuzzy over the whole country: {len(cold) / elapsed:,.0f} rows/s")

    country_fuzzy(fresh, [nom for nom, _ in cold])

    postcodes = [c.codes_postaux[0] for c in picked]
    start = time.perf_counter()
    for code_postal in postcodes:
        gazetteer.by_postcode(code_postal)
    elapsed = time.perf_counter() - start
    print(f"by_postcode: {rows / elapsed:,.0f} look-ups/s")

    points = [(c.lon + rng.uniform(-0.05, 0.05), c.lat + rng.uniform(-0.05, 0.05)) for c in picked]
    points = points[:20_000]
    start = time.perf_counter()
    for lon, lat in points:
        gazetteer.nearest(lon, lat)
    elapsed = time.perf_counter() - start
    print(f"nearest: {len(points) / elapsed:,.0f} look-ups/s")

    start, start_cpu = time.perf_counter(), time.process_time()
    fresh.commune_at(*points[0])  # reads the boundaries file (first build with coordinates)
    print(
        f"commune_at, first call (reads the boundaries): {time.perf_counter() - start:.2f} s "
        f"wall, {time.process_time() - start_cpu:.2f} s CPU"
    )
    start = time.perf_counter()
    outside = sum(1 for lon, lat in points if fresh.commune_at(lon, lat) is None)
    elapsed = time.perf_counter() - start
    print(f"commune_at: {len(points) / elapsed:,.0f} look-ups/s ({outside} outside every commune)")


if __name__ == "__main__":
    main()
