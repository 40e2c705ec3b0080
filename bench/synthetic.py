"""Seeded generator of synthetic trainings, as a built FeatureCollection (tests and benchmarks).

Positions and codes come from real communes of ``data/gazetteer.json.gz`` when it exists
(weighted by population), else from random points in rough boxes around each region.
Every value is generated here: names are made up and web sites use the reserved
``.invalid`` top-level domain.

    python -m bench.synthetic 50000 -o /tmp/formations-50k.geojson --seed 1
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

from geo.geojson import COORDINATE_DECIMALS, features_version, write_geojson_atomic
from geo.schema import (
    DUREE_MAX_MOIS,
    DUREE_MIN_MOIS,
    PROPERTY_FIELDS,
    GeocodingSource,
    Modalite,
    Niveau,
    Precision,
    PublicVise,
    TypeStructure,
)

#: Day the synthetic sessions are placed around (and ``prochaine_session`` computed from).
SESSIONS_REFERENCE: Final = date(2027, 1, 1)

DEFAULT_GAZETTEER: Final = Path(__file__).resolve().parent.parent / "data" / "gazetteer.json.gz"

_METIERS: Final = (
    "Développeur web et web mobile",
    "Concepteur développeur d'applications",
    "Technicien supérieur systèmes et réseaux",
    "Technicien d'assistance informatique",
    "Médiateur numérique",
    "Analyste de données",
    "Intégrateur web",
    "Designer d'interfaces (UX/UI)",
    "Administrateur d'infrastructures sécurisées",
    "Chargé de communication numérique",
    "Testeur logiciel",
    "Référent cybersécurité",
    "Développeur Python",
    "Technicien fibre optique",
    "Assistant de projet e-commerce",
)
_STRUCTURES: Final = {
    TypeStructure.ECOLE: ("École du numérique", "Campus numérique", "Institut de formation"),
    TypeStructure.ASSOCIATION: ("Association Code", "Les Bâtisseurs du web", "Numérique Solidaire"),
    TypeStructure.COLLECTIVITE: ("Ville de", "Communauté de communes de", "Métropole de"),
    TypeStructure.ENTREPRISE: ("Atelier logiciel", "Société coopérative", "Agence digitale"),
    TypeStructure.ETABLISSEMENT_PUBLIC: ("GRETA", "Université de", "Lycée des métiers de"),
    TypeStructure.AUTRE: ("Tiers-lieu", "Espace numérique", "Point d'accueil numérique"),
}
_RUES: Final = ("rue de la République", "avenue Jean Jaurès", "place de la Mairie", "rue Pasteur")

#: Fallback when no gazetteer exists: region code → (name, a département code and name,
#: rough box minLon, minLat, maxLon, maxLat). Boxes are coarse on purpose.
_REGIONS: Final[dict[str, tuple[str, str, str, tuple[float, float, float, float]]]] = {
    "11": ("Île-de-France", "75", "Paris", (1.5, 48.2, 3.5, 49.2)),
    "24": ("Centre-Val de Loire", "45", "Loiret", (0.1, 46.4, 3.1, 48.9)),
    "27": ("Bourgogne-Franche-Comté", "21", "Côte-d'Or", (2.9, 46.2, 7.1, 48.4)),
    "28": ("Normandie", "76", "Seine-Maritime", (-1.9, 48.2, 1.8, 50.0)),
    "32": ("Hauts-de-France", "59", "Nord", (1.4, 48.9, 4.2, 51.1)),
    "44": ("Grand Est", "67", "Bas-Rhin", (3.4, 47.5, 8.2, 50.1)),
    "52": ("Pays de la Loire", "44", "Loire-Atlantique", (-2.6, 46.3, 0.9, 48.5)),
    "53": ("Bretagne", "35", "Ille-et-Vilaine", (-4.7, 47.3, -1.0, 48.9)),
    "75": ("Nouvelle-Aquitaine", "33", "Gironde", (-1.7, 43.1, 2.6, 47.1)),
    "76": ("Occitanie", "31", "Haute-Garonne", (-0.3, 42.4, 4.8, 45.0)),
    "84": ("Auvergne-Rhône-Alpes", "69", "Rhône", (2.1, 44.2, 7.1, 46.8)),
    "93": ("Provence-Alpes-Côte d'Azur", "13", "Bouches-du-Rhône", (4.3, 43.0, 7.6, 45.1)),
    "94": ("Corse", "2A", "Corse-du-Sud", (8.6, 41.4, 9.5, 43.0)),
    "01": ("Guadeloupe", "971", "Guadeloupe", (-61.8, 15.9, -61.0, 16.5)),
    "02": ("Martinique", "972", "Martinique", (-61.2, 14.4, -60.8, 14.9)),
    "03": ("Guyane", "973", "Guyane", (-54.5, 3.8, -52.0, 5.7)),
    "04": ("La Réunion", "974", "La Réunion", (55.2, -21.4, 55.8, -20.9)),
    "06": ("Mayotte", "976", "Mayotte", (45.0, -13.0, 45.3, -12.6)),
}


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a synthetic training is: commune, codes, names and position."""

    code_insee: str
    code_postal: str | None
    commune: str
    departement: str
    departement_nom: str
    region: str
    region_nom: str
    lon: float
    lat: float


