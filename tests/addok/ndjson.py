"""Generate the small address base the test addok is loaded with (addok's NDJSON shape).

Everything here is generated: municipality codes, postcodes and approximate centres are
public facts; streets are either the streets of given addresses (the demo data) or built
from a fixed vocabulary; every street and house number position is a deterministic offset
from its commune's centre, so it is fictitious but stable from run to run.
Standard library only (``bench/`` imports it by path).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Municipality:
    """A commune (or municipal arrondissement) as the address base knows it."""

    citycode: str
    name: str
    postcode: str
    city: str  # the commune name shown in labels ("Paris" for "Paris 11e Arrondissement")
    lon: float
    lat: float
    context: str


@dataclass(frozen=True, slots=True)
class AddressSeed:
    """One address to put in the base: a number (or none) in a street of a municipality."""

    municipality: Municipality
    street: str
    housenumber: str | None


#: A few municipalities (INSEE code, name, main postcode, approximate centre): public facts.
MUNICIPALITIES: tuple[Municipality, ...] = (
    Municipality("75111", "Paris 11e Arrondissement", "75011", "Paris", 2.3797, 48.8590,
                 "75, Paris, Île-de-France"),
    Municipality("75110", "Paris 10e Arrondissement", "75010", "Paris", 2.3607, 48.8762,
                 "75, Paris, Île-de-France"),
    Municipality("69381", "Lyon 1er Arrondissement", "69001", "Lyon", 4.8290, 45.7699,
                 "69, Rhône, Auvergne-Rhône-Alpes"),
    Municipality("69383", "Lyon 3e Arrondissement", "69003", "Lyon", 4.8581, 45.7597,
                 "69, Rhône, Auvergne-Rhône-Alpes"),
    Municipality("13201", "Marseille 1er Arrondissement", "13001", "Marseille", 5.3842, 43.2999,
                 "13, Bouches-du-Rhône, Provence-Alpes-Côte d'Azur"),
    Municipality("59350", "Lille", "59000", "Lille", 3.0586, 50.6311,
                 "59, Nord, Hauts-de-France"),
    Municipality("35238", "Rennes", "35000", "Rennes", -1.6800, 48.1119,
                 "35, Ille-et-Vilaine, Bretagne"),
    Municipality("44109", "Nantes", "44000", "Nantes", -1.5541, 47.2184,
                 "44, Loire-Atlantique, Pays de la Loire"),
    Municipality("33063", "Bordeaux", "33000", "Bordeaux", -0.5792, 44.8378,
                 "33, Gironde, Nouvelle-Aquitaine"),
    Municipality("31555", "Toulouse", "31000", "Toulouse", 1.4442, 43.6045,
                 "31, Haute-Garonne, Occitanie"),
    Municipality("67482", "Strasbourg", "67000", "Strasbourg", 7.7521, 48.5734,
                 "67, Bas-Rhin, Grand Est"),
    Municipality("97411", "Saint-Denis", "97400", "Saint-Denis", 55.4481, -20.8823,
                 "974, La Réunion"),
)  # fmt: skip

_STREET_KINDS = ("Rue", "Avenue", "Boulevard", "Place", "Impasse", "Allée", "Chemin", "Quai")
_STREET_NAMES = (
    "Victor Hugo", "Jean Jaurès", "de la République", "Pasteur", "Gambetta", "Voltaire",
    "des Lilas", "du Moulin", "de la Gare", "Émile Zola", "Jules Ferry", "de la Paix",
    "des Écoles", "Carnot", "de Verdun", "du Général Leclerc", "Anatole France",
    "Louise Michel", "George Sand", "Marie Curie", "des Tilleuls", "du Stade", "de l'Église",
    "Paul Bert", "des Peupliers", "Saint-Exupéry", "Simone Veil", "Olympe de Gouges",
)  # fmt: skip

_HOUSENUMBER = re.compile(
    r"^\s*(?P<number>\d{1,4})\s*(?P<suffix>bis|ter|quater|[a-d])?\b[\s,]+(?P<street>\S.*)$",
    re.IGNORECASE,
)


def split_address(adresse: str) -> tuple[str | None, str]:
    """Split ``"12 bis rue Oberkampf"`` into ``("12 bis", "rue Oberkampf")``."""
    found = _HOUSENUMBER.match(adresse)
    if found is None:
        return None, adresse.strip()
    number = found["number"].lstrip("0") or "0"
    suffix = found["suffix"]
    housenumber = f"{number} {suffix.lower()}" if suffix else number
    return housenumber, found["street"].strip()


def _offset(*parts: str) -> tuple[float, float]:
    """A deterministic pseudo-random offset in [-1, 1]² from a few strings."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return (
        int.from_bytes(digest[:4], "big") / 2**31 - 1,
        int.from_bytes(digest[4:8], "big") / 2**31 - 1,
    )


