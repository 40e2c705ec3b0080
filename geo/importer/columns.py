"""The column pass of the import: which rows are clean, read column by column.

Each column is parsed once per distinct text (files repeat postcodes, communes, types and
durations) and the rules that span columns are boolean masks; a row with any problem is left
to :func:`geo.importer.rows.validate_row`, which says what is wrong. Also the one table of
how each field's cell is read (:data:`SOFT_PARSERS`, :data:`LIST_PARSERS`), which both read.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from itertools import repeat
from typing import Final

import numpy as np

from geo.importer.details import (
    parse_certification,
    parse_email,
    parse_heures,
    parse_niveau,
    parse_oui_non,
    parse_public_vise,
    parse_sessions,
    parse_telephone,
    parse_url,
)
from geo.importer.headers import HeaderMapping
from geo.importer.ids import all_safe_ids, is_safe_id
from geo.importer.model import (
    DETAIL_FIELDS,
    NO_DETAILS,
    Cell,
    ImportedRow,
    Table,
    TrainingDetails,
    ValueProblem,
    cell_text,
    records_of_columns,
)
from geo.importer.values import (
    match_type_structure,
    parse_code_insee,
    parse_code_postal,
    parse_coordinate,
    parse_date,
    parse_duree,
    parse_modalite,
    parse_site_web,
)
from geo.lheo.codes import HEURES_PAR_MOIS, duree_mois_depuis_heures
from geo.schema import DUREE_MAX_MOIS, DUREE_MIN_MOIS, SESSION_ROW_FIELDS, TypeStructure

#: How each field's cell is read: a value, or :class:`ValueProblem` (the value is emptied).
SOFT_PARSERS: Final = (
    ("duree_mois", parse_duree),
    ("modalite", parse_modalite),
    ("code_postal", parse_code_postal),
    ("code_insee", parse_code_insee),
    ("site_web", parse_site_web),
    ("date_labellisation", parse_date),
    ("contact_email", parse_email),
    ("contact_telephone", parse_telephone),
    ("url_candidature", parse_url),
    ("certification", parse_certification),
    ("niveau_entree", parse_niveau),
    ("niveau_sortie", parse_niveau),
    ("alternance", parse_oui_non),
    ("nombre_heures", parse_heures),
    ("prise_en_charge", parse_oui_non),
)
#: Fields holding a list: their parser keeps what it can read and notes the rest.
LIST_PARSERS: Final = (("sessions", parse_sessions), ("public_vise", parse_public_vise))

_HOURS_NOTE: Final = (
    "durée déduite du nombre d'heures, à raison de {par_mois} h par mois (35 h par semaine "
    "× 52 semaines ÷ 12), arrondie au mois"
)


def hours_rule() -> str:
    """Return the rule deriving ``duree_mois`` from ``nombre_heures``, as warnings state it."""
    return _HOURS_NOTE.format(par_mois=f"{HEURES_PAR_MOIS:.2f}".replace(".", ","))


def derived_duree(heures: int) -> tuple[int | None, str]:
    """``duree_mois`` derived from hours (None when outside the allowed months) and its warning."""
    months = duree_mois_depuis_heures(heures)
    note = f"{hours_rule()} : {heures} h → {months} mois"
    if not DUREE_MIN_MOIS <= months <= DUREE_MAX_MOIS:
        return None, (
            f"{note}, hors limites ({DUREE_MIN_MOIS} à {DUREE_MAX_MOIS} mois) : durée non précisée"
        )
    return months, note


#: An outcome of the column pass meaning "this cell needs :func:`validate_row`".
_DIRTY: Final = object()
_TEXT_FIELDS: Final = ("intitule", "structure", "adresse", "commune")


def _text_of(value: Cell) -> str:
    return cell_text(value).strip()


def _text_or_none(value: Cell) -> str | None:
    return cell_text(value).strip() or None


#: A space at either end of a line, two spaces, or any other white space (as str.split sees it).
_NOT_PLAIN: Final = re.compile(r"^ | $|  |[^\S \n]", re.MULTILINE)


def _all_plain(texts: Sequence[str]) -> bool:
    """Whether every text is already its own cell text (one regex pass over the column)."""
    joined = "\n".join(texts)
    return not texts or (joined.count("\n") == len(texts) - 1 and not _NOT_PLAIN.search(joined))


def _clean_id(value: Cell) -> object:
    text = cell_text(value).strip()
    return text if text and is_safe_id(text) else _DIRTY


def _clean_type(value: Cell) -> object:
    label = cell_text(value).strip()
    if not label:
        return _DIRTY
    found, guessed = match_type_structure(label)
    return found if found is not None and not guessed else _DIRTY


def _soft_outcome(parser: Callable[[Cell], object]) -> Callable[[Cell], object]:
    def outcome(value: Cell) -> object:
        if not cell_text(value).strip():
            return None  # the soft parsers read every non-empty text as a value or a problem
        try:
            return parser(value)
        except ValueProblem:
            return _DIRTY

    return outcome


def _list_outcome(
    parser: Callable[[Cell], tuple[tuple[object, ...], list[str]]],
) -> Callable[[Cell], object]:
    def outcome(value: Cell) -> object:
        if value is None or value == "":
            return ()
        found, notes = parser(value)
        return _DIRTY if notes else found

    return outcome


#: How each field's cell reads in a clean row; the keys are the fields of ImportedRow but
#: ``details``, and those of TrainingDetails.
_CLEAN_OUTCOMES: Final[dict[str, Callable[[Cell], object]]] = {
    "id": _clean_id,
    **dict.fromkeys(_TEXT_FIELDS, _text_or_none),
    "type_structure": _clean_type,
    **{name: _soft_outcome(parser) for name, parser in SOFT_PARSERS},
    **{name: _list_outcome(parser) for name, parser in LIST_PARSERS},
    "latitude": _soft_outcome(parse_coordinate),
    "longitude": _soft_outcome(parse_coordinate),
}


_ROW_FIELDS: Final = tuple(field.name for field in fields(ImportedRow))
#: Fields the rules across columns read (each gets a mask of its empty cells).
_EMPTY_CHECKED: Final = (
    "intitule",
    "structure",
    "latitude",
    "longitude",
    "code_postal",
    "code_insee",
    "commune",
    "duree_mois",
    "nombre_heures",
)
#: Value of a field whose column is absent (``None`` unless listed).
_ABSENT: Final[dict[str, object]] = {name: () for name, _ in LIST_PARSERS}


def _column_outcomes(
    values: Sequence[Cell], outcome: Callable[[Cell], object]
) -> tuple[list[object], np.ndarray | None]:
    """Outcome of every cell of a column, computed once per distinct text, and the dirty mask.

    Only text cells share an outcome: ``1``, ``1.0`` and ``True`` are equal keys of a dict
    but read differently. The mask (``None`` when no cell is dirty) marks the cells that
    need :func:`validate_row`.
    """
    if set(map(type, values)) == {str}:
        if outcome is _clean_id and all_safe_ids(values):  # type: ignore[arg-type]
            return list(values), None  # safe ids hold no space: each is its own text
        if outcome is _text_or_none and _all_plain(values):  # type: ignore[arg-type]
            return [value or None for value in values], None
        memo = {value: outcome(value) for value in set(values)}
        found = list(map(memo.__getitem__, values))
        if _DIRTY not in memo.values():
            return found, None
    else:
        found = [outcome(value) for value in values]
    return found, _is(found, _DIRTY)


def _is(values: Iterable[object], sentinel: object) -> np.ndarray:
    """Boolean mask of the values that are ``sentinel`` (identity, never ``==``)."""
    return np.fromiter(map(operator.is_, values, repeat(sentinel)), dtype=bool)


def _columns(table: Table) -> list[Sequence[Cell]]:
    """Return the table's columns (short rows padded with ``None``, extra cells dropped)."""
    cells = [cells for _, cells in table.rows]
    width = len(table.headers)
    if set(map(len, cells)) != {width}:
        cells = [(*row, *repeat(None, width - len(row)))[:width] for row in cells]
    return list(zip(*cells, strict=True)) if cells else [[] for _ in range(width)]


