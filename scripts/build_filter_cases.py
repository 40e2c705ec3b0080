"""Write ``tests/data/filter_cases.json``: the filter cases shared by the API and the page.

The rows and query strings below are the specification; the expected ids, refusals, number
readings and folds are asked of the real API (a test client on these rows), of the query model
and of ``geo.text.fold``. Review the diff of the written file: a changed expectation is a
changed rule of the API, which the page (``static/js/filtres.js``) must then follow.

    uv run --no-sync python scripts/build_filter_cases.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_plus

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from starlette.datastructures import QueryParams  # noqa: E402

from app.dependencies import FormationQuery, parse_query  # noqa: E402
from app.main import create_app  # noqa: E402
from app.map.builder import filter_rules  # noqa: E402
from app.settings import Settings  # noqa: E402
from geo.schema import empty_properties  # noqa: E402
from geo.text import fold  # noqa: E402

CASES_PATH = REPO_ROOT / "tests" / "data" / "filter_cases.json"
DESCRIPTION = [
    "The filter rules of Carte GEN, one table for every side: pytest runs it against the API",
    "(tests/api/test_filter_cases.py), node --test against the page (tests/js/filtres.test.js).",
    "Written by scripts/build_filter_cases.py (review its diff).",
    "lignes: trainings as the map data sends them (id, lon, lat and non-null properties).",
    "cas: a query string and the ids it selects, in answer order. When the API refuses the query,",
    "refus names the parameters of its 400/422 answer; the page then ignores the parameters of",
    "ignores (the refused ones, and lat/lon/rayon_km that cannot stand without them) and selects",
    "ids, which is what the API answers for the query without them.",
    "nombres: how duree_min (an integer) and lat (a number) read a text, null when refused.",
    "plis: texts and what geo.text.fold makes of them (every code point is checked apart).",
    "regles: the limits and values the server hands the page (app.map.builder.filter_rules).",
    "aujourdhui: the day both sides count sessions from (the API's settings.today, the page's",
    "browser date), fixed so that the file is the same on every run.",
]
#: « Today » for session_avant, fixed: the API is built with it, the page is given it.
AUJOURDHUI = "2027-03-15"
PHISHING = "FORMATIONS SUSPENDUES, appelez le 08 99 00 00 00"


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


#: id|lon|lat|intitule|structure|type_structure|commune|departement|region|duree_mois|modalite
#: (an empty cell is a null value, left out of the row)
ROWS_TABLE = """
F01|4.8357|45.764|Développeur web|Simplon|ecole|Lyon|69|84|6|presentiel
F02|4.88|45.771|Technicien réseaux|Œuvre numérique|association|Villeurbanne|69|84|12|hybride
F03|2.38|48.86|Data analyst|École 42|ecole|Paris 11e Arrondissement|75|11|9|distanciel
F04|4.39|45.434|Référent numérique|Mairie St-Étienne|collectivite|Saint-Étienne|42|84|3|presentiel
F05|5.37|43.3||Atelier sans titre|entreprise|Marseille|13|93||
F06|8.74|41.92|Médiateur numérique|France Services|etablissement_public|Ajaccio|2A|94|24|presentiel
F07|55.45|-20.88|Concepteur développeur||ecole|Saint-Denis|974|04|18|hybride
F08|4.8357|45.764|Développeur mobile|Simplon|ecole|Lyon|69|84|6|presentiel
F09|3.063|50.63|Intégrateur web|ﬁbre & Co|entreprise|Lille|59|32|1|distanciel
F10|179.5|-16.5|Au bout du monde|Association du Pacifique|association|Alo|986|986|6|presentiel
F11|-179.5|-16.0|De l’autre côté|Association du Pacifique|association|Mata-Utu|986|986||hybride
F12|1.444|43.604|Designer UX|Studio ÉCLAT|entreprise|Toulouse|31|76|36|
F13|4.85|45.75|Assistant DÉVELOPPEUR|Lycée Ampère|ecole|Lyon|69|84|0|distanciel
"""
#: The LHEO fields the new filters read, by id, as the map data sends them (sessions as
#: [debut, fin] pairs): levels, lists of publics, certifications, yes/no, sessions around
#: AUJOURDHUI (in progress, ended yesterday, starting today or tomorrow, unknown start or end).
NEW_FIELDS: dict[str, dict[str, Any]] = {
    "F01": {
        "niveau_sortie": "5",
        "public_vise": ["demandeurs_emploi", "salaries"],
        "certification": "RNCP37873",
        "alternance": True,
        "sessions": [["2027-01-05", "2027-06-30"], ["2027-09-01", "2028-02-28"]],
    },
    "F02": {
        "niveau_sortie": "4",
        "public_vise": ["jeunes_moins_26_ans"],
        "certification": "RS5432",
        "alternance": False,
        "sessions": [["2027-04-01", None]],
    },
    "F03": {"niveau_sortie": "6", "sessions": [["2026-09-01", "2027-03-14"]]},
    "F04": {
        "niveau_sortie": "3",
        "public_vise": ["demandeurs_emploi"],
        "alternance": True,
        "sessions": [["2027-03-15", "2027-03-15"]],
    },
    "F05": {
        "public_vise": ["personnes_handicap", "tout_public"],
        "alternance": False,
        "sessions": [[None, "2027-12-31"]],
    },
    "F06": {
        "niveau_sortie": "sans_niveau",
        "public_vise": ["tout_public"],
        "sessions": [["2025-01-01", None]],
    },
    "F07": {
        "niveau_sortie": "7",
        "public_vise": ["salaries"],
        "certification": "RNCP1",
        "alternance": True,
        "sessions": [["2027-05-01", "2027-04-01"]],
    },
    "F08": {
        "niveau_sortie": "5",
        "sessions": [["2026-01-01", "2026-06-30"], ["2027-03-16", "2027-09-30"]],
    },
    "F09": {"niveau_sortie": "8", "public_vise": ["autre_public"], "alternance": False},
    # values of the wrong type, as a hand-made file may hold: never matched, on either side
    "F10": {"public_vise": "salaries", "alternance": "oui", "niveau_sortie": 5},
    "F12": {"certification": ""},
}
ROWS = [{**row, **NEW_FIELDS.get(row["id"], {})} for row in parse_rows(ROWS_TABLE)]


QUERIES = [
    ("aucun filtre", ""),
    # facets: repeated and comma-separated values, spaces, empties, duplicates
    ("région", "region=84"),
    ("régions séparées par des virgules", "region=84,11"),
    ("régions répétées", "region=84&region=11"),
    ("régions vides et en double", "region=,84,,84,&region="),
    ("région entourée d'espaces", "region=%2084%20"),
    ("espaces Python (U+001C) autour d'un code", "region=%1C84%1F"),
    ("espace insécable autour d'un code", "region=%C2%A084"),
    ("BOM autour d'un code : refusé", "region=%EF%BB%BF84"),
    ("région vide seule", "region="),
    ("région inconnue bien formée", "region=zz"),
    ("code en minuscules", "departement=2a"),
    ("département corse", "departement=2A"),
    ("département d'outre-mer", "departement=974"),
    ("code trop long : refusé", "departement=9744"),
    ("code non alphanumérique : refusé", "departement=6-9"),
    ("phrase dans region : refusée", "region=" + quote(PHISHING)),
    ("phrase dans departement : refusée", "departement=" + quote(PHISHING)),
    ("phrase dans type_structure : refusée", "type_structure=" + quote(PHISHING)),
    ("phrase dans modalite : refusée", "modalite=" + quote(PHISHING)),
    ("type de structure", "type_structure=association"),
    ("types séparés par des virgules", "type_structure=ecole,entreprise"),
    ("type inconnu parmi des connus : refusé", "type_structure=ecole,zz"),
    ("type en majuscules : refusé", "type_structure=Ecole"),
    ("modalité (jamais une modalité nulle)", "modalite=hybride"),
    ("modalités répétées", "modalite=presentiel&modalite=distanciel"),
    ("trop de valeurs : refusé", "region=" + ",".join(f"{i:02d}" for i in range(1, 202))),
    ("région et type", "region=84&type_structure=ecole"),
    # durations: number forms, bounds, nulls
    ("durée minimale", "duree_min=6"),
    ("durée minimale 6.0", "duree_min=6.0"),
    ("durée minimale +6 (encodé)", "duree_min=%2B6"),
    ("durée minimale +6 (le + est une espace)", "duree_min=+6"),
    ("durée minimale 06", "duree_min=06"),
    ("durée minimale 6.00", "duree_min=6.00"),
    ("durée minimale 1_2", "duree_min=1_2"),
    ("durée minimale 6e0 : refusée", "duree_min=6e0"),
    ("durée minimale 6.5 : refusée", "duree_min=6.5"),
    ("durée minimale 6. : refusée", "duree_min=6."),
    ("durée minimale vide : refusée", "duree_min="),
    ("durée minimale négative : refusée", "duree_min=-1"),
    ("durée minimale 0 (exclut les durées nulles)", "duree_min=0"),
    ("durée minimale 0-0 (lue 0 par l'API)", "duree_min=0-0"),
    ("durée minimale trop grande : refusée", "duree_min=1001"),
    ("durée minimale à la borne", "duree_min=1000"),
    ("durée minimale en chiffres arabes : refusée", "duree_min=%D9%A6"),
    ("durée minimale répétée : la dernière compte", "duree_min=24&duree_min=6"),
    ("durée maximale", "duree_max=6"),
    ("durée maximale négative : refusée", "duree_max=-1"),
    ("durée maximale 0 (exclut les durées nulles)", "duree_max=0"),
    ("durées bornées des deux côtés", "duree_min=6&duree_max=12"),
    ("durée minimale au-delà de la maximale : refusée", "duree_min=12&duree_max=6"),
    ("durées égales", "duree_min=6&duree_max=6"),
    ("durée maximale 12.0 et minimale refusée", "duree_min=x&duree_max=12.0"),
    # text search: accents, case, ligatures, punctuation
    ("recherche simple", "q=web"),
    ("recherche sans accents", "q=developpeur"),
    ("recherche en majuscules accentuées", "q=D%C3%89VELOPPEUR"),
    ("recherche de plusieurs mots", "q=developpeur%20lyon"),
    ("recherche d'une ligature œ", "q=oeuvre"),
    ("recherche d'une ligature ﬁ", "q=fibre"),
    ("recherche avec ponctuation", "q=saint-%C3%A9tienne"),
    ("recherche sur la commune", "q=villeurbanne"),
    ("recherche sur la structure quand l'intitulé manque", "q=atelier"),
    ("recherche de ponctuation seule", "q=%21%21%21"),
    ("recherche vide", "q="),
    ("recherche d'espaces", "q=%20%20"),
    ("recherche répétée : la dernière compte", "q=lyon&q=paris"),
    ("recherche trop longue : refusée", "q=" + "a" * 201),
    ("recherche de 200 caractères", "q=" + "é" * 200),
    ("recherche d'un mot absent", "q=cuisine"),
    # position and radius
    ("autour de Lyon", "lat=45.764&lon=4.8357&rayon_km=10"),
    ("autour de Lyon, sans rayon", "lat=45.764&lon=4.8357"),
    ("rayon 1e-4 (même lieu)", "lat=45.764&lon=4.8357&rayon_km=1e-4"),
    ("rayon 0.001", "lat=45.764&lon=4.8357&rayon_km=0.001"),
    ("rayon nul : refusé", "lat=45.764&lon=4.8357&rayon_km=0"),
    ("rayon négatif : refusé", "lat=45.764&lon=4.8357&rayon_km=-5"),
    ("rayon maximal", "lat=45.764&lon=4.8357&rayon_km=20000"),
    ("rayon trop grand : refusé", "lat=45.764&lon=4.8357&rayon_km=20000.5"),
    ("rayon vide : refusé", "lat=45.764&lon=4.8357&rayon_km="),
    ("rayon inf : refusé", "lat=45.764&lon=4.8357&rayon_km=inf"),
    ("rayon en notation +", "lat=45.764&lon=4.8357&rayon_km=%2B60"),
    ("latitude seule : refusée", "lat=45.764"),
    ("longitude seule : refusée", "lon=4.8357"),
    ("rayon sans position : refusé", "rayon_km=10"),
    ("latitude hors bornes : refusée", "lat=91&lon=4.8357&rayon_km=10"),
    ("latitude nan : refusée", "lat=nan&lon=4.8357"),
    ("latitude 45.764e0", "lat=45.764e0&lon=4.8357&rayon_km=10"),
    ("autour d'un point, près de l'antiméridien", "lat=-16.2&lon=179.9&rayon_km=200"),
    ("position et filtre de type", "lat=45.764&lon=4.8357&rayon_km=500&type_structure=ecole"),
    # bbox
    ("emprise", "bbox=4,45,5,46"),
    ("emprise avec espaces", "bbox=%204%20,%2045,5%20,46%20"),
    ("emprise vide", "bbox="),
    ("emprise d'espaces", "bbox=%20"),
    ("emprise à trois nombres : refusée", "bbox=4,45,5"),
    ("emprise inversée en latitude : refusée", "bbox=4,46,5,45"),
    ("emprise hors bornes : refusée", "bbox=4,45,181,46"),
    ("emprise traversant l'antiméridien", "bbox=179,-17,-179,-15"),
    ("emprise en notation scientifique", "bbox=4e0,4.5e1,5,46"),
    ("emprise avec un nombre non fini : refusée", "bbox=4,45,inf,46"),
    ("emprise et recherche", "bbox=-5,41,10,52&q=web"),
    ("emprise en chiffres arabes : refusée", "bbox=%D9%A4,45,5,46"),
    ("emprise avec soulignés", "bbox=4_0,45,5_0,46"),
    # exit level (null never matches)
    ("niveau de sortie", "niveau_sortie=5"),
    ("niveaux séparés par des virgules", "niveau_sortie=3,4"),
    ("niveaux répétés", "niveau_sortie=5&niveau_sortie=7"),
    ("sans niveau spécifique", "niveau_sortie=sans_niveau"),
    ("niveau inconnu : refusé", "niveau_sortie=9"),
    ("niveau en toutes lettres : refusé", "niveau_sortie=Niveau%205"),
    ("phrase dans niveau_sortie : refusée", "niveau_sortie=" + quote(PHISHING)),
    # public: any of the training's list
    ("public visé", "public_vise=demandeurs_emploi"),
    ("publics séparés par des virgules", "public_vise=salaries,tout_public"),
    ("publics répétés", "public_vise=jeunes_moins_26_ans&public_vise=autre_public"),
    ("public inconnu : refusé", "public_vise=retraites"),
    ("public vide seul", "public_vise="),
    # certifying: a certification or not
    ("certifiante", "certifiante=oui"),
    ("non certifiante (sans certification, nulle ou vide)", "certifiante=non"),
    ("certifiante=true", "certifiante=true"),
    ("certifiante=false", "certifiante=false"),
    ("certifiante en majuscule : refusée", "certifiante=Oui"),
    ("certifiante vide : refusée", "certifiante="),
    ("certifiante oui,non : refusée", "certifiante=oui,non"),
    ("certifiante répétée : la dernière compte", "certifiante=oui&certifiante=non"),
    # work-study (null never matches)
    ("en alternance", "alternance=oui"),
    ("hors alternance", "alternance=non"),
    ("alternance=true", "alternance=true"),
    ("alternance=false", "alternance=false"),
    ("alternance=1 : refusée", "alternance=1"),
    ("phrase dans alternance : refusée", "alternance=" + quote(PHISHING)),
    # sessions: starting on or before the date, not over today
    ("session avant aujourd'hui même", f"session_avant={AUJOURDHUI}"),
    ("session avant la veille", "session_avant=2027-03-14"),
    ("session avant le lendemain", "session_avant=2027-03-16"),
    ("session avant le 1er avril", "session_avant=2027-04-01"),
    ("session avant une date lointaine", "session_avant=2030-01-01"),
    ("session avant une date passée", "session_avant=2020-01-01"),
    ("session avant l'an 1", "session_avant=0001-01-01"),
    ("session avant l'an 9999", "session_avant=9999-12-31"),
    ("session avant le 29 février d'une année bissextile", "session_avant=2028-02-29"),
    ("session avant le 29 février d'une autre année : refusée", "session_avant=2027-02-29"),
    ("session avant le 30 février : refusée", "session_avant=2027-02-30"),
    ("session avant un mois 13 : refusée", "session_avant=2027-13-01"),
    ("session avant l'an 0 : refusée", "session_avant=0000-01-01"),
    ("session avant une date sans zéros : refusée", "session_avant=2027-3-5"),
    ("session avant une date française : refusée", "session_avant=15/03/2027"),
    ("session avant une date et une heure : refusée", "session_avant=2027-03-15T00:00"),
    ("session avant une date entourée d'espaces : refusée", "session_avant=%202027-03-15"),
    ("session avant des chiffres arabes : refusée", "session_avant=%D9%A2027-03-15"),
    ("session avant vide : refusée", "session_avant="),
    (
        "session avant répétée : la dernière compte",
        "session_avant=2020-01-01&session_avant=2030-01-01",
    ),
    # the new filters together and with the others
    ("niveau, alternance et session", "niveau_sortie=5,7&alternance=oui&session_avant=2027-06-01"),
    (
        "public et position",
        "public_vise=demandeurs_emploi,salaries&lat=45.764&lon=4.8357&rayon_km=500",
    ),
    ("certifiante et région", "certifiante=oui&region=84"),
    ("session et refus d'un autre filtre", "session_avant=2027-04-01&alternance=peut-etre"),
    # several refusals
    ("paramètre inconnu ignoré", "inconnu=1&region=84"),
]

NUMBER_FORMS = [
    "6",
    "06",
    "6.0",
    "6.00",
    "+6",
    "-0",
    "-6",
    "6e0",
    "6E1",
    "6.",
    ".5",
    "6.5",
    "1e-4",
    "1E-4",
    "+.5",
    "1_0",
    "1__0",
    "_1",
    "1_",
    "1_0.0",
    "1_.5",
    " 1_0 ",
    "0x6",
    "0b1",
    "6,0",
    "",
    " ",
    "+",
    "-",
    ".",
    "e5",
    "1e",
    "1e+2",
    "inf",
    "-inf",
    "Infinity",
    "nan",
    "NaN",
    "1e400",
    "1e-400",
    "0-0",
    "0-6",
    "0__6",
    "٦",
    "６",
    "9" * 25,
    "1000",
    "1001",
    "90",
    "90.0000001",
    "-90",
    "45.764e0",
]
FOLDED_TEXTS = [
    "  Saint-Étienne-du-Rouvray ",
    "ŒUVRE d’Art",
    "Straße",
    "ﬁbre ½ ①",
    "e\u0301te\u0301",
    "a\u0903b",
    "Ǆemal",
    "İstanbul",
    "Ångström",
    "ΑΘΗΝΑ",
    "東京 Tokyo",
    "x\U0001d400y",
    "l'école",
    "K\u212a",
    "Ⅻ",
    "ǅ",
    "ﬀ",
    "\u00a0espace\u2009fine",
    "tab\tnul\x00",
    "ÆØÅ æøå",
    "Dž",
    "ß",
    "ẞ",
    "🙂 emoji",
]


def feature_of(values: dict[str, Any]) -> dict[str, Any]:
    """Return the GeoJSON feature of a row (missing properties are null, or [] for lists)."""
    properties: dict[str, Any] = empty_properties()
    properties.update({k: v for k, v in values.items() if k not in ("id", "lon", "lat")})
    properties["sessions"] = [{"debut": d, "fin": f} for d, f in properties["sessions"]]
    return {
        "type": "Feature",
        "id": values["id"],
        "geometry": {"type": "Point", "coordinates": [values["lon"], values["lat"]]},
        "properties": properties,
    }


def without(query: str, names: set[str]) -> str:
    """``query`` without the parameters named ``names``."""
    return "&".join(
        part
        for part in query.split("&")
        if part and unquote_plus(part.split("=", 1)[0]) not in names
    )


def answer_ids(client: TestClient, query: str) -> tuple[int, Any]:
    """Status of the API's answer to ``query``, and the ids it selects or its refusal."""
    answer = client.get("/api/formations?" + query)
    if answer.status_code == 200:
        return 200, [feature["id"] for feature in answer.json()["features"]]
    return answer.status_code, sorted({item["parametre"] for item in answer.json()["detail"]})


