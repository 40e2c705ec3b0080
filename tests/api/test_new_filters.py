"""The filters of issue 13 (sessions, level, public, certification, work-study) in the API and OGC.

The data carry the new fields (tests/new_fields.py) around a fixed « today »; the API, its
facets and the OGC items must select the same trainings, and an answer that depends on the
day must never be served once the day has changed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from bench.synthetic import synthetic_collection
from tests.api.conftest import make_settings, write_collection
from tests.new_fields import TODAY, with_new_fields

QUERIES = (
    "niveau_sortie=5",
    "niveau_sortie=3,sans_niveau",
    "public_vise=demandeurs_emploi",
    "public_vise=salaries&public_vise=personnes_handicap",
    "certifiante=oui",
    "certifiante=false",
    "alternance=oui",
    "alternance=non",
    f"session_avant={TODAY.isoformat()}",
    f"session_avant={(TODAY + timedelta(days=60)).isoformat()}",
    "session_avant=2020-01-01",
    "niveau_sortie=4,5,6&alternance=true&session_avant=2027-09-01&region=84,11",
)


@pytest.fixture(scope="module")
def collection() -> dict[str, Any]:
    return with_new_fields(synthetic_collection(300, seed=13), seed=13)


@pytest.fixture(scope="module")
def data_path(tmp_path_factory: pytest.TempPathFactory, collection: dict[str, Any]) -> Path:
    path = tmp_path_factory.mktemp("new-fields") / "formations.geojson"
    write_collection(path, collection)
    return path


@pytest.fixture(scope="module")
def client(data_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(data_path, today=TODAY))) as test_client:
        yield test_client


def expected_ids(collection: dict[str, Any], query: dict[str, Any], today: date) -> list[str]:
    """The rules of issue 13 applied to each training on its own (file order)."""
    kept = []
    for feature in collection["features"]:
        props = feature["properties"]
        if "niveau_sortie" in query and props["niveau_sortie"] not in query["niveau_sortie"]:
            continue
        if "public_vise" in query and not set(props["public_vise"]) & set(query["public_vise"]):
            continue
        if "certifiante" in query and (props["certification"] is not None) != query["certifiante"]:
            continue
        if "alternance" in query and props["alternance"] is not query["alternance"]:
            continue
        if "session_avant" in query and not any(
            s["debut"] is not None
            and s["debut"] <= query["session_avant"]
            and (s["fin"] is None or s["fin"] >= today.isoformat())
            for s in props["sessions"]
        ):
            continue
        kept.append(feature["id"])
    return kept


def api_ids(client: TestClient, query: str) -> list[str]:
    answer = client.get(f"/api/formations?{query}")
    assert answer.status_code == 200, answer.text
    return [feature["id"] for feature in answer.json()["features"]]


def ogc_ids(client: TestClient, query: str) -> list[str]:
    answer = client.get(f"/ogc/collections/formations/items?{query}&limit=10000")
    assert answer.status_code == 200, answer.text
    return [feature["id"] for feature in answer.json()["features"]]


@pytest.mark.parametrize(
    ("query", "rule"),
    [
        ("niveau_sortie=5", {"niveau_sortie": ["5"]}),
        ("niveau_sortie=3,sans_niveau", {"niveau_sortie": ["3", "sans_niveau"]}),
        ("public_vise=salaries,tout_public", {"public_vise": ["salaries", "tout_public"]}),
        ("certifiante=oui", {"certifiante": True}),
        ("certifiante=false", {"certifiante": False}),
        ("alternance=non", {"alternance": False}),
        ("session_avant=2027-03-15", {"session_avant": "2027-03-15"}),
        ("session_avant=2027-06-30", {"session_avant": "2027-06-30"}),
        (
            "alternance=true&session_avant=2027-09-01&niveau_sortie=4,5,6",
            {"alternance": True, "session_avant": "2027-09-01", "niveau_sortie": ["4", "5", "6"]},
        ),
    ],
)
def test_each_new_filter_selects_what_issue_13_says(
    client: TestClient, collection: dict[str, Any], query: str, rule: dict[str, Any]
) -> None:
    expected = expected_ids(collection, rule, TODAY)
    assert expected, "the data must hold matches"
    assert api_ids(client, query) == expected
    assert ogc_ids(client, query) == expected


@pytest.mark.parametrize("query", QUERIES)
def test_the_api_the_csv_and_the_ogc_items_agree(client: TestClient, query: str) -> None:
    ids = api_ids(client, query)
    assert ogc_ids(client, query) == ids
    for colonnes, delimiter in (("libelles", ";"), ("codes", ",")):
        text = client.get(f"/api/formations?{query}&format=csv&colonnes={colonnes}").text
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))
        assert [row[0] for row in rows[1:]] == ids
    total = client.get(f"/ogc/collections/formations/items?{query}&limit=1").json()
    assert total["numberMatched"] == len(ids)


def test_facets_count_each_value_under_the_other_filters(
    client: TestClient, collection: dict[str, Any]
) -> None:
    facets = client.get("/api/filtres?alternance=oui&niveau_sortie=5").json()["filtres"]
    under_alternance = expected_ids(collection, {"alternance": True}, TODAY)
    levels = {item["valeur"]: item["nombre"] for item in facets["niveau_sortie"] if item["nombre"]}
    by_level: dict[str, int] = {}
    for feature in collection["features"]:
        props = feature["properties"]
        if feature["id"] in under_alternance and props["niveau_sortie"] is not None:
            by_level[props["niveau_sortie"]] = by_level.get(props["niveau_sortie"], 0) + 1
    assert levels == by_level
    labels = {item["valeur"]: item["libelle"] for item in facets["niveau_sortie"]}
    assert labels["sans_niveau"] == "Sans niveau spécifique"
    alternance = {item["valeur"]: item["nombre"] for item in facets["alternance"]}
    for value, code in ((True, "oui"), (False, "non")):
        rule = {"niveau_sortie": ["5"], "alternance": value}
        assert alternance[code] == len(expected_ids(collection, rule, TODAY))
    assert {item["valeur"] for item in facets["certifiante"]} == {"oui", "non"}
    assert [item["libelle"] for item in facets["alternance"]] == ["Non", "Oui"]
    publics = {item["valeur"]: item["nombre"] for item in facets["public_vise"]}
    assert set(publics) == {
        "demandeurs_emploi",
        "jeunes_moins_26_ans",
        "salaries",
        "personnes_handicap",
        "tout_public",
        "autre_public",
    }


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("niveau_sortie=9", "niveau_sortie"),
        ("public_vise=retraites", "public_vise"),
        ("certifiante=peut-etre", "certifiante"),
        ("alternance=", "alternance"),
        ("session_avant=2027-02-30", "session_avant"),
        ("session_avant=31/01/2027", "session_avant"),
    ],
)
def test_a_bad_value_is_refused_in_french_naming_the_parameter(
    client: TestClient, query: str, parameter: str
) -> None:
    for path in ("/api/formations", "/api/filtres", "/ogc/collections/formations/items"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == 400, (path, answer.text)
        [problem] = answer.json()["detail"]
        assert problem["parametre"] == parameter
        assert problem["message"].startswith(f"{parameter} : ")
    message = client.get("/api/formations?session_avant=2027-02-30").json()["detail"][0]
    assert message["message"] == "session_avant : la date 2027-02-30 n'existe pas"


def test_a_day_dependent_answer_never_outlives_its_day(
    data_path: Path, collection: dict[str, Any]
) -> None:
    query = "session_avant=2027-04-30"
    app = create_app(make_settings(data_path, today=TODAY))
    with TestClient(app) as client:
        first = client.get(f"/api/formations?{query}")
        again = client.get(f"/api/formations?{query}")  # the second asking, from the cache
        assert again.content == first.content
        assert first.headers["cache-control"] == "no-cache"
        facets_before = client.get(f"/api/filtres?{query}").json()
        ogc_before = ogc_ids(client, query)
        later = TODAY + timedelta(days=40)
        app.state.settings = make_settings(data_path, today=later)
        after = client.get(f"/api/formations?{query}")
        assert after.headers["etag"] != first.headers["etag"]
        expected = expected_ids(collection, {"session_avant": "2027-04-30"}, later)
        assert [f["id"] for f in after.json()["features"]] == expected
        assert expected != [f["id"] for f in first.json()["features"]]
        assert client.get(f"/api/filtres?{query}").json() != facets_before
        assert ogc_ids(client, query) == expected != ogc_before
        # Revalidating yesterday's answer gets today's, not a 304.
        revalidated = client.get(
            f"/api/formations?{query}", headers={"If-None-Match": first.headers["etag"]}
        )
        assert revalidated.status_code == 200
        # An answer that does not depend on the day keeps its caching.
        assert client.get("/api/formations?alternance=oui").headers["cache-control"] == (
            "public, max-age=60"
        )


def test_queryables_type_each_filter(client: TestClient) -> None:
    collection = client.get("/ogc/collections/formations").json()
    link = next(item for item in collection["links"] if item["rel"].endswith("/queryables"))
    answer = client.get(link["href"])
    assert answer.headers["content-type"] == "application/schema+json"
    properties = answer.json()["properties"]
    assert properties["niveau_sortie"]["enum"] == ["sans_niveau", "3", "4", "5", "6", "7", "8"]
    assert "salaries" in properties["public_vise"]["enum"]
    assert properties["certifiante"]["type"] == properties["alternance"]["type"] == "boolean"
    assert (properties["session_avant"]["type"], properties["session_avant"]["format"]) == (
        "string",
        "date",
    )
    assert properties["duree_min"]["type"] == "integer"
    assert not {"lat", "lon", "rayon_km", "bbox", "q"} & set(properties)
    # every queryable is a query parameter the items take
    for name in properties:
        assert client.get(f"/ogc/collections/formations/items?{name}=x").status_code == 400


def test_next_links_keep_the_new_filters_in_canonical_form(client: TestClient) -> None:
    page = client.get(
        "/ogc/collections/formations/items?limit=2&alternance=true&public_vise=salaries,tout_public"
        "&session_avant=2027-12-31"
    ).json()
    following = next(item for item in page["links"] if item["rel"] == "next")["href"]
    assert "alternance=oui" in following
    assert "public_vise=salaries%2Ctout_public" in following
    assert "session_avant=2027-12-31" in following
    assert "aujourdhui" not in following
    assert client.get(following).status_code == 200
