"""The download of a selection: select the trainings, write the file, name it.

The only part of :mod:`app.exports` that knows the served dataset; the route caches what it
returns and sends it with its ``Content-Disposition``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from itertools import repeat

from app.dataset import Dataset
from app.errors import NotFound
from app.exports import FILE_FORMATS
from app.exports.cells import Colonnes, ExportRows, export_columns
from app.exports.lheo import write_lheo_export
from app.exports.names import data_date, export_filename
from app.exports.tables import write_csv, write_xlsx
from app.filters import FormationFilters


@dataclass(frozen=True, slots=True)
class Download:
    """A file to send: its bytes, media type and name."""

    body: bytes
    media_type: str
    filename: str


def selection_words(items: list[tuple[str, str]]) -> str:
    """Write the criteria of a selection as a query string (« toutes les formations »)."""
    return "&".join(f"{name}={value}" for name, value in items) or "toutes les formations"


def about_file(
    dataset: Dataset, items: list[tuple[str, str]], count: int, colonnes: Colonnes
) -> list[tuple[str, str]]:
    """Say on a spreadsheet's second sheet what it holds: data, selection, licence."""
    metadata = dataset.metadata
    about = [
        ("Titre", str(metadata.get("titre") or "Formations de la Grande École du Numérique")),
        ("Sélection", selection_words(items)),
        ("Nombre de formations", str(count)),
        ("Colonnes", "libellés en français" if colonnes is Colonnes.LIBELLES else "codes"),
        ("Données générées le", str(metadata.get("date_generation") or "")),
        ("Source", str(metadata.get("source") or "")),
        ("Licence", str(metadata.get("licence") or "")),
    ]
    if metadata.get("demo"):
        about.append(("Démonstration", "données fictives, sans valeur réelle"))
    return about


def build_download(
    dataset: Dataset,
    filters: FormationFilters,
    file_format: str,
    colonnes: Colonnes,
    limit: int | None,
    offset: int,
) -> Download:
    """Write the file of a selection in ``file_format`` (a key of :data:`FILE_FORMATS`).

    Trainings are decoded one at a time as the writer asks for them; the file is written
    once, into the buffer whose bytes are returned. Raises :class:`~app.errors.NotFound` for
    an empty selection in LHEO (which requires one formation at least).
    """
    spec = FILE_FORMATS[file_format]
    selection = dataset.select(filters)
    stop = None if limit is None else offset + limit
    rows = selection.indices[offset:stop]
    features = (dataset.features[row] for row in rows)
    items = filters.canonical_items()
    if limit is not None:
        items.append(("limit", str(limit)))
    if offset:
        items.append(("offset", str(offset)))
    if spec.table and colonnes is not Colonnes.LIBELLES:
        items.append(("colonnes", colonnes.value))
    out = io.BytesIO()
    if file_format == "lheo":
        if len(rows) == 0:
            raise NotFound(
                "aucune formation ne correspond à cette sélection ; un document LHEO doit "
                "en contenir au moins une",
                "format",
            )
        write_lheo_export(features, out)
    else:
        distances = (
            repeat(None)
            if selection.distances is None
            else (float(d) for d in selection.distances[offset:stop])
        )
        columns = export_columns(selection.distances is not None)
        export = ExportRows(columns, zip(features, distances, strict=False), len(rows))
        if file_format == "xlsx":
            about = about_file(dataset, items, len(rows), colonnes)
            write_xlsx(export, colonnes, out, about)
        else:
            write_csv(export, colonnes, out)
    filename = export_filename(
        items, spec.extension, data_date(dataset.metadata.get("date_generation"))
    )
    return Download(out.getvalue(), spec.media_type, filename)
