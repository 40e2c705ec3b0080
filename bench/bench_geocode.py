"""Offline geocoding throughput: the pure chain, and the whole build from a CSV file.

Generates rows from the real gazetteer, mixing exact and fuzzy cases (INSEE code, postcode +
name, name alone, typos, St/Saint, missing accents, postcode alone), then prints rows/s.

    uv run --no-sync python bench/bench_geocode.py [--rows 100000] [--seed 7]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gzip
import io
import os
import pstats
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import orjson

from geo.build import tune_gc_for_build
from geo.gazetteer import Commune, Gazetteer
from geo.geocode import OfflineGeocoder, geocode_offline
from geo.geojson import CollectionMetadata, build_feature_collection, write_geojson_atomic
from geo.importer import ImportedRow, Level, import_table, read_table, write_report
from geo.schema import TypeStructure
from geo.text import fold

T = TypeVar("T")
#: CPU seconds of each timed step: other processes on the machine do not inflate them.
CPU_SECONDS: dict[str, float] = {}
GAZETTEER = Path(__file__).resolve().parent.parent / "data" / "gazetteer.json.gz"
#: Issue 14: the whole offline build of 100,000 generated rows, in rows per second.
TARGET_ROWS_PER_S = 50_000
KINDS = (
    "insee",
    "postcode+name",
    "name",
    "typo+postcode",
    "typo",
    "saint",
    "no_accents",
    "postcode",
)


def typo(name: str, rng: random.Random) -> str:
    """One small human typo: a letter dropped, doubled, swapped with the next, or replaced."""
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 6:
        return name
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(4)
    if kind == 0:
        return name[:i] + name[i + 1 :]
    if kind == 1:
        return name[:i] + name[i] + name[i:]
    if kind == 2 and name[i + 1].isalpha():
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + rng.choice("aeiourstln") + name[i + 1 :]


def make_rows(
    gazetteer: Gazetteer, count: int, seed: int
) -> tuple[list[ImportedRow], Counter[str]]:
    """Rows of every kind in equal shares, drawn from the communes of the real gazetteer."""
    rng = random.Random(seed)
    communes: list[Commune] = [c for c in gazetteer if c.codes_postaux]
    saints = [c for c in communes if c.nom.startswith(("Saint-", "Sainte-"))]
    rows: list[ImportedRow] = []
    kinds: Counter[str] = Counter()
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        commune = rng.choice(saints if kind == "saint" else communes)
        code_postal = rng.choice(commune.codes_postaux)
        insee: str | None = None
        nom: str | None = None
        postcode: str | None = code_postal
        if kind == "insee":
            insee, postcode = commune.code_insee, None
        elif kind in ("postcode+name", "name"):
            nom = commune.nom
        elif kind in ("typo+postcode", "typo"):
            nom = typo(commune.nom, rng)
        elif kind == "saint":
            nom = commune.nom.replace("Sainte-", "Ste ").replace("Saint-", "St ")
        elif kind == "no_accents":
            nom = fold(commune.nom).upper()
        if kind in ("name", "typo"):
            postcode = None
        kinds[kind] += 1
        rows.append(
            ImportedRow(
                ligne=index + 2,
                id=f"B{index:06d}",
                intitule="Développeur web",
                structure="Structure",
                type_structure=TypeStructure.ASSOCIATION,
                code_postal=postcode,
                commune=nom,
                code_insee=insee,
            )
        )
    return rows, kinds


def rows_to_csv(rows: list[ImportedRow]) -> bytes:
    """Write the rows as a French spreadsheet export: ``;``, UTF-8 with BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "Identifiant",
            "Intitulé de la formation",
            "Structure",
            "Type de structure",
            "Code postal",
            "Commune",
            "Code INSEE",
            "Durée (mois)",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row.id,
                row.intitule,
                row.structure,
                "Association",
                row.code_postal or "",
                row.commune or "",
                row.code_insee or "",
                "6 mois",
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def timed(label: str, action: Callable[[], T]) -> tuple[float, T]:
    """Run an action once, print and return its duration."""
    start, cpu_start = time.perf_counter(), time.process_time()
    result = action()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(f"  {label:<34} {elapsed:8.3f} s wall {cpu:8.3f} s CPU")
    CPU_SECONDS[label] = cpu
    return elapsed, result


