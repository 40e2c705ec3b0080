"""XLSX bytes to a table, within explicit caps so a crafted workbook cannot exhaust the machine.

An XLSX file is a ZIP archive of XML parts. Before openpyxl reads it, every part is checked:
its declared size, its size once decompressed (measured by decompressing it, never trusting
the archive's header), and its compression ratio. While reading, the rows and columns are
counted and long cells cut. Going past a cap refuses the file with a French message.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from typing import Final

from geo.importer.encoding import repair_mojibake, repaired_issue
from geo.importer.headers import find_header
from geo.importer.model import (
    Cell,
    InputFileError,
    Table,
    cut_text,
    long_cell_issue,
)

MIB: Final = 1024 * 1024
#: Largest XLSX file accepted.
MAX_XLSX_BYTES: Final = 50 * MIB
#: Largest total size of the archive's parts once decompressed.
MAX_XLSX_UNCOMPRESSED_BYTES: Final = 500 * MIB
#: Largest size of the shared strings part once decompressed (openpyxl holds it in memory).
MAX_XLSX_SHARED_STRINGS_BYTES: Final = 100 * MIB
#: Largest compression ratio of a part bigger than :data:`RATIO_CHECK_FROM_BYTES`.
MAX_XLSX_RATIO: Final = 100
RATIO_CHECK_FROM_BYTES: Final = 1 * MIB
#: Most rows (the header and any title rows included) and columns read from a sheet.
MAX_XLSX_ROWS: Final = 200_000
MAX_XLSX_COLUMNS: Final = 200

_ZIP_MAGIC: Final = b"PK\x03\x04"
_SHARED_STRINGS: Final = "xl/sharedStrings.xml"
_CHUNK: Final = 1 * MIB


def is_xlsx(data: bytes) -> bool:
    """Whether the bytes are a ZIP archive holding a workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def _refuse(reason: str) -> InputFileError:
    return InputFileError(
        f"classeur XLSX refusé : {reason}. Enregistrez les données en CSV UTF-8, ou découpez "
        "le classeur."
    )


def check_archive(data: bytes) -> None:
    """Refuse a workbook past the caps on size, decompressed size and compression ratio."""
    if len(data) > MAX_XLSX_BYTES:
        raise _refuse(f"fichier de {len(data) // MIB} Mo, au-delà de {MAX_XLSX_BYTES // MIB} Mo")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InputFileError(f"fichier XLSX illisible ({type(exc).__name__}).") from exc
    with archive:
        members = archive.infolist()
        declared = sum(member.file_size for member in members)
        if declared > MAX_XLSX_UNCOMPRESSED_BYTES:
            raise _refuse(_too_big(declared))
        total = 0
        for member in members:
            limit = MAX_XLSX_UNCOMPRESSED_BYTES - total
            if member.filename == _SHARED_STRINGS:
                limit = min(limit, MAX_XLSX_SHARED_STRINGS_BYTES)
            size = _decompressed_size(archive, member, limit)
            total += size
            if member.filename == _SHARED_STRINGS and size > MAX_XLSX_SHARED_STRINGS_BYTES:
                raise _refuse(
                    f"textes partagés de plus de {MAX_XLSX_SHARED_STRINGS_BYTES // MIB} Mo "
                    "une fois décompressés"
                )
            if total > MAX_XLSX_UNCOMPRESSED_BYTES:
                raise _refuse(_too_big(total))
            if size > RATIO_CHECK_FROM_BYTES and size > MAX_XLSX_RATIO * max(
                member.compress_size, 1
            ):
                raise _refuse(
                    f"la partie « {member.filename} » se décompresse plus de "
                    f"{MAX_XLSX_RATIO} fois (bombe de décompression ?)"
                )


def _too_big(size: int) -> str:
    return (
        f"plus de {size // MIB} Mo une fois décompressé, au-delà de "
        f"{MAX_XLSX_UNCOMPRESSED_BYTES // MIB} Mo"
    )


def _decompressed_size(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> int:
    """Bytes a part really decompresses to, reading at most ``limit + 1`` of them."""
    size = 0
    try:
        with archive.open(member) as stream:
            while size <= limit:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise InputFileError(
            f"fichier XLSX illisible : partie « {member.filename} » endommagée "
            f"({type(exc).__name__})."
        ) from exc
    return size


def parse_xlsx(data: bytes, sheet: str | None = None) -> Table:
    """Parse XLSX bytes into a :class:`Table` (first sheet unless ``sheet`` is given)."""
    import openpyxl  # imported here: a slow import only XLSX input needs

    check_archive(data)
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
        records: list[tuple[int, tuple[Cell, ...]]] = []
        long_cells: list[tuple[int, int]] = []
        repaired: list[int] = []
        try:
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if number > MAX_XLSX_ROWS:
                    raise _refuse(f"plus de {MAX_XLSX_ROWS} lignes")
                records.append((number, _row_cells(number, values, long_cells, repaired)))
        except InputFileError:
            raise
        except Exception as exc:  # a malformed sheet part
            raise InputFileError(f"feuille XLSX illisible ({type(exc).__name__}).") from exc
    finally:
        workbook.close()
    headers, header_line, rows = find_header(records)
    issues = [
        long_cell_issue(number, headers[column] if column < len(headers) else None)
        for number, column in long_cells
    ]
    issues += [repaired_issue(number) for number in sorted(set(repaired))]
    return Table(headers, header_line, rows, "xlsx", issues=tuple(issues))


def _row_cells(
    number: int,
    values: tuple[object, ...],
    long_cells: list[tuple[int, int]],
    repaired: list[int],
) -> tuple[Cell, ...]:
    """Cells of one sheet row: width checked, long cells cut, broken accents repaired."""
    if len(values) > MAX_XLSX_COLUMNS:
        if any(value is not None for value in values[MAX_XLSX_COLUMNS:]):
            raise _refuse(f"ligne {number} : plus de {MAX_XLSX_COLUMNS} colonnes")
        values = values[:MAX_XLSX_COLUMNS]
    cells: list[Cell] = []
    for column, value in enumerate(values):
        if isinstance(value, str):
            cut, was_cut = cut_text(value)
            if was_cut:
                long_cells.append((number, column))
            value = repair_mojibake(cut)
            if value != cut:
                repaired.append(number)
        cells.append(value)
    return tuple(cells)


def looks_like_zip(data: bytes) -> bool:
    """Whether the bytes start like a ZIP archive (XLSX is one)."""
    return data.startswith(_ZIP_MAGIC)
