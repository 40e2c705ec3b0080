"""Generate the fictitious LHEO 2.3 files: the demo trainings, and the reader's test cases.

``data/exemple-lheo.xml`` holds the 171 demo trainings of ``data/formations.csv``, read by our
importer and written by :func:`geo.lheo.writer.write_lheo`: ``carte-gen build`` makes the same
map of it (same trainings at the same places, with every field LHEO carries;
``tests/lheo/test_build.py`` checks it).

``tests/data/lheo-cas.xml`` is written by hand here, for the reader's tests. Every
organisation, training, address, phone number and web site is invented; e-mail addresses
use the reserved ``.invalid`` domain; the communes, postcodes and INSEE codes are real
(from our gazetteer, with its positions for the sites that give coordinates). The file
carries what a real feed mixes: several actions per formation, an action with two training
sites, several sessions (full dates, a month-only date, an unknown end), the LHEO
namespace, and formations missing optional parts (no certification, no contact, no
coordinates, no INSEE code, hours only in ``duree-indicative``).

Deterministic: same gazetteer and demo spreadsheet, same bytes.
Run: ``uv run --no-sync python scripts/make_demo_lheo.py [--check]``.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.gazetteer import Gazetteer  # noqa: E402
from geo.importer import ImportedRow, import_table, read_table  # noqa: E402
from geo.io import write_bytes_atomic  # noqa: E402
from geo.lheo.codes import NAMESPACE_2_3, NON, OUI  # noqa: E402
from geo.lheo.writer import write_lheo  # noqa: E402

OUTPUT = ROOT / "data" / "exemple-lheo.xml"
CASES_OUTPUT = ROOT / "tests" / "data" / "lheo-cas.xml"
DEMO_INPUT = ROOT / "data" / "formations.csv"
Q = f"{{{NAMESPACE_2_3}}}"

#: (numero, intitulé, organisme, SIRET, RNCP/RS, niveau entrée, niveau sortie, URL, contact,
#:  actions) — an action: (numero, publics, modalité, prise en charge, alternance, hours,
#:  sites, sessions); a site: (INSEE code, address line, with coordinates); a session: (début, fin).
FORMATIONS: tuple[dict[str, Any], ...] = (
    {
        "numero": "F-DEMO-001",
        "intitule": "Développeur web et web mobile",
        "organisme": "Atelier Numérique des Flandres",
        "siret": "99900000100011",
        "certification": ("code-RNCP", "37674"),
        "entree": "5",
        "sortie": "6",
        "url": "https://atelier-flandres.example/formations/dwwm",
        "contact": ("03 20 00 00 01", None, "contact@atelier-flandres.invalid"),
        "actions": (
            {
                "numero": "A-DEMO-001-LILLE",
                "publics": ("80006", "81020"),
                "modalite": "0",
                "prise_en_charge": "1",
                "alternance": False,
                "heures": ("nombre-heures-total", "980"),
                "sites": (("59350", "12 rue des Tisserands", True),),
                "sessions": (("20270111", "20270716"), ("20270906", "20280310")),
            },
            {
                "numero": "A-DEMO-001-RENNES",
                "publics": ("80009",),
                "modalite": "1",
                "prise_en_charge": "1",
                "alternance": True,
                "heures": ("nombre-heures-centre", "700"),
                "sites": (("35238", "4 allée des Lavandières", True),),
                "sessions": (
                    ("20270201", "20271130"),
                    ("20271004", "20280730"),
                    ("20280110", "99999999"),
                ),
            },
        ),
    },
    {
        "numero": "F-DEMO-002",
        "intitule": "Technicien d'assistance informatique",
        "organisme": "Coopérative Sud Compétences",
        "siret": "99900000200019",
        "certification": ("code-RNCP", "35294"),
        "entree": "1",
        "sortie": "6",
        "url": None,
        "contact": (None, "06 00 00 00 02", "accueil@sud-competences.invalid"),
        "actions": (
            {
                "numero": "A-DEMO-002",
                "publics": ("83056",),
                "modalite": "0",
                "prise_en_charge": "0",
                "alternance": False,
                "heures": ("nombre-heures-total", "1260"),
                "sites": (
                    ("13201", "3 quai des Calfats", True),
                    ("31555", "27 boulevard des Briquetiers", False),
                ),
                "sessions": (("20270300", "20271200"), ("20270915", "20280615")),
            },
        ),
    },
    {
        "numero": "F-DEMO-003",
        "intitule": "Médiation numérique : premiers pas",
        "organisme": "Association Les Claviers Solidaires",
        "siret": None,
        "certification": None,
        "entree": "0",
        "sortie": None,
        "url": None,
        "contact": None,
        "actions": (
            {
                "numero": "A-DEMO-003",
                "publics": ("80001", "81024"),
                "modalite": None,
                "prise_en_charge": "1",
                "alternance": False,
                "heures": ("duree-indicative", "420 heures sur 4 mois"),
                "sites": (("63113", None, False),),
                "sessions": (("20270405", "20270730"),),
            },
        ),
    },
    {
        "numero": "F-DEMO-004",
        "intitule": "Concepteur de parcours e-learning",
        "organisme": "Maison Guyanaise du Numérique",
        "siret": "99900000400015",
        "certification": ("code-RS", "5210"),
        "entree": "6",
        "sortie": "7",
        "url": "https://mgn.example/e-learning",
        "contact": ("05 94 00 00 04", None, "formations@mgn.invalid"),
        "actions": (
            {
                "numero": "A-DEMO-004",
                "publics": ("82044", "80006"),
                "modalite": "2",
                "prise_en_charge": "1",
                "alternance": False,
                "heures": None,
                "sites": (("97302", "1 place des Palmistes", True),),
                "sessions": (("20270115", "20270630"), ("20270901", "20280228")),
            },
        ),
    },
    {
        "numero": "F-DEMO-005",
        "intitule": "Data & IA : analyste <junior> (parcours « hybride »)",
        "organisme": "Campus Insulaire des Données",
        "siret": "99900000500012",
        "certification": ("code-RNCP", "36129"),
        "entree": "6",
        "sortie": "7",
        "url": "https://campus-donnees.example/?p=analyste&lang=fr",
        "contact": ("04 95 00 00 05", None, "candidatures@campus-donnees.invalid"),
        "actions": (
            {
                "numero": "A-DEMO-005",
                "publics": ("80006", "82029"),
                "modalite": "1",
                "prise_en_charge": "1",
                "alternance": True,
                "heures": ("nombre-heures-total", "1540"),
                "sites": (("2A004", "Immeuble Le Ponant, 9 cours Lucien Bonaparte", True),),
                "sessions": (("20270920", "20280920"),),
            },
        ),
    },
)


def _add(parent: Any, name: str, text: str | None = None, **attributes: str) -> Any:
    element = etree.SubElement(parent, Q + name, attributes)
    if text is not None:
        element.text = text
    return element


def _adresse(parent: Any, gazetteer: Gazetteer, site: tuple[str, str | None, bool]) -> None:
    code_insee, ligne, with_coordinates = site
    commune = gazetteer.by_insee(code_insee)
    if commune is None:
        raise SystemExit(f"INSEE code {code_insee} is not in the gazetteer")
    adresse = _add(parent, "adresse")
    _add(adresse, "ligne", ligne or "-")
    _add(adresse, "codepostal", commune.codes_postaux[0])
    _add(adresse, "ville", commune.nom.upper() if ligne is None else commune.nom)
    if ligne is not None:  # the third formation's site gives only a postcode and a town
        _add(adresse, "code-INSEE-commune", commune.code_insee)
    if with_coordinates:
        geolocalisation = _add(adresse, "geolocalisation")
        _add(geolocalisation, "latitude", f"{commune.lat:.5f}")
        _add(geolocalisation, "longitude", f"{commune.lon:.5f}")


def _action(formation: Any, gazetteer: Gazetteer, spec: dict[str, Any]) -> None:
    action = _add(formation, "action", numero=spec["numero"])
    _add(action, "rythme-formation", "Temps plein")
    for code in spec["publics"]:
        _add(action, "code-public-vise", code, ref="V12")
    _add(action, "niveau-entree-obligatoire", "0")
    _add(
        action,
        "modalites-alternance",
        "Alternance centre / entreprise" if spec["alternance"] else "-",
    )
    _add(action, "modalites-enseignement", spec["modalite"] or "-")
    _add(action, "conditions-specifiques", "-")
    _add(action, "prise-en-charge-frais-possible", spec["prise_en_charge"])
    for site in spec["sites"]:
        _adresse(_add(_add(action, "lieu-de-formation"), "coordonnees"), gazetteer, site)
    _add(action, "modalites-entrees-sorties", "0")
    for debut, fin in spec["sessions"]:
        session = _add(action, "session")
        periode = _add(session, "periode")
        _add(periode, "debut", debut)
        _add(periode, "fin", fin)
        _adresse(_add(session, "adresse-inscription"), gazetteer, spec["sites"][0])
    if spec["alternance"]:
        _add(action, "code-modalite-pedagogique", "96142", ref="V12")
    if spec["heures"]:
        name, value = spec["heures"]
        _add(action, name, value)


def _oui_non(value: bool | None) -> str | None:
    return None if value is None else OUI if value else NON


def demo_record(row: ImportedRow) -> dict[str, object]:
    """Return the LHEO record of one imported demo row (its place as the spreadsheet gives it)."""
    details = row.details
    return {
        "id": row.id,
        "intitule": row.intitule,
        "structure": row.structure,
        "adresse": row.adresse,
        "code_postal": row.code_postal,
        "commune": row.commune,
        "code_insee": row.code_insee,
        "site_web": row.site_web,
        "url_candidature": details.url_candidature,
        "contact_email": details.contact_email,
        "contact_telephone": details.contact_telephone,
        "certification": details.certification,
        "niveau_entree": details.niveau_entree.value if details.niveau_entree else None,
        "niveau_sortie": details.niveau_sortie.value if details.niveau_sortie else None,
        "public_vise": [public.value for public in details.public_vise],
        "alternance": _oui_non(details.alternance),
        "nombre_heures": details.nombre_heures,
        "prise_en_charge": _oui_non(details.prise_en_charge),
        "modalite": row.modalite.value if row.modalite else None,
        "sessions": [{"debut": debut, "fin": fin} for debut, fin in details.sessions],
    }


def build_demo(source: Path = DEMO_INPUT) -> bytes:
    """Return the bytes of ``data/exemple-lheo.xml``: the demo spreadsheet's trainings."""
    rows = import_table(read_table(source)).rows
    out = io.BytesIO()
    write_lheo((demo_record(row) for row in rows), out)
    return out.getvalue()


