"""Read CSV, XLSX, JSON and GeoJSON lists of trainings into validated rows and a problem report.

The stages live in rooms of their own, each testable alone: bytes → text
(:mod:`~geo.importer.encoding`) → table (:mod:`~geo.importer.csv_reader`,
:mod:`~geo.importer.xlsx_reader`, :mod:`~geo.importer.json_reader`, dispatched by
:mod:`~geo.importer.reading`) → header mapping (:mod:`~geo.importer.headers`) → cell values
(:mod:`~geo.importer.values`) → rows (:mod:`~geo.importer.rows`, ids in
:mod:`~geo.importer.ids`) → report (:mod:`~geo.importer.report`). Only
:func:`read_table` and :func:`write_report` touch the file system; no geocoding happens here.
"""

from geo.importer.csv_reader import MAX_RECORD_LINES, parse_csv, sniff_delimiter
from geo.importer.encoding import decode_lines, decode_text, repair_mojibake
from geo.importer.headers import (
    FIELD_LABELS,
    HEADER_ALIASES,
    HeaderMapping,
    check_columns,
    field_for_header,
    find_header,
    header_key,
    map_headers,
)
from geo.importer.ids import MAX_ID_CHARS, SAFE_ID_ALPHABET, derive_id, safe_id
from geo.importer.json_reader import parse_json
from geo.importer.model import (
    DELIMITER_LABELS,
    ENCODING_LABELS,
    MAX_CELL_CHARS,
    NO_DETAILS,
    Cell,
    ImportedRow,
    ImportResult,
    InputFileError,
    Issue,
    Level,
    Table,
    TrainingDetails,
    ValueProblem,
)
from geo.importer.reading import MAX_TEXT_BYTES, parse_bytes, read_table
from geo.importer.report import REPORT_HEADERS, report_rows, write_report
from geo.importer.rows import import_table, validate_row
from geo.importer.values import (
    MODALITE_ALIASES,
    TYPE_STRUCTURE_ALIASES,
    match_type_structure,
    parse_code_insee,
    parse_code_postal,
    parse_coordinate,
    parse_date,
    parse_duree,
    parse_modalite,
    parse_site_web,
    parse_type_structure,
)
from geo.importer.xlsx_reader import parse_xlsx

__all__ = [
    "DELIMITER_LABELS",
    "ENCODING_LABELS",
    "FIELD_LABELS",
    "HEADER_ALIASES",
    "MAX_CELL_CHARS",
    "MAX_ID_CHARS",
    "MAX_RECORD_LINES",
    "MAX_TEXT_BYTES",
    "MODALITE_ALIASES",
    "NO_DETAILS",
    "REPORT_HEADERS",
    "SAFE_ID_ALPHABET",
    "TYPE_STRUCTURE_ALIASES",
    "Cell",
    "HeaderMapping",
    "ImportResult",
    "ImportedRow",
    "InputFileError",
    "Issue",
    "Level",
    "Table",
    "TrainingDetails",
    "ValueProblem",
    "check_columns",
    "decode_lines",
    "decode_text",
    "derive_id",
    "field_for_header",
    "find_header",
    "header_key",
    "import_table",
    "map_headers",
    "match_type_structure",
    "parse_bytes",
    "parse_code_insee",
    "parse_code_postal",
    "parse_coordinate",
    "parse_csv",
    "parse_date",
    "parse_duree",
    "parse_json",
    "parse_modalite",
    "parse_site_web",
    "parse_type_structure",
    "parse_xlsx",
    "read_table",
    "repair_mojibake",
    "report_rows",
    "safe_id",
    "sniff_delimiter",
    "validate_row",
    "write_report",
]
