"""The fields of issue 13 (contract C1) are served exactly as built: lists, booleans, nulls."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from geo.schema import (
    BOOLEAN_FIELDS,
    CERTIFICATION_PATTERN,
    LIST_FIELDS,
    PROPERTY_FIELDS,
    Niveau,
    PublicVise,
)

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_c1(props: dict[str, Any]) -> None:
    """Check one feature's properties against the shapes of contract C1."""
    assert tuple(props) == PROPERTY_FIELDS
    for name in LIST_FIELDS:
        assert isinstance(props[name], list)
    for name in BOOLEAN_FIELDS:
        assert props[name] in (True, False, None)
    debuts = []
    for session in props["sessions"]:
        assert set(session) == {"debut", "fin"}
        for side in session.values():
            assert side is None or ISO_DATE.match(side)
        debuts.append(session["debut"] or "")
    assert debuts == sorted(debuts)
    assert props["prochaine_session"] is None or props["prochaine_session"] in debuts
    assert props["public_vise"] == [p.value for p in PublicVise if p.value in props["public_vise"]]
    for name in ("niveau_entree", "niveau_sortie"):
        assert props[name] is None or props[name] in {n.value for n in Niveau}
    assert props["certification"] is None or re.match(CERTIFICATION_PATTERN, props["certification"])
    assert props["nombre_heures"] is None or type(props["nombre_heures"]) is int


def test_the_api_serves_the_built_fields_exactly(demo_client: TestClient, demo_path: Path) -> None:
    built = json.loads(demo_path.read_text("utf-8"))["features"]
    served = demo_client.get("/api/formations").json()["features"]
    assert {f["id"]: f["properties"] for f in served} == {f["id"]: f["properties"] for f in built}
    for feature in served:
        check_c1(feature["properties"])
    assert any(f["properties"]["sessions"] for f in served)
    assert any(f["properties"]["public_vise"] for f in served)
    assert any(f["properties"]["alternance"] is False for f in served)
    one = served[0]
    assert demo_client.get(f"/api/formations/{one['id']}").json()["properties"] == one["properties"]


def test_the_codes_csv_writes_every_list_and_yes_no_value(demo_client: TestClient) -> None:
    answer = demo_client.get("/api/formations", params={"format": "csv", "colonnes": "codes"})
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    features = demo_client.get("/api/formations").json()["features"]
    assert [row["id"] for row in rows] == [feature["id"] for feature in features]
    for row, feature in zip(rows, features, strict=True):
        props = feature["properties"]
        periods = [f"{s['debut'] or '..'}/{s['fin'] or '..'}" for s in props["sessions"]]
        assert row["sessions"] == ";".join(periods)
        assert row["public_vise"] == ";".join(props["public_vise"])
        yes_no = {True: "true", False: "false", None: ""}
        assert row["alternance"] == yes_no[props["alternance"]]
    assert any(row["sessions"] for row in rows)


def test_the_documented_properties_are_the_schema_s() -> None:
    from app.routers.api_models import FormationProperties

    assert list(FormationProperties.model_fields) == [*PROPERTY_FIELDS, "distance_km"]
