"""Reading the gazetteer file (``data/gazetteer.json.gz``) and finding its boundaries file."""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from geo.boundaries import FILE_NAME as BOUNDARIES_FILE_NAME
from geo.gazetteer.model import Commune, Locality

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "gazetteer.json.gz"
#: Gazetteer file formats this module reads (1: without communes déléguées' positions).
FORMATS = (1, 2)


@dataclass(frozen=True, slots=True)
class Contents:
    """What a gazetteer document holds, in the arguments :class:`Gazetteer` takes."""

    communes: list[Commune]
    departements: dict[str, str]
    regions: dict[str, str]
    aliases: list[tuple[str, str]]
    old_codes: dict[str, str]
    parents: dict[str, str]
    localities: list[Locality]


def read_file(path: Path) -> tuple[dict[str, Any], Path | None]:
    """Read a gazetteer file; answer its document and the boundaries file beside it, if any.

    :param path: a ``gazetteer.json.gz`` file.
    :raises OSError, ValueError: unreadable or malformed file, or (format 2 on) no boundaries.
    """
    with gzip.open(path, "rb") as handle:
        document: dict[str, Any] = orjson.loads(handle.read())
    boundaries = path.with_name(BOUNDARIES_FILE_NAME)
    if document.get("format") != 1 and not boundaries.exists():
        raise OSError(f"boundaries file missing beside the gazetteer: {boundaries}")
    return document, boundaries if boundaries.exists() else None


def contents_of(document: Mapping[str, Any]) -> Contents:
    """Decode the JSON document of a gazetteer file.

    :raises ValueError: unsupported format.
    """
    if document.get("format") not in FORMATS:
        raise ValueError(f"unsupported gazetteer format: {document.get('format')!r}")
    regions = {code: nom for code, nom in document["regions"]}
    departements = {code: nom for code, nom, _ in document["departements"]}
    communes = []
    parents = {}
    for code, nom, cps, dep, reg, pop, lon, lat, position, kind, parent in document["communes"]:
        communes.append(  # positional: the field order of Commune (faster to load)
            Commune(
                code,
                nom,
                tuple(cps.split()),
                dep,
                departements.get(dep, dep),
                reg,
                regions.get(reg, reg),
                pop,
                lon,
                lat,
                position,
                kind,
            )
        )
        if parent:
            parents[code] = parent
    return Contents(
        communes,
        departements,
        regions,
        aliases=[(name, code) for name, code in document["alias"]],
        old_codes=dict(document["anciens_codes"]),
        parents=parents,
        localities=[Locality(*record) for record in document.get("localites", ())],
    )
