"""Read CSV/XLSX spreadsheets of trainings into validated rows and a report of problems.

The stages are separate so each can be tested alone: bytes → text (:func:`decode_text`) →
table (:func:`parse_csv` / :func:`parse_xlsx`) → header mapping (:func:`map_headers`) →
row validation (:func:`validate_row`) → :func:`import_table`. Only :func:`read_table` and
:func:`write_report` touch the file system. No geocoding happens here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from geo.io import write_bytes_atomic
from geo.schema import (
    DUREE_MAX_MOIS,
    DUREE_MIN_MOIS,
    MODALITE_LABELS,
    TYPE_STRUCTURE_LABELS,
    Modalite,
    TypeStructure,
)
from geo.text import fold

#: A spreadsheet cell: text from a CSV, or whatever openpyxl read from an XLSX cell.
Cell = object


class InputFileError(Exception):
    """A fatal problem with the input file as a whole; the message is French and user-facing."""


class Level(StrEnum):
    """Severity of a reported problem."""

    REJET = "rejet"  # the row is not in the output
    AVERTISSEMENT = "avertissement"  # the row is in the output, something was corrected or dropped


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem of one row, as shown in the rejection report."""

    ligne: int  # row number as the user sees it in the spreadsheet (the header is usually row 1)
    identifiant: str | None
    colonne: str | None  # the header as written in the file, or the field name
    motif: str  # French, says what is wrong and what was expected
    niveau: Level = Level.REJET


@dataclass(frozen=True, slots=True)
class Table:
    """A parsed spreadsheet: its header row and its data rows with their spreadsheet numbers."""

    headers: tuple[str, ...]
    header_line: int
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]
    format: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None


@dataclass(frozen=True, slots=True)
class ImportedRow:
    """A validated training row, not yet placed."""

    ligne: int
    id: str
    intitule: str
    structure: str
    type_structure: TypeStructure
    adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    code_insee: str | None = None
    duree_mois: int | None = None
    modalite: Modalite | None = None
    site_web: str | None = None
    date_labellisation: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def has_place_hint(self) -> bool:
        """Whether the row has any textual location (INSEE code, postcode or commune name)."""
        return bool(self.code_insee or self.code_postal or self.commune)


@dataclass(slots=True)
class ImportResult:
    """Rows that passed validation, and every problem found (rejections and warnings)."""

    rows: list[ImportedRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rows_read: int = 0
    header_map: dict[str, int] = field(default_factory=dict)
    #: field → the header as written in the file, for messages of later stages
    column_names: dict[str, str] = field(default_factory=dict)

    @property
    def rejected_lines(self) -> set[int]:
        """Spreadsheet row numbers of rejected rows."""
        return {i.ligne for i in self.issues if i.niveau is Level.REJET}


# --------------------------------------------------------------------------- headers

#: Accepted headers per field. Matching ignores case, accents, spaces and punctuation.
HEADER_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "id": ("id", "identifiant", "ref", "référence", "code formation", "n°", "numéro", "num"),
    "intitule": (
        "intitulé",
        "intitulé de la formation",
        "titre",
        "titre de la formation",
        "formation",
        "nom de la formation",
        "libellé",
        "libellé de la formation",
    ),
    "structure": (
        "structure",
        "nom de la structure",
        "structure porteuse",
        "nom structure",
        "organisme",
        "porteur",
        "raison sociale",
        "établissement",
    ),
    "type_structure": (
        "type de structure",
        "type structure",
        "type",
        "type d'organisme",
        "catégorie",
        "catégorie de structure",
        "statut",
        "nature de la structure",
    ),
    "adresse": ("adresse", "adresse postale", "adresse de la formation", "rue", "voie", "lieu"),
    "code_postal": ("code postal", "cp", "code_postal", "postcode", "zip"),
    "commune": ("commune", "ville", "localité", "nom de la commune", "city"),
    "code_insee": (
        "code insee",
        "insee",
        "code commune",
        "code insee de la commune",
        "cog",
        "citycode",
    ),
    "duree_mois": (
        "durée (mois)",
        "durée",
        "durée en mois",
        "durée de la formation",
        "nombre de mois",
    ),
    "modalite": ("modalité", "modalités", "mode", "mode de formation", "modalité de formation"),
    "site_web": ("site web", "site", "site internet", "url", "lien", "web"),
    "date_labellisation": (
        "date de labellisation",
        "date labellisation",
        "labellisation",
        "date du label",
        "labellisée le",
        "date",
    ),
    "latitude": ("lat", "latitude", "y"),
    "longitude": ("lon", "lng", "long", "longitude", "x"),
}