def _move(lon: float, lat: float, dx_m: float, dy_m: float) -> tuple[float, float]:
    """Move a WGS84 point by metres east/north (small distances)."""
    dlat = dy_m / 111_320
    dlon = dx_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    return round(lon + dlon, 6), round(lat + dlat, 6)


def municipality_document(municipality: Municipality) -> dict[str, Any]:
    """The addok document of a municipality."""
    return {
        "id": municipality.citycode,
        "type": "municipality",
        "name": municipality.name,
        "postcode": municipality.postcode,
        "citycode": municipality.citycode,
        "city": municipality.city,
        "lon": municipality.lon,
        "lat": municipality.lat,
        "importance": 0.6,
        "context": municipality.context,
    }


def documents(seeds: Iterable[AddressSeed]) -> Iterator[dict[str, Any]]:
    """Addok documents for the given addresses: their municipalities, streets and numbers.

    Each street lies 300-1500 m from its commune's centre; its numbers follow it every 8 m.
    """
    municipalities: dict[str, Municipality] = {}
    streets: dict[tuple[str, str], dict[str, Any]] = {}
    for seed in seeds:
        town = seed.municipality
        municipalities.setdefault(town.citycode, town)
        street_key = (town.citycode, seed.street.casefold())
        street = streets.get(street_key)
        if street is None:
            ox, oy = _offset(town.citycode, seed.street.casefold())
            lon, lat = _move(town.lon, town.lat, ox * 1500, oy * 1500)
            street = {
                "id": f"{town.citycode}_{len(streets):05d}",
                "type": "street",
                "name": seed.street,
                "postcode": town.postcode,
                "citycode": town.citycode,
                "city": town.city,
                "lon": lon,
                "lat": lat,
                "importance": 0.4,
                "context": town.context,
                "housenumbers": {},
            }
            streets[street_key] = street
        if seed.housenumber:
            number = int(re.match(r"\d+", seed.housenumber).group())  # type: ignore[union-attr]
            lon, lat = _move(street["lon"], street["lat"], number * 8.0, 0.0)
            street["housenumbers"][seed.housenumber] = {
                "id": f"{street['id']}_{seed.housenumber.replace(' ', '')}",
                "lon": lon,
                "lat": lat,
            }
    for town in municipalities.values():
        yield municipality_document(town)
    yield from streets.values()


def synthetic_seeds(count: int, numbers_per_street: int = 20) -> list[AddressSeed]:
    """``count`` distinct addresses spread over :data:`MUNICIPALITIES` (for benchmarks)."""
    seeds: list[AddressSeed] = []
    street_index = 0
    while len(seeds) < count:
        town = MUNICIPALITIES[street_index % len(MUNICIPALITIES)]
        ordinal = street_index // len(MUNICIPALITIES)
        kind = _STREET_KINDS[ordinal % len(_STREET_KINDS)]
        name = _STREET_NAMES[(ordinal // len(_STREET_KINDS)) % len(_STREET_NAMES)]
        street = f"{kind} {name}"
        for number in range(1, numbers_per_street + 1):
            if len(seeds) == count:
                break
            seeds.append(AddressSeed(town, street, str(number * 2 - 1)))
        street_index += 1
    return seeds


def write_ndjson(docs: Iterable[dict[str, Any]], path: Path) -> int:
    """Write documents one JSON object a line; return how many were written."""
    written = 0
    with path.open("w", encoding="utf-8") as out:
        for document in docs:
            out.write(json.dumps(document, ensure_ascii=False) + "\n")
            written += 1
    return written
