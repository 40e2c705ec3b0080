"""Generate data/formations.csv: 171 fictitious trainings by 84 fictitious structures (demo).

The file looks like a spreadsheet exported by hand from Excel (French headers, ``;``,
UTF-8 with BOM, CRLF) and carries the messy cases the import must cope with: missing
accents, upper-case communes, St/Ste, postcode only, INSEE code only, CEDEX, a lost leading
zero, human labels for structure types and modalities, « 6 mois »-style durations. It also
carries the practical details of a training (issue 13) written in the ways people write them:
sessions in several date forms, phone numbers with dots or +33, « Bac+2 » or « niveau 5 »,
« RNCP 37873 », publics as labels, oui/non/x, and a few durations given in hours only. Every
structure, training, address, web site, e-mail (reserved ``.invalid`` domains), phone number
(the 01 99 00 range ARCEP keeps for fiction) and certification number is invented; the
communes are real (from our gazetteer, chosen with probability proportional to their
population).

Sessions are placed around a reference date (``--date``, by default :data:`REFERENCE_DATE`):
deterministic, same gazetteer, same seed, same date, same bytes.
Run: ``uv run --no-sync python scripts/make_demo_data.py [--date AAAA-MM-JJ] [--check]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.gazetteer import Commune, Gazetteer  # noqa: E402
from geo.schema import (  # noqa: E402  # noqa: E402
    NIVEAU_LABELS,
    PUBLIC_VISE_LABELS,
    Modalite,
    Niveau,
    PublicVise,
    TypeStructure,
)
from geo.text import fold  # noqa: E402

SEED = 2016
TRAININGS = 171
STRUCTURES = 84
OUTPUT = ROOT / "data" / "formations.csv"
META_OUTPUT = ROOT / "data" / "formations.meta.json"

HEADER = (
    "Identifiant",
    "Intitulé de la formation",
    "Structure",
    "Type de structure",
    "Adresse",
    "Code postal",
    "Commune",
    "Code INSEE",
    "Durée (mois)",
    "Modalité",
    "Site web",
    "Date de labellisation",
    "Sessions",
    "Courriel",
    "Téléphone",
    "Lien de candidature",
    "Certification",
    "Niveau d'entrée",
    "Niveau de sortie",
    "Public visé",
    "Alternance",
    "Nombre d'heures",
    "Prise en charge",
)
#: Day the demo sessions are placed around: some under way, most to come.
REFERENCE_DATE = date(2026, 12, 1)

META = {
    "titre": "Formations labellisées Grande École du Numérique — données de démonstration",
    "demo": True,
    "licence": (
        "Licence Ouverte / Open Licence 2.0 — données entièrement fictives (structures, "
        "formations, adresses et sites inventés ; communes réelles issues du Code officiel "
        "géographique de l'INSEE)"
    ),
    "producteur": "Carte GEN — généré par scripts/make_demo_data.py (graine 2016)",
}

#: How many structures of each type (schools and training bodies most, associations many).
TYPE_COUNTS = {
    TypeStructure.ECOLE: 31,
    TypeStructure.ASSOCIATION: 25,
    TypeStructure.ENTREPRISE: 12,
    TypeStructure.COLLECTIVITE: 10,
    TypeStructure.ETABLISSEMENT_PUBLIC: 6,
}
#: Labels as people type them in the spreadsheet (all understood by geo.importer).
TYPE_LABELS = {
    TypeStructure.ECOLE: ["École", "Organisme de formation", "OF", "école", "Centre de formation"],
    TypeStructure.ASSOCIATION: ["Association", "Asso", "association loi 1901", "ASSOCIATION"],
    TypeStructure.ENTREPRISE: ["Entreprise", "SAS", "SARL", "Société", "SCOP"],
    TypeStructure.COLLECTIVITE: ["Collectivité", "Mairie", "Collectivité territoriale"],
    TypeStructure.ETABLISSEMENT_PUBLIC: ["Établissement public", "etablissement public", "GRETA"],
}
MODALITE_LABELS = {
    Modalite.PRESENTIEL: ["Présentiel", "En présentiel", "presentiel", "Sur site"],
    Modalite.HYBRIDE: ["Hybride", "Mixte", "Présentiel et distanciel"],
    Modalite.DISTANCIEL: ["À distance", "En ligne", "Distanciel"],
}
MODALITE_WEIGHTS = {Modalite.PRESENTIEL: 70, Modalite.HYBRIDE: 22, Modalite.DISTANCIEL: 8}
DURATIONS = [3, 4, 5, 6, 6, 6, 7, 8, 9, 9, 10, 12, 12, 12, 15, 18, 18, 20, 24, 24]

NAME_PATTERNS = {
    TypeStructure.ECOLE: [
        "École du Code {lieu} (démo)",
        "Campus numérique {lieu} (démo)",
        "Atelier Code Exemple {lieu}",
        "Institut Exemple du numérique {lieu}",
        "Académie fictive du web {lieu}",
    ],
    TypeStructure.ASSOCIATION: [
        "Fabrique numérique {lieu} (démo)",
        "Association Exemple Numérique {lieu}",
        "Tiers-lieu Exemple {lieu}",
        "Les Clics Solidaires {lieu} (démo)",
        "Réseau Coder Ensemble {lieu} (démo)",
    ],
    TypeStructure.ENTREPRISE: [
        "Exemple Logiciels {lieu} (démo)",
        "Studio Prototype {lieu} (démo)",
        "Société Fictive du Numérique {lieu}",
    ],
    TypeStructure.COLLECTIVITE: [
        "Service numérique de la Collectivité Exemple {lieu}",
        "Mission inclusion numérique {lieu} (démo)",
    ],
    TypeStructure.ETABLISSEMENT_PUBLIC: [
        "GRETA Exemple {lieu} (démo)",
        "Établissement public Exemple {lieu}",
    ],
}
PLACE_WORDS = [
    "des Hauts",
    "du Littoral",
    "des Trois Rivières",
    "du Val",
    "des Collines",
    "du Plateau",
    "de la Vallée",
    "des Lacs",
    "du Bocage",
    "des Îles",
    "du Causse",
    "des Forêts",
    "du Port",
    "de la Plaine",
    "des Monts",
    "du Bassin",
]
TITLES = [
    "Développeur·se web et web mobile",
    "Technicien·ne d'assistance informatique",
    "Médiateur·rice numérique",
    "Concepteur·rice développeur·se d'applications",
    "Analyste de données",
    "Designer UX/UI",
    "Intégrateur·rice web",
    "Technicien·ne réseaux et cybersécurité",
    "Chargé·e de communication numérique",
    "Référent·e numérique",
    "Administrateur·rice systèmes et réseaux",
    "Développeur·se Python",
    "Technicien·ne fibre optique",
    "Animateur·rice de communauté en ligne",
    "Assistant·e e-commerce",
    "Testeur·se logiciel",
    "Développeur·se d'objets connectés",
    "Opérateur·rice de fabrication numérique (fab lab)",
]
STREETS = [
    "rue de l'Exemple",
    "avenue de la Démonstration",
    "place des Essais",
    "allée du Prototype",
    "boulevard Fictif",
    "impasse des Tests",
    "chemin de la Maquette",
    "quai de l'Échantillon",
]
#: Dates of the first call's labels (spring 2016), written two ways.
FIRST_LABEL_DATE = date(2016, 2, 1)


@dataclass
class Structure:
    """A fictitious structure and where it is."""

    nom: str
    type: TypeStructure
    commune: Commune
    slug: str


def slugify(text: str) -> str:
    """Slug for a fictitious URL path."""
    return "-".join(fold(text).replace("demo", "").split())


def placeable_pool(gazetteer: Gazetteer) -> dict[str, list[Commune]]:
    """Communes by region (the 18 of the GEN map): arrondissements instead of their cities."""
    cities = {"75056", "69123", "13055"}
    pool: dict[str, list[Commune]] = {}
    for commune in gazetteer:
        if commune.code_insee in cities or not commune.codes_postaux or not commune.population:
            continue
        if commune.region in ("975", "977", "978", "984", "986", "987", "988", "989"):
            continue  # the GEN map covers the 18 regions
        pool.setdefault(commune.region, []).append(commune)
    return pool


def pick_structures(gazetteer: Gazetteer, rng: random.Random) -> list[Structure]:
    """84 structures: one per region first, then regions and communes weighted by population."""
    pool = placeable_pool(gazetteer)
    regions = sorted(pool)
    assert len(regions) == 18, regions
    region_population = {r: sum(c.population or 0 for c in pool[r]) for r in regions}
    chosen_regions = list(regions)
    chosen_regions += rng.choices(
        regions, weights=[region_population[r] for r in regions], k=STRUCTURES - len(regions)
    )
    types = [t for t, count in TYPE_COUNTS.items() for _ in range(count)]
    rng.shuffle(types)
    structures: list[Structure] = []
    names: set[str] = set()
    for index, (region, kind) in enumerate(zip(chosen_regions, types, strict=True)):
        communes = pool[region]
        # A few structures in a Saint-/Sainte- commune, so that St/Ste spellings appear.
        if index % 12 == 5:
            saints = [c for c in communes if c.nom.startswith(("Saint-", "Sainte-"))]
            communes = saints or communes
        # And a few in départements 01-09, whose postcodes Excel strips of their leading zero.
        if index % 12 == 9:
            zeros = [c for c in communes if c.codes_postaux[0].startswith("0")]
            communes = zeros or communes
        # population ** 1.5: labelled trainings cluster in towns and cities, as on the GEN map
        commune = rng.choices(communes, weights=[(c.population or 1) ** 1.5 for c in communes])[0]
        while True:
            pattern = rng.choice(NAME_PATTERNS[kind])
            nom = pattern.format(lieu=rng.choice(PLACE_WORDS))
            if nom not in names:
                break
        names.add(nom)
        structures.append(Structure(nom, kind, commune, slugify(nom)))
    return structures


def postcode_for(gazetteer: Gazetteer, commune: Commune) -> str:
    """Pick the commune's postcode that by_postcode answers with this commune first."""
    for code_postal in commune.codes_postaux:
        found = gazetteer.by_postcode(code_postal)
        if found and found[0].code_insee == commune.code_insee:
            return code_postal
    return commune.codes_postaux[0]


