"""Table exports written to a binary stream: CSV (for people or for programs) and XLSX.

CSV with labels (``colonnes=libelles``) is for French spreadsheets: UTF-8 with a BOM (Excel
reads UTF-8 only with it), ``;`` (the list separator of a French Windows, as the decimal
separator is the comma), CRLF, decimal commas, dates ``JJ/MM/AAAA``. CSV with codes is
RFC 4180 for programs: UTF-8 without BOM, ``,``, CRLF, decimal points, ISO dates,
``true``/``false``. In both, every text cell is quoted and numbers and dates are not, so a
reader that honours quotes (LibreOffice's « Formater les champs entre guillemets comme
texte ») keeps the leading zeros of codes (``02000``, ``2A``); text cells a spreadsheet would
read as a formula are prefixed with ``'`` (:func:`geo.io.neutralise_cell`). docs/exports.md
says why no formula form (``="02000"``) is used.

XLSX is written by openpyxl in write-only mode (rows go to a temporary file, then into the
zip): codes are text cells formatted ``@``, numbers numbers, dates dates, the header row
frozen and filterable, and a second sheet says what the file holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import IO, Any, Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.exports.cells import Cell, Colonnes, Column, ExportRows, Kind, day_month_year
from app.filters import french_decimal
from geo.io import neutralise_cell

UTF8_BOM: Final = b"\xef\xbb\xbf"
CSV_SEPARATOR: Final = {Colonnes.LIBELLES: ";", Colonnes.CODES: ","}
CSV_LINE_END: Final = "\r\n"
#: Lines encoded and written at once: fewer writes, a bounded buffer.
CSV_BATCH_LINES: Final = 500

#: The longest text a spreadsheet cell holds (Excel's limit); our cells are far shorter.
XLSX_MAX_CELL_CHARS: Final = 32_767
XLSX_TEXT_FORMAT: Final = "@"
XLSX_DATE_FORMAT: Final = {Colonnes.LIBELLES: "dd/mm/yyyy", Colonnes.CODES: "yyyy-mm-dd"}
#: Spreadsheets count days from 1900: an earlier date is written as text.
XLSX_FIRST_DATE: Final = dt.date(1900, 3, 1)
XLSX_SHEET_TITLE: Final = "Formations"
XLSX_ABOUT_TITLE: Final = "Informations"
#: Column widths (in characters) by kind, widened to fit the header; long texts wrap no
#: further than :data:`XLSX_MAX_WIDTH`.
XLSX_WIDTHS: Final = {
    Kind.TEXT: 28,
    Kind.CODE: 12,
    Kind.NUMBER: 11,
    Kind.DATE: 12,
    Kind.SESSIONS: 48,
}
XLSX_WIDE_TEXTS: Final = {"intitule": 48, "structure": 36, "adresse": 36, "site_web": 36}
XLSX_MAX_WIDTH: Final = 60


# --------------------------------------------------------------------------- CSV


def _quoted(text: str) -> str:
    return '"' + neutralise_cell(text).replace('"', '""') + '"'


def csv_cell(cell: Cell, colonnes: Colonnes) -> str:
    """Write one CSV field: text quoted and guarded, numbers and dates bare, ``None`` empty."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return _quoted(cell)
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, dt.date):
        return day_month_year(cell) if colonnes is Colonnes.LIBELLES else cell.isoformat()
    if isinstance(cell, float):
        return french_decimal(cell) if colonnes is Colonnes.LIBELLES else _plain_decimal(cell)
    return str(cell)


def _plain_decimal(value: float) -> str:
    text = french_decimal(value)
    return text.replace(",", ".")


def csv_line(cells: Sequence[Cell], colonnes: Colonnes) -> str:
    """Write one CSV record, with its line end."""
    separator = CSV_SEPARATOR[colonnes]
    line = separator.join(csv_cell(cell, colonnes) for cell in cells)
    return (line or '""') + CSV_LINE_END  # an empty line would be read as no record


