"""Cell values of a training's details: sessions, contacts, certification, levels, publics.

Each parser takes one cell (text, a number, a JSON boolean, or the list an LHEO record or a JSON
array gives) and returns the typed value, or raises :class:`ValueProblem` with a French reason
naming the value. The two list fields (:func:`parse_sessions`, :func:`parse_public_vise`) keep
what they can read and return a note for each piece they could not, so one bad session or public
never empties the others. Labels and codes come from :mod:`geo.schema`.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache
from typing import Final
from urllib.parse import urlsplit

from geo.importer.headers import header_key
from geo.importer.model import Cell, Session, ValueProblem, cell_text
from geo.importer.values import parse_date
from geo.schema import (
    CERTIFICATION_PATTERN,
    NIVEAU_LABELS,
    OUI_NON_LABELS,
    PUBLIC_VISE_LABELS,
    Niveau,
    PublicVise,
)

# --------------------------------------------------------------------------- contacts

_EMAIL: Final = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
#: Longest e-mail address (RFC 5321: a path of 256 characters, less its two brackets).
MAX_EMAIL_CHARS: Final = 254


def parse_email(value: Cell) -> str:
    """Parse an e-mail address (``mailto:`` dropped, domain in lower case)."""
    text = cell_text(value).strip()
    address = re.sub(r"(?i)^mailto:", "", text).strip()
    if len(address) > MAX_EMAIL_CHARS or not _EMAIL.match(address):
        raise ValueProblem(f"courriel « {text} » invalide : attendu une adresse nom@domaine.fr")
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


#: Overseas calling codes of France and how many digits follow them. +262 (La Réunion,
#: Mayotte), +590 (Guadeloupe, Saint-Martin, Saint-Barthélemy), +594 (Guyane) and +596
#: (Martinique) are followed by the 9 digits of the national number without its 0; the
#: territories of the Pacific and Saint-Pierre-et-Miquelon have numbering plans of their own.
OVERSEAS_CALLING_CODES: Final[dict[str, int]] = {
    "262": 9,
    "590": 9,
    "594": 9,
    "596": 9,
    "269": 9,  # Mayotte's former code, still written
    "508": 6,  # Saint-Pierre-et-Miquelon
    "681": 6,  # Wallis-et-Futuna
    "687": 6,  # Nouvelle-Calédonie
    "689": 8,  # Polynésie française
}
_PHONE_NOISE: Final = re.compile(r"[\s.\-/()]")
_SHORT_NUMBER: Final = re.compile(r"^3\d{3}$")  # 3949 (France Travail) and the like


def _pairs(digits: str) -> str:
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def parse_telephone(value: Cell) -> str:
    """Parse a phone number into ``01 23 45 67 89``, ``+262 262 12 34 56``, ``+687 12 34 56``.

    Accepted: 10 French digits starting with 0 (9 when a spreadsheet dropped the 0), +33 or
    0033 then 9 digits (written back as a national number), a French overseas code then its
    digits, another international number (``+`` and 9 to 15 digits, kept as digits), and
    4-digit service numbers starting with 3 (3949).
    """
    text = cell_text(value).strip()
    compact = _PHONE_NOISE.sub("", text.replace("(0)", ""))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if _SHORT_NUMBER.match(compact):
        return compact
    if compact.startswith("+"):
        digits = compact[1:]
        if digits.isascii() and digits.isdigit():
            if digits.startswith("33") and len(digits) == 11 and digits[2] != "0":
                return _pairs("0" + digits[2:])
            for code, length in OVERSEAS_CALLING_CODES.items():
                if digits.startswith(code) and len(digits) == len(code) + length:
                    rest = digits[len(code) :]
                    head = f"+{code} {rest[:3]} " if length == 9 else f"+{code} "
                    return head + _pairs(rest[3:] if length == 9 else rest)
            if 9 <= len(digits) <= 15 and not digits.startswith(("33", "0")):
                return "+" + digits
    elif compact.isascii() and compact.isdigit():
        if len(compact) == 9 and compact[0] != "0":
            compact = "0" + compact  # Excel read the number as a number
        if len(compact) == 10 and compact[0] == "0" and compact[1] != "0":
            return _pairs(compact)
    raise ValueProblem(
        f"téléphone « {text} » invalide : attendu 10 chiffres (01 23 45 67 89) ou un numéro "
        "international (+33 1 23 45 67 89, +262 262 12 34 56)"
    )


def parse_url(value: Cell) -> str:
    """Parse an http(s) web address; ``https://`` is added when no scheme is written."""
    text = cell_text(value).strip()
    url = text if re.match(r"(?i)^[a-z][a-z0-9+.-]*:", text) else "https://" + text
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if (
        parts.scheme.lower() not in ("http", "https")
        or not url.lower().startswith(("http://", "https://"))
        or " " in url
        or not re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", host)
    ):
        raise ValueProblem(f"lien « {text} » invalide : adresse http(s) attendue")
    return url


