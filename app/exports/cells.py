"""The columns of a table export and the typed value of each cell (pure: no file, no HTTP).

Columns are ``id``, ``lon``, ``lat``, then :data:`geo.schema.PROPERTY_FIELDS` in order (and
``distance_km`` after a search around a point): a field added to the schema becomes a column
with no edit here. Headers are the schema's French labels (``colonnes=libelles``) or the field
codes (``colonnes=codes``). A cell is a Python value the file writers type: ``str``, ``int``,
``float``, ``bool``, :class:`datetime.date` or ``None``. With labels, codes of enumerations
become their labels (:data:`geo.schema.VALUE_LABELS`), yes/no fields
:data:`geo.schema.OUI_NON_LABELS`, lists are joined with `` ; `` and sessions read
« du 05/01/2027 au 30/06/2027 »; with codes, values stay as the GeoJSON has them (lists joined
with ``;``, sessions as ISO intervals ``2027-01-05/2027-06-30``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Literal

from geo.schema import (
    DERIVED_FIELD_LABELS,
    FIELD_LABELS,
    OUI_NON_LABELS,
    PROPERTY_FIELDS,
    VALUE_LABELS,
)

Cell = str | int | float | bool | dt.date | None


class Colonnes(StrEnum):
    """How a table export writes its headers and values (the ``colonnes`` parameter)."""

    LIBELLES = "libelles"  # French labels: for people, in a spreadsheet
    CODES = "codes"  # field codes and raw values: for programs


#: The values of :class:`Colonnes`, as a query parameter's type (OpenAPI inlines a ``Literal``).
ColonnesName = Literal["libelles", "codes"]


class Kind(StrEnum):
    """What a column holds, beyond the type of its values."""

    TEXT = "text"
    CODE = "code"  # digits that are not a number (leading zeros): always a text cell
    NUMBER = "number"
    DATE = "date"  # an ISO date ``YYYY-MM-DD`` in the GeoJSON
    SESSIONS = "sessions"  # a list of ``{"debut", "fin"}`` ISO dates


#: Columns that are not plain text or numbers by their values. Every other column is typed by
#: its values: a number is a number, ``true``/``false`` a yes/no, a list a joined text.
KINDS: Final[dict[str, Kind]] = {
    "id": Kind.CODE,
    "lon": Kind.NUMBER,
    "lat": Kind.NUMBER,
    "code_postal": Kind.CODE,
    "code_insee": Kind.CODE,
    "departement": Kind.CODE,
    "region": Kind.CODE,
    "certification": Kind.CODE,
    "contact_telephone": Kind.CODE,
    "duree_mois": Kind.NUMBER,
    "nombre_heures": Kind.NUMBER,
    "geocodage_score": Kind.NUMBER,
    "distance_km": Kind.NUMBER,
    "date_labellisation": Kind.DATE,
    "prochaine_session": Kind.DATE,
    "sessions": Kind.SESSIONS,
}

#: Labels of the position columns, which the GeoJSON keeps in its geometry.
POSITION_LABELS: Final = {"lon": FIELD_LABELS["longitude"], "lat": FIELD_LABELS["latitude"]}
#: Separators of the items of a list cell: with labels, and with codes (as issue 13's
#: contract fixes them).
LIST_SEPARATOR: Final = {Colonnes.LIBELLES: " ; ", Colonnes.CODES: ";"}
#: An open side of a session period in codes (ISO 8601-2 writes an open interval end ``..``).
OPEN_END: Final = ".."
DISTANCE_DECIMALS: Final = 1

_ISO_DATE: Final = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_MONTH: Final = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table export: its field code, French header and kind."""

    code: str
    label: str
    kind: Kind

    def header(self, colonnes: Colonnes) -> str:
        """Return the header cell of this column."""
        return self.label if colonnes is Colonnes.LIBELLES else self.code


def label_of(field: str) -> str:
    """Return the French header of a field (its code when the schema has no label)."""
    return (
        POSITION_LABELS.get(field)
        or FIELD_LABELS.get(field)
        or DERIVED_FIELD_LABELS.get(field, field)
    )


def export_columns(with_distance: bool) -> tuple[Column, ...]:
    """Return the columns of an export in order (``distance_km`` last, after a search)."""
    fields: list[str] = ["id", "lon", "lat", *PROPERTY_FIELDS]
    if with_distance:
        fields.append("distance_km")
    return tuple(Column(name, label_of(name), KINDS.get(name, Kind.TEXT)) for name in fields)


# --------------------------------------------------------------------------- dates


