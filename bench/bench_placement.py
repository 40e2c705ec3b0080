"""Placement accuracy on a real file: bfc-ternum-dataset.csv placed without its coordinates.

Each row of the real list of digital-inclusion sites of Bourgogne-Franche-Comté is placed by
the offline chain from its postcode and commune (``code_postal``, ``ville``) only; the
distance to the file's own ``lon``/``lat`` says how good the gazetteer's positions are.

    uv run --no-sync python bench/bench_placement.py [--gazetteer PATH] [--data FOLDER]

Compare with an older gazetteer (format 1 files are read too), for instance
``git show e3326af:data/gazetteer.json.gz > /tmp/old/gazetteer.json.gz`` then
``--gazetteer /tmp/old/gazetteer.json.gz`` (a folder of its own: a boundaries file beside it
would be read as its own).
The real files are looked for in ``<repo>/../shared/donnees-reelles``, else in the folder
named by ``CARTE_GEN_DONNEES_REELLES``.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.gazetteer import DEFAULT_PATH, Gazetteer, normalise_postcode
from geo.geocode import OfflineGeocoder
from geo.geodesy import distance_km
from geo.importer import ImportedRow
from geo.schema import TypeStructure

REPO = Path(__file__).resolve().parent.parent
FILE_NAME = "bfc-ternum-dataset.csv"
THRESHOLDS_KM = (2.0, 5.0, 10.0)
FAR_KM = 20.0


def real_data_folder(given: Path | None) -> Path:
    """Folder of the real public files: the option, the sibling ``shared/``, else the env var."""
    candidates = [given] if given else []
    candidates.append(REPO.parent / "shared" / "donnees-reelles")
    if os.environ.get("CARTE_GEN_DONNEES_REELLES"):
        candidates.append(Path(os.environ["CARTE_GEN_DONNEES_REELLES"]))
    for folder in candidates:
        if folder is not None and (folder / FILE_NAME).exists():
            return folder
    raise SystemExit(
        f"{FILE_NAME} not found in {[str(c) for c in candidates]}: "
        "set CARTE_GEN_DONNEES_REELLES to the donnees-reelles folder"
    )


def read_rows(path: Path) -> list[tuple[ImportedRow, float, float]]:
    """Rows with their postcode and commune only, and the file's own lon/lat (the truth)."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for number, raw in enumerate(csv.DictReader(handle), start=2):
            row = ImportedRow(
                ligne=number,
                id=raw["bfc_id"],
                intitule=raw["nom_structure"] or raw["bfc_id"],
                structure=raw["nom_structure"] or raw["bfc_id"],
                type_structure=TypeStructure.ASSOCIATION,
                code_postal=normalise_postcode(raw["code_postal"]),
                commune=raw["ville"].strip() or None,
            )
            rows.append((row, float(raw["lon"]), float(raw["lat"])))
    return rows


def main() -> None:
    """Place every row without its coordinates and print how far from the truth it lands."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gazetteer", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--data", type=Path, default=None, help="folder of the real files")
    args = parser.parse_args()
    path = real_data_folder(args.data) / FILE_NAME
    gazetteer = Gazetteer.load(args.gazetteer)
    rows = read_rows(path)
    chain = OfflineGeocoder(gazetteer, {"code_postal": "code_postal", "commune": "ville"})
    start = time.perf_counter()
    placements = [chain.locate(row).placement for row, _, _ in rows]
    elapsed = time.perf_counter() - start
    distances = [
        distance_km(placement.lon, placement.lat, lon, lat)
        for placement, (_, lon, lat) in zip(placements, rows, strict=True)
        if placement is not None
    ]
    precisions = Counter(p.precision.value for p in placements if p is not None)
    total = len(rows)
    print(f"gazetteer {args.gazetteer} ({len(gazetteer)} communes)")
    print(f"file {path.name}: {total} rows, placed from postcode + commune in {elapsed:.2f} s")
    print(f"  not placed: {total - len(distances)}; precision: {dict(sorted(precisions.items()))}")
    for threshold in THRESHOLDS_KM:
        within = sum(1 for d in distances if d <= threshold)
        share = within / total
        print(f"  within {threshold:4.0f} km of the file's lon/lat: {share:7.2%} ({within})")
    far = sorted(d for d in distances if d > FAR_KM)
    upto = f" (up to {far[-1]:.0f} km)" if far else ""
    print(f"  beyond {FAR_KM:.0f} km: {len(far)} rows{upto}")
    if gazetteer.has_boundaries:
        # rows whose own lon/lat lie in another commune than the one they name are errors of
        # the file (some carry another site's coordinates): the figures without them
        own: list[float] = []
        for placement, (_, lon, lat) in zip(placements, rows, strict=True):
            truth = gazetteer.commune_at(lon, lat)
            if (
                placement is not None
                and truth is not None
                and gazetteer.is_within(truth, placement.commune)
            ):
                own.append(distance_km(placement.lon, placement.lat, lon, lat))
        print(
            f"  placed in the commune containing the file's lon/lat: {len(own) / total:7.2%} "
            f"({len(own)}); among those rows:"
        )
        for threshold in THRESHOLDS_KM:
            within = sum(1 for d in own if d <= threshold)
            print(f"    within {threshold:4.0f} km: {within / len(own):7.2%} ({within})")
        print(f"    beyond {FAR_KM:.0f} km: {sum(1 for d in own if d > FAR_KM)} rows")


if __name__ == "__main__":
    main()
