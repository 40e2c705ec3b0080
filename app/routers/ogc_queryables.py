"""The queryables of the OGC API (Features Part 3): each filter parameter of the items, typed.

They are made from the API's query model (:data:`~app.dependencies.FORMATION_QUERY_PARAMETERS`),
so a filter added there is a queryable here.
"""

from __future__ import annotations

from typing import Any, Final

from app.dependencies import CODE_VALUES, FORMATION_QUERY_PARAMETERS
from app.filters import YES_NO_FIELDS
from app.responses import ORJSONResponse

QUERYABLES_MEDIA_TYPE: Final = "application/schema+json"
QUERYABLES_REL: Final = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
#: Search parameters that are not about a training's own values: the place (``bbox`` is
#: Part 1's own, ``lat``/``lon``/``rayon_km`` a search around a point) and the words.
NOT_QUERYABLE: Final = frozenset(("lat", "lon", "rayon_km", "bbox", "q"))


def queryable_schema(name: str, parameter_schema: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of one filter parameter as a queryable: the type of the value it compares.

    Codes are strings of their enum (several may be given, comma-separated), yes/no filters
    booleans (``true``/``false``, or ``oui``/``non``), ``session_avant`` a date.
    """
    description = parameter_schema.get("description")
    if name in CODE_VALUES:
        schema: dict[str, Any] = {"type": "string", "enum": list(CODE_VALUES[name])}
    elif name in YES_NO_FIELDS:
        schema = {"type": "boolean"}
    else:
        branches = parameter_schema.get("anyOf", [parameter_schema])
        schema = next(b for b in branches if b.get("type") != "null").copy()
        schema.pop("description", None)
    return {"title": name, **schema, "description": description}


def queryables_document(root: str) -> dict[str, Any]:
    """Describe ``formations``' queryables: every filter parameter of the items but the place's."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{root}/collections/formations/queryables",
        "type": "object",
        "title": "Formations",
        "properties": {
            parameter["name"]: queryable_schema(parameter["name"], parameter["schema"])
            for parameter in FORMATION_QUERY_PARAMETERS
            if parameter["name"] not in NOT_QUERYABLE
        },
        "additionalProperties": False,
    }


class SchemaJSONResponse(ORJSONResponse):
    """A JSON Schema document (``application/schema+json``)."""

    media_type = QUERYABLES_MEDIA_TYPE
