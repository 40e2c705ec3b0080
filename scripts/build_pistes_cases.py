"""Write ``tests/data/pistes_cases.json``: the thin-result cases shared by the API and the page.

The rows and query strings below are the specification; each expected answer is asked of the
real ``/api/formations/pistes`` (a test client on these rows). Besides the hand-written queries,
one query per criterion that can be dropped is made from the query model's own example, so a
criterion added to ``FormationFilters`` and ``FormationQuery`` gets its case on the next run.
Review the diff of the written file: a changed answer is a changed rule, which the page
(``static/js/pistes.js``) must follow.

    uv run --no-sync python scripts/build_pistes_cases.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from app.dependencies import FormationQuery  # noqa: E402
from app.main import create_app  # noqa: E402
from app.pistes import pistes_config, relaxable_criteria  # noqa: E402
from app.settings import Settings  # noqa: E402
from geo.schema import empty_properties  # noqa: E402

CASES_PATH = REPO_ROOT / "tests" / "data" / "pistes_cases.json"
DESCRIPTION = [
    "What would widen a thin selection, one table for every side: pytest runs it against the API",
    "(tests/api/test_pistes_cases.py), node --test against the page (tests/js/pistes.test.js).",
    "Written by scripts/build_pistes_cases.py (review its diff).",
    "lignes: trainings as the map data sends them (id, lon, lat and non-null properties).",
    "cas: a query string and the answer of /api/formations/pistes to it (the page reads the",
    "query with the rules of tests/data/filter_cases.json).",
    "pistes: the constants the page computes the answers with (app.pistes.pistes_config).",
]
ROUBAIX = {"lat": 50.6942, "lon": 3.1817}

#: id|lon|lat|intitule|structure|type_structure|commune|departement|region|duree_mois|modalite
#: Around Roubaix: a few km, then 11, 32.6, 46.3, 151.7, 231.8 and 400.8 km away, none of them
#: near a multiple of the radius step (an empty cell is null).
ROWS_TABLE = """
P01|3.1817|50.7212|Développeur web|Simplon Roubaix|ecole|Roubaix|59|32|9|presentiel
P02|3.2000|50.6600|Technicien réseaux|Maison de l'emploi|association|Hem|59|32|12|hybride
P03|3.0630|50.6300|Intégrateur web|Fibre & Co|entreprise|Lille|59|32|6|distanciel
P04|3.1817|50.9870|Médiateur|France Services|etablissement_public|Dunkerque|59|32|4|presentiel
P05|3.1817|50.9870|Concepteur développeur|France Services|ecole|Dunkerque|59|32|18|presentiel
P06|3.1817|51.1100|Data analyst|École du Nord|ecole|Calais|62|32|6|distanciel
P07|3.1817|49.3300|Référent numérique|Mairie d'Amiens|collectivite|Amiens|80|32|3|presentiel
P08|3.1817|48.6100|Designer UX|Studio Éclat|entreprise|Paris|75|11|6|hybride
P09|3.1817|47.0900|Assistant développeur|Lycée Ampère|ecole|Nevers|58|27|24|presentiel
P10|3.0900|50.6900|Atelier sans titre|Atelier numérique|autre|Tourcoing|59|32||
"""

NEAR_ROUBAIX = urlencode(ROUBAIX)
QUERIES = [
    ("rien autour d'un point en mer", "lat=51.6&lon=2.2&rayon_km=5"),
    ("Roubaix, 30 km, au plus 6 mois", f"{NEAR_ROUBAIX}&rayon_km=30&duree_max=6"),
    ("Roubaix, 5 km", f"{NEAR_ROUBAIX}&rayon_km=5"),
    (
        "Roubaix, 10 km, distanciel et école",
        f"{NEAR_ROUBAIX}&rayon_km=10&modalite=distanciel&type_structure=ecole",
    ),
    ("Roubaix, 200 km : assez de formations", f"{NEAR_ROUBAIX}&rayon_km=200"),
    ("Roubaix sans rayon", f"{NEAR_ROUBAIX}&duree_max=3"),
    (
        "Roubaix, 20 km, en présentiel : deux à égale distance",
        f"{NEAR_ROUBAIX}&rayon_km=20&type_structure=etablissement_public,ecole&modalite=presentiel",
    ),
    (
        "Roubaix, 150 km, 24 mois : le rayon plafonné n'en prendrait aucune",
        f"{NEAR_ROUBAIX}&rayon_km=150&duree_min=20&duree_max=24",
    ),
    ("Roubaix, 200 km, plus rien au-delà", f"{NEAR_ROUBAIX}&rayon_km=200&duree_min=24"),
    ("Roubaix, 2.5 km, rayon non entier", f"{NEAR_ROUBAIX}&rayon_km=2.5&modalite=hybride"),
    ("un mot absent", "q=cuisine&region=32"),
    ("région et département", "region=32&departement=62,80"),
    ("durées des deux côtés", "duree_min=10&duree_max=12"),
    ("une emprise sans formation", "bbox=5,45,6,46&modalite=presentiel"),
    ("aucun filtre", ""),
]


def parse_rows(table: str) -> list[dict[str, Any]]:
    """Read :data:`ROWS_TABLE` into rows as the map data sends them (nulls left out)."""
    names = ("id", "lon", "lat", "intitule", "structure", "type_structure", "commune")
    names += ("departement", "region", "duree_mois", "modalite")
    rows = []
    for line in table.strip().splitlines():
        values: dict[str, Any] = {}
        for name, cell in zip(names, line.split("|"), strict=True):
            if cell:
                number = name in ("lon", "lat", "duree_mois")
                values[name] = (float(cell) if "." in cell else int(cell)) if number else cell
        rows.append(values)
    return rows


ROWS = parse_rows(ROWS_TABLE)


def criterion_queries() -> list[tuple[str, str]]:
    """One query per criterion that can be dropped: its example near Roubaix, within 10 km."""
    queries = []
    for name in relaxable_criteria():
        examples = FormationQuery.model_fields[name].examples
        if not examples:
            raise ValueError(f"FormationQuery.{name} needs an example (OpenAPI and these cases)")
        example = str(examples[0])
        query = urlencode({name: example, **ROUBAIX, "rayon_km": 10})
        queries.append((f"critère {name} (exemple de l'API)", query))
    return queries


def feature_of(values: dict[str, Any]) -> dict[str, Any]:
    """Return the GeoJSON feature of a row (missing properties are null, or [] for lists)."""
    properties: dict[str, Any] = empty_properties()
    properties.update({k: v for k, v in values.items() if k not in ("id", "lon", "lat")})
    return {
        "type": "Feature",
        "id": values["id"],
        "geometry": {"type": "Point", "coordinates": [values["lon"], values["lat"]]},
        "properties": properties,
    }


def build() -> dict[str, Any]:
    """Ask the API what each query would widen to."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "formations.geojson"
        collection = {
            "type": "FeatureCollection",
            "metadonnees": {"version": "pistes-cases"},
            "features": [feature_of(values) for values in ROWS],
        }
        path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
        cases = []
        with TestClient(create_app(Settings(data_path=path, reload_interval_s=3600))) as client:
            for name, query in QUERIES + criterion_queries():
                answer = client.get("/api/formations/pistes?" + query)
                if answer.status_code != 200:
                    raise ValueError(f"{name}: {answer.status_code} {answer.text}")
                cases.append({"nom": name, "requete": query, "reponse": answer.json()})
    return {
        "description": DESCRIPTION,
        "pistes": pistes_config(),
        "lignes": ROWS,
        "cas": cases,
    }


def main() -> int:
    """Write the cases."""
    text = json.dumps(build(), ensure_ascii=False, indent=1) + "\n"
    CASES_PATH.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
