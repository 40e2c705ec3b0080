"""OGC API – Features Part 1 Core under /ogc, in process."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
ITEMS = "/ogc/collections/formations/items"


def link(document: dict[str, Any], rel: str) -> dict[str, Any]:
    return next(item for item in document["links"] if item["rel"] == rel)


def test_landing_page_links(client: TestClient) -> None:
    landing = client.get("/ogc").json()
    assert {"self", "service-desc", "conformance", "data"} <= {
        item["rel"] for item in landing["links"]
    }
    assert client.get(link(landing, "service-desc")["href"]).json()["paths"]
    assert client.get(link(landing, "data")["href"]).status_code == 200


def test_conformance_classes(client: TestClient) -> None:
    classes = client.get("/ogc/conformance").json()["conformsTo"]
    assert CORE in classes
    assert any(c.endswith("/conf/geojson") for c in classes)
    assert any(c.endswith("/conf/oas30") for c in classes)


def test_collection_has_a_crs84_extent(client: TestClient, synthetic: dict[str, Any]) -> None:
    collection = client.get("/ogc/collections/formations").json()
    lons = [f["geometry"]["coordinates"][0] for f in synthetic["features"]]
    lats = [f["geometry"]["coordinates"][1] for f in synthetic["features"]]
    assert collection["extent"]["spatial"]["bbox"] == [[min(lons), min(lats), max(lons), max(lats)]]
    assert collection["extent"]["spatial"]["crs"].endswith("/OGC/1.3/CRS84")
    listed = client.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in listed] == ["formations"]


def test_items_default_page_and_counts(client: TestClient, synthetic: dict[str, Any]) -> None:
    response = client.get(ITEMS)
    assert response.headers["content-type"] == "application/geo+json"
    page = response.json()
    assert page["numberReturned"] == 10 == len(page["features"])
    assert page["numberMatched"] == len(synthetic["features"])
    assert page["timeStamp"].endswith("Z")
    assert "prev" not in {item["rel"] for item in page["links"]}


def test_following_next_links_visits_every_feature_once(
    client: TestClient, synthetic: dict[str, Any]
) -> None:
    seen: list[str] = []
    url: str | None = f"{ITEMS}?limit=37&type_structure=ecole"
    pages = 0
    while url and pages < 100:
        page = client.get(url).json()
        seen += [f["id"] for f in page["features"]]
        url = next((item["href"] for item in page["links"] if item["rel"] == "next"), None)
        pages += 1
    expected = [
        f["id"] for f in synthetic["features"] if f["properties"]["type_structure"] == "ecole"
    ]
    assert seen == expected
    assert pages == -(-len(expected) // 37)


def test_prev_link_goes_back(client: TestClient) -> None:
    page = client.get(f"{ITEMS}?limit=5&offset=12").json()
    back = client.get(link(page, "prev")["href"]).json()
    assert link(back, "self")["href"].endswith("offset=7")


def test_limit_above_maximum_is_clamped_not_refused(client: TestClient) -> None:
    page = client.get(f"{ITEMS}?limit=50000").json()
    assert page["numberReturned"] == page["numberMatched"]


def test_bbox_on_items(client: TestClient, synthetic: dict[str, Any]) -> None:
    page = client.get(f"{ITEMS}?bbox=-1,43,5,47&limit=10000").json()
    for feature in page["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert -1 <= lon <= 5 and 43 <= lat <= 47
    assert page["numberMatched"] == len(page["features"]) > 0


def test_single_item_and_404s(client: TestClient, synthetic: dict[str, Any]) -> None:
    feature_id = synthetic["features"][1]["id"]
    item = client.get(f"{ITEMS}/{feature_id}").json()
    assert item["id"] == feature_id
    assert link(item, "collection")["href"].endswith("/ogc/collections/formations")
    assert client.get(f"{ITEMS}/inconnu").status_code == 404
    assert client.get("/ogc/collections/autre/items").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        f"{ITEMS}?limit=0",
        f"{ITEMS}?limit=abc",
        f"{ITEMS}?bbox=1,2",
        f"{ITEMS}?inconnu=1",
        f"{ITEMS}?f=html",
        "/ogc/collections?f=xml",
    ],
)
def test_bad_parameters_are_400(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["detail"][0]["message"]


def test_f_json_is_accepted(client: TestClient) -> None:
    assert client.get("/ogc?f=json").status_code == 200
    assert client.get(f"{ITEMS}?f=json&limit=1").json()["numberReturned"] == 1


def test_links_use_the_public_url_behind_a_proxy(app_client: Any, synthetic_path: Any) -> None:
    public = "https://carte.exemple.gouv.fr"
    with app_client(synthetic_path, public_url=public + "/") as proxied:
        landing = proxied.get("/ogc").json()
        assert all(item["href"].startswith(public + "/") for item in landing["links"])
        page = proxied.get(f"{ITEMS}?limit=3").json()
        assert link(page, "next")["href"] == f"{public}{ITEMS}?limit=3&offset=3"
        assert link(page, "self")["href"] == f"{public}{ITEMS}?limit=3"
