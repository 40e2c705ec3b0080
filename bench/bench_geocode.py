"""Offline geocoding throughput: the pure chain, and the whole build from a CSV file.

Generates rows from the real gazetteer, mixing exact and fuzzy cases (INSEE code, postcode +
name, name alone, typos, St/Saint, missing accents, postcode alone) in the shares of a mix
(``MIXES``: ``real`` by default, as messy as the real files with margin; ``equal``, a stress
test with a quarter of new typos), then prints rows/s. Communes are drawn as
``bench/synthetic.py`` draws them (more in towns); the bench prints how often that repeats a
commune against the real files, which repeat more.

    uv run --no-sync python bench/bench_geocode.py [--rows 100000] [--seed 7] [--mix equal]

Side by side with the code of a git revision (the build only, alternating runs, each in its
own process; the revision's ``geo`` package is measured on this checkout's rows and data):

    uv run --no-sync python bench/bench_geocode.py --against main [--repeat 3] [--mix equal]
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
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import orjson

REPO = Path(__file__).resolve().parent.parent
#: The ``geo`` package measured: this checkout's, or a revision's unpacked by ``--against``.
CODE_ENV = "CARTE_GEN_BENCH_CODE"
sys.path[:0] = [os.environ.get(CODE_ENV) or str(REPO), str(REPO)]

from bench.synthetic import commune_weight  # noqa: E402
from geo import geojson  # noqa: E402
from geo.build import tune_gc_for_build  # noqa: E402
from geo.gazetteer import Commune, Gazetteer  # noqa: E402
from geo.geocode import OfflineGeocoder, geocode_offline  # noqa: E402
from geo.geojson import CollectionMetadata, write_geojson_atomic  # noqa: E402
from geo.importer import ImportedRow, Level, import_table, read_table, write_report  # noqa: E402
from geo.schema import TypeStructure  # noqa: E402
from geo.text import fold  # noqa: E402

T = TypeVar("T")
#: CPU seconds of each timed step: other processes on the machine do not inflate them.
CPU_SECONDS: dict[str, float] = {}
GAZETTEER = REPO / "data" / "gazetteer.json.gz"
#: Steps of the whole build, as timed.
BUILD_STEPS = (
    "read + parse CSV",
    "validate rows",
    "geocode (cold caches)",
    "build features",
    "write GeoJSON + report",
)
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
#: Rows of each kind per cycle of rows. ``real``: as messy as the real files, with margin. In
#: bfc-ternum-dataset.csv (697 rows), every row has a postcode, 99 % write the commune in
#: capitals without accents and 1.6 % (11 rows) a name that is not exact (old names, typos);
#: aidants-connect.json (3,407 rows) has postcodes only. Here typos are 5 % of the rows, each
#: one new, and names without postcode 9 %. ``equal``: every kind in equal shares, a stress
#: test of the fuzzy matching (a quarter of the rows are new typos).
MIXES: dict[str, dict[str, int]] = {
    "real": {
        "insee": 15,
        "postcode+name": 30,
        "name": 7,
        "typo+postcode": 3,
        "typo": 2,
        "saint": 8,
        "no_accents": 25,
        "postcode": 10,
    },
    "equal": dict.fromkeys(KINDS, 1),
}


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


def draw_places(
    communes_of: Iterable[Commune], count: int, rng: random.Random, saints: bool = False
) -> list[tuple[Commune, str]]:
    """Communes (``Saint-``/``Sainte-`` ones only if ``saints``) and one of their postcodes."""
    communes: list[Commune] = [
        c
        for c in communes_of
        if c.codes_postaux and (not saints or c.nom.startswith(("Saint-", "Sainte-")))
    ]
    weights = [commune_weight(c.population) for c in communes]
    drawn = rng.choices(communes, weights=weights, k=count)
    return [(commune, rng.choice(commune.codes_postaux)) for commune in drawn]


def make_rows(
    gazetteer: Gazetteer, count: int, seed: int, mix: str = "real"
) -> tuple[list[ImportedRow], list[str]]:
    """Rows of every kind in the shares of ``mix``, drawn from the communes of the gazetteer.

    :returns: the rows and the kind of each.
    """
    rng = random.Random(seed)
    cycle = [kind for kind in KINDS for _ in range(MIXES[mix][kind])]
    places = iter(draw_places(gazetteer, count, rng))
    saint_places = iter(draw_places(gazetteer, count, rng, saints=True))
    rows: list[ImportedRow] = []
    kinds: list[str] = []
    for index in range(count):
        kind = cycle[index % len(cycle)]
        commune, code_postal = next(saint_places if kind == "saint" else places)
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
        kinds.append(kind)
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


def real_data_folder() -> Path | None:
    """Folder of the real public files (the sibling ``shared/``, else the env var), if any."""
    candidates = [REPO.parent / "shared" / "donnees-reelles"]
    if os.environ.get("CARTE_GEN_DONNEES_REELLES"):
        candidates.append(Path(os.environ["CARTE_GEN_DONNEES_REELLES"]))
    return next((folder for folder in candidates if folder.is_dir()), None)


def print_repetition(gazetteer: Gazetteer, seed: int) -> None:
    """Distinct places in each real file against as many generated rows (same draw)."""
    folder = real_data_folder()
    if folder is None:
        print("Repetition: real files not found (set CARTE_GEN_DONNEES_REELLES)")
        return
    with (folder / "bfc-ternum-dataset.csv").open(encoding="utf-8", newline="") as handle:
        bfc = [(r["code_postal"].strip(), fold(r["ville"])) for r in csv.DictReader(handle)]
    bfc_departements = {"21", "25", "39", "58", "70", "71", "89", "90"}
    regional = [c for c in gazetteer if c.departement in bfc_departements]
    aidants = orjson.loads((folder / "aidants-connect.json").read_bytes())
    postcodes = [str(item.get("Code postal") or "").zfill(5) for item in aidants]
    rng = random.Random(seed)
    drawn_bfc = {(cp, c.code_insee) for c, cp in draw_places(regional, len(bfc), rng)}
    drawn_fr = {cp for _, cp in draw_places(gazetteer, len(postcodes), rng)}
    print("Repetition of places (distinct places per file; fewer is more repetition):")
    print(
        f"  bfc-ternum-dataset.csv  {len(bfc)} rows: {len(set(bfc))} distinct (postcode, commune);"
        f" generated in its départements: {len(drawn_bfc)}"
    )
    print(
        f"  aidants-connect.json  {len(postcodes)} rows: {len(set(postcodes))} distinct "
        f"postcodes; generated in France: {len(drawn_fr)}"
    )


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


def whole_build(rows: list[ImportedRow], build_gazetteer: Gazetteer) -> tuple[float, float]:
    """Time the build of the rows written as CSV; return its wall and CPU seconds."""
    print("Whole build from a CSV file (read, decode, validate, geocode, GeoJSON, report):")
    data = rows_to_csv(rows)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "bench.csv"
        source.write_bytes(data)
        start, cpu_start = time.perf_counter(), time.process_time()
        _, table = timed("read + parse CSV", lambda: read_table(source))
        _, imported = timed("validate rows", lambda: import_table(table))
        _, report = timed(
            "geocode (cold caches)",
            lambda: geocode_offline(imported.rows, build_gazetteer),
        )
        metadata = CollectionMetadata(source="bench.csv", date_generation="2026-01-01T00:00:00")
        # as `carte-gen build` makes it; a revision older than the encoder builds dicts
        make_collection = getattr(
            geojson, "encode_feature_collection", geojson.build_feature_collection
        )
        _, collection = timed(
            "build features",
            lambda: make_collection(report.placed, metadata),
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

    split = ", ".join(f"{label} {CPU_SECONDS[label]:.3f}" for label in BUILD_STEPS)
    code = Path(sys.modules["geo"].__file__ or "").parent.parent
    print(f"RESULT rows={len(rows)} wall={build_s:.4f} cpu={build_cpu:.4f} ({split}) code={code}")
    return build_s, build_cpu


def side_by_side(revision: str, rows: int, seed: int, mix: str, repeat: int) -> None:
    """Time the whole build with a revision's ``geo`` and with this checkout's, alternately."""
    print(f"Load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", revision, "geo"],
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        codes = {revision: folder, "this checkout": str(REPO)}
        cpu: dict[str, list[float]] = {name: [] for name in codes}
        wall: dict[str, list[float]] = {name: [] for name in codes}
        for round_number in range(repeat):
            for name, code in codes.items():
                command = [sys.executable, "-B", __file__, "--build-only"]
                command += ["--rows", str(rows), "--seed", str(seed), "--mix", mix]
                env = {**os.environ, CODE_ENV: code, "PYTHONDONTWRITEBYTECODE": "1"}
                output = subprocess.run(
                    command, check=True, capture_output=True, text=True, env=env
                ).stdout
                found = re.search(r"^RESULT .*$", output, re.MULTILINE)
                assert found is not None, output
                cpu_match = re.search(r"cpu=([0-9.]+)", found[0])
                wall_match = re.search(r"wall=([0-9.]+)", found[0])
                assert cpu_match is not None and wall_match is not None, found[0]
                cpu[name].append(float(cpu_match[1]))
                wall[name].append(float(wall_match[1]))
                print(f"  round {round_number + 1} {name:<14} {found[0]}")
    best = {name: min(values) for name, values in cpu.items()}
    for name, seconds in best.items():
        print(
            f"  {name:<14} best whole build {rows / min(wall[name]):10,.0f} rows/s wall "
            f"{rows / seconds:10,.0f} rows per CPU-second"
        )
    ratio = best[revision] / best["this checkout"]
    wall_ratio = min(wall[revision]) / min(wall["this checkout"])
    print(
        f"  speed-up of this checkout over {revision}: {ratio:.2f}x per CPU-second, "
        f"{wall_ratio:.2f}x wall"
    )
    print(f"  load average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    """Generate the rows, time the chain (cold and warm caches) and the whole build."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mix", choices=sorted(MIXES), default="real", help="shares of kinds")
    parser.add_argument("--profile", action="store_true", help="cProfile the cold chain")
    parser.add_argument("--against", metavar="REV", help="side by side with a git revision's geo")
    parser.add_argument("--repeat", type=int, default=3, help="alternations with --against")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.against:
        side_by_side(args.against, args.rows, args.seed, args.mix, args.repeat)
        return

    print(f"Gazetteer {GAZETTEER.name}")
    print(f"Load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    load_s, generator_gazetteer = timed("load", lambda: Gazetteer.load(GAZETTEER))
    with gzip.open(GAZETTEER, "rb") as handle:  # read once: fresh instances built from memory
        document = orjson.loads(handle.read())

    def fresh() -> Gazetteer:
        gazetteer = Gazetteer.from_document(document)
        tune_gc_for_build()  # as `carte-gen build` does once the gazetteer is loaded
        return gazetteer

    rows, row_kinds = make_rows(generator_gazetteer, args.rows, args.seed, args.mix)
    kinds = Counter(row_kinds)
    print(f"{len(rows)} rows, mix {args.mix}: " + ", ".join(f"{k} {kinds[k]}" for k in KINDS))
    texts = {(row.code_insee, row.commune, row.code_postal) for row in rows}
    print(f"  {len(texts)} distinct (INSEE code, commune, postcode) texts")
    if args.build_only:
        whole_build(rows, fresh())
        return
    print_repetition(generator_gazetteer, args.seed)

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
        group = [row for row, of in zip(rows, row_kinds, strict=True) if of == kind]
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
            by_kind[row_kinds[row.ligne - 2]] += 1
    print(f"  placed {placed}/{len(rows)}; not placed by kind: {dict(by_kind)}")

    build_s, build_cpu = whole_build(rows, fresh())

    print("Figures")
    print(f"  gazetteer load                     {load_s:8.3f} s")
    n = len(rows)
    print(f"  {'':<36}{'wall':>12}{'per CPU-second':>18}")
    print(f"  {'pure chain, cold (rows/s)':<36}{n / cold_s:12,.0f}{n / CPU_SECONDS['cold']:18,.0f}")
    warm_cpu = CPU_SECONDS["warm (same rows again)"]
    print(f"  {'pure chain, warm (rows/s)':<36}{n / warm_s:12,.0f}{n / warm_cpu:18,.0f}")
    print(f"  {'whole build from CSV (rows/s)':<36}{n / build_s:12,.0f}{n / build_cpu:18,.0f}")
    print(f"  load average after: {os.getloadavg()[0]:.2f}")
    for label, rate in (("wall-clock", n / build_s), ("per CPU-second", n / build_cpu)):
        verdict = "met" if rate >= TARGET_ROWS_PER_S else "NOT met"
        print(f"  target {TARGET_ROWS_PER_S:,} rows/s for the whole build, {label}: {verdict}")
    if profiler:
        print("Profile of the cold chain (top 15 by cumulative time)")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)


if __name__ == "__main__":
    main()
