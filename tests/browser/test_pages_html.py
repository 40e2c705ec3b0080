"""The rendered page and embed HTML, their headers and assets, without a browser."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Basemap, Settings
from bench.synthetic import write_synthetic

CDN_HINTS = ("cdn", "jsdelivr", "unpkg", "jquery", "bootstrap", "fontawesome", "googleapis")


@pytest.fixture(scope="module")
def data_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pages") / "formations.geojson"
    write_synthetic(path, 200, seed=3)
    return path


def client_for(data_path: Path, **settings: object) -> Iterator[TestClient]:
    app = create_app(Settings(data_path=data_path, reload_interval_s=3600, **settings))
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def client(data_path: Path) -> Iterator[TestClient]:
    yield from client_for(data_path)


def asset_urls(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("path", ["/", "/embed", "/embed?liste=0&filtres=0&region=84"])
def test_pages_use_only_own_origin_assets(client: TestClient, path: str) -> None:
    html = client.get(path).text
    urls = asset_urls(html)
    assert "/vendor/leaflet/leaflet.js" in urls
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    for hint in CDN_HINTS:
        assert hint not in html.lower(), hint
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert len(answer.content) > 100


def test_viewport_allows_zooming(client: TestClient) -> None:
    html = client.get("/").text
    viewports = re.findall(r'<meta name="viewport" content="([^"]+)"', html)
    assert viewports == ["width=device-width, initial-scale=1"]
    assert "user-scalable" not in html
    assert "maximum-scale" not in html


def test_security_headers_and_nonce(client: TestClient) -> None:
    answer = client.get("/")
    csp = answer.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"]
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"]).group(1)
    inline = re.findall(r"<script(?![^>]*src=)([^>]*)>", answer.text)
    assert inline == [f' nonce="{nonce}"']
    assert directives["img-src"] == "'self' data: https://data.geopf.fr"
    assert directives["frame-ancestors"] == "*"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "x-frame-options" not in answer.headers
    assert "set-cookie" not in answer.headers
    assert client.get("/").headers["content-security-policy"] != csp  # a nonce per answer


def test_frame_ancestors_and_osm_basemap_come_from_settings(data_path: Path) -> None:
    for client in client_for(
        data_path, frame_ancestors="https://www.example.gouv.fr", basemap=Basemap.OSM
    ):
        answer = client.get("/embed")
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors https://www.example.gouv.fr" in csp
        assert "img-src 'self' data: https://tile.openstreetmap.org" in csp
        assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in answer.text
        assert "OpenStreetMap" in answer.text
        assert "data.geopf.fr" not in answer.text


def test_default_basemap_is_plan_ign_v2(client: TestClient) -> None:
    html = client.get("/").text
    assert "LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2" in html
    assert "TILEMATRIX={z}\\u0026TILEROW={y}\\u0026TILECOL={x}" in html
    assert "\\u00a9 IGN \\u2013 Plan IGN v2" in html


def test_demo_banner_follows_the_metadata(client: TestClient, tmp_path: Path) -> None:
    assert "Données de démonstration" in client.get("/").text
    collection = json.loads(Path(client.app.state.settings.data_path).read_text())
    collection["metadonnees"]["demo"] = False
    real = tmp_path / "reelles.geojson"
    real.write_text(json.dumps(collection), encoding="utf-8")
    for other in client_for(real):
        assert "Données de démonstration" not in other.get("/").text


def test_embed_display_options(client: TestClient) -> None:
    with_all = client.get("/embed").text
    assert 'id="panneau-liste"' in with_all
    bare = client.get("/embed?liste=0&filtres=0").text
    assert 'id="panneau-liste"' not in bare
    assert re.search(r'<details class="bloc-filtres" id="bloc-filtres"\s+hidden', bare)


def test_vendor_mount_serves_only_whitelisted_dist_folders(client: TestClient) -> None:
    assert client.get("/vendor/leaflet/leaflet.css").status_code == 200
    assert client.get("/vendor/leaflet/../package.json").status_code == 404
    assert client.get("/vendor/lodash/lodash.js").status_code == 404
    assert client.get("/vendor/%2e%2e/package.json").status_code == 404