def _places_from_gazetteer(path: Path, count: int, rng: random.Random) -> list[_Place] | None:
    if not path.is_file():
        return None
    from geo.gazetteer import Gazetteer

    communes = [c for c in Gazetteer.load(path) if c.type == "commune"]
    if not communes:
        return None
    weights = [max(c.population or 0, 50) ** 0.7 for c in communes]
    chosen = rng.choices(communes, weights=weights, k=count)
    return [
        _Place(
            code_insee=c.code_insee,
            code_postal=c.codes_postaux[0] if c.codes_postaux else None,
            commune=c.nom,
            departement=c.departement,
            departement_nom=c.departement_nom,
            region=c.region,
            region_nom=c.region_nom,
            lon=c.lon,
            lat=c.lat,
        )
        for c in chosen
    ]


def _places_from_boxes(count: int, rng: random.Random) -> list[_Place]:
    codes = list(_REGIONS)
    places = []
    for number in range(count):
        code = rng.choice(codes)
        nom, dep, dep_nom, (min_lon, min_lat, max_lon, max_lat) = _REGIONS[code]
        places.append(
            _Place(
                code_insee=f"{dep}{number % 900 + 1:03d}"[-5:],
                code_postal=None,
                commune=f"Commune {number % 997 + 1} ({dep_nom})",
                departement=dep,
                departement_nom=dep_nom,
                region=code,
                region_nom=nom,
                lon=rng.uniform(min_lon, max_lon),
                lat=rng.uniform(min_lat, max_lat),
            )
        )
    return places


def _details(rng: random.Random, number: int) -> dict[str, Any]:
    """Make the practical details of one training (sessions, contact, level, publics…)."""
    starts = sorted(
        SESSIONS_REFERENCE + timedelta(days=rng.randint(-200, 400))
        for _ in range(rng.randint(0, 3))
    )
    sessions: list[dict[str, str | None]] = []
    for start in starts:
        end = start + timedelta(days=rng.randint(60, 400)) if rng.random() < 0.9 else None
        sessions.append({"debut": start.isoformat(), "fin": end.isoformat() if end else None})
    upcoming = [start.isoformat() for start in starts if start >= SESSIONS_REFERENCE]
    levels = [level.value for level in Niveau]
    publics = rng.sample(list(PublicVise), rng.randint(0, 3))
    hours = rng.choice([None, None, None, rng.randint(35, 1800)])
    return {
        "sessions": sessions,
        "prochaine_session": min(upcoming, default=None),
        "contact_email": f"contact-{number}@formation.exemple.invalid"
        if rng.random() < 0.8
        else None,
        "contact_telephone": f"01 {rng.randint(0, 99):02d} {number % 100:02d} 00 00"
        if rng.random() < 0.7
        else None,
        "url_candidature": f"https://formation-{number}.exemple.invalid/candidater"
        if rng.random() < 0.5
        else None,
        "certification": f"RNCP{rng.randint(30000, 39999)}" if rng.random() < 0.6 else None,
        "niveau_entree": rng.choice([None, *levels[:3]]),
        "niveau_sortie": rng.choice([None, *levels[1:5]]),
        "public_vise": [public.value for public in PublicVise if public in publics],
        "alternance": rng.choice([None, True, False]),
        "nombre_heures": hours,
        "prise_en_charge": rng.choice([None, True, False]),
    }


