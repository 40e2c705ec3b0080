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
import pstats
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import orjson

from geo.gazetteer import Commune, Gazetteer
from geo.geocode import OfflineGeocoder, geocode_offline
from geo.geojson import CollectionMetadata, build_feature_collection, write_geojson_atomic
from geo.importer import ImportedRow, Level, import_table, read_table, write_report
from geo.schema import TypeStructure
from geo.text import fold

GAZETTEER = Path(__file__).resolve().parent.parent / "data" / "gazetteer.json.gz"
TARGET_ROWS_PER_S = 20_000
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
        values: dict[str, str | None] = {}
        if kind == "insee":
            values = {"code_insee": commune.code_insee}
        elif kind == "postcode+name":
            values = {"commune": commune.nom, "code_postal": code_postal}
        elif kind == "name":
            values = {"commune": commune.nom}
        elif kind == "typo+postcode":
            values = {"commune": typo(commune.nom, rng), "code_postal": code_postal}
        elif kind == "typo":
            values = {"commune": typo(commune.nom, rng)}
        elif kind == "saint":
            short = commune.nom.replace("Sainte-", "Ste ").replace("Saint-", "St ")
            values = {"commune": short, "code_postal": code_postal}
        elif kind == "no_accents":
            values = {"commune": fold(commune.nom).upper(), "code_postal": code_postal}
        else:
            values = {"code_postal": code_postal}
        kinds[kind] += 1
        rows.append(
            ImportedRow(
                ligne=index + 2,
                id=f"B{index:06d}",
                intitule="Développeur web",
                structure="Structure",
                type_structure=TypeStructure.ASSOCIATION,
                **values,  # type: ignore[arg-type]
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


def timed(label: str, action: Callable[[], object]) -> tuple[float, object]:
    """Run an action once, print and return its duration."""
    start = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    print(f"  {label:<34} {elapsed:8.3f} s")
    return elapsed, result


def main() -> None:
    """Generate the rows, time the chain (cold and warm caches) and the whole build."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile the cold chain")
    args = parser.parse_args()

    print(f"Gazetteer {GAZETTEER.name}")
    load_s, loaded = timed("load", lambda: Gazetteer.load(GAZETTEER))
    generator_gazetteer: Gazetteer = loaded  # type: ignore[assignment]
    with gzip.open(GAZETTEER, "rb") as handle:  # read once: fresh instances built from memory
        document = orjson.loads(handle.read())

    def fresh() -> Gazetteer:
        return Gazetteer.from_document(document)

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
        start = time.perf_counter()
        for row in group:
            kind_chain.locate(row)
        per_kind[kind] = len(group) / (time.perf_counter() - start)
        print(f"  {kind:<16} {per_kind[kind]:12,.0f} rows/s")
    placed = sum(1 for outcome in outcomes if outcome.placement is not None)  # type: ignore[attr-defined]
    by_kind: Counter[str] = Counter()
    for row, outcome in zip(rows, outcomes, strict=True):  # type: ignore[call-overload]
        if outcome.placement is None:
            by_kind[KINDS[(row.ligne - 2) % len(KINDS)]] += 1
    print(f"  placed {placed}/{len(rows)}; not placed by kind: {dict(by_kind)}")

    print("Whole build from a CSV file (read, decode, validate, geocode, GeoJSON, report):")
    data = rows_to_csv(rows)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "bench.csv"
        source.write_bytes(data)
        build_gazetteer = fresh()
        stages: list[float] = []
        start = time.perf_counter()
        elapsed, table = timed("read + parse CSV", lambda: read_table(source))
        stages.append(elapsed)
        elapsed, imported = timed("validate rows", lambda: import_table(table))  # type: ignore[arg-type]
        stages.append(elapsed)
        elapsed, report = timed(
            "geocode (cold caches)",
            lambda: geocode_offline(imported.rows, build_gazetteer),  # type: ignore[attr-defined]
        )
        stages.append(elapsed)
        metadata = CollectionMetadata(source="bench.csv", date_generation="2026-01-01T00:00:00")
        elapsed, collection = timed(
            "build features",
            lambda: build_feature_collection(report.placed, metadata),  # type: ignore[attr-defined]
        )
        stages.append(elapsed)
        out = Path(folder) / "bench.geojson"
        elapsed, _ = timed(
            "write GeoJSON + report",
            lambda: (
                write_geojson_atomic(out, collection),  # type: ignore[arg-type]
                write_report(Path(folder) / "bench.rejets.csv", [*imported.issues, *report.issues]),  # type: ignore[attr-defined]
            ),
        )
        stages.append(elapsed)
        build_s = time.perf_counter() - start
        rejected = sum(
            1
            for i in [*imported.issues, *report.issues]  # type: ignore[attr-defined]
            if i.niveau is Level.REJET
        )
        print(
            f"  features {len(report.placed)}, rejections {rejected}, "  # type: ignore[attr-defined]
            f"GeoJSON {out.stat().st_size / 1e6:.1f} MB"
        )

    print("Figures")
    print(f"  gazetteer load                     {load_s:8.3f} s")
    print(f"  pure chain, cold                   {len(rows) / cold_s:10,.0f} rows/s")
    print(f"  pure chain, warm                   {len(rows) / warm_s:10,.0f} rows/s")
    print(f"  whole build from CSV (no load)     {len(rows) / build_s:10,.0f} rows/s")
    fast = [k for k in KINDS if k != "typo"]
    harmonic = len(fast) / sum(1 / per_kind[k] for k in fast)
    print(f"  pure chain, mix without name-only typos (cold) {harmonic:10,.0f} rows/s")
    verdict = "met" if len(rows) / cold_s >= TARGET_ROWS_PER_S else "NOT met"
    print(f"  target {TARGET_ROWS_PER_S:,} rows/s for the cold chain: {verdict}")
    if profiler:
        print("Profile of the cold chain (top 15 by cumulative time)")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)


if __name__ == "__main__":
    main()