# --------------------------------------------------------------------------- certification

_CERTIFICATION: Final = re.compile(CERTIFICATION_PATTERN)
_CERTIFICATION_PAGE: Final = re.compile(r"(?i)/(rncp|rs)/(\d{1,6})/?(?:[?#].*)?$")
_CERTIFICATION_NOISE: Final = re.compile(r"[\s.:\-_#]|N°|NO(?=\d)|FICHE")


def parse_certification(value: Cell) -> str:
    """Parse an RNCP or RS code as France Compétences writes it: ``RNCP37873``, ``RS5432``.

    Accepts ``RNCP 37873``, ``rncp37873``, ``RNCP n° 37873`` and the address of the
    certification's page; a bare number is refused (it could be either register).
    """
    text = cell_text(value).strip()
    if page := _CERTIFICATION_PAGE.search(text):
        code = page.group(1).upper() + str(int(page.group(2)))
    else:
        code = _CERTIFICATION_NOISE.sub("", text.upper())
        code = re.sub(r"^(RNCP|RS)0*(?=\d)", r"\1", code)
    if not _CERTIFICATION.match(code):
        raise ValueProblem(
            f"certification « {text} » illisible : attendu un code RNCP ou RS (ex. RNCP37873, "
            "RS5432)"
        )
    return code


# --------------------------------------------------------------------------- levels

#: Ways of writing a level besides its value and label: the level number, and the diplomas
#: the national framework itself names for each level. « niveau I » (7 or 8) and bare 1 or
#: 2 (a level of the 2019 framework, or the 1969 one) are ambiguous and not accepted.
NIVEAU_ALIASES: Final[dict[Niveau, tuple[str, ...]]] = {
    Niveau.SANS_NIVEAU: ("sans niveau", "sans niveau spécifique", "aucun niveau", "niveau 1",
                         "niveau 2"),
    Niveau.NIVEAU_3: ("niveau 3", "niveau V", "CAP", "BEP", "CAP BEP"),
    Niveau.NIVEAU_4: ("niveau 4", "niveau IV", "bac", "baccalauréat", "bac pro",
                      "brevet professionnel", "BP"),
    Niveau.NIVEAU_5: ("niveau 5", "niveau III", "bac+2", "BTS", "DEUST", "DUT"),
    Niveau.NIVEAU_6: ("niveau 6", "niveau II", "bac+3", "bac+4", "licence",
                      "licence professionnelle", "BUT"),
    Niveau.NIVEAU_7: ("niveau 7", "bac+5", "master", "diplôme d'ingénieur"),
    Niveau.NIVEAU_8: ("niveau 8", "bac+8", "doctorat"),
}  # fmt: skip


