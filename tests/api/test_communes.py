"""/api/communes reads a commune as people type it: name, postcode or département, any order."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    "typed",
    ["Roubaix 59100", "59100 Roubaix", "roubaix (59)", "ROUBAIX, 59100", "Roubaix 59 100"],
)
def test_a_name_with_its_postcode_or_departement_finds_the_commune(
    client: TestClient, typed: str
) -> None:
    answer = client.get("/api/communes", params={"q": typed}).json()
    assert [(c["nom"], c["code_postal"], c["nom_exact"]) for c in answer] == [
        ("Roubaix", "59100", True)
    ]


def test_a_postcode_alone_finds_its_communes_without_naming_one(client: TestClient) -> None:
    answer = client.get("/api/communes", params={"q": "59100"}).json()
    assert [(c["nom"], c["nom_exact"]) for c in answer] == [("Roubaix", False)]


def test_the_postcode_shown_is_the_one_typed(client: TestClient) -> None:
    (lille,) = client.get("/api/communes", params={"q": "Lille 59160"}).json()
    assert (lille["nom"], lille["code_postal"]) == ("Lille", "59160")


def test_an_ambiguous_name_says_which_communes_bear_it(client: TestClient) -> None:
    answer = client.get("/api/communes", params={"q": "saint-denis", "limit": 10}).json()
    exact = [c for c in answer if c["nom_exact"]]
    assert len(exact) > 1 and all(c["nom"] == "Saint-Denis" for c in exact)
    narrowed = client.get("/api/communes", params={"q": "Saint-Denis (974)"}).json()
    assert [(c["nom"], c["departement"], c["nom_exact"]) for c in narrowed] == [
        ("Saint-Denis", "974", True)
    ]


def test_openapi_documents_the_typed_forms_and_the_exact_flag(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    (q,) = [p for p in spec["paths"]["/api/communes"]["get"]["parameters"] if p["name"] == "q"]
    assert "59100 Roubaix" in q["description"]
    assert "nom_exact" in spec["components"]["schemas"]["CommuneAnswer"]["required"]


@pytest.mark.parametrize("typed", ["0\x1f", "\x1c7", "a\x85"])
def test_a_text_the_documented_pattern_accepts_is_never_refused(
    client: TestClient, typed: str
) -> None:
    """The OpenAPI pattern is read as ECMAScript, where these controls are not spaces."""
    assert client.get("/api/communes", params={"q": typed}).status_code == 200


def test_two_spaces_are_not_a_search(client: TestClient) -> None:
    assert client.get("/api/communes", params={"q": "  "}).status_code == 400


# ------------------------------------------------------------------ /api/communes/position


def test_a_point_is_named_by_its_commune(client: TestClient) -> None:
    answer = client.get("/api/communes/position", params={"lat": 45.76, "lon": 4.84}).json()
    assert [(c["nom"], c["code_insee"], c["departement"]) for c in answer] == [
        ("Lyon", "69123", "69")
    ]
    assert set(answer[0]) == {
        "nom",
        "code_postal",
        "code_insee",
        "departement",
        "departement_nom",
        "lon",
        "lat",
    }


def test_the_centre_of_a_commune_the_autocomplete_gives_names_it_back(client: TestClient) -> None:
    """What « près de moi » does after a reload: the address holds the commune's centre."""
    for typed in ("Roubaix 59100", "Saint-Denis (974)", "Lyon", "Ajaccio"):
        (chosen,) = client.get("/api/communes", params={"q": typed, "limit": 1}).json()
        position = {"lat": round(chosen["lat"], 5), "lon": round(chosen["lon"], 5)}
        (named,) = client.get("/api/communes/position", params=position).json()
        assert named["code_insee"] == chosen["code_insee"], typed


def test_a_point_in_a_commune_wider_than_the_limit_is_named(client: TestClient) -> None:
    (named,) = client.get("/api/communes/position", params={"lat": 2.6, "lon": -53.5}).json()
    assert (named["nom"], named["departement"]) == ("Maripasoula", "973")


def test_a_point_at_sea_has_no_name(client: TestClient) -> None:
    assert client.get("/api/communes/position", params={"lat": 46, "lon": -8}).json() == []


@pytest.mark.parametrize(
    "params",
    [{"lat": 91, "lon": 0}, {"lat": 0, "lon": -181}, {"lat": "nan", "lon": 0}, {"lat": 45}],
)
def test_a_point_outside_wgs84_or_incomplete_is_refused_in_french(
    client: TestClient, params: dict
) -> None:
    answer = client.get("/api/communes/position", params=params)
    assert answer.status_code == 422
    (problem,) = answer.json()["detail"]
    assert problem["parametre"] in ("lat", "lon") and problem["message"]
