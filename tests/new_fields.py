"""Test data carrying the LHEO fields of issue 13 (sessions, levels, publics, certification…).

Added to any collection, seeded and relative to a fixed « today », so the API, OGC and page
tests need neither the demo data nor the real date. Shapes are those of contract C1.
"""

from __future__ import annotations

import copy
import random
from datetime import date, timedelta
from typing import Any, Final

from app.columns import NIVEAU_VALUES, PUBLIC_VISE_VALUES

#: The day the tests count sessions from (the server's ``CARTE_GEN_TODAY``, the browser's clock).
TODAY: Final = date(2027, 3, 15)
CERTIFICATIONS: Final = ("RNCP37873", "RS5432", "RNCP1")


def _sessions(rng: random.Random) -> list[dict[str, str | None]]:
    sessions = []
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        debut = TODAY + timedelta(days=rng.randint(-300, 300))
        fin = debut + timedelta(days=rng.randint(0, 240))
        sessions.append(
            {
                "debut": None if rng.random() < 0.08 else debut.isoformat(),
                "fin": None if rng.random() < 0.15 else fin.isoformat(),
            }
        )
    return sorted(sessions, key=lambda s: (s["debut"] is None, s["debut"] or ""))


def with_new_fields(collection: dict[str, Any], seed: int) -> dict[str, Any]:
    """A copy of ``collection`` whose trainings carry the new fields (some null or empty)."""
    rng = random.Random(seed)
    result = copy.deepcopy(collection)
    for feature in result["features"]:
        props = feature["properties"]
        props["sessions"] = _sessions(rng)
        props["niveau_sortie"] = rng.choice((None, *NIVEAU_VALUES))
        publics = rng.sample(PUBLIC_VISE_VALUES, rng.choice((0, 1, 1, 2, 3)))
        props["public_vise"] = sorted(publics, key=PUBLIC_VISE_VALUES.index)
        props["certification"] = rng.choice((None, None, *CERTIFICATIONS))
        props["alternance"] = rng.choice((None, True, False))
    return result