def _index(
    labels: dict[Niveau, str] | dict[PublicVise, str], aliases: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    index: dict[str, str] = {}
    for value, label in labels.items():
        for text in (value.value, label, re.sub(r"\(.*\)", "", label), *aliases.get(value, ())):
            index[header_key(text)] = value.value
    return index


_NIVEAU_INDEX: Final = _index(NIVEAU_LABELS, NIVEAU_ALIASES)  # type: ignore[arg-type]


def parse_niveau(value: Cell) -> Niveau:
    """Parse a level of the national framework: ``5``, ``niveau 5``, ``Bac+2``, ``BTS``, a label."""
    text = cell_text(value).strip()
    found = _NIVEAU_INDEX.get(header_key(text))
    if found is None:
        raise ValueProblem(
            f"niveau « {text} » inconnu : attendu 3 à 8 (niveaux du cadre national) ou "
            "« sans niveau spécifique »"
        )
    return Niveau(found)


# --------------------------------------------------------------------------- publics

PUBLIC_VISE_ALIASES: Final[dict[PublicVise, tuple[str, ...]]] = {
    PublicVise.DEMANDEURS_EMPLOI: ("demandeur d'emploi", "DE", "DEFM", "chômeurs",
                                   "personnes en recherche d'emploi"),
    PublicVise.JEUNES_MOINS_26_ANS: ("jeunes", "jeune", "moins de 26 ans", "-26 ans",
                                     "jeunes de 16 à 25 ans", "16-25 ans"),
    PublicVise.SALARIES: ("salarié", "salariés en reconversion", "actifs occupés"),
    PublicVise.PERSONNES_HANDICAP: ("personnes handicapées", "handicap", "RQTH",
                                    "travailleurs handicapés"),
    PublicVise.TOUT_PUBLIC: ("tous publics", "tout le monde"),
    PublicVise.AUTRE_PUBLIC: ("autre", "autres"),
}  # fmt: skip
_PUBLIC_INDEX: Final = _index(PUBLIC_VISE_LABELS, PUBLIC_VISE_ALIASES)  # type: ignore[arg-type]
_LIST_SEPARATOR: Final = re.compile(r"[;,|\n/]")


def _items(value: Cell) -> list[object]:
    """Return the items of a list cell: a list as it is, a JSON array's items, or separated text."""
    return _split_cell(value, _LIST_SEPARATOR)


def _split_cell(value: Cell, separator: re.Pattern[str]) -> list[object]:
    """Return a list cell's items: a list as it is, a JSON array's, or the text's parts."""
    if isinstance(value, list | tuple):
        return list(value)
    text = cell_text(value).strip() if not isinstance(value, str) else value.strip()
    if text.startswith("["):
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError:
            pass
        else:
            if isinstance(decoded, list):
                return decoded
    return [part for part in separator.split(text) if part.strip()]


def parse_public_vise(value: Cell) -> tuple[tuple[PublicVise, ...], list[str]]:
    """Publics in schema order, without duplicates, and a note for each unknown item.

    Items are codes or labels (``demandeurs_emploi``, « Salariés »), separated by ``;``, ``,``,
    ``|`` or ``/``, or given as a list.
    """
    found: set[str] = set()
    notes: list[str] = []
    for item in _items(value):
        text = cell_text(item).strip()
        public = _PUBLIC_INDEX.get(header_key(text))
        if public is not None:
            found.add(public)
        elif text:
            notes.append(
                f"public « {text} » inconnu, ignoré (valeurs admises : "
                + ", ".join(PUBLIC_VISE_LABELS.values())
                + ")"
            )
    return tuple(public for public in PublicVise if public.value in found), notes


# --------------------------------------------------------------------------- yes / no

#: Texts read as yes and as no (compared without case or accents).
OUI_NON_TEXTS: Final[dict[bool, tuple[str, ...]]] = {
    True: (OUI_NON_LABELS[True], "o", "vrai", "x", "1", "true", "yes", "y"),
    False: (OUI_NON_LABELS[False], "n", "faux", "0", "false", "no"),
}
_OUI_NON_INDEX: Final = {header_key(t): v for v, texts in OUI_NON_TEXTS.items() for t in texts}


def parse_oui_non(value: Cell) -> bool:
    """Yes or no: ``oui``/``non``, ``o``/``n``, ``vrai``/``faux``, ``x``, ``1``/``0``, booleans."""
    if isinstance(value, bool):
        return value
    text = cell_text(value).strip()
    found = _OUI_NON_INDEX.get(header_key(text))
    if found is None:
        raise ValueProblem(f"« {text} » n'est ni oui ni non : attendu oui ou non")
    return found


# --------------------------------------------------------------------------- hours

_HEURES: Final = re.compile(r"^(\d+(?:[.,]0+)?)\s*(?:h|heures?|hrs?)?$", re.IGNORECASE)
MAX_HEURES: Final = 10_000


def parse_heures(value: Cell) -> int:
    """Parse a whole number of hours from 1 to 10,000: ``400``, ``400 h``, ``400 heures``."""
    text = cell_text(value).strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif match := _HEURES.match(text.replace("\u202f", "").replace("\xa0", "")):
        number = float(match.group(1).replace(",", "."))
    else:
        raise ValueProblem(f"nombre d'heures « {text} » illisible : attendu un nombre (ex. 400)")
    if not number.is_integer() or not 1 <= number <= MAX_HEURES:
        raise ValueProblem(
            f"nombre d'heures « {text} » invalide : attendu un nombre entier de 1 à {MAX_HEURES}"
        )
    return int(number)


# --------------------------------------------------------------------------- sessions

_DATE_TOKEN: Final = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{1,2}/\d{2}(?!\d)"
    r"|\d{1,2}\.\d{1,2}\.\d{4}|\d{8}|\d{4}-\d{2}(?![\d-])|(?<![\d/.-])\d{4}(?![\d/.-])"
)
_SESSION_SEPARATOR: Final = re.compile(r"[;\n|]")
#: Words and signs allowed around the dates of a session (« du … au … », « … - … »).
_FILLER: Final = re.compile(r"(?i)^(?:[\s/\-–—:→>,]|du|au|de|le|a|à|partir|jusqu'?|session)*$")
_END_FIRST: Final = re.compile(r"(?i)^\s*(?:/|-|–|au|jusqu'?\s*au)")
_PARTIAL_MONTH: Final = re.compile(r"^(\d{4})-(\d{2})$")
_PARTIAL_YEAR: Final = re.compile(r"^\d{4}$")
_LHEO_DATE: Final = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@lru_cache(maxsize=16384)  # a feed repeats its session dates
def _session_date(token: str, end: bool) -> tuple[str, str | None]:
    """ISO date of one token and a note when it was only a month or a year.

    A month or a year (LHEO's ``AAAAMM00``, ``AAAA0000``) stands for its first day as a
    start and its last day as an end, so a session is never taken as over too early.
    """
    if match := _LHEO_DATE.match(token):
        year, month, day = match.groups()
        token = year if month == "00" else f"{year}-{month}" if day == "00" else token
        if len(token) == 8:
            token = f"{year}-{month}-{day}"
    if match := _PARTIAL_MONTH.match(token):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueProblem(f"date « {token} » illisible")
        day = calendar.monthrange(year, month)[1] if end else 1
        found = date(year, month, day).isoformat()
        return found, f"date « {token} » sans jour : lue comme le {found}"
    if _PARTIAL_YEAR.match(token):
        found = f"{token}-12-31" if end else f"{token}-01-01"
        return found, f"date « {token} » sans jour ni mois : lue comme le {found}"
    return parse_date(token), None