@dataclass(frozen=True, slots=True)
class CleanRows:
    """What the column pass found: the clean rows, and the warnings they come with."""

    #: Each row of the table: the row :func:`validate_row` keeps, or ``None`` to validate it.
    rows: list[ImportedRow | None]
    #: Index of a clean row whose duration was derived from its hours → the warning that
    #: :func:`validate_row` gives on ``nombre_heures`` (its only issue).
    hours_notes: dict[int, str]


def clean_rows(table: Table, mapping: HeaderMapping) -> CleanRows:
    """Find, column by column, the rows :func:`validate_row` would keep with no other issue.

    Each column is parsed once per distinct value (files repeat postcodes, communes, types
    and durations), and the rules that span columns are boolean masks; a row with any
    problem, however small, is ``None`` and is left to :func:`validate_row`, which says what
    is wrong. A duration derived from the hours is the one warning found here, as LHEO feeds
    give hours on almost every row. Every other row equals :func:`validate_row`'s, and its
    warning too (``tests/geo/test_import_columns.py`` checks this on random messy rows).
    """
    count = len(table.rows)
    if (
        "id" not in mapping.columns  # a derived id comes with a warning
        or count == 0
        or any(name in mapping.columns for name in SESSION_ROW_FIELDS)  # rows to join
    ):
        return CleanRows([None] * count, {})
    columns = _columns(table)
    dirty = np.zeros(count, dtype=bool)
    outcomes: dict[str, Sequence[object]] = {}
    for name, outcome in _CLEAN_OUTCOMES.items():
        index = mapping.columns.get(name)
        if index is None:
            outcomes[name] = [_ABSENT.get(name)] * count
            continue
        outcomes[name], mask = _column_outcomes(columns[index], outcome)
        if mask is not None:
            dirty |= mask
    if "type_structure" not in mapping.columns:
        outcomes["type_structure"] = [TypeStructure.AUTRE] * count
    empty = {
        name: _is(outcomes[name], None) if name in mapping.columns else np.ones(count, dtype=bool)
        for name in _EMPTY_CHECKED
    }
    dirty |= empty["intitule"] & empty["structure"]  # nothing to show
    dirty |= empty["latitude"] != empty["longitude"]  # one coordinate alone
    if "duree_mois" in mapping.columns:  # « durée absente », unless hours give it
        dirty |= empty["duree_mois"] & empty["nombre_heures"]
    dirty |= (  # nothing to place the row with
        empty["latitude"] & empty["code_postal"] & empty["code_insee"] & empty["commune"]
    )
    hours_notes = _derive_durations(
        outcomes, np.flatnonzero(empty["duree_mois"] & ~empty["nombre_heures"] & ~dirty)
    )
    if any(name in mapping.columns for name in DETAIL_FIELDS):
        outcomes["details"] = records_of_columns(
            TrainingDetails, [outcomes[name] for name in DETAIL_FIELDS]
        )
    else:
        outcomes["details"] = [NO_DETAILS] * count
    lines = [line for line, _ in table.rows]
    found: list[ImportedRow | None] = list(
        records_of_columns(ImportedRow, [lines, *(outcomes[name] for name in _ROW_FIELDS[1:])])
    )
    for index in np.flatnonzero(dirty).tolist():
        found[index] = None
    return CleanRows(found, hours_notes)


def _derive_durations(outcomes: dict[str, Sequence[object]], rows: np.ndarray) -> dict[int, str]:
    """Set the duration derived from the hours of ``rows`` in ``outcomes``; their warnings."""
    if not len(rows):
        return {}
    durations = list(outcomes["duree_mois"])
    hours = outcomes["nombre_heures"]
    derived: dict[object, tuple[int | None, str]] = {}
    notes: dict[int, str] = {}
    for index in rows.tolist():
        value = hours[index]
        if value not in derived:
            derived[value] = derived_duree(value)
        durations[index], notes[index] = derived[value]
    outcomes["duree_mois"] = durations
    return notes