def write_csv(rows: ExportRows, colonnes: Colonnes, out: IO[bytes]) -> None:
    """Write the CSV of ``rows`` to ``out`` (see the module's docstring for the two forms)."""
    if colonnes is Colonnes.LIBELLES:
        out.write(UTF8_BOM)
    header = [column.header(colonnes) for column in rows.columns]
    batch = [csv_line(header, colonnes)]
    for cells in rows.cells(colonnes):
        batch.append(csv_line(cells, colonnes))
        if len(batch) >= CSV_BATCH_LINES:
            out.write("".join(batch).encode("utf-8", "replace"))
            batch.clear()
    out.write("".join(batch).encode("utf-8", "replace"))


# --------------------------------------------------------------------------- XLSX


def xlsx_text(text: str) -> str:
    """Make text a spreadsheet cell can hold: no control character XML forbids, not too long."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:XLSX_MAX_CELL_CHARS]


def column_width(column: Column) -> float:
    """Return a readable width for a column: by its kind (or field), at least its header's."""
    width = XLSX_WIDE_TEXTS.get(column.code, XLSX_WIDTHS[column.kind])
    return float(min(max(width, len(column.label) + 3), XLSX_MAX_WIDTH))


class _CellMaker:
    """Turns typed cells into what openpyxl's write-only sheet appends, typed as they must be.

    Plain numbers and ordinary texts are appended as values (openpyxl makes the cell); codes,
    dates and texts openpyxl would take for a formula get a prepared cell.
    """

    def __init__(self, sheet: Any, columns: Sequence[Column], colonnes: Colonnes) -> None:
        self.sheet = sheet
        self.codes = [column.kind is Kind.CODE for column in columns]
        self.date_format = XLSX_DATE_FORMAT[colonnes]
        self.labels = colonnes is Colonnes.LIBELLES

    def row(self, cells: Sequence[Cell]) -> list[Any]:
        """Return the appendable values of one row."""
        return [self.cell(value, code) for value, code in zip(cells, self.codes, strict=True)]

    def cell(self, value: Cell, code: bool) -> Any:
        """Return one appendable value."""
        if isinstance(value, str):
            text = xlsx_text(value)
            if code or text.startswith("="):
                cell = WriteOnlyCell(self.sheet, text)
                cell.data_type = "s"  # a text, never a formula
                if code:
                    cell.number_format = XLSX_TEXT_FORMAT
                return cell
            return text
        if isinstance(value, dt.date):
            if value < XLSX_FIRST_DATE:  # before the spreadsheet calendar: text, never shifted
                return day_month_year(value) if self.labels else value.isoformat()
            cell = WriteOnlyCell(self.sheet, value)
            cell.number_format = self.date_format
            return cell
        return value


def _text_cells(sheet: Any, texts: Iterable[str], *, bold: bool = False) -> list[Any]:
    font = Font(bold=True) if bold else None
    cells = []
    for text in texts:
        cell = WriteOnlyCell(sheet, xlsx_text(text))
        cell.data_type = "s"  # a text, never a formula
        if font is not None:
            cell.font = font
        cells.append(cell)
    return cells


def write_xlsx(
    rows: ExportRows,
    colonnes: Colonnes,
    out: IO[bytes],
    about: Sequence[tuple[str, str]] = (),
) -> None:
    """Write the XLSX of ``rows`` to ``out``: one sheet of trainings, one saying what it holds.

    Memory stays bounded: openpyxl's write-only mode keeps rows in a temporary file until
    the workbook is zipped into ``out``.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(XLSX_SHEET_TITLE)
    for index, column in enumerate(rows.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column_width(column)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(rows.columns))
    sheet.auto_filter.ref = f"A1:{last}{rows.count + 1}"
    headers = (column.header(colonnes) for column in rows.columns)
    sheet.append(_text_cells(sheet, headers, bold=True))
    maker = _CellMaker(sheet, rows.columns, colonnes)
    for cells in rows.cells(colonnes):
        sheet.append(maker.row(cells))
    if about:
        info = workbook.create_sheet(XLSX_ABOUT_TITLE)
        info.column_dimensions["A"].width = 24
        info.column_dimensions["B"].width = 80
        for label, value in about:
            info.append([*_text_cells(info, [label], bold=True), *_text_cells(info, [value])])
    workbook.save(out)
