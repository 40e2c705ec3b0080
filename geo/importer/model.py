"""The import's data types: problems, parsed tables, validated rows, results, and cell text."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from itertools import repeat
from typing import Final, TypeVar

from geo.schema import Modalite, Niveau, PublicVise, TypeStructure

#: A spreadsheet cell: text from a CSV, or whatever openpyxl or JSON gave for the cell.
Cell = object

#: One session period: its start and end as ISO dates, either one unknown (``None``).
Session = tuple[str | None, str | None]

#: Longest cell kept, in characters; a longer one is cut here with a warning (CSV, XLSX, JSON).
MAX_CELL_CHARS: Final = 2_000


class InputFileError(Exception):
    """A fatal problem with the input file as a whole; the message is French and user-facing."""


class ValueProblem(ValueError):
    """A cell value that cannot be used; the message is French."""


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
    """A parsed input: its header row, its data rows with their numbers, and reading problems."""

    headers: tuple[str, ...]
    header_line: int
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]
    format: str  # "csv", "xlsx", "json" or "geojson"
    encoding: str | None = None
    delimiter: str | None = None
    #: Problems met while reading (broken quotes, field counts, encodings, long cells).
    issues: tuple[Issue, ...] = ()


#: French names of the encodings a CSV is read with (``Table.encoding``).
ENCODING_LABELS: Final[dict[str, str]] = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 avec BOM",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "utf-8+cp1252": "UTF-8 avec des lignes en Windows-1252",
}
#: French names of the delimiters a CSV is read with (``Table.delimiter``).
DELIMITER_LABELS: Final[dict[str, str]] = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}
#: A delimiter as an error message shows it, where a value holds one.
DELIMITER_QUOTED: Final[dict[str, str]] = {";": "« ; »", ",": "« , »", "\t": "tabulation"}


@dataclass(frozen=True, slots=True)
class TrainingDetails:
    """What a job seeker needs to act on a training: sessions, contact, level, public, costs.

    Apart from :class:`ImportedRow` so that a file without these columns shares one empty
    instance (:data:`NO_DETAILS`) instead of setting eleven more fields on every row.
    """

    sessions: tuple[Session, ...] = ()  # sorted by start, unknown starts first
    contact_email: str | None = None
    contact_telephone: str | None = None
    url_candidature: str | None = None
    certification: str | None = None
    niveau_entree: Niveau | None = None
    niveau_sortie: Niveau | None = None
    public_vise: tuple[PublicVise, ...] = ()  # in schema order, no duplicates
    alternance: bool | None = None
    nombre_heures: int | None = None
    prise_en_charge: bool | None = None


#: The details of a row that has none.
NO_DETAILS: Final = TrainingDetails()
#: Fields of :class:`TrainingDetails`, in order.
DETAIL_FIELDS: Final = tuple(TrainingDetails.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class ImportedRow:
    """A validated training row, not yet placed (``intitule`` or ``structure`` may be missing)."""

    ligne: int
    id: str
    intitule: str | None
    structure: str | None
    type_structure: TypeStructure
    adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    code_insee: str | None = None
    duree_mois: int | None = None
    modalite: Modalite | None = None
    site_web: str | None = None
    date_labellisation: str | None = None
    details: TrainingDetails = NO_DETAILS
    latitude: float | None = None
    longitude: float | None = None

    @property
    def has_place_hint(self) -> bool:
        """Whether the row has any textual location (INSEE code, postcode or commune name)."""
        return bool(self.code_insee or self.code_postal or self.commune)


#: A frozen dataclass with slots, such as :class:`ImportedRow` and :class:`TrainingDetails`.
Record = TypeVar("Record", ImportedRow, TrainingDetails)


def records_of_columns(kind: type[Record], columns: Sequence[Sequence[object]]) -> list[Record]:
    """Make the records ``map(kind, *columns)`` makes: one column per field, in field order.

    Built a field at a time, by the slot's own setter called from ``map``: the frozen
    dataclass's ``__init__`` sets each field of each record through ``object.__setattr__``,
    which costs several times as much (``bench/bench_geocode.py``, validation).
    """
    names = [item.name for item in fields(kind)]
    if len(columns) != len(names):
        raise ValueError(f"{len(columns)} columns for the {len(names)} fields of {kind.__name__}")
    count = len(columns[0]) if columns else 0
    records = list(map(object.__new__, repeat(kind, count)))
    for name, values in zip(names, columns, strict=True):
        if len(values) != count:
            raise ValueError(f"column {name}: {len(values)} values for {count} records")
        deque(map(getattr(kind, name).__set__, records, values), maxlen=0)
    return records


@dataclass(slots=True)
class ImportResult:
    """Rows that passed validation, and every problem found (rejections and warnings)."""

    rows: list[ImportedRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rows_read: int = 0
    #: lines whose session went to the training of an earlier line (a session per row)
    joined_lines: list[int] = field(default_factory=list)
    header_map: dict[str, int] = field(default_factory=dict)
    #: field → the header as written in the file, for messages of later stages
    column_names: dict[str, str] = field(default_factory=dict)

    @property
    def rejected_lines(self) -> set[int]:
        """Spreadsheet row numbers of rejected rows."""
        return {i.ligne for i in self.issues if i.niveau is Level.REJET}


def cell_text(value: Cell) -> str:
    """Text of a cell, with integral floats written without ``.0`` (Excel numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def cut_text(value: str) -> tuple[str, bool]:
    """Cut a text cell to :data:`MAX_CELL_CHARS`; the flag says whether it was cut."""
    if len(value) > MAX_CELL_CHARS:
        return value[:MAX_CELL_CHARS], True
    return value, False


def long_cell_issue(line: int, column: str | None) -> Issue:
    """Make the warning for a cell cut to :data:`MAX_CELL_CHARS`."""
    return Issue(
        line,
        None,
        column,
        f"cellule de plus de {MAX_CELL_CHARS} caractères : coupée à {MAX_CELL_CHARS} caractères",
        Level.AVERTISSEMENT,
    )