def synthetic_features(
    count: int, seed: int = 0, gazetteer_path: Path | None = DEFAULT_GAZETTEER
) -> list[dict[str, Any]]:
    """Generate ``count`` training features, the same for the same seed and gazetteer.

    :param count: number of features.
    :param seed: random seed.
    :param gazetteer_path: real communes to place them in; ``None`` or a missing file uses
        random points in rough region boxes.
    :returns: RFC 7946 Point features with ``PROPERTY_FIELDS`` properties and ids ``SYN-000001``….
    """
    rng = random.Random(seed)
    details_rng = random.Random(f"details-{seed}")  # apart, so older fields keep their values
    places = None
    if gazetteer_path is not None:
        places = _places_from_gazetteer(gazetteer_path, count, rng)
    if places is None:
        places = _places_from_boxes(count, rng)
    types = list(TypeStructure)
    modalites: list[Modalite | None] = [*Modalite, None]
    features = []
    for number, place in enumerate(places, start=1):
        type_structure = rng.choice(types)
        structure = f"{rng.choice(_STRUCTURES[type_structure])} {place.commune}"
        values: dict[str, Any] = {
            "intitule": rng.choice(_METIERS),
            "structure": structure,
            "type_structure": type_structure.value,
            "adresse": f"{rng.randint(1, 120)} {rng.choice(_RUES)}",
            "code_postal": place.code_postal,
            "commune": place.commune,
            "code_insee": place.code_insee,
            "departement": place.departement,
            "departement_nom": place.departement_nom,
            "region": place.region,
            "region_nom": place.region_nom,
            "duree_mois": rng.randint(DUREE_MIN_MOIS, DUREE_MAX_MOIS),
            "modalite": (m.value if (m := rng.choice(modalites)) else None),
            "site_web": f"https://formation-{number}.exemple.invalid/",
            "date_labellisation": f"20{rng.randint(16, 25)}-{rng.randint(1, 12):02d}-01",
            "geocodage_source": GeocodingSource.GAZETTEER.value,
            "geocodage_precision": Precision.COMMUNE.value,
            "geocodage_score": 1.0,
            "geocodage_libelle": place.commune,
            **_details(details_rng, number),
        }
        features.append(
            {
                "type": "Feature",
                "id": f"SYN-{number:06d}",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(place.lon, COORDINATE_DECIMALS),
                        round(place.lat, COORDINATE_DECIMALS),
                    ],
                },
                "properties": {name: values[name] for name in PROPERTY_FIELDS},
            }
        )
    return features


def synthetic_collection(
    count: int,
    seed: int = 0,
    gazetteer_path: Path | None = DEFAULT_GAZETTEER,
    date_generation: str = "2026-01-01T00:00:00+00:00",
) -> dict[str, Any]:
    """Build a FeatureCollection of ``count`` synthetic trainings in the built-GeoJSON format."""
    features = synthetic_features(count, seed, gazetteer_path)
    return {
        "type": "FeatureCollection",
        "metadonnees": {
            "titre": f"Formations synthétiques ({count})",
            "demo": True,
            "version": features_version(features),
            "date_generation": date_generation,
            "source": f"bench.synthetic seed={seed}",
            "licence": "Données générées, sans valeur réelle",
            "nombre": len(features),
        },
        "features": features,
    }


def write_synthetic(
    path: Path, count: int, seed: int = 0, gazetteer_path: Path | None = DEFAULT_GAZETTEER
) -> dict[str, Any]:
    """Generate and write a synthetic collection atomically; returns it."""
    collection = synthetic_collection(count, seed, gazetteer_path)
    write_geojson_atomic(path, collection)
    return collection


def main(argv: Sequence[str] | None = None) -> int:
    """Write a synthetic collection: ``python -m bench.synthetic N -o FILE [--seed S]``."""
    parser = argparse.ArgumentParser(description="Génère des formations synthétiques (GeoJSON).")
    parser.add_argument("count", type=int, help="nombre de formations")
    parser.add_argument("-o", "--output", type=Path, required=True, help="GeoJSON à écrire")
    parser.add_argument("--seed", type=int, default=0, help="graine (0)")
    parser.add_argument(
        "--sans-gazetteer", action="store_true", help="points aléatoires par région"
    )
    args = parser.parse_args(argv)
    gazetteer = None if args.sans_gazetteer else DEFAULT_GAZETTEER
    collection = write_synthetic(args.output, args.count, args.seed, gazetteer)
    print(f"{collection['metadonnees']['nombre']} formations écrites dans {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
