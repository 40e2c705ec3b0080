"""The LHEO export: served trainings as records of :mod:`geo.lheo`, written as LHEO 2.3.

A GeoJSON feature becomes the plain record the LHEO writer and reader share
(:data:`geo.lheo.RECORD_FIELDS`): strings, ``public_vise`` a list, ``sessions`` a list of
``{debut, fin}``, yes/no as ``oui``/``non``, the position as ``latitude``/``longitude``.
Fields LHEO does not have (département, région, geocoding, ``duree_mois`` without
``nombre_heures``, ``type_structure``, ``date_labellisation``) are not written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO, Any, Final

from geo.lheo import RECORD_FIELDS
from geo.lheo.codes import NON, OUI
from geo.lheo.writer import write_lheo

#: Record fields read from the feature's position rather than its properties.
_POSITION: Final = {"longitude": 0, "latitude": 1}
#: Record fields that are lists in a record (the others are text or empty).
_LIST_FIELDS: Final = frozenset({"public_vise", "sessions"})


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return OUI if value else NON
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def lheo_record(feature: Mapping[str, Any]) -> dict[str, Any]:
    """Return the LHEO record of one GeoJSON feature (see the module's docstring)."""
    properties: Mapping[str, Any] = feature.get("properties") or {}
    coordinates = (feature.get("geometry") or {}).get("coordinates") or ()
    record: dict[str, Any] = {}
    for field in RECORD_FIELDS:
        if field == "id":
            record[field] = _text(feature.get("id"))
        elif field in _POSITION:
            index = _POSITION[field]
            record[field] = _text(coordinates[index]) if len(coordinates) > index else None
        elif field in _LIST_FIELDS:
            record[field] = list(properties.get(field) or [])
        else:
            record[field] = _text(properties.get(field))
    return record


def write_lheo_export(features: Iterable[Mapping[str, Any]], out: IO[bytes]) -> int:
    """Write the features as one LHEO 2.3 document to ``out``; return how many were written."""
    return write_lheo((lheo_record(feature) for feature in features), out)
