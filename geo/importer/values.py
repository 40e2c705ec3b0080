"""Cell values to typed values: durations, codes, coordinates, dates, web sites, labels.

Each parser takes one cell and returns the typed value, or raises :class:`ValueProblem` with
a French reason. Structure types are recognised from our labels and their aliases, from the
INSEE legal categories (codes and labels, :mod:`geo.categories_juridiques`), from the
data·inclusion ``typologie`` codes, and tolerantly when accents were lost (U+FFFD).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Final
from urllib.parse import urlsplit

from geo.categories_juridiques import CATEGORIES_JURIDIQUES, type_of_category
from geo.importer.encoding import repair_mojibake
from geo.importer.headers import header_key
from geo.importer.model import Cell, ValueProblem
from geo.importer.model import cell_text as _cell_text
from geo.schema import (
    DUREE_MAX_MOIS,
    DUREE_MIN_MOIS,
    MODALITE_LABELS,
    TYPE_STRUCTURE_LABELS,
    Modalite,
    TypeStructure,
)
from geo.text import fold

_DUREE = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(mois|m|an|ans|annee|annees)?$")
_DIGIT_SPACE_DIGIT = re.compile(r"(?<=\d) (?=\d)")


def parse_duree(value: Cell) -> int:
    """Parse a duration in whole months: ``6``, ``"6 mois"``, ``"6,0"``, ``"1 an"`` (12).

    Raises :class:`ValueProblem` when unreadable, not whole or outside 3..24 months.
    """
    if isinstance(value, bool):
        raise ValueProblem("durée illisible")
    if isinstance(value, int | float):
        return _months_in_range(float(value), str(value))
    return _parse_duree_text(str(value))


@lru_cache(maxsize=4096)
def _parse_duree_text(value: str) -> int:
    if "-" in value:  # fold() would drop the sign of "-6"
        raise ValueProblem(f"durée « {value} » illisible : attendu un nombre de mois (ex. 6)")
    text = _DIGIT_SPACE_DIGIT.sub(".", fold(value))  # fold turned "6,5" into "6 5"
    match = _DUREE.match(text)
    if not match:
        raise ValueProblem(f"durée « {value} » illisible : attendu un nombre de mois (ex. 6)")
    amount, unit = float(match.group(1).replace(",", ".")), match.group(2)
    months = amount * 12 if unit in ("an", "ans", "annee", "annees") else amount
    return _months_in_range(months, value)


def _months_in_range(months: float, value: str) -> int:
    if not months.is_integer():
        raise ValueProblem(f"durée « {value} » : attendu un nombre entier de mois")
    if not DUREE_MIN_MOIS <= months <= DUREE_MAX_MOIS:
        raise ValueProblem(
            f"durée « {value} » hors limites : entre {DUREE_MIN_MOIS} et {DUREE_MAX_MOIS} mois"
        )
    return int(months)


def parse_code_postal(value: Cell) -> str:
    """Five-digit postcode; restores a leading zero lost by Excel (``1400`` → ``"01400"``)."""
    if isinstance(value, str) and len(value) == 5 and value.isascii() and value.isdigit():
        return value
    text = re.sub(r"\s+", "", _cell_text(value))
    text = re.sub(r"(?i)cedex\d*$", "", text)
    if re.fullmatch(r"\d{4}", text):
        text = "0" + text
    if not re.fullmatch(r"\d{5}", text):
        raise ValueProblem(f"code postal « {_cell_text(value)} » invalide : attendu 5 chiffres")
    return text


def parse_code_insee(value: Cell) -> str:
    """Parse a 5-character INSEE code (``2A``/``2B`` for Corsica), restoring a lost leading 0."""
    if isinstance(value, str) and len(value) == 5 and value.isascii() and value.isdigit():
        return value
    text = re.sub(r"\s+", "", _cell_text(value)).upper()
    if re.fullmatch(r"\d{4}", text):
        text = "0" + text
    if not re.fullmatch(r"\d{5}|2[AB]\d{3}", text):
        raise ValueProblem(
            f"code INSEE « {_cell_text(value)} » invalide : attendu 5 caractères (ex. 75056, 2A004)"
        )
    return text


def parse_coordinate(value: Cell) -> float:
    """Parse a decimal degree, accepting a decimal comma and a trailing ``°``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = _cell_text(value).replace(" ", "").rstrip("°").replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueProblem(f"coordonnée « {_cell_text(value)} » non numérique") from None
    if number != number or abs(number) > 180:  # NaN or not a degree
        raise ValueProblem(f"coordonnée « {_cell_text(value)} » hors limites")
    return number


