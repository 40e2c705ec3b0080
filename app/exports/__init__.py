"""Downloads of a selection: CSV, XLSX and LHEO files made from served trainings.

Pure functions from features to bytes (written to a binary stream the caller owns); the
route (:mod:`app.routers.api`) selects the trainings and answers. One room per job:
:mod:`~app.exports.cells` (columns and typed cells), :mod:`~app.exports.tables` (CSV and
XLSX), :mod:`~app.exports.lheo` (LHEO 2.3), :mod:`~app.exports.names` (file names).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from app.exports.cells import Colonnes, ColonnesName, ExportRows, export_columns
from app.exports.lheo import lheo_record, write_lheo_export
from app.exports.names import content_disposition, data_date, export_filename
from app.exports.tables import write_csv, write_xlsx

#: Every format ``/api/formations`` answers in (``format=``); ``geojson`` is the default.
AnswerFormat = Literal["geojson", "csv", "xlsx", "lheo"]

CSV_MEDIA_TYPE: Final = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: LHEO has no media type of its own: it is XML, encoded in UTF-8 as its declaration says.
LHEO_MEDIA_TYPE: Final = "application/xml"


@dataclass(frozen=True, slots=True)
class FileFormat:
    """A downloadable format: its media type, file extension and whether it has columns."""

    media_type: str
    extension: str
    table: bool  # a table of columns (``colonnes`` applies)
    description: str


#: The file formats of ``format=``, in the order the page offers them.
FILE_FORMATS: Final[dict[str, FileFormat]] = {
    "csv": FileFormat(
        CSV_MEDIA_TYPE,
        "csv",
        True,
        "CSV : en-têtes et valeurs en français, séparateur `;`, UTF-8 avec BOM, virgule "
        "décimale, dates JJ/MM/AAAA (pour un tableur en français) ; avec `colonnes=codes`, "
        "codes des champs et valeurs brutes, séparateur `,`, UTF-8 sans BOM, point décimal, "
        "dates ISO (pour un programme).",
    ),
    "xlsx": FileFormat(
        XLSX_MEDIA_TYPE,
        "xlsx",
        True,
        "XLSX (tableur) : codes (postaux, INSEE, département, région, certification, "
        "téléphone) en cellules texte, nombres et dates typés, ligne d'en-tête figée.",
    ),
    "lheo": FileFormat(
        LHEO_MEDIA_TYPE,
        "xml",
        False,
        "LHEO 2.3 (XML national de l'offre de formation) ; une sélection vide est refusée "
        "(404), un document LHEO devant contenir au moins une formation.",
    ),
}

__all__ = [
    "CSV_MEDIA_TYPE",
    "FILE_FORMATS",
    "LHEO_MEDIA_TYPE",
    "XLSX_MEDIA_TYPE",
    "AnswerFormat",
    "Colonnes",
    "ColonnesName",
    "ExportRows",
    "FileFormat",
    "content_disposition",
    "data_date",
    "export_columns",
    "export_filename",
    "lheo_record",
    "write_csv",
    "write_lheo_export",
    "write_xlsx",
]