def build(gazetteer: Gazetteer) -> bytes:
    """Return the bytes of the reader's test cases (``tests/data/lheo-cas.xml``)."""
    root = etree.Element(Q + "lheo", nsmap={None: NAMESPACE_2_3})
    offres = _add(root, "offres")
    for spec in FORMATIONS:
        formation = _add(offres, "formation", numero=spec["numero"])
        _add(formation, "domaine-formation")
        _add(formation, "intitule-formation", spec["intitule"])
        for name in ("objectif-formation", "resultats-attendus", "contenu-formation"):
            _add(formation, name, "Formation fictive de démonstration.")
        _add(formation, "certifiante", "1" if spec["certification"] else "0")
        coordonnees = _add(_add(formation, "contact-formation"), "coordonnees")
        if spec["contact"]:
            telfixe, portable, courriel = spec["contact"]
            if telfixe:
                _add(_add(coordonnees, "telfixe"), "numtel", telfixe)
            if portable:
                _add(_add(coordonnees, "portable"), "numtel", portable)
            _add(coordonnees, "courriel", courriel)
        _add(formation, "parcours-de-formation", "1")
        _add(formation, "code-niveau-entree", spec["entree"])
        if spec["certification"]:
            name, code = spec["certification"]
            _add(_add(formation, "certification"), name, code)
        if spec["sortie"]:
            _add(formation, "code-niveau-sortie", spec["sortie"])
        if spec["url"]:
            _add(_add(formation, "url-formation"), "urlweb", spec["url"])
        for action in spec["actions"]:
            _action(formation, gazetteer, action)
        organisme = _add(formation, "organisme-formation-responsable")
        _add(organisme, "numero-activite", "00000000000")
        _add(_add(organisme, "SIRET-organisme-formation"), "SIRET", spec["siret"] or "-")
        _add(organisme, "nom-organisme", spec["organisme"])
        _add(organisme, "raison-sociale", "-")
        _add(_add(organisme, "coordonnees-organisme"), "coordonnees")
        _add(_add(organisme, "contact-organisme"), "coordonnees")
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def main() -> int:
    """Write the file, or with ``--check`` exit 1 when the committed file is stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    arguments = parser.parse_args()
    outputs = {OUTPUT: build_demo(), CASES_OUTPUT: build(Gazetteer.load())}
    if arguments.check:
        stale = [
            path for path, data in outputs.items() if not path.exists() or path.read_bytes() != data
        ]
        for path in stale:
            print(f"{path.name} is stale: run scripts/make_demo_lheo.py", file=sys.stderr)
        return 1 if stale else 0
    for path, data in outputs.items():
        write_bytes_atomic(path, data)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