#: Fields without which a row cannot become a feature.
REQUIRED_FIELDS: Final = ("intitule", "structure", "type_structure")
#: At least one of these columns must exist (latitude needs longitude).
LOCATION_FIELDS: Final = ("code_insee", "code_postal", "commune", "latitude")

#: French names of fields, for messages.
FIELD_LABELS: Final[dict[str, str]] = {
    "id": "Identifiant",
    "intitule": "Intitulé de la formation",
    "structure": "Structure",
    "type_structure": "Type de structure",
    "adresse": "Adresse",
    "code_postal": "Code postal",
    "commune": "Commune",
    "code_insee": "Code INSEE",
    "duree_mois": "Durée (mois)",
    "modalite": "Modalité",
    "site_web": "Site web",
    "date_labellisation": "Date de labellisation",
    "latitude": "Latitude",
    "longitude": "Longitude",
}


def header_key(text: str) -> str:
    """Key under which a header is compared: folded, without spaces or punctuation."""
    return fold(text).replace(" ", "")


_HEADER_INDEX: Final[dict[str, str]] = {
    header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases
}


def field_for_header(header: str) -> str | None:
    """Name of the schema field a header stands for, or ``None`` when it is not recognised."""
    return _HEADER_INDEX.get(header_key(header))


@dataclass(frozen=True, slots=True)
class HeaderMapping:
    """Which column holds which field, and what was left unused."""

    columns: dict[str, int]  # field → column index
    unknown: tuple[str, ...]  # headers that match no field
    duplicates: tuple[tuple[str, str], ...]  # (header, field) ignored because field already seen


def map_headers(headers: Sequence[str]) -> HeaderMapping:
    """Map header cells to fields; the first column wins when two columns mean the same field."""
    columns: dict[str, int] = {}
    unknown: list[str] = []
    duplicates: list[tuple[str, str]] = []
    for index, header in enumerate(headers):
        if not header.strip():
            continue
        name = field_for_header(header)
        if name is None:
            unknown.append(header)
        elif name in columns:
            duplicates.append((header, name))
        else:
            columns[name] = index
    return HeaderMapping(columns, tuple(unknown), tuple(duplicates))


def check_columns(mapping: HeaderMapping, headers: Sequence[str]) -> None:
    """Raise :class:`InputFileError` when required columns are missing, naming what was found."""
    missing = [FIELD_LABELS[name] for name in REQUIRED_FIELDS if name not in mapping.columns]
    has_location = any(name in mapping.columns for name in LOCATION_FIELDS[:3]) or (
        "latitude" in mapping.columns and "longitude" in mapping.columns
    )
    if not has_location:
        missing.append("une localisation (Code INSEE, Code postal, Commune ou Latitude+Longitude)")
    if missing:
        found = ", ".join(f"« {h} »" for h in headers if h.strip()) or "aucun"
        raise InputFileError(
            "colonnes obligatoires introuvables : "
            + ", ".join(missing)
            + f". En-têtes trouvés : {found}. Colonnes obligatoires : "
            + ", ".join(FIELD_LABELS[n] for n in REQUIRED_FIELDS)
            + " et au moins une localisation."
        )