def _one_session(text: str) -> tuple[Session, list[str]]:
    tokens = _DATE_TOKEN.findall(text)
    rest = _DATE_TOKEN.sub(" ", text)
    if not tokens or len(tokens) > 2 or not _FILLER.match(rest):
        raise ValueProblem(
            f"session « {text.strip()} » illisible : attendu « début/fin » en dates "
            "(ex. 2027-01-05/2027-06-30 ou du 05/01/2027 au 30/06/2027)"
        )
    notes: list[str] = []
    ends = [False, True] if len(tokens) == 2 else [bool(_END_FIRST.match(text))]
    dates: list[str] = []
    for token, end in zip(tokens, ends, strict=True):
        found, note = _session_date(token, end)
        dates.append(found)
        if note:
            notes.append(note)
    if len(tokens) == 1:
        return ((None, dates[0]) if ends[0] else (dates[0], None)), notes
    if dates[1] < dates[0]:
        raise ValueProblem(f"session « {text.strip()} » : la fin est avant le début")
    return (dates[0], dates[1]), notes


def _mapping_session(item: dict[object, object]) -> tuple[Session, list[str]]:
    """Read a ``{"debut", "fin"}`` object (JSON, LHEO record)."""
    unknown = set(map(str, item)) - {"debut", "fin"}
    if unknown:
        raise ValueProblem(
            f"session {json.dumps(item, ensure_ascii=False)} : attendu les clés debut et fin"
        )
    sides: list[str | None] = []
    notes: list[str] = []
    for key, end in (("debut", False), ("fin", True)):
        side = item.get(key)
        token = side.strip() if isinstance(side, str) else cell_text(side).strip()
        if not token:
            sides.append(None)
            continue
        if not _DATE_TOKEN.fullmatch(token):
            raise ValueProblem(
                f"date de session « {token} » illisible : attendu AAAA-MM-JJ ou JJ/MM/AAAA"
            )
        found, note = _session_date(token, end)
        sides.append(found)
        if note:
            notes.append(note)
    debut, fin = sides
    if debut is None and fin is None:
        raise ValueProblem("session sans date de début ni de fin")
    if debut is not None and fin is not None and fin < debut:
        raise ValueProblem(f"session du {debut} au {fin} : la fin est avant le début")
    return (debut, fin), notes


