"""Issue 13's fields (contract C1) for synthetic trainings, shared by the export tests and bench.

It gives synthetic trainings the contract's JSON shapes, with the edge cases an export must
write (unknown session starts or ends, overseas phone numbers, every level), drawn from a
seeded generator.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from bench.synthetic import synthetic_collection
from geo.geojson import features_version
from geo.schema import OFFER_FIELDS, Niveau, PublicVise

#: Issue 13's fields.
C1_FIELDS: tuple[str, ...] = OFFER_FIELDS

#: The build date the derived ``prochaine_session`` is computed against.
BUILD_DATE = dt.date(2026, 11, 30)
NIVEAUX = [level.value for level in Niveau]
PUBLICS = [public.value for public in PublicVise]


def c1_properties(rng: random.Random, number: int) -> dict[str, Any]:
    """Draw issue 13's fields of one training, in the JSON shapes of contract C1."""
    sessions = []
    start = BUILD_DATE + dt.timedelta(days=rng.randint(-200, 300))
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        debut: dt.date | None = start
        fin: dt.date | None = start + dt.timedelta(days=rng.randint(30, 300))
        if rng.random() < 0.1:
            debut = None
        elif rng.random() < 0.1:
            fin = None
        sessions.append(
            {"debut": debut.isoformat() if debut else None, "fin": fin.isoformat() if fin else None}
        )
        start += dt.timedelta(days=rng.randint(30, 200))
    sessions.sort(key=lambda s: s["debut"] or "")
    upcoming = [s["debut"] for s in sessions if s["debut"] and s["debut"] >= BUILD_DATE.isoformat()]
    chosen = set(rng.sample(PUBLICS, rng.randint(0, 3)))
    return {
        "sessions": sessions,
        "prochaine_session": min(upcoming) if upcoming else None,
        "contact_email": rng.choice([None, f"contact{number}@exemple.invalid"]),
        "contact_telephone": rng.choice([None, "01 23 45 67 89", "+262 262 12 34 56"]),
        "url_candidature": rng.choice([None, f"https://candidature.exemple.invalid/{number}"]),
        "certification": rng.choice([None, "RNCP37873", "RS5432", f"RNCP{number}"]),
        "niveau_entree": rng.choice([None, *NIVEAUX]),
        "niveau_sortie": rng.choice([None, *NIVEAUX]),
        "public_vise": [public for public in PUBLICS if public in chosen],
        "alternance": rng.choice([None, True, False]),
        "nombre_heures": rng.choice([None, 35, 420, 1200]),
        "prise_en_charge": rng.choice([None, True, False]),
    }


def c1_collection(count: int, seed: int) -> dict[str, Any]:
    """Build a synthetic collection whose trainings carry issue 13's fields."""
    collection = synthetic_collection(count, seed=seed)
    rng = random.Random(seed)
    for number, feature in enumerate(collection["features"]):
        feature["properties"] = {**feature["properties"], **c1_properties(rng, number)}
    collection["metadonnees"]["version"] = features_version(collection["features"])
    return collection