def commune_written(commune: Commune, style: str) -> str:
    """Write the commune name as a person would type it."""
    nom = commune.nom
    if commune.type == "arrondissement_municipal":
        nom = nom.split(" ")[0]  # "Paris" with the arrondissement's postcode
    if style == "sans_accents":
        return "".join(
            ch for ch in unicodedata.normalize("NFD", nom) if not unicodedata.combining(ch)
        )
    if style == "majuscules":
        return nom.upper()
    if style == "abrege":
        return nom.replace("Sainte-", "Ste-").replace("Saint-", "St ")
    return nom


@dataclass(frozen=True)
class DemoRow:
    """One training: the cells as written, and the commune they are meant to designate."""

    cells: tuple[str, ...]
    code_insee: str
    cas: str  # the messy case this row exercises ("" when written cleanly)


def _session_text(start: date, end: date, style: int) -> str:
    if style == 0:
        return f"{start.isoformat()}/{end.isoformat()}"
    if style == 1:
        return f"{start:%d/%m/%Y} - {end:%d/%m/%Y}"
    return f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}"


def details(number: int, slug: str, duree: int, rng: random.Random, reference: date) -> list[str]:
    """Make the cells of a training's details: sessions, contacts, levels, publics."""
    sessions = []
    start = reference + timedelta(days=rng.randint(-150, 120))
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        end = start + timedelta(days=30 * duree - rng.randint(0, 20))
        sessions.append(_session_text(start, end, (number + len(sessions)) % 3))
        start = start + timedelta(days=rng.randint(90, 240))
    email = ""
    if rng.random() < 0.8:
        email = rng.choice(("contact", "formation", "candidature")) + f"@{slug}.invalid"
    phone = ""
    if rng.random() < 0.75:
        digits = f"{number % 100:02d}{rng.randint(0, 99):02d}"
        phone = rng.choice(
            (f"01 99 00 {digits[:2]} {digits[2:]}", f"01.99.00.{digits[:2]}.{digits[2:]}",
             f"+33 1 99 00 {digits[:2]} {digits[2:]}", f"019900{digits}")
        )  # fmt: skip
    apply = f"https://exemple.invalid/{slug}/candidater" if rng.random() < 0.5 else ""
    certification = ""
    if rng.random() < 0.6:
        code = rng.randint(30000, 39999)
        certification = rng.choice((f"RNCP{code}", f"RNCP {code}", f"rncp{code}"))
    elif rng.random() < 0.2:
        certification = f"RS {rng.randint(5000, 6999)}"
    exit_level = rng.choice((Niveau.NIVEAU_3, Niveau.NIVEAU_4, Niveau.NIVEAU_5, Niveau.NIVEAU_5,
                             Niveau.NIVEAU_6))  # fmt: skip
    exit_text = rng.choice(
        (exit_level.value, f"niveau {exit_level.value}", NIVEAU_LABELS[exit_level], {
            Niveau.NIVEAU_3: "CAP", Niveau.NIVEAU_4: "Bac", Niveau.NIVEAU_5: "Bac+2",
            Niveau.NIVEAU_6: "Bac+3"}[exit_level])
    ) if rng.random() < 0.85 else ""  # fmt: skip
    entry_text = ""
    if rng.random() < 0.5:  # below the exit level
        below = int(exit_level.value) - 3
        entry_text = rng.choice(("sans niveau", "sans niveau", "3", "niveau 4", "Bac")[: 2 + below])
    publics = rng.sample(list(PublicVise)[:5], rng.choice((0, 1, 1, 2, 2, 3)))
    public_text = " ; ".join(
        PUBLIC_VISE_LABELS[p] if rng.random() < 0.7 else p.value for p in publics
    )
    alternance = rng.choice(("", "oui", "non", "non", "Non", "x" if number % 5 else "OUI"))
    prise = rng.choice(("", "oui", "oui", "non", "Oui"))
    return [
        " ; ".join(sessions),
        email,
        phone,
        apply,
        certification,
        entry_text,
        exit_text,
        public_text,
        alternance,
        "",  # hours: filled by make_rows for the few trainings counted in hours
        prise,
    ]