def parse_date(text: str) -> dt.date | None:
    """Read an ISO date ``YYYY-MM-DD`` (``None`` when ``text`` is not one)."""
    match = _ISO_DATE.match(text)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def day_month_year(day: dt.date) -> str:
    """Write a date ``JJ/MM/AAAA`` (four-digit years, where ``strftime`` may write fewer)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def french_date(text: str) -> str:
    """Write ``2027-01-05`` as ``05/01/2027``, a month ``2027-01`` as ``01/2027``."""
    day = parse_date(text)
    if day is not None:
        return day_month_year(day)
    month = _ISO_MONTH.match(text)
    if month is not None:
        return f"{month[2]}/{month[1]}"
    return text


def session_label(period: Mapping[str, Any]) -> str:
    """Say one session in words, e.g. « du 05/01/2027 au 30/06/2027 »."""
    debut, fin = period.get("debut"), period.get("fin")
    if debut and fin:
        return f"du {french_date(str(debut))} au {french_date(str(fin))}"
    if debut:
        return f"à partir du {french_date(str(debut))}"
    if fin:
        return f"jusqu'au {french_date(str(fin))}"
    return "dates non communiquées"


def session_code(period: Mapping[str, Any]) -> str:
    """Write one session as an ISO 8601 interval ``2027-01-05/2027-06-30`` (``..``: unknown)."""
    return f"{period.get('debut') or OPEN_END}/{period.get('fin') or OPEN_END}"


# --------------------------------------------------------------------------- cells


def _item_text(field: str, value: Any, colonnes: Colonnes) -> str:
    if isinstance(value, bool):
        return OUI_NON_LABELS[value] if colonnes is Colonnes.LIBELLES else str(value).lower()
    text = str(value)
    if colonnes is Colonnes.LIBELLES:
        return VALUE_LABELS.get(field, {}).get(text, text)
    return text


def cell_value(column: Column, value: Any, colonnes: Colonnes) -> Cell:
    """Return the typed cell of one value of a column (``None`` for an empty cell)."""
    if value is None or value == [] or value == "":
        return None
    field = column.code
    if column.kind is Kind.SESSIONS and isinstance(value, list):
        periods = [period for period in value if isinstance(period, Mapping)]
        write = session_label if colonnes is Colonnes.LIBELLES else session_code
        return LIST_SEPARATOR[colonnes].join(write(period) for period in periods) or None
    if isinstance(value, list):
        items = (_item_text(field, item, colonnes) for item in value if item is not None)
        return LIST_SEPARATOR[colonnes].join(items) or None
    if isinstance(value, bool):
        return OUI_NON_LABELS[value] if colonnes is Colonnes.LIBELLES else value
    if isinstance(value, int | float):
        if column.kind is Kind.CODE:
            return str(value)
        return value
    if isinstance(value, dict):
        return str(value)
    text = str(value)
    if column.kind is Kind.DATE:
        return parse_date(text) or (french_date(text) if colonnes is Colonnes.LIBELLES else text)
    if column.kind is Kind.NUMBER:
        return text  # a number the build wrote as text: kept as written, never guessed
    return _item_text(field, text, colonnes)


def feature_values(feature: Mapping[str, Any], distance_km: float | None) -> dict[str, Any]:
    """Return the raw values of a feature by column code (position and distance included)."""
    properties = feature.get("properties") or {}
    coordinates = (feature.get("geometry") or {}).get("coordinates") or (None, None)
    values = dict(properties)
    values["id"] = feature.get("id")
    values["lon"], values["lat"] = coordinates[0], coordinates[1]
    if distance_km is not None:
        values["distance_km"] = round(float(distance_km), DISTANCE_DECIMALS)
    return values


def feature_cells(
    feature: Mapping[str, Any],
    distance_km: float | None,
    columns: Sequence[Column],
    colonnes: Colonnes,
) -> list[Cell]:
    """Return the row of one training: a typed cell per column."""
    values = feature_values(feature, distance_km)
    return [cell_value(column, values.get(column.code), colonnes) for column in columns]


@dataclass(frozen=True, slots=True)
class ExportRows:
    """What a table export writes: its columns, and the features with their distances.

    ``features`` is iterated once, lazily: a writer never holds every decoded training.
    """

    columns: tuple[Column, ...]
    features: Iterable[tuple[Mapping[str, Any], float | None]]
    count: int

    def cells(self, colonnes: Colonnes) -> Iterable[list[Cell]]:
        """Yield the rows of typed cells, one per training, in order."""
        for feature, distance in self.features:
            yield feature_cells(feature, distance, self.columns, colonnes)
