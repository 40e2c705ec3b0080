"""LHEO offer files (``<lheo>`` or ``<lheo-index>``) to a :class:`Table`, streamed from disk.

The records of :func:`geo.lheo.read_lheo_lines` become the rows, their fields the columns: the
importer then judges every value as it judges a spreadsheet's cells (an LHEO ``oui``/``non``
goes through the same yes/no rule). The reader streams and refuses hostile files
(:class:`geo.lheo.LheoError`, in French), which become an :class:`InputFileError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Final

from geo.importer.model import Cell, InputFileError, Table
from geo.lheo import RECORD_FIELDS, LheoError, read_lheo_lines
from geo.schema import FIELD_LABELS

#: Record fields that are not Carte GEN fields, left out of the table: the SIRET of the body.
NOT_KEPT: Final = frozenset({"siret"})
#: Columns of an LHEO table, in the reader's order.
LHEO_COLUMNS: Final = tuple(name for name in RECORD_FIELDS if name not in NOT_KEPT)
_XML_START: Final = (b"<", b"\xef\xbb\xbf<", b"\xff\xfe<\x00", b"\xfe\xff\x00<")


def looks_like_xml(head: bytes) -> bool:
    """Whether the first bytes of a file start an XML document (after a BOM and blanks)."""
    stripped = head.lstrip(b" \t\r\n")
    if stripped.startswith(b"\xef\xbb\xbf"):
        stripped = b"\xef\xbb\xbf" + stripped[3:].lstrip(b" \t\r\n")
    return stripped.startswith(_XML_START)


def parse_lheo(stream: IO[bytes]) -> Table:
    """Read an LHEO document into a table, one row per record (line: the record's element).

    Raises :class:`InputFileError` with the reader's French message for a refused file.
    """
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    try:
        for line, record in read_lheo_lines(stream):
            rows.append((line, tuple(record.get(name) for name in LHEO_COLUMNS)))
    except LheoError as exc:
        raise InputFileError(f"{exc}.") from None
    # Headers are the fields' French labels (recognised headers), which the report shows.
    return Table(tuple(FIELD_LABELS[name] for name in LHEO_COLUMNS), 1, tuple(rows), "lheo")


def read_lheo_table(path: Path) -> Table:
    """Read an LHEO file from disk, streamed (see :func:`parse_lheo`)."""
    try:
        with path.open("rb") as stream:
            return parse_lheo(stream)
    except OSError as exc:
        raise InputFileError(f"impossible de lire {path} : {exc.strerror or exc}.") from exc
