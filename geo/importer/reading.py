"""Recognise an input file's format from its content and read it into a :class:`Table`.

Only :func:`read_table` touches the file system. Formats: CSV, XLSX, JSON (an array of
objects), GeoJSON (a FeatureCollection) and LHEO (XML, streamed: no size cap); see
``docs/import.md``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Final

from geo.importer.csv_reader import parse_csv
from geo.importer.encoding import decode_lines
from geo.importer.json_reader import looks_like_json, parse_json
from geo.importer.lheo_table import looks_like_xml, parse_lheo, read_lheo_table
from geo.importer.model import InputFileError, Table
from geo.importer.xlsx_reader import MIB, is_xlsx, looks_like_zip, parse_xlsx

#: Largest CSV, JSON or GeoJSON file accepted (XLSX has caps of its own).
MAX_TEXT_BYTES: Final = 200 * MIB
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0"
_JSON_SUFFIXES: Final = (".json", ".geojson")


def parse_bytes(data: bytes, name: str = "", sheet: str | None = None) -> Table:
    """Recognise the format from the content (not the extension) and parse it."""
    if not data.strip():
        raise InputFileError("le fichier est vide.")
    if looks_like_zip(data):
        if not is_xlsx(data):
            raise InputFileError(
                "archive ZIP qui n'est pas un classeur XLSX : attendu un tableur CSV ou XLSX, "
                "ou un fichier JSON ou GeoJSON."
            )
        return parse_xlsx(data, sheet)
    if looks_like_xml(data[:64]):
        return parse_lheo(io.BytesIO(data))
    if data.startswith(_OLE_MAGIC):
        raise InputFileError(
            "format Excel 97-2003 (.xls) non pris en charge : enregistrez le fichier en .xlsx "
            "ou en CSV UTF-8."
        )
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise InputFileError("le fichier porte l'extension .xlsx mais n'est pas un classeur XLSX.")
    if len(data) > MAX_TEXT_BYTES:
        raise InputFileError(
            f"fichier de {len(data) // MIB} Mo, au-delà de {MAX_TEXT_BYTES // MIB} Mo : "
            "découpez-le."
        )
    decoded = decode_lines(data)
    if name.lower().endswith(_JSON_SUFFIXES) or looks_like_json(decoded.text):
        return parse_json(decoded)
    return parse_csv(decoded)


def read_table(path: Path, sheet: str | None = None) -> Table:
    """Read a CSV, XLSX, JSON, GeoJSON or LHEO file from disk (the import's only file read)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(64)
        if looks_like_xml(head):
            return read_lheo_table(path)
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise InputFileError(
                f"fichier de {size // MIB} Mo, au-delà de {MAX_TEXT_BYTES // MIB} Mo : découpez-le."
            )
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputFileError(f"fichier introuvable : {path}.") from exc
    except IsADirectoryError as exc:
        raise InputFileError(f"{path} est un dossier, pas un fichier.") from exc
    except OSError as exc:
        raise InputFileError(f"impossible de lire {path} : {exc.strerror or exc}.") from exc
    return parse_bytes(data, path.name, sheet)