def case_of(client: TestClient, name: str, query: str) -> dict[str, Any]:
    """One case: the ids the API selects, or its refusal and what the page then shows."""
    status, result = answer_ids(client, query)
    if status == 200:
        return {"nom": name, "requete": query, "ids": result}
    present = {unquote_plus(part.split("=", 1)[0]) for part in query.split("&") if part}
    ignored = set(result)
    if ignored & {"lat", "lon"}:
        ignored |= {"lat", "lon"} | ({"rayon_km"} & present)
    status, ids = answer_ids(client, without(query, ignored))
    if status != 200:
        raise ValueError(f"{name}: the query without {sorted(ignored)} is refused too")
    return {"nom": name, "requete": query, "refus": result, "ignores": sorted(ignored), "ids": ids}


def model_value(name: str, text: str) -> Any:
    """Return what the query model reads ``text`` as for the parameter ``name`` (None: refused)."""
    try:
        return getattr(parse_query(FormationQuery, QueryParams({name: text}), frozenset()), name)
    except Exception:  # any refusal is recorded as None
        return None


def build() -> dict[str, Any]:
    """Ask the API, the query model and fold what each case gives."""
    spaces = sorted({c for c in range(0x3100) if chr(c).isspace()} | {0x180E, 0x200B, 0xFEFF})
    forms = NUMBER_FORMS + [chr(c) + "6" + chr(c) for c in spaces]
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "formations.geojson"
        collection = {
            "type": "FeatureCollection",
            "metadonnees": {"version": "filter-cases"},
            "features": [feature_of(values) for values in ROWS],
        }
        path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
        settings = Settings(
            data_path=path, reload_interval_s=3600, today=date.fromisoformat(AUJOURDHUI)
        )
        with TestClient(create_app(settings)) as client:
            cases = [case_of(client, name, query) for name, query in QUERIES]
    return {
        "description": DESCRIPTION,
        "regles": filter_rules(),
        "aujourdhui": AUJOURDHUI,
        "lignes": ROWS,
        "cas": cases,
        "nombres": [
            {"texte": t, "duree_min": model_value("duree_min", t), "lat": model_value("lat", t)}
            for t in forms
        ],
        "plis": [[text, fold(text)] for text in FOLDED_TEXTS],
    }


def main() -> int:
    """Write the cases."""
    text = json.dumps(build(), ensure_ascii=False, indent=1) + "\n"
    CASES_PATH.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