def _session_items(value: Cell) -> Iterable[object]:
    if isinstance(value, date):
        return [parse_date(value)]
    return _split_cell(value, _SESSION_SEPARATOR)


def sorted_sessions(sessions: Iterable[Session]) -> tuple[Session, ...]:
    """Sessions sorted by start (unknown starts first), then by end."""
    return tuple(sorted(sessions, key=lambda s: (s[0] is not None, s[0] or "", s[1] or "")))


def parse_session_row(debut: Cell, fin: Cell) -> tuple[Session | None, list[str]]:
    """Read the one session of a row's « début » and « fin » cells (a session per row).

    Each cell is a date as :func:`parse_sessions` reads one (``05/01/2027``, ``2027-01-05``,
    an Excel date…), or empty; ``None`` when both are empty or the session cannot be read
    (then with a note).
    """
    sides: dict[object, object] = {
        key: parse_date(cell) if isinstance(cell, date) else cell_text(cell).strip()
        for key, cell in (("debut", debut), ("fin", fin))
    }
    if not any(sides.values()):
        return None, []
    try:
        return _mapping_session(sides)
    except ValueProblem as exc:
        return None, [f"{exc} ; session ignorée"]


def parse_sessions(value: Cell) -> tuple[tuple[Session, ...], list[str]]:
    """Sessions sorted by start (unknown starts first), and a note per piece read or refused.

    A cell holds sessions separated by ``;`` (or a line break, or ``|``), each « début/fin »:
    ``2027-01-05/2027-06-30``, ``05/09/2027 - 28/02/2028``, ``du 05/01/2027 au 30/06/2027``,
    a start alone (``2027-01-05``) or an end alone (``/2027-06-30``); or a list of
    ``{"debut", "fin"}`` objects (JSON, LHEO). A session that cannot be read, or ends before
    it starts, is left out with a note; the others are kept.
    """
    sessions: list[Session] = []
    notes: list[str] = []
    for item in _session_items(value):
        try:
            if isinstance(item, dict):
                session, found_notes = _mapping_session(item)
            else:
                session, found_notes = _one_session(cell_text(item))
        except ValueProblem as exc:
            notes.append(f"{exc} ; session ignorée")
            continue
        sessions.append(session)
        notes.extend(found_notes)
    return sorted_sessions(sessions), notes


def prochaine_session(sessions: Sequence[Session], build_date: date) -> str | None:
    """Return the earliest session start on or after ``build_date`` (ISO), or ``None``."""
    today = build_date.isoformat()
    return min(
        (debut for debut, _ in sessions if debut is not None and debut >= today), default=None
    )
