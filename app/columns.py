"""Values and columns of the filter index: codes, value lists, yes/no, sessions.

How a parameter's date or yes/no text is read, and how each column reads the features'
properties. Pure: each column is built once per dataset version from the features' properties (read
with ``props.get(name)``, as every filter column is) and answers masks and counts with numpy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from geo.schema import NIVEAU_LABELS, PUBLIC_VISE_LABELS

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

#: A date as the data and ``session_avant`` write it: ``YYYY-MM-DD``, ASCII digits only.
ISO_DATE_PATTERN: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
ISO_DATE: Final = re.compile(ISO_DATE_PATTERN)
#: The codes of a yes/no filter column, canonical spellings of the query too.
YES: Final = "oui"
NO: Final = "non"
#: Every accepted spelling of a yes/no filter: the canonical codes and the aliases of JSON.
YES_NO_VALUES: Final[Mapping[str, bool]] = {YES: True, NO: False, "true": True, "false": False}
#: French names of the new filters, as the form and the documentation call them.
FILTER_LABELS: Final[Mapping[str, str]] = {
    "session_avant": "Session commençant au plus tard le",
    "niveau_sortie": "Niveau de sortie",
    "public_vise": "Public visé",
    "certifiante": "Formation certifiante",
    "alternance": "En alternance",
}
#: A day after every real one: a missing ``debut`` is never on or before a date, a missing
#: ``fin`` is never over.
_NEVER: Final = np.iinfo(np.int32).max
#: Values of ``niveau_sortie`` and ``public_vise`` (the schema's vocabularies).
NIVEAU_VALUES: Final = tuple(str(niveau) for niveau in NIVEAU_LABELS)
PUBLIC_VISE_VALUES: Final = tuple(str(public) for public in PUBLIC_VISE_LABELS)


def yes_no_code(value: bool) -> str:
    """Return the canonical code of a yes/no value: ``oui`` or ``non``."""
    return YES if value else NO


def parse_yes_no(text: str) -> bool:
    """Read a yes/no parameter (``oui``, ``non``, ``true``, ``false``); French ``ValueError``."""
    value = YES_NO_VALUES.get(text)
    if value is None:
        raise ValueError(f"valeur inconnue ; valeurs possibles : {', '.join(YES_NO_VALUES)}")
    return value


def parse_iso_date(text: str) -> date:
    """Read a ``YYYY-MM-DD`` date that exists in the calendar; French ``ValueError`` otherwise.

    Only the digits of a well-formed date are ever repeated in the message.
    """
    if not ISO_DATE.fullmatch(text):
        raise ValueError("une date AAAA-MM-JJ est attendue (par exemple 2027-01-31)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"la date {text} n'existe pas") from None


@dataclass(frozen=True, slots=True, eq=False)
class CodeColumn:
    """A text column as small integer codes (``-1`` for null), for fast masks and counts."""

    codes: npt.NDArray[np.int32]
    values: tuple[str, ...]  # code → value
    lookup: Mapping[str, int]  # value → code
    #: Rows by code, ascending within each code (nulls first), and where each code starts in
    #: it: the rows having a value are one slice (an inverted index).
    rows_by_code: IntArray
    code_starts: IntArray

    @classmethod
    def from_values(cls, values: Iterable[str | None]) -> CodeColumn:
        """Encode a column; values keep their first-seen order."""
        lookup: dict[str, int] = {}
        codes = np.array(
            [-1 if v is None else lookup.setdefault(v, len(lookup)) for v in values],
            dtype=np.int32,
        )
        rows_by_code = np.argsort(codes, kind="stable").astype(np.intp)
        code_starts = np.searchsorted(codes[rows_by_code], np.arange(-1, len(lookup) + 1))
        return cls(codes, tuple(lookup), lookup, rows_by_code, code_starts.astype(np.intp))

    def rows_of(self, wanted: Iterable[str]) -> IntArray:
        """Rows having a value among ``wanted``, ascending (read from the inverted index)."""
        codes = sorted({self.lookup[value] for value in wanted if value in self.lookup})
        slices = [
            self.rows_by_code[self.code_starts[code + 1] : self.code_starts[code + 2]]
            for code in codes
        ]
        if not slices:
            return np.empty(0, dtype=np.intp)
        return slices[0] if len(slices) == 1 else np.sort(np.concatenate(slices))

    def mask(self, wanted: Iterable[str], rows: IntArray | None = None) -> BoolArray:
        """Which rows (all, or those of ``rows``) have a value among ``wanted``."""
        column = self.codes if rows is None else self.codes[rows]
        codes = [self.lookup[value] for value in wanted if value in self.lookup]
        if not codes:
            return np.zeros(len(column), dtype=bool)
        if len(codes) == 1:
            return column == codes[0]
        return np.isin(column, np.array(codes, dtype=np.int32))

    def counts(self, rows: BoolArray) -> dict[str, int]:
        """Value → number of selected rows having it (values absent from the rows omitted)."""
        numbers = np.bincount(self.codes[rows] + 1, minlength=len(self.values) + 1)[1:]
        return {self.values[code]: int(n) for code, n in enumerate(numbers) if n}


def iso_date_or_none(value: Any) -> str | None:
    """Return the ISO date a data value holds, else ``None`` (a missing or unreadable date)."""
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            return None
        return value
    return None


def session_pairs(value: Any) -> list[tuple[str | None, str | None]]:
    """Return the ``(debut, fin)`` ISO dates of a training's ``sessions`` (unreadable: ``None``).

    The one reading of ``sessions`` for the filter: the index and the map data both use it.
    """
    if not isinstance(value, list):
        return []
    return [
        (iso_date_or_none(session.get("debut")), iso_date_or_none(session.get("fin")))
        for session in value
        if isinstance(session, dict)
    ]


class FacetColumn(Protocol):
    """What a facet's column answers (:class:`CodeColumn`, :class:`ListColumn`)."""

    def mask(self, wanted: Iterable[str], rows: IntArray | None = None) -> BoolArray:
        """Rows having a value among ``wanted``, as a mask."""
        ...

    def rows_of(self, wanted: Iterable[str]) -> IntArray:
        """Rows having a value among ``wanted``, ascending."""
        ...

    def counts(self, rows: BoolArray) -> dict[str, int]:
        """Value → number of selected rows having it."""
        ...