def make_rows(gazetteer: Gazetteer, reference: date = REFERENCE_DATE) -> list[DemoRow]:
    """Generate the 171 training rows, their sessions around ``reference``."""
    rng = random.Random(SEED)
    # The details draw from their own generator, so the older columns keep their values.
    details_rng = random.Random(f"{SEED}-details")
    structures = pick_structures(gazetteer, rng)
    # Every structure runs at least one training; the others go to random structures.
    owners = list(range(STRUCTURES)) + [
        rng.randrange(STRUCTURES) for _ in range(TRAININGS - STRUCTURES)
    ]
    owners.sort()
    rows: list[DemoRow] = []
    titles_of: dict[int, set[str]] = {}
    for number, owner in enumerate(owners, start=1):
        structure = structures[owner]
        commune = structure.commune
        titles = titles_of.setdefault(owner, set())
        title = rng.choice([t for t in TITLES if t not in titles])
        titles.add(title)
        code_postal = postcode_for(gazetteer, commune)
        nom_commune = commune_written(commune, "")
        code_insee = ""
        # One messy case per row, by row number, so every case is present whatever the seed.
        case, cas = number % 19, ""
        if case == 1:
            nom_commune, cas = commune_written(commune, "sans_accents"), "sans_accents"
        elif case == 2:
            nom_commune, cas = commune_written(commune, "majuscules"), "majuscules"
        elif case == 3 and gazetteer.by_postcode(code_postal)[:1] == [commune]:
            nom_commune, cas = "", "code_postal_seul"
        elif case == 4:
            code_postal, nom_commune, code_insee = "", "", commune.code_insee
            cas = "code_insee_seul"
        elif case == 5 and (commune.population or 0) < 20_000:
            pass  # CEDEX only where mail volumes make sense
        elif case == 5 and commune.type == "commune" and number % 2:
            nom_commune = f"{commune_written(commune, 'majuscules')} CEDEX {number % 9 + 1}"
            cas = "cedex"
        elif case == 5 and commune.type == "commune":
            code_postal, cas = f"{code_postal} CEDEX", "cedex"
        elif case == 7:
            code_insee, cas = commune.code_insee, "tout_rempli"
        if not cas and code_postal.startswith("0") and number % 3 == 0:
            code_postal, cas = code_postal[1:], "zero_perdu"  # Excel dropped the leading zero
        if nom_commune and commune.nom.startswith(("Saint-", "Sainte-")) and number % 2 == 0:
            nom_commune = commune_written(commune, "abrege")
            cas = cas or "st_ste"
        if commune.type == "arrondissement_municipal" and nom_commune:
            cas = cas or "ville_a_arrondissements"
        duree = rng.choice(DURATIONS)
        duree_text = f"{duree} mois" if rng.random() < 0.4 else str(duree)
        if duree == 12 and rng.random() < 0.3:
            duree_text = "1 an"
        modalite = rng.choices(list(MODALITE_WEIGHTS), weights=list(MODALITE_WEIGHTS.values()))[0]
        site = f"https://exemple.invalid/{structure.slug}"
        if number % 7 == 0:
            site = f"www.example.org/{structure.slug}"  # no scheme, as people type it
        elif number % 11 == 0:
            site = ""
        labelled = FIRST_LABEL_DATE + timedelta(days=rng.randrange(0, 60))
        date_text = labelled.strftime("%d/%m/%Y") if rng.random() < 0.7 else labelled.isoformat()
        cells = (
            f"GEN-{number:04d}",
            title,
            structure.nom,
            rng.choice(TYPE_LABELS[structure.type]),
            f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
            code_postal,
            nom_commune,
            code_insee,
            duree_text,
            rng.choice(MODALITE_LABELS[modalite]),
            site,
            date_text,
            *details(number, structure.slug, duree, details_rng, reference),
        )
        if number % 23 == 0:  # a few trainings counted in hours, their duration left empty
            cells = (*cells[:8], "", *cells[9:-2], f"{duree * 150} h", cells[-1])
            cas = cas or "heures_seules"
        rows.append(DemoRow(cells, commune.code_insee, cas))
    return rows


def render(rows: Sequence[DemoRow]) -> bytes:
    """CSV bytes like an Excel export: UTF-8 with BOM, ``;``, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(row.cells for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def render_meta() -> bytes:
    """Render the sidecar metadata read by the build (``formations.meta.json``)."""
    return (json.dumps(META, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    """Write (or check) data/formations.csv and data/formations.meta.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare a rebuild with the files")
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        default=REFERENCE_DATE,
        help="date the sessions are placed around (AAAA-MM-JJ)",
    )
    args = parser.parse_args(argv)
    gazetteer = Gazetteer.load()
    outputs = {OUTPUT: render(make_rows(gazetteer, args.date)), META_OUTPUT: render_meta()}
    if args.check:
        stale = [p for p, data in outputs.items() if not p.exists() or p.read_bytes() != data]
        for path in stale:
            print(f"{path} differs from a rebuild: run scripts/make_demo_data.py")
        return 1 if stale else 0
    for path, data in outputs.items():
        path.write_bytes(data)
        print(f"wrote {path} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
