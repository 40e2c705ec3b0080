"""The OpenAPI 3.0 definition behind the OGC ``oas30`` conformance class."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from app.oas30 import document_30, schema_30

OAS30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"


def test_the_ogc_api_definition_is_valid_openapi_30(client: TestClient) -> None:
    landing = client.get("/ogc").json()
    service_desc = next(item for item in landing["links"] if item["rel"] == "service-desc")
    assert service_desc["type"].endswith("version=3.0")
    response = client.get(service_desc["href"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    document = response.json()
    assert document["openapi"] == "3.0.3"
    OpenAPIV30SpecValidator(document).validate()  # raises on the first violation
    assert "/ogc/collections/{collection_id}/items" in document["paths"]
    assert OAS30 in client.get("/ogc/conformance").json()["conformsTo"]


def test_the_fastapi_document_is_valid_openapi_31_and_left_untouched(client: TestClient) -> None:
    original = client.get("/openapi.json").json()
    OpenAPIV31SpecValidator(original).validate()
    kept = copy.deepcopy(original)
    document_30(original)
    assert original == kept


def test_nullable_examples_const_and_exclusive_bounds() -> None:
    schema = {
        "anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "null"}],
        "examples": [30],
        "description": "Rayon",
    }
    assert schema_30(schema) == {
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "nullable": True,
        "example": 30,
        "description": "Rayon",
    }
    assert schema_30({"anyOf": [{"$ref": "#/x"}, {"type": "null"}]}) == {
        "allOf": [{"$ref": "#/x"}],
        "nullable": True,
    }
    assert schema_30({"const": "Point", "type": "string"}) == {"enum": ["Point"], "type": "string"}
    assert schema_30({"type": ["string", "null"]}) == {"type": "string", "nullable": True}


json_schemas: st.SearchStrategy[Any] = st.recursive(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["string", "integer", "number", "boolean", "null"])},
        optional={"examples": st.lists(st.integers(), max_size=2), "const": st.integers()},
    ),
    lambda inner: st.fixed_dictionaries(
        {},
        optional={
            "anyOf": st.lists(inner, min_size=1, max_size=3),
            "items": inner,
            "properties": st.dictionaries(st.sampled_from(["a", "b", "null"]), inner, max_size=2),
        },
    ),
    max_leaves=8,
)


def _keys(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        found = set(schema)
        for value in schema.values():
            found |= _keys(value)
        return found
    if isinstance(schema, list):
        return set().union(*map(_keys, schema)) if schema else set()
    return set()


@given(json_schemas)
def test_no_31_keyword_survives_and_the_input_is_kept(schema: dict[str, Any]) -> None:
    kept = copy.deepcopy(schema)
    translated = schema_30(schema)
    assert schema == kept
    assert not {"examples", "const"} & _keys(translated)
    assert '"type": "null"' not in repr(translated).replace("'", '"')
