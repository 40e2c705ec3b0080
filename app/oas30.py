"""Translate the OpenAPI 3.1 document FastAPI writes into OpenAPI 3.0.3 (OGC API ``oas30``).

OGC API – Features declares its API definition as OpenAPI 3.0, and GIS clients read it as
such. The differences that matter for the schemas FastAPI and pydantic produce are few:
``null`` in ``anyOf``/``type`` becomes ``nullable``, ``examples`` (a list) becomes
``example``, ``const`` becomes a one-value ``enum`` and numeric ``exclusiveMinimum`` /
``exclusiveMaximum`` become booleans beside ``minimum`` / ``maximum``. Pure functions: the
input is never modified.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

OPENAPI_30_VERSION: Final = "3.0.3"
#: A null-only schema, before and after translation (children are translated first).
_NULLS: Final = ({"type": "null"}, {"enum": [None], "nullable": True})
#: Keys whose value is one schema, or a list or a map of schemas.
_SCHEMA_KEYS: Final = ("items", "not", "additionalProperties")
_SCHEMA_LIST_KEYS: Final = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_MAP_KEYS: Final = ("properties", "patternProperties", "$defs")
#: 3.1-only keywords without a 3.0 equivalent: dropped.
_DROPPED: Final = ("$schema", "$id", "contentMediaType", "contentEncoding", "prefixItems", "$defs")


def schema_30(schema: Any) -> Any:
    """Return a JSON Schema of OpenAPI 3.1 rewritten for OpenAPI 3.0."""
    if not isinstance(schema, Mapping):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_KEYS:
            result[key] = schema_30(value)
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            result[key] = [schema_30(item) for item in value]
        elif key in _SCHEMA_MAP_KEYS and isinstance(value, Mapping):
            result[key] = {name: schema_30(item) for name, item in value.items()}
        else:
            result[key] = copy.deepcopy(value)
    for key in _DROPPED:
        result.pop(key, None)
    _rewrite_null(result)
    if "examples" in result:
        examples = result.pop("examples")
        if isinstance(examples, list) and examples and "example" not in result:
            result["example"] = examples[0]
    if "const" in result:
        result["enum"] = [result.pop("const")]
    for exclusive, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        bound = result.get(exclusive)
        if isinstance(bound, int | float) and not isinstance(bound, bool):
            result[inclusive] = bound
            result[exclusive] = True
    return result


def _rewrite_null(schema: dict[str, Any]) -> None:
    """``type: [x, "null"]`` and ``anyOf: [{…}, {"type": "null"}]`` → ``nullable: true``."""
    kind = schema.get("type")
    if kind == "null":  # null only: 3.0 has no null type
        kind = schema["type"] = ["null"]
    if isinstance(kind, list):
        others = [item for item in kind if item != "null"]
        if len(others) < len(kind):
            schema["nullable"] = True
        if len(others) == 1:
            schema["type"] = others[0]
        elif others:
            schema.pop("type")
            schema["anyOf"] = [{"type": item} for item in others]
        else:
            schema.pop("type")
            schema["enum"] = [None]
    for key in ("anyOf", "oneOf"):
        choices = schema.get(key)
        if not isinstance(choices, list) or not any(choice in _NULLS for choice in choices):
            continue
        others = [choice for choice in choices if choice not in _NULLS]
        schema["nullable"] = True
        if not others:
            del schema[key]
            schema["enum"] = [None]
        elif len(others) == 1 and "$ref" not in others[0]:
            del schema[key]
            for name, value in others[0].items():
                schema.setdefault(name, value)
        elif len(others) == 1:  # a $ref takes no siblings in 3.0: wrap it in allOf
            del schema[key]
            schema["allOf"] = others
        else:
            schema[key] = others


def document_30(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return an OpenAPI 3.1 document (as FastAPI writes it) rewritten as OpenAPI 3.0.3."""
    result = copy.deepcopy(dict(document))
    result["openapi"] = OPENAPI_30_VERSION
    for key in ("jsonSchemaDialect", "webhooks"):
        result.pop(key, None)
    components = result.get("components", {})
    for name, schema in list(components.get("schemas", {}).items()):
        components["schemas"][name] = schema_30(schema)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                _operation_30(operation)
    return result


def _operation_30(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if "schema" in parameter:
            parameter["schema"] = schema_30(parameter["schema"])
    bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
    for body in bodies:
        for media in body.get("content", {}).values():
            if "schema" in media:
                media["schema"] = schema_30(media["schema"])
