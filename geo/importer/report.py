"""The report of rejections and warnings, written as a CSV that Excel opens."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from geo.importer.model import Issue, Level
from geo.io import neutralise_cell, write_bytes_atomic

REPORT_HEADERS: Final = ("Ligne", "Identifiant", "Colonne", "Niveau", "Motif")


def report_rows(issues: Iterable[Issue]) -> list[list[str]]:
    """Rows of the rejection report, sorted by spreadsheet row (rejections first on a row)."""
    ordered = sorted(issues, key=lambda i: (i.ligne, i.niveau is not Level.REJET))
    return [
        [
            str(i.ligne),
            neutralise_cell(i.identifiant or ""),
            neutralise_cell(i.colonne or ""),
            i.niveau.value,
            neutralise_cell(i.motif),
        ]
        for i in ordered
    ]


def write_report(path: Path, issues: Iterable[Issue]) -> None:
    """Write the report as ``;``-separated UTF-8 with BOM (what Excel opens), atomically."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(REPORT_HEADERS)
    writer.writerows(report_rows(issues))
    write_bytes_atomic(path, buffer.getvalue().encode("utf-8-sig"))
