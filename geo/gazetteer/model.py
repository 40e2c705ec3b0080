"""The gazetteer's records and code helpers: communes, localities, postcodes, INSEE codes."""

from __future__ import annotations

import re
from dataclasses import dataclass

_POSTCODE_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Commune:
    """A current commune or a municipal arrondissement of Paris, Lyon or Marseille."""

    code_insee: str
    nom: str
    codes_postaux: tuple[str, ...]
    departement: str
    departement_nom: str
    region: str
    region_nom: str
    population: int | None
    lon: float
    lat: float
    position: str
    type: str


@dataclass(frozen=True, slots=True)
class Locality:
    """A commune déléguée or associée: its own name and town hall, inside a current commune."""

    code_insee: str
    nom: str
    commune: str  # INSEE code of the current commune
    lon: float
    lat: float
    position: str


def normalise_postcode(code_postal: str | None) -> str | None:
    """Five-digit postcode from user text: '75011', ' 1000 ' → '01000', '75700 CEDEX 07'.

    Returns ``None`` when the text holds no plausible postcode.
    """
    if not code_postal:
        return None
    found = _POSTCODE_DIGITS.search(code_postal)
    if found is None:
        return None
    digits = found.group()
    if len(digits) == 4:
        digits = "0" + digits
    return digits if len(digits) == 5 else None


def departement_of_postcode(code_postal: str) -> tuple[str, ...]:
    """Départements a postcode may belong to: '20000' → ('2A', '2B'), '97400' → ('974',).

    By its prefix: a few postcodes cross a border (97133 is Saint-Barthélemy, 977).
    """
    if code_postal.startswith("20"):
        return ("2A", "2B")
    if code_postal.startswith(("97", "98")):
        return (code_postal[:3],)
    return (code_postal[:2],)


def _numbered_for(commune: Commune, code_postal: str) -> bool:
    """Whether an arrondissement's number is the one its postcode spells (13013 → 13e).

    Paris 751NN and Marseille 132NN match 750NN/751NN and 130NN; Lyon 6938N matches 6900N.
    """
    if commune.type != "arrondissement_municipal" or code_postal not in commune.codes_postaux:
        return False
    return int(commune.code_insee[-2:]) % 80 == int(code_postal[-2:])


def _normalise_code(code: str) -> str:
    """Return an INSEE code as the COG writes it: ' 2a004 ' → '2A004', '1001' → '01001'."""
    code = code.strip().upper()
    return "0" + code if len(code) == 4 and code.isdigit() else code
