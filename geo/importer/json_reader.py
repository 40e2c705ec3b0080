"""JSON and GeoJSON text to a table: an array of objects, or a FeatureCollection of Points.

Each object (or each feature's ``properties``) is a row whose keys are the columns, in the
order they first appear. A feature's Point geometry gives the ``longitude`` and ``latitude``
columns, placed first so that they win over coordinates repeated in the properties. Rows are
numbered by their position in the list (1 for the first); the header line is 0.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from geo.importer.encoding import DecodedText, repair_mojibake, repaired_issue
from geo.importer.model import (
    Cell,
    InputFileError,
    Issue,
    Level,
    Table,
    cut_text,
    long_cell_issue,
)

#: Columns made from a feature's Point geometry (recognised headers of the coordinates).
GEOMETRY_COLUMNS: Final = ("longitude", "latitude")


def looks_like_json(text: str) -> bool:
    """Whether the text starts like a JSON array or object."""
    return text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{")


def parse_json(decoded: DecodedText) -> Table:
    """Parse JSON or GeoJSON text into a :class:`Table`."""
    try:
        document = json.loads(decoded.text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"JSON illisible ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}."
        ) from None
    except RecursionError:
        raise InputFileError("JSON illisible : imbrication trop profonde.") from None
    issues: list[Issue] = [
        Issue(
            0,
            None,
            None,
            f"ligne {line} du fichier en Windows-1252 dans un fichier UTF-8 : relue en "
            "Windows-1252 ; vérifiez ses accents",
            Level.AVERTISSEMENT,
        )
        for line in decoded.other_lines
    ]
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise InputFileError("GeoJSON illisible : « features » n'est pas une liste.")
        objects = [_feature_columns(feature) for feature in features]
        fmt, first = "geojson", list(GEOMETRY_COLUMNS)
    elif isinstance(document, list):
        objects = [item if isinstance(item, dict) else None for item in document]
        fmt, first = "json", []
    else:
        raise InputFileError(
            "JSON non pris en charge : attendu un tableau d'objets ([{…}, {…}]) ou une "
            "FeatureCollection GeoJSON."
        )
    headers = list(dict.fromkeys([*first, *(key for obj in objects if obj for key in obj)]))
    if not objects or not headers:
        raise InputFileError("le fichier est vide : aucun objet dans la liste.")
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    for number, obj in enumerate(objects, start=1):
        if obj is None:
            issues.append(
                Issue(number, None, None, "élément de la liste qui n'est pas un objet { … }")
            )
            rows.append((number, ()))
            continue
        cells: list[Cell] = []
        repaired = False
        for index, header in enumerate(headers):
            value = _cell(obj.get(header))
            if isinstance(value, str):
                cut, was_cut = cut_text(value)
                if was_cut:
                    issues.append(long_cell_issue(number, headers[index]))
                value = repair_mojibake(cut)
                repaired = repaired or value != cut
            cells.append(value)
        if repaired:
            issues.append(repaired_issue(number))
        rows.append((number, tuple(cells)))
    return Table(tuple(headers), 0, tuple(rows), fmt, decoded.encoding, issues=tuple(issues))


def _cell(value: object) -> Cell:
    """Turn a JSON value into a cell: scalars as they are, lists and objects as JSON text."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def _feature_columns(feature: object) -> dict[str, object] | None:
    """Collect the columns of a GeoJSON feature: its Point's coordinates, then its properties."""
    if not isinstance(feature, Mapping):
        return None
    properties = feature.get("properties")
    columns: dict[str, object] = {}
    geometry = feature.get("geometry")
    if isinstance(geometry, Mapping) and geometry.get("type") == "Point":
        coordinates = geometry.get("coordinates")
        if (
            isinstance(coordinates, list)
            and len(coordinates) >= 2
            and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates[:2])
        ):
            columns["longitude"], columns["latitude"] = coordinates[0], coordinates[1]
    if isinstance(properties, Mapping):
        for key, value in properties.items():
            columns.setdefault(str(key), value)
    if "id" not in columns and isinstance(feature.get("id"), str | int):
        columns["id"] = feature.get("id")
    return columns