MODALITE_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    Modalite.PRESENTIEL: ("présentiel", "en présentiel", "sur site", "en centre", "face à face"),
    Modalite.DISTANCIEL: (
        "distanciel",
        "à distance",
        "distance",
        "en ligne",
        "100 % à distance",
        "100 % en ligne",
        "foad",
        "e-learning",
    ),
    Modalite.HYBRIDE: (
        "hybride",
        "mixte",
        "blended",
        "présentiel et distanciel",
        "présentiel et à distance",
        "présentiel/distanciel",
    ),
}


def _label_index(labels: Mapping[str, str], aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for value, label in labels.items():
        for text in (value, label, *aliases.get(value, ())):
            index[header_key(text)] = value
    return index


#: Usual ways of writing a structure type, besides its label. Short forms of the INSEE legal
#: categories (« SARL », « EPCI », « GIP »…) and the data·inclusion ``typologie`` codes
#: (« MUNI », « CCAS », « ASSO »…) are here; the INSEE codes and labels themselves are in
#: :data:`geo.categories_juridiques.CATEGORIES_JURIDIQUES`.
TYPE_STRUCTURE_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    TypeStructure.ECOLE: (
        "école",
        "école privée",
        "organisme de formation",
        "of",
        "centre de formation",
        "institut",
        "université",
        "lycée",
        "cfa",
        "établissement d'enseignement",
        "afpa",
        "e2c",
    ),
    TypeStructure.ASSOCIATION: (
        "asso",
        "assoc",
        "association loi 1901",
        "loi 1901",
        "fondation",
        "tiers-lieu associatif",
        "centre social",
        "mjc",
        "pimms",
        "mission locale",
    ),
    TypeStructure.COLLECTIVITE: (
        "collectivité",
        "collectivité territoriale",
        "collectivité locale",
        "collectivité locale ou territoriale",
        "mairie",
        "commune",
        "muni",
        "ville",
        "département",
        "dept",
        "conseil départemental",
        "région",
        "reg",
        "conseil régional",
        "métropole",
        "communauté de communes",
        "communauté d'agglomération",
        "communauté urbaine",
        "intercommunalité",
        "epci",
        "établissement public de coopération intercommunale",
        "syndicat",
        "syndicat mixte",
        "syndicat intercommunal",
        "médiathèque",
        "bibliothèque",
    ),
    TypeStructure.ENTREPRISE: (
        "société",
        "sas",
        "sasu",
        "sarl",
        "eurl",
        "sa",
        "snc",
        "scop",
        "scic",
        "start-up",
        "startup",
        "pme",
        "esn",
        "entreprise privée",
        "auto-entrepreneur",
        "micro-entreprise",
    ),
    TypeStructure.ETABLISSEMENT_PUBLIC: (
        "établissement public",
        "etablissement public",
        "ep",
        "epic",
        "epa",
        "gip",
        "greta",
        "cci",
        "chambre de commerce et d'industrie",
        "chambre de métiers",
        "opérateur public",
        "état",
        "services de l'état",
        "préfecture",
        "ccas",
        "cias",
        "caf",
        "msa",
        "france travail",
        "pôle emploi",
    ),
    TypeStructure.AUTRE: ("autre", "autres", "non renseigné"),
}


def _type_index() -> dict[str, str]:
    """Key → type: INSEE labels (with and without their parentheses), then ours, which win."""
    index: dict[str, str] = {}
    for label, kind in CATEGORIES_JURIDIQUES.values():
        index[header_key(label)] = kind.value
        index[header_key(_PARENTHESES.sub(" ", label))] = kind.value
    index.update(
        _label_index({k.value: v for k, v in TYPE_STRUCTURE_LABELS.items()}, TYPE_STRUCTURE_ALIASES)
    )
    return index


_PARENTHESES: Final = re.compile(r"\(([^)]*)\)")
_TYPE_INDEX: Final = _type_index()
_MODALITE_INDEX: Final = _label_index(
    {k.value: v for k, v in MODALITE_LABELS.items()}, MODALITE_ALIASES
)
_CATEGORY_CODE: Final = re.compile(r"^\s*(\d{1,4})(?:\s*[-–:.]\s*|\s+|$)")
_LIST_SEPARATORS: Final = re.compile(r"[;,|/+]")
_REPLACEMENT: Final = "\ufffd"


