"""The page script's API addresses (``client_config``) are paths the API serves."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.map.builder import client_config


def test_every_api_address_the_page_calls_is_an_api_path(client: TestClient) -> None:
    config = client_config(
        mode="page",
        donnees_url="/carte/donnees.json",
        afficher_liste=True,
        afficher_filtres=True,
        url_publique=None,
    )
    called = {value for key, value in config.items() if key.endswith("_url") and value}
    paths = set(client.get("/openapi.json").json()["paths"])
    api = {url for url in called if url.startswith("/api/")}
    assert api == {"/api/formations", "/api/communes", "/api/communes/position"}
    assert api <= paths
