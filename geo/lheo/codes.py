"""LHEO code lists and their Carte GEN values, both ways: levels, publics, modes, dates, booleans.

Every translation between an LHEO code and one of our values lives here once; the reader
(:mod:`geo.lheo.mapping`), the writer (:mod:`geo.lheo.writer`) and the docs read these tables.
Sources: the LHEO 2.3 dictionaries ``dict-niveaux``, ``dict-modalites-enseignement``,
``dict-boolean``, the FORMACODE publics of ``dict-public-vise-formacode`` and the ``debut``/``fin``
date rules, as published by the LHEO project.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from geo.schema import NIVEAU_LABELS as SCHEMA_NIVEAUX
from geo.schema import PUBLIC_VISE_LABELS, Modalite, Niveau, TypeStructure

#: Namespace written by the writer (LHEO 2.3).
NAMESPACE_2_3: Final = "http://lheo.gouv.fr/2.3"

#: Namespaces read: LHEO 2.0–2.2 used ``http://www.lheo.org/2.x``, 2.3 moved to ``lheo.gouv.fr``.
KNOWN_NAMESPACE: Final = re.compile(r"^https?://(?:www\.)?lheo\.(?:org|gouv\.fr)/2\.\d+/?$")

#: ``type_structure`` of every LHEO record: LHEO does not say which kind of body runs a training.
TYPE_STRUCTURE_AUTRE: Final = TypeStructure.AUTRE.value

#: Text LHEO producers put in a required element whose value they do not know.
PLACEHOLDER: Final = "-"

#: ``info`` attribute the writer puts on a required coded element whose value Carte GEN does not
#: know; the reader treats such an element as absent, so an unknown value survives a round trip.
UNKNOWN_INFO: Final = "non renseigné (Carte GEN)"

# --------------------------------------------------------------------------- levels

#: Our level values come from :class:`geo.schema.Niveau`.
SANS_NIVEAU: Final = Niveau.SANS_NIVEAU.value
NIVEAU_LABELS: Final[dict[str, str]] = {
    level.value: label for level, label in SCHEMA_NIVEAUX.items()
}

#: LHEO ``dict-niveaux`` key → our level (None: « information non communiquée »).
#: Keys 0–8 are the published 2.3 dictionary (the 1969 nomenclature); the decree of
#: 8 January 2019 maps V → 3, IV → 4, III → 5, II → 6 and I → 7 or 8: key 8 (« niveau I,
#: supérieur à la maîtrise ») is read as 7, the level it names most often. Keys 2 and 3
#: (niveau VI, V bis) have no level of 3 or more. Keys 11–18 (levels 1–8 of the 2019
#: framework) are the new table proposed for LHEO (issue PEL-37) that some producers send.
NIVEAU_BY_LHEO_CODE: Final[dict[str, str | None]] = {
    "0": None,
    "1": SANS_NIVEAU,
    "2": SANS_NIVEAU,
    "3": SANS_NIVEAU,
    "4": "3",
    "5": "4",
    "6": "5",
    "7": "6",
    "8": "7",
    "11": SANS_NIVEAU,
    "12": SANS_NIVEAU,
    "13": "3",
    "14": "4",
    "15": "5",
    "16": "6",
    "17": "7",
    "18": "8",
}

#: Our level → the key the writer uses (published 2.3 dictionary only). Level 8 has no key of
#: its own there: it is written as 8 (niveau I) and reads back as 7.
LHEO_CODE_BY_NIVEAU: Final[dict[str, str]] = {
    SANS_NIVEAU: "1",
    "3": "4",
    "4": "5",
    "5": "6",
    "6": "7",
    "7": "8",
    "8": "8",
}
NIVEAU_INCONNU_CODE: Final = "0"

# --------------------------------------------------------------------------- publics

PUBLIC_LABELS: Final[dict[str, str]] = {
    public.value: label for public, label in PUBLIC_VISE_LABELS.items()
}

#: FORMACODE public code (``code-public-vise``) → our publics. A code absent here reads as
#: ``autre_public`` (kept, never dropped).
PUBLICS_BY_FORMACODE: Final[dict[str, tuple[str, ...]]] = {
    "80001": ("demandeurs_emploi",),  # public sans emploi
    "80003": ("demandeurs_emploi",),  # demandeur d'emploi plus de 26 ans
    "80004": ("demandeurs_emploi",),  # cadre demandeur d'emploi
    "80005": ("demandeurs_emploi",),  # bénéficiaire du RSA
    "80006": ("demandeurs_emploi",),  # demandeur d'emploi
    "80007": ("demandeurs_emploi",),  # demandeur d'emploi longue durée
    "80008": ("demandeurs_emploi",),  # licencié pour motif économique
    "80009": ("demandeurs_emploi", "jeunes_moins_26_ans"),  # demandeur d'emploi moins de 26 ans
    "80015": ("demandeurs_emploi",),  # bénéficiaire de l'ASS
    "80019": ("demandeurs_emploi",),  # bénéficiaire de l'ARE
    "80098": ("jeunes_moins_26_ans",),  # jeune (plan jeunes)
    "81024": ("jeunes_moins_26_ans",),  # jeune
    "81020": ("personnes_handicap",),  # handicapé
    "82044": ("salaries",),  # salarié
    "82045": ("salaries",),  # salarié en reconversion
    "82046": ("salaries",),  # salarié de l'artisanat
    "82047": ("salaries",),  # salarié en contrat aidé
    "82058": ("salaries",),  # public en emploi
    "82065": ("salaries",),  # salarié, plan de formation
    "82073": ("salaries",),  # salarié en période de professionnalisation
    "82027": ("salaries",),  # contrat d'apprentissage (an apprentice is an employee)
    "82029": ("salaries",),  # contrat de professionnalisation
    "83056": ("tout_public",),  # tout public
}

#: Our public → the code the writer uses (``ref`` attribute: FORMACODE version).
FORMACODE_BY_PUBLIC: Final[dict[str, str]] = {
    "demandeurs_emploi": "80006",
    "jeunes_moins_26_ans": "81024",
    "salaries": "82044",
    "personnes_handicap": "81020",
    "tout_public": "83056",
    "autre_public": "81099",
}
FORMACODE_VERSION: Final = "V12"
#: Neutral public written (with :data:`UNKNOWN_INFO`) when a record has none: LHEO needs one.
PUBLIC_INCONNU_CODE: Final = "83056"

# --------------------------------------------------------------------------- alternance

#: Codes that say a training is work-linked: ``code-modalite-pedagogique`` 96142
#: (« en alternance ») and the publics 82027/82029 (apprenticeship and
#: professionalisation contracts).
ALTERNANCE_MODALITE_CODE: Final = "96142"
ALTERNANCE_CODES: Final = frozenset({ALTERNANCE_MODALITE_CODE, "82027", "82029"})

# --------------------------------------------------------------------------- modes, booleans

#: ``dict-modalites-enseignement`` key → our mode.
MODALITE_BY_LHEO_CODE: Final[dict[str, Modalite]] = {
    "0": Modalite.PRESENTIEL,  # formation entièrement présentielle
    "1": Modalite.HYBRIDE,  # formation mixte
    "2": Modalite.DISTANCIEL,  # formation entièrement à distance
}
LHEO_CODE_BY_MODALITE: Final[dict[str, str]] = {
    value.value: key for key, value in MODALITE_BY_LHEO_CODE.items()
}

OUI: Final = "oui"
NON: Final = "non"
#: ``dict-boolean`` key → our yes/no.
BOOLEAN_BY_LHEO_CODE: Final[dict[str, str]] = {"0": NON, "1": OUI}
LHEO_CODE_BY_BOOLEAN: Final[dict[str, str]] = {NON: "0", OUI: "1"}

# --------------------------------------------------------------------------- dates

#: LHEO markers of an unknown date (``debut``/``fin``): the lowest and the highest.
UNKNOWN_DATES: Final = frozenset({"00000000", "99999999"})
UNKNOWN_DEBUT: Final = "00000000"
UNKNOWN_FIN: Final = "99999999"

_LHEO_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@lru_cache(maxsize=4096)  # a feed's sessions share few dates
def iso_date(lheo: str) -> str | None:
    """ISO 8601 text for an LHEO date (``AAAAMMJJ``), None for an unknown one.

    ``AAAAMM00`` (a month) gives ``AAAA-MM`` and ``AAAA0000`` (a year) gives ``AAAA``, as the
    LHEO docs define them. Any other text is returned stripped, unchanged, for the importer to
    judge: this module maps, it does not validate.
    """
    text = lheo.strip()
    if text in UNKNOWN_DATES or not text:
        return None
    match = _LHEO_DATE.match(text)
    if not match:
        return text
    year, month, day = match.groups()
    if month == "00":
        return year
    if day == "00":
        return f"{year}-{month}"
    return f"{year}-{month}-{day}"


def lheo_date(iso: str | None, unknown: str) -> str:
    """LHEO ``AAAAMMJJ`` for an ISO date, year or month; ``unknown`` for None.

    Text that is not an ISO date is written as it is (the reader gives it back unchanged).
    """
    if iso is None:
        return unknown
    match = _ISO_DATE.match(iso)
    if not match:
        return iso
    year, month, day = match.groups()
    return f"{year}{month or '00'}{day or '00'}"


# --------------------------------------------------------------------------- hours → months

#: Full-time hours in a month: 35 h a week × 52 weeks / 12 months (the French legal duration).
HEURES_PAR_MOIS: Final = 35 * 52 / 12


def duree_mois_depuis_heures(heures: int) -> int:
    """Months of full-time training that ``heures`` hours make, rounded, at least 1.

    The rule the importer states in the row's warnings when it derives ``duree_mois`` from
    ``nombre_heures``: hours / (35 × 52 / 12), rounded to the nearest month.
    """
    if heures < 0:
        raise ValueError(f"nombre d'heures négatif : {heures}")
    return max(1, round(heures / HEURES_PAR_MOIS))