@lru_cache(maxsize=4096)
def _label_key(text: str) -> str:
    return header_key(text)


@lru_cache(maxsize=4096)
def match_type_structure(text: str) -> tuple[TypeStructure | None, bool]:
    """Structure type a label stands for, and whether it was guessed past lost accents (U+FFFD).

    Tried in order: our labels and aliases, INSEE labels, an INSEE code (``7210``,
    ``7210 - Commune…``), the label without or within its parentheses, then each part of a
    list (``ASSO;MUNI``). ``(None, False)`` when nothing matches.
    """
    text = repair_mojibake(text)
    if _REPLACEMENT in text:
        return _tolerant_type(text), True
    for candidate in _type_candidates(text):
        if found := _TYPE_INDEX.get(_label_key(candidate)):
            return TypeStructure(found), False
        match = _CATEGORY_CODE.match(candidate)
        if match and (kind := type_of_category(match.group(1))):
            return kind, False
    return None, False


def _type_candidates(text: str) -> Iterable[str]:
    yield text
    inner = _PARENTHESES.findall(text)
    if inner:
        yield _PARENTHESES.sub(" ", text)
        yield from inner
    parts = _LIST_SEPARATORS.split(text)
    if len(parts) > 1:
        yield from (part for part in parts if part.strip())


def _tolerant_type(text: str) -> TypeStructure | None:
    """Find the only type whose known labels match ``text`` when each U+FFFD is any 1-2 letters."""
    keys = [header_key(part) for part in text.split(_REPLACEMENT)]
    pattern = re.compile(".{0,2}".join(re.escape(key) for key in keys))
    found = {kind for key, kind in _TYPE_INDEX.items() if pattern.fullmatch(key)}
    return TypeStructure(found.pop()) if len(found) == 1 else None


def parse_type_structure(value: Cell) -> TypeStructure:
    """Structure type from a label (``"Asso"``, ``"Mairie"``, ``"SARL"``, ``"7210"``…)."""
    found, _ = match_type_structure(_cell_text(value))
    if found is None:
        allowed = ", ".join(TYPE_STRUCTURE_LABELS.values())
        raise ValueProblem(
            f"type de structure « {_cell_text(value)} » inconnu : valeurs admises : {allowed}, "
            "ou une catégorie juridique INSEE"
        )
    return found


def parse_modalite(value: Cell) -> Modalite:
    """Delivery mode from a human label (``"Présentiel"``, ``"À distance"``, ``"Mixte"``…)."""
    found = _MODALITE_INDEX.get(_label_key(_cell_text(value)))
    if found is None:
        allowed = ", ".join(MODALITE_LABELS.values())
        raise ValueProblem(
            f"modalité « {_cell_text(value)} » inconnue : valeurs admises : {allowed}"
        )
    return Modalite(found)


_EXCEL_EPOCH: Final = date(1899, 12, 30)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?$")
_FR_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")


def parse_date(value: Cell) -> str:
    """ISO date from ISO text, French ``dd/mm/yyyy``, an Excel date cell or an Excel serial."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _cell_text(value)
    try:
        if match := _ISO_DATE.match(text):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day).isoformat()
        if match := _FR_DATE.match(text):
            day, month, year = (int(g) for g in match.groups())
            if year < 100:
                year += 2000
            return date(year, month, day).isoformat()
        if re.fullmatch(r"\d{5}", text) and 20000 <= int(text) <= 80000:
            return (_EXCEL_EPOCH + timedelta(days=int(text))).isoformat()
    except ValueError:
        pass
    raise ValueProblem(f"date « {text} » illisible : attendu JJ/MM/AAAA ou AAAA-MM-JJ")


def parse_site_web(value: Cell) -> str:
    """Parse an http(s) URL, adding ``https://`` when the scheme is missing."""
    text = _cell_text(value).strip()
    if not re.match(r"(?i)^[a-z][a-z0-9+.-]*://", text):
        text = "https://" + text
    parts = urlsplit(text)
    host = parts.hostname or ""
    if (
        parts.scheme.lower() not in ("http", "https")
        or " " in text
        or not re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", host.lower())
    ):
        raise ValueProblem(f"site web « {_cell_text(value)} » invalide : adresse http(s) attendue")
    return text