# --------------------------------------------------------------------------- bytes → table

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_DELIMITERS: Final = (";", "\t", ",")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    Returns the text and the name of the encoding used. Raises :class:`InputFileError` for
    binary content.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        if b"\x00" in data[:8192]:
            raise InputFileError(
                "le fichier n'est pas un tableur reconnu (contenu binaire) : "
                "attendu un fichier CSV ou XLSX."
            )
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text, encoding
    raise InputFileError(
        "le fichier n'est pas un texte lisible (ni UTF-8 ni Windows-1252) : "
        "enregistrez-le en CSV UTF-8 ou en XLSX."
    )


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return controls > max(2, len(sample) // 100)


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter (``;``, tab or ``,``) that splits the header line into most columns."""
    sample = "\n".join(text.lstrip("\r\n").splitlines()[:20])
    best, best_score = ";", (0, 0)
    for delimiter in _DELIMITERS:
        try:
            lines = list(csv.reader(io.StringIO(sample), delimiter=delimiter))
        except csv.Error:
            continue
        counts = [len(line) for line in lines if line]
        if not counts:
            continue
        consistent = sum(1 for c in counts if c == counts[0])
        score = (counts[0], consistent)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def parse_csv(text: str, delimiter: str | None = None, encoding: str | None = None) -> Table:
    """Parse CSV text into a :class:`Table` (header found by :func:`find_header`)."""
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = [(number, tuple(record)) for number, record in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise InputFileError(f"CSV illisible : {exc}.") from exc
    headers, header_line, rows = find_header(records)
    return Table(headers, header_line, rows, "csv", encoding, delimiter)


#: How many leading non-empty rows may be a title or notes above the header row.
HEADER_SEARCH_ROWS: Final = 10


def find_header(
    records: Sequence[tuple[int, tuple[Cell, ...]]],
) -> tuple[tuple[str, ...], int, tuple[tuple[int, tuple[Cell, ...]], ...]]:
    """Split records into the header row and the data rows.

    The header is, among the first non-empty rows, the one with most recognised headers (so a
    title above the table is skipped); the first non-empty row when none is recognised.
    """
    candidates = [
        (index, number)
        for index, (number, cells) in enumerate(records)
        if any(_cell_text(cell) for cell in cells)
    ][:HEADER_SEARCH_ROWS]
    if not candidates:
        raise InputFileError("le fichier est vide : aucune ligne d'en-têtes.")
    best_index, best_count = candidates[0][0], 0
    for index, _ in candidates:
        count = len({field_for_header(_cell_text(c)) for c in records[index][1]} - {None})
        if count > best_count:
            best_index, best_count = index, count
    number, cells = records[best_index]
    headers = tuple(_cell_text(cell) for cell in cells)
    return headers, number, tuple(records[best_index + 1 :])


def parse_xlsx(data: bytes, sheet: str | None = None) -> Table:
    """Parse XLSX bytes into a :class:`Table` (first sheet unless ``sheet`` is given)."""
    import openpyxl  # imported here: a slow import only XLSX input needs

    try:
        with warnings.catch_warnings():  # openpyxl warns about styles it ignores: noise here
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for broken files
        raise InputFileError(f"fichier XLSX illisible ({type(exc).__name__}).") from exc
    try:
        if sheet is not None:
            if sheet not in workbook.sheetnames:
                names = ", ".join(workbook.sheetnames)
                raise InputFileError(f"feuille « {sheet} » introuvable ; feuilles : {names}.")
            worksheet = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        if hasattr(worksheet, "reset_dimensions"):
            worksheet.reset_dimensions()  # some tools write a wrong size: read every row there is
        records = [
            (number, tuple(values))
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()
    headers, header_line, rows = find_header(records)
    return Table(headers, header_line, rows, "xlsx")


def parse_bytes(data: bytes, name: str = "", sheet: str | None = None) -> Table:
    """Recognise the format from the content (not the extension) and parse it."""
    if not data.strip():
        raise InputFileError("le fichier est vide.")
    if data.startswith(_ZIP_MAGIC):
        if not _is_xlsx(data):
            raise InputFileError(
                "archive ZIP qui n'est pas un classeur XLSX : attendu un fichier CSV ou XLSX."
            )
        return parse_xlsx(data, sheet)
    if data.startswith(_OLE_MAGIC):
        raise InputFileError(
            "format Excel 97-2003 (.xls) non pris en charge : enregistrez le fichier en .xlsx "
            "ou en CSV UTF-8."
        )
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise InputFileError("le fichier porte l'extension .xlsx mais n'est pas un classeur XLSX.")
    text, encoding = decode_text(data)
    return parse_csv(text, encoding=encoding)


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def read_table(path: Path, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file from disk (the only file-reading step of the import)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputFileError(f"fichier introuvable : {path}.") from exc
    except IsADirectoryError as exc:
        raise InputFileError(f"{path} est un dossier, pas un fichier.") from exc
    except OSError as exc:
        raise InputFileError(f"impossible de lire {path} : {exc.strerror or exc}.") from exc
    return parse_bytes(data, path.name, sheet)


# --------------------------------------------------------------------------- value parsers


class ValueProblem(ValueError):
    """A cell value that cannot be used; the message is French."""


def _cell_text(value: Cell) -> str:
    """Text of a cell, with integral floats written without ``.0`` (Excel numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


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


def _label_index(labels: Mapping[str, str], aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for value, label in labels.items():
        for text in (value, label, *aliases.get(value, ())):
            index[header_key(text)] = value
    return index


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
    ),
    TypeStructure.ASSOCIATION: (
        "asso",
        "assoc",
        "association loi 1901",
        "loi 1901",
        "fondation",
        "tiers-lieu associatif",
    ),
    TypeStructure.COLLECTIVITE: (
        "collectivité",
        "collectivité territoriale",
        "collectivité locale",
        "mairie",
        "commune",
        "ville",
        "département",
        "conseil départemental",
        "région",
        "conseil régional",
        "métropole",
        "communauté de communes",
        "communauté d'agglomération",
        "intercommunalité",
        "epci",
    ),
    TypeStructure.ENTREPRISE: (
        "société",
        "sas",
        "sasu",
        "sarl",
        "eurl",
        "sa",
        "scop",
        "scic",
        "start-up",
        "startup",
        "pme",
        "esn",
        "entreprise privée",
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
    ),
}

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

_TYPE_INDEX: Final = _label_index(
    {k.value: v for k, v in TYPE_STRUCTURE_LABELS.items()}, TYPE_STRUCTURE_ALIASES
)
_MODALITE_INDEX: Final = _label_index(
    {k.value: v for k, v in MODALITE_LABELS.items()}, MODALITE_ALIASES
)


@lru_cache(maxsize=4096)
def _label_key(text: str) -> str:
    return header_key(text)


def parse_type_structure(value: Cell) -> TypeStructure:
    """Structure type from a human label (``"Asso"``, ``"Mairie"``, ``"SAS"``, ``"École"``…)."""
    found = _TYPE_INDEX.get(_label_key(_cell_text(value)))
    if found is None:
        allowed = ", ".join(TYPE_STRUCTURE_LABELS.values())
        raise ValueProblem(
            f"type de structure « {_cell_text(value)} » inconnu : valeurs admises : {allowed}"
        )
    return TypeStructure(found)


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


# --------------------------------------------------------------------------- rows


def derive_id(values: Mapping[str, str]) -> str:
    """Stable identifier for a row without one: a hash of its normalised content."""
    content = "\x1f".join(
        fold(values.get(name, ""))
        for name in ("intitule", "structure", "adresse", "code_postal", "commune", "code_insee")
    )
    return "H-" + hashlib.sha256(content.encode()).hexdigest()[:10].upper()


#: Parsers whose failure rejects the row (postcode and INSEE code only warn: see below).
_STRICT_PARSERS: Final[tuple[tuple[str, Callable[[Cell], object]], ...]] = (
    ("type_structure", parse_type_structure),
    ("duree_mois", parse_duree),
    ("modalite", parse_modalite),
    ("code_postal", parse_code_postal),
    ("code_insee", parse_code_insee),
)


def validate_row(
    line: int, cells: Sequence[Cell], mapping: HeaderMapping, headers: Sequence[str]
) -> tuple[ImportedRow | None, list[Issue]]:
    """Validate one data row: the row (``None`` when rejected) and its issues."""
    raw: dict[str, Cell] = {}
    text: dict[str, str] = {}
    for name, index in mapping.columns.items():
        value = cells[index] if index < len(cells) else None
        raw[name] = value
        text[name] = _cell_text(value).strip()
    issues: list[Issue] = []
    row_id = text.get("id") or None

    def column(name: str) -> str:
        index = mapping.columns.get(name)
        return headers[index] if index is not None else FIELD_LABELS[name]

    def reject(name: str, motif: str) -> None:
        issues.append(Issue(line, row_id, column(name), motif))

    def warn(name: str, motif: str) -> None:
        issues.append(Issue(line, row_id, column(name), motif, Level.AVERTISSEMENT))

    for name in REQUIRED_FIELDS:
        if not text.get(name):
            reject(name, f"champ obligatoire vide : {FIELD_LABELS[name]}")

    parsed: dict[str, object] = {}
    for name, parser in _STRICT_PARSERS:
        if text.get(name):
            try:
                parsed[name] = parser(raw[name])
            except ValueProblem as exc:
                if name in ("code_postal", "code_insee"):
                    warn(name, f"{exc} ; valeur ignorée")
                else:
                    reject(name, str(exc))
    for name, soft_parser in (("site_web", parse_site_web), ("date_labellisation", parse_date)):
        if text.get(name):
            try:
                parsed[name] = soft_parser(raw[name])
            except ValueProblem as exc:
                warn(name, f"{exc} ; valeur ignorée")

    coords: dict[str, float] = {}
    has_other_place = any(name in parsed for name in ("code_postal", "code_insee")) or bool(
        text.get("commune")
    )
    if text.get("latitude") or text.get("longitude"):
        for name in ("latitude", "longitude"):
            if not text.get(name):
                motif = f"{FIELD_LABELS[name]} manquante alors que l'autre coordonnée est remplie"
                (warn if has_other_place else reject)(name, motif)
                continue
            try:
                coords[name] = parse_coordinate(raw[name])
            except ValueProblem as exc:
                (warn if has_other_place else reject)(name, str(exc))
        if len(coords) < 2:
            coords = {}
    if not coords and not has_other_place and not any(i.niveau is Level.REJET for i in issues):
        reject(
            "commune",
            "aucune localisation : renseignez le code INSEE, le code postal, la commune "
            "ou les coordonnées",
        )

    if any(i.niveau is Level.REJET for i in issues):
        return None, issues
    if row_id is None:
        row_id = derive_id(text)
        issues = [Issue(i.ligne, row_id, i.colonne, i.motif, i.niveau) for i in issues]
        issues.append(
            Issue(
                line,
                row_id,
                column("id"),
                f"identifiant absent : identifiant dérivé du contenu « {row_id} »",
                Level.AVERTISSEMENT,
            )
        )
    row = ImportedRow(
        ligne=line,
        id=row_id,
        intitule=text["intitule"],
        structure=text["structure"],
        type_structure=parsed["type_structure"],  # type: ignore[arg-type]
        adresse=text.get("adresse") or None,
        code_postal=parsed.get("code_postal"),  # type: ignore[arg-type]
        commune=text.get("commune") or None,
        code_insee=parsed.get("code_insee"),  # type: ignore[arg-type]
        duree_mois=parsed.get("duree_mois"),  # type: ignore[arg-type]
        modalite=parsed.get("modalite"),  # type: ignore[arg-type]
        site_web=parsed.get("site_web"),  # type: ignore[arg-type]
        date_labellisation=parsed.get("date_labellisation"),  # type: ignore[arg-type]
        latitude=coords.get("latitude"),
        longitude=coords.get("longitude"),
    )
    return row, issues


def import_table(table: Table) -> ImportResult:
    """Validate every row of a table; duplicate ids are rejected naming the first occurrence.

    Raises :class:`InputFileError` when the required columns are missing.
    """
    mapping = map_headers(table.headers)
    check_columns(mapping, table.headers)
    result = ImportResult(
        header_map=dict(mapping.columns),
        column_names={name: table.headers[i] for name, i in mapping.columns.items()},
    )
    for header in mapping.unknown:
        result.issues.append(
            Issue(
                table.header_line,
                None,
                header,
                "colonne non reconnue, ignorée",
                Level.AVERTISSEMENT,
            )
        )
    for header, name in mapping.duplicates:
        result.issues.append(
            Issue(
                table.header_line,
                None,
                header,
                f"deuxième colonne pour « {FIELD_LABELS[name]} », ignorée",
                Level.AVERTISSEMENT,
            )
        )
    first_seen: dict[str, int] = {}
    for line, cells in table.rows:
        if not any(c.strip() if isinstance(c, str) else c is not None for c in cells):
            continue  # an empty spreadsheet row is not a training
        result.rows_read += 1
        row, issues = validate_row(line, cells, mapping, table.headers)
        if row is not None and row.id in first_seen:
            issues.append(
                Issue(
                    line,
                    row.id,
                    table.headers[mapping.columns["id"]] if "id" in mapping.columns else "id",
                    f"identifiant « {row.id} » en double (déjà utilisé ligne {first_seen[row.id]})",
                )
            )
            row = None
        elif row is not None:
            first_seen[row.id] = line
            result.rows.append(row)
        result.issues.extend(issues)
    if result.rows_read == 0:
        raise InputFileError(
            f"aucune ligne de données sous les en-têtes (ligne {table.header_line}) : "
            "le tableau est vide."
        )
    return result


# --------------------------------------------------------------------------- report

REPORT_HEADERS: Final = ("Ligne", "Identifiant", "Colonne", "Niveau", "Motif")


def report_rows(issues: Iterable[Issue]) -> list[list[str]]:
    """Rows of the rejection report, sorted by spreadsheet row (rejections first on a row)."""
    ordered = sorted(issues, key=lambda i: (i.ligne, i.niveau is not Level.REJET))
    return [
        [
            str(i.ligne),
            excel_safe(i.identifiant or ""),
            excel_safe(i.colonne or ""),
            i.niveau.value,
            excel_safe(i.motif),
        ]
        for i in ordered
    ]


def excel_safe(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection): prefix ``'``."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_report(path: Path, issues: Iterable[Issue]) -> None:
    """Write the report as ``;``-separated UTF-8 with BOM (what Excel opens), atomically."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(REPORT_HEADERS)
    writer.writerows(report_rows(issues))
    write_bytes_atomic(path, buffer.getvalue().encode("utf-8-sig"))
