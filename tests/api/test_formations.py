"""/api/formations and /api/formations/{id} against an independent oracle on synthetic data."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.text import fold


def features_of(synthetic: dict[str, Any]) -> list[dict[str, Any]]:
    return synthetic["features"]


def ids(answer: dict[str, Any]) -> list[str]:
    return [feature["id"] for feature in answer["features"]]


def oracle(synthetic: dict[str, Any], keep: Any) -> list[str]:
    return [f["id"] for f in features_of(synthetic) if keep(f["properties"], f)]


def great_circle_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_full_collection_is_geojson_with_every_feature(
    client: TestClient, synthetic: dict[str, Any]
) -> None:
    response = client.get("/api/formations")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    answer = response.json()
    assert answer["type"] == "FeatureCollection"
    assert ids(answer) == [f["id"] for f in synthetic["features"]]
    assert answer["nombre_total"] == len(synthetic["features"])
    assert answer["metadonnees"]["version"] == synthetic["metadonnees"]["version"]
    assert "crs" not in answer
    first = answer["features"][0]
    assert first["geometry"] == synthetic["features"][0]["geometry"]
    assert first["properties"] == synthetic["features"][0]["properties"]


def test_region_filter_matches_oracle(client: TestClient, synthetic: dict[str, Any]) -> None:
    region = synthetic["features"][0]["properties"]["region"]
    answer = client.get("/api/formations", params={"region": region}).json()
    expected = oracle(synthetic, lambda p, f: p["region"] == region)
    assert ids(answer) == expected and expected


def test_repeated_and_comma_separated_values_are_the_same_filter(
    client: TestClient, synthetic: dict[str, Any]
) -> None:
    regions = sorted({f["properties"]["region"] for f in synthetic["features"]})[:2]
    repeated = client.get("/api/formations", params=[("region", r) for r in regions]).json()
    comma = client.get("/api/formations", params={"region": ",".join(regions)}).json()
    expected = oracle(synthetic, lambda p, f: p["region"] in regions)
    assert ids(repeated) == ids(comma) == expected


def test_combined_filters_match_oracle(client: TestClient, synthetic: dict[str, Any]) -> None:
    params = {
        "type_structure": "association,ecole",
        "modalite": "presentiel",
        "duree_min": 6,
        "duree_max": 12,
    }
    answer = client.get("/api/formations", params=params).json()
    expected = oracle(
        synthetic,
        lambda p, f: (
            p["type_structure"] in ("association", "ecole")
            and p["modalite"] == "presentiel"
            and 6 <= p["duree_mois"] <= 12
        ),
    )
    assert ids(answer) == expected and expected


def test_departement_filter(client: TestClient, synthetic: dict[str, Any]) -> None:
    dep = synthetic["features"][3]["properties"]["departement"]
    answer = client.get("/api/formations", params={"departement": dep}).json()
    assert ids(answer) == oracle(synthetic, lambda p, f: p["departement"] == dep)


def test_text_search_ignores_accents_and_case_and_needs_every_word(
    client: TestClient, synthetic: dict[str, Any]
) -> None:
    target = synthetic["features"][5]["properties"]
    words = [target["intitule"].split()[0].upper(), target["commune"]]
    query = " ".join(words)
    answer = client.get("/api/formations", params={"q": query}).json()
    folded_words = fold(query).split()

    def keep(p: dict[str, Any], f: Any) -> bool:
        text = fold(f"{p['intitule']} {p['structure']} {p['commune']}")
        return all(word in text for word in folded_words)

    expected = oracle(synthetic, keep)
    assert synthetic["features"][5]["id"] in expected
    assert ids(answer) == expected
    accented = client.get("/api/formations", params={"q": "DÉVELOPPEUR"}).json()
    plain = client.get("/api/formations", params={"q": "developpeur"}).json()
    assert ids(accented) == ids(plain) and ids(plain)


def test_distance_search_sorts_nearest_first_with_rounded_distances(
    client: TestClient, synthetic: dict[str, Any]
) -> None:
    lon, lat = synthetic["features"][0]["geometry"]["coordinates"]
    answer = client.get("/api/formations", params={"lat": lat, "lon": lon, "rayon_km": 80}).json()
    distances = [f["properties"]["distance_km"] for f in answer["features"]]
    assert distances == sorted(distances)
    assert distances[0] == 0.0
    expected = {
        f["id"]: great_circle_km(lon, lat, *f["geometry"]["coordinates"])
        for f in synthetic["features"]
        if great_circle_km(lon, lat, *f["geometry"]["coordinates"]) <= 80
    }
    assert set(ids(answer)) == set(expected)
    for feature in answer["features"]:
        assert feature["properties"]["distance_km"] == pytest.approx(
            expected[feature["id"]], abs=0.051
        )
        assert feature["properties"]["distance_km"] == round(
            feature["properties"]["distance_km"], 1
        )


def test_bbox_keeps_points_inside(client: TestClient, synthetic: dict[str, Any]) -> None:
    box = (-1.0, 43.0, 5.0, 47.0)
    answer = client.get("/api/formations", params={"bbox": ",".join(map(str, box))}).json()

    def inside(p: Any, f: dict[str, Any]) -> bool:
        lon, lat = f["geometry"]["coordinates"]
        return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]

    expected = oracle(synthetic, inside)
    assert ids(answer) == expected and expected


def test_limit_and_offset_page_through_the_selection(
    client: TestClient, synthetic: dict[str, Any]
) -> None:
    all_ids = [f["id"] for f in synthetic["features"]]
    page = client.get("/api/formations", params={"limit": 7, "offset": 10}).json()
    assert ids(page) == all_ids[10:17]
    assert page["nombre_total"] == len(all_ids)
    beyond = client.get("/api/formations", params={"offset": 10**9}).json()
    assert beyond["features"] == [] and beyond["nombre_total"] == len(all_ids)


def test_csv_is_for_french_excel_with_the_same_selection(
    client: TestClient, synthetic: dict[str, Any]
) -> None:
    region = synthetic["features"][0]["properties"]["region"]
    response = client.get("/api/formations", params={"region": region, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert ".csv" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Identifiant", "Longitude", "Latitude", "Intitulé de la formation"]
    assert [row[0] for row in rows[1:]] == oracle(synthetic, lambda p, f: p["region"] == region)
    first = next(f for f in synthetic["features"] if f["properties"]["region"] == region)
    assert float(rows[1][1].replace(",", ".")) == first["geometry"]["coordinates"][0]


def test_one_training_by_id(client: TestClient, synthetic: dict[str, Any]) -> None:
    feature = synthetic["features"][2]
    response = client.get(f"/api/formations/{feature['id']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert response.json() == feature


def test_unknown_id_is_a_french_404(client: TestClient) -> None:
    response = client.get("/api/formations/NOPE-1")
    assert response.status_code == 404
    detail = response.json()["detail"][0]
    assert "aucune formation" in detail["message"]