def main() -> None:
    """Generate the rows, time the chain (cold and warm caches) and the whole build."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile the cold chain")
    args = parser.parse_args()

    print(f"Gazetteer {GAZETTEER.name}")
    print(f"Load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    load_s, generator_gazetteer = timed("load", lambda: Gazetteer.load(GAZETTEER))
    with gzip.open(GAZETTEER, "rb") as handle:  # read once: fresh instances built from memory
        document = orjson.loads(handle.read())

    def fresh() -> Gazetteer:
        gazetteer = Gazetteer.from_document(document)
        tune_gc_for_build()  # as `carte-gen build` does once the gazetteer is loaded
        return gazetteer

    rows, kinds = make_rows(generator_gazetteer, args.rows, args.seed)
    print(f"{len(rows)} rows: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))

    print("Pure chain (OfflineGeocoder.locate), fresh gazetteer and caches:")
    gazetteer = fresh()
    chain = OfflineGeocoder(gazetteer)
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    cold_s, outcomes = timed("cold", lambda: [chain.locate(row) for row in rows])
    if profiler:
        profiler.disable()
    warm_s, _ = timed("warm (same rows again)", lambda: [chain.locate(row) for row in rows])
    print("Pure chain per kind of row, each on a fresh gazetteer (cold caches):")
    per_kind: dict[str, float] = {}
    for kind in KINDS:
        group = [row for row in rows if KINDS[(row.ligne - 2) % len(KINDS)] == kind]
        kind_chain = OfflineGeocoder(fresh())
        start, cpu_start = time.perf_counter(), time.process_time()
        for row in group:
            kind_chain.locate(row)
        wall = time.perf_counter() - start
        per_kind[kind] = len(group) / (time.process_time() - cpu_start)
        print(
            f"  {kind:<16} {len(group) / wall:12,.0f} rows/s wall "
            f"{per_kind[kind]:12,.0f} rows per CPU-second"
        )
    placed = sum(1 for outcome in outcomes if outcome.placement is not None)
    by_kind: Counter[str] = Counter()
    for row, outcome in zip(rows, outcomes, strict=True):
        if outcome.placement is None:
            by_kind[KINDS[(row.ligne - 2) % len(KINDS)]] += 1
    print(f"  placed {placed}/{len(rows)}; not placed by kind: {dict(by_kind)}")

    print("Whole build from a CSV file (read, decode, validate, geocode, GeoJSON, report):")
    data = rows_to_csv(rows)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "bench.csv"
        source.write_bytes(data)
        build_gazetteer = fresh()
        start, cpu_start = time.perf_counter(), time.process_time()
        _, table = timed("read + parse CSV", lambda: read_table(source))
        _, imported = timed("validate rows", lambda: import_table(table))
        _, report = timed(
            "geocode (cold caches)",
            lambda: geocode_offline(imported.rows, build_gazetteer),
        )
        metadata = CollectionMetadata(source="bench.csv", date_generation="2026-01-01T00:00:00")
        _, collection = timed(
            "build features",
            lambda: build_feature_collection(report.placed, metadata),
        )
        out = Path(folder) / "bench.geojson"

        def write_outputs() -> None:
            write_geojson_atomic(out, collection)
            write_report(Path(folder) / "bench.rejets.csv", [*imported.issues, *report.issues])

        timed("write GeoJSON + report", write_outputs)
        build_s = time.perf_counter() - start
        build_cpu = time.process_time() - cpu_start
        rejected = sum(1 for i in [*imported.issues, *report.issues] if i.niveau is Level.REJET)
        print(
            f"  features {len(report.placed)}, rejections {rejected}, "
            f"GeoJSON {out.stat().st_size / 1e6:.1f} MB"
        )

    print("Figures")
    print(f"  gazetteer load                     {load_s:8.3f} s")
    n = len(rows)
    print(f"  {'':<36}{'wall':>12}{'per CPU-second':>18}")
    print(f"  {'pure chain, cold (rows/s)':<36}{n / cold_s:12,.0f}{n / CPU_SECONDS['cold']:18,.0f}")
    warm_cpu = CPU_SECONDS["warm (same rows again)"]
    print(f"  {'pure chain, warm (rows/s)':<36}{n / warm_s:12,.0f}{n / warm_cpu:18,.0f}")
    print(f"  {'whole build from CSV (rows/s)':<36}{n / build_s:12,.0f}{n / build_cpu:18,.0f}")
    fast = [k for k in KINDS if k != "typo"]
    harmonic = len(fast) / sum(1 / per_kind[k] for k in fast)
    print(f"  {'pure chain, mix without name-only typos':<36}{'':>12}{harmonic:18,.0f}")
    print(f"  load average after: {os.getloadavg()[0]:.2f}")
    for label, rate in (("wall-clock", n / build_s), ("per CPU-second", n / build_cpu)):
        verdict = "met" if rate >= TARGET_ROWS_PER_S else "NOT met"
        print(f"  target {TARGET_ROWS_PER_S:,} rows/s for the whole build, {label}: {verdict}")
    if profiler:
        print("Profile of the cold chain (top 15 by cumulative time)")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)


if __name__ == "__main__":
    main()