@dataclass(frozen=True, slots=True, eq=False)
class ListColumn:
    """A column of value lists (``public_vise``) as bit sets: one bit per known value.

    Values outside ``values`` are not kept: no query can ask for them.
    """

    bits: npt.NDArray[np.uint64]
    values: tuple[str, ...]  # bit → value
    lookup: Mapping[str, int]  # value → bit

    @classmethod
    def from_values(cls, lists: Iterable[Any], values: Sequence[str]) -> ListColumn:
        """Encode a column of lists (anything else is an empty list) over the known ``values``."""
        if len(values) > 64:
            raise ValueError("a list column holds at most 64 distinct values")
        lookup = {value: bit for bit, value in enumerate(values)}
        bits = np.array([_bits_of(row, lookup) for row in lists], dtype=np.uint64)
        return cls(bits, tuple(values), lookup)

    def _wanted_bits(self, wanted: Iterable[str]) -> np.uint64:
        return np.uint64(sum({1 << self.lookup[v] for v in wanted if v in self.lookup}))

    def mask(self, wanted: Iterable[str], rows: IntArray | None = None) -> BoolArray:
        """Which rows (all, or those of ``rows``) have at least one value among ``wanted``."""
        column = self.bits if rows is None else self.bits[rows]
        return (column & self._wanted_bits(wanted)) != 0

    def rows_of(self, wanted: Iterable[str]) -> IntArray:
        """Rows having a value among ``wanted``, ascending."""
        return np.flatnonzero(self.mask(wanted)).astype(np.intp)

    def counts(self, rows: BoolArray) -> dict[str, int]:
        """Value → number of selected rows whose list holds it (absent values omitted)."""
        selected = self.bits[rows]
        counts = {}
        for bit, value in enumerate(self.values):
            number = int(np.count_nonzero(selected & np.uint64(1 << bit)))
            if number:
                counts[value] = number
        return counts


@dataclass(frozen=True, slots=True, eq=False)
class SessionColumn:
    """Every session of every row as day numbers (``date.toordinal``), for ``session_avant``."""

    rows: IntArray  # the row of each session
    debut: npt.NDArray[np.int32]  # _NEVER when unknown
    fin: npt.NDArray[np.int32]  # _NEVER when unknown (never over)
    size: int  # rows of the dataset

    @classmethod
    def from_values(cls, sessions: Iterable[Any]) -> SessionColumn:
        """Encode each row's ``sessions`` (see :func:`session_pairs`)."""
        rows: list[int] = []
        debuts: list[int] = []
        fins: list[int] = []
        size = 0
        for row, value in enumerate(sessions):
            size = row + 1
            for debut, fin in session_pairs(value):
                rows.append(row)
                debuts.append(_day(debut))
                fins.append(_day(fin))
        return cls(
            np.array(rows, dtype=np.intp),
            np.array(debuts, dtype=np.int32),
            np.array(fins, dtype=np.int32),
            size,
        )

    def mask(self, avant: date, aujourdhui: date, rows: IntArray | None = None) -> BoolArray:
        """Rows with a session starting on or before ``avant`` and not over on ``aujourdhui``."""
        open_ = (self.debut <= avant.toordinal()) & (self.fin >= aujourdhui.toordinal())
        mask = np.zeros(self.size, dtype=bool)
        mask[self.rows[open_]] = True
        return mask if rows is None else mask[rows]


def _bits_of(row: Any, lookup: Mapping[str, int]) -> int:
    """Return the bit set of a list's known values (anything but a list is an empty list)."""
    if not isinstance(row, list):
        return 0
    return sum({1 << lookup[v] for v in row if isinstance(v, str) and v in lookup})


def _day(text: str | None) -> int:
    return _NEVER if text is None else date.fromisoformat(text).toordinal()


def yes_no_of(value: Any) -> str | None:
    """Return the code of a JSON boolean in a yes/no column; anything else (null) is ``None``."""
    if value is True:
        return YES
    if value is False:
        return NO
    return None


def has_certification(value: Any) -> str:
    """Whether a training is certifying: a non-empty ``certification`` (``oui``), else ``non``."""
    return YES if isinstance(value, str) and value else NO


class NewFilterColumns:
    """The columns of the filters added with the LHEO fields, collected feature by feature.

    ``niveau_sortie``, ``public_vise``, ``certifiante`` (from ``certification``),
    ``alternance`` and ``sessions``; :meth:`columns` builds them.
    """

    def __init__(self) -> None:
        self._niveau: list[str | None] = []
        # Lists and sessions are reduced as they are read (bits, day numbers): keeping each
        # feature's lists and dicts until the end would hold, then free at once, about a
        # million objects for 100,000 trainings (the GIL held all along the freeing).
        self._public_lookup = {value: bit for bit, value in enumerate(PUBLIC_VISE_VALUES)}
        self._public_bits: list[int] = []
        self._certifiante: list[str] = []
        self._alternance: list[str | None] = []
        self._session_rows: list[int] = []
        self._session_debuts: list[int] = []
        self._session_fins: list[int] = []
        self._count = 0

    def add(self, props: Mapping[str, Any]) -> None:
        """Read the properties of one feature."""
        niveau = props.get("niveau_sortie")
        self._niveau.append(niveau if isinstance(niveau, str) else None)
        self._public_bits.append(_bits_of(props.get("public_vise"), self._public_lookup))
        self._certifiante.append(has_certification(props.get("certification")))
        self._alternance.append(yes_no_of(props.get("alternance")))
        for debut, fin in session_pairs(props.get("sessions")):
            self._session_rows.append(self._count)
            self._session_debuts.append(_day(debut))
            self._session_fins.append(_day(fin))
        self._count += 1

    def columns(self) -> dict[str, Any]:
        """Build the columns, as keyword arguments of ``FilterIndex``."""
        return {
            "niveau_sortie": CodeColumn.from_values(self._niveau),
            "public_vise": ListColumn(
                np.array(self._public_bits, dtype=np.uint64),
                tuple(PUBLIC_VISE_VALUES),
                self._public_lookup,
            ),
            "certifiante": CodeColumn.from_values(self._certifiante),
            "alternance": CodeColumn.from_values(self._alternance),
            "sessions": SessionColumn(
                np.array(self._session_rows, dtype=np.intp),
                np.array(self._session_debuts, dtype=np.int32),
                np.array(self._session_fins, dtype=np.int32),
                self._count,
            ),
        }


def new_filter_columns(properties: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Build the columns of :class:`NewFilterColumns` from every feature's properties at once."""
    collected = NewFilterColumns()
    for props in properties:
        collected.add(props)
    return collected.columns()
