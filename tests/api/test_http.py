"""HTTP behaviour: caching headers, ETag/304, compression, CORS, errors in French, health."""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import time
from pathlib import Path
from typing import Any

import brotli
import pytest
from fastapi.testclient import TestClient

from app.responses import GeoJSONResponse


def test_cache_control_and_etag_then_304(client: TestClient) -> None:
    response = client.get("/api/formations", params={"region": "84", "duree_min": 3})
    assert response.headers["cache-control"] == "public, max-age=60"
    etag = response.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(
        "/api/formations", params={"duree_min": 3, "region": "84"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""
    other = client.get("/api/formations", params={"region": "11"}, headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_parameter_order_does_not_change_the_etag(client: TestClient) -> None:
    one = client.get("/api/formations?region=84&region=11&type_structure=ecole")
    two = client.get("/api/formations?type_structure=ecole&region=11,84")
    assert one.headers["etag"] == two.headers["etag"]
    assert one.content == two.content


@pytest.mark.parametrize(
    ("encoding", "decode"),
    [("br", brotli.decompress), ("gzip", gzip.decompress)],
)
def test_compressed_answers_decode_to_the_plain_bytes(
    client: TestClient, encoding: str, decode: Any
) -> None:
    plain = client.get("/api/formations", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    with client.stream(
        "GET", "/api/formations", headers={"Accept-Encoding": encoding}
    ) as compressed:
        assert compressed.headers["content-encoding"] == encoding
        assert "Accept-Encoding" in compressed.headers["vary"]
        raw = b"".join(compressed.iter_raw())
    assert decode(raw) == plain.content
    assert len(raw) < len(plain.content) / 3


@pytest.mark.parametrize(
    ("encoding", "decode"),
    [("br", brotli.decompress), ("gzip", gzip.decompress)],
)
def test_a_large_answer_asked_again_is_compressed_better(
    client: TestClient, encoding: str, decode: Any
) -> None:
    plain = client.get("/api/formations?offset=1", headers={"Accept-Encoding": "identity"})
    assert len(plain.content) >= 64 * 1024  # compressed at a fast level the first time
    sizes, etags = [], []
    for _ in range(3):
        with client.stream(
            "GET", "/api/formations?offset=1", headers={"Accept-Encoding": encoding}
        ) as answer:
            raw = b"".join(answer.iter_raw())
        assert decode(raw) == plain.content
        sizes.append(len(raw))
        etags.append(answer.headers["etag"])
    # The second request finds it popular: the better variant is made after it was answered.
    assert etags[0] == etags[1] != etags[2]
    assert sizes[0] == sizes[1] > sizes[2]
    # Each variant has its own strong ETag: only the bytes served now revalidate.
    current = {"Accept-Encoding": encoding, "If-None-Match": etags[2]}
    assert client.get("/api/formations?offset=1", headers=current).status_code == 304
    stale = {"Accept-Encoding": encoding, "If-None-Match": etags[0]}
    assert client.get("/api/formations?offset=1", headers=stale).status_code == 200


def test_cors_for_any_origin_without_credentials_or_cookies(client: TestClient) -> None:
    response = client.get("/api/formations?limit=1", headers={"Origin": "https://exemple.gouv.fr"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "set-cookie" not in response.headers
    assert "etag" in response.headers["access-control-expose-headers"].lower()


BAD_REQUESTS = [
    ("/api/formations?bbox=nan,1,2,3", "bbox"),
    ("/api/formations?bbox=1,2,3", "bbox"),
    ("/api/formations?bbox=0,10,1,5", "bbox"),
    ("/api/formations?bbox=1e400,1,2,3", "bbox"),
    ("/api/formations?lat=1e309&lon=2", "lat"),
    ("/api/formations?lat=45&lon=2&rayon_km=-5", "rayon_km"),
    ("/api/formations?lat=45", "lon"),
    ("/api/formations?rayon_km=10", "rayon_km"),
    ("/api/formations?lat=91&lon=0", "lat"),
    ("/api/formations?duree_min=12&duree_max=6", "duree_min"),
    ("/api/formations?duree_min=douze", "duree_min"),
    ("/api/formations?offset=-1", "offset"),
    ("/api/formations?offset=99999999999999999999999", "offset"),
    ("/api/formations?limit=0", "limit"),
    ("/api/formations?type_structure=banque", "type_structure"),
    ("/api/formations?modalite=presentiel,lune", "modalite"),
    ("/api/formations?region=%F0%9F%92%A9", "region"),
    ("/api/formations?format=ods", "format"),
    ("/api/formations?q=" + "x" * 300, "q"),
    ("/api/filtres?duree_max=-1", "duree_max"),
]


@pytest.mark.parametrize(("url", "parametre"), BAD_REQUESTS)
def test_bad_parameters_get_a_french_error_naming_them(
    client: TestClient, url: str, parametre: str
) -> None:
    response = client.get(url)
    assert response.status_code in (400, 422), response.text
    detail = response.json()["detail"]
    assert detail[0]["parametre"] == parametre
    assert detail[0]["message"]


@pytest.mark.parametrize(
    "q", ["\u0000", "\U0001f4a9 développeur", "ﬁ", "Ⅻ", "\u202e", "%", "'; drop table", "ß" * 50]
)
def test_weird_text_never_breaks_the_search(client: TestClient, q: str) -> None:
    response = client.get("/api/formations", params={"q": q})
    assert response.status_code == 200
    assert response.json()["type"] == "FeatureCollection"


def test_csv_cells_that_look_like_formulas_are_neutralised(
    app_client: Any, synthetic: dict[str, Any], tmp_path: Path, write_geojson: Any
) -> None:
    collection = {**synthetic, "features": [dict(f) for f in synthetic["features"][:4]]}
    payloads = ['=HYPERLINK("http://x")', "+1+1", "@SUM(A1)", "-2+3"]
    for feature, payload in zip(collection["features"], payloads, strict=True):
        feature["properties"] = {**feature["properties"], "intitule": payload}
    path = tmp_path / "formations.geojson"
    write_geojson(path, collection)
    with app_client(path) as client:
        text = client.get("/api/formations?format=csv&colonnes=codes").content.decode()
        labelled = client.get("/api/formations?format=csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=","))
    assert [row["intitule"] for row in rows] == ["'" + payload for payload in payloads]
    assert all(row["lon"].lstrip("-")[0].isdigit() for row in rows)  # numbers stay numbers
    french = list(csv.DictReader(io.StringIO(labelled), delimiter=";"))
    assert [row["Intitulé de la formation"] for row in french] == ["'" + p for p in payloads]


def test_healthz_reports_version_and_count(client: TestClient, synthetic: dict[str, Any]) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["version"] == synthetic["metadonnees"]["version"]
    assert health["count"] == len(synthetic["features"])
    assert health["reason"] is None


def test_missing_data_file_serves_an_empty_collection_and_says_why(
    app_client: Any, tmp_path: Path
) -> None:
    with app_client(tmp_path / "absent.geojson") as client:
        answer = client.get("/api/formations").json()
        assert answer["features"] == [] and answer["nombre_total"] == 0
        health = client.get("/healthz").json()
        assert health["status"] == "degraded"
        assert health["reason"] == "data_file_missing"
        assert client.get("/ogc/collections/formations/items").json()["numberMatched"] == 0


def test_broken_data_file_at_start_serves_empty_and_reports_the_error(
    app_client: Any, tmp_path: Path
) -> None:
    path = tmp_path / "formations.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    with app_client(path) as client:
        assert client.get("/api/formations").json()["features"] == []
        health = client.get("/healthz").json()
        assert health["status"] == "degraded"
        assert health["reason"] == "data_file_invalid"


def test_unknown_route_is_a_french_json_404(client: TestClient) -> None:
    response = client.get("/api/nulle-part")
    assert response.status_code == 404
    assert response.json()["detail"][0]["message"] == "ressource introuvable"


def test_openapi_documents_every_parameter(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/api/formations"]["get"]
    for parameter in operation["parameters"]:
        assert parameter.get("description"), parameter["name"]
        assert (
            parameter.get("examples")
            or parameter["schema"].get("examples")
            or parameter.get("example")
        ), parameter["name"]
    content = operation["responses"]["200"]["content"]
    assert "application/geo+json" in content


def test_docs_load_every_asset_from_our_own_origin(client: TestClient) -> None:
    html = client.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 2
    for asset in assets:
        assert asset.startswith("/"), asset
        assert client.get(asset).status_code == 200, asset
    assert "cdn" not in html.lower()


def test_data_file_appearing_after_start_is_picked_up(
    app_client: Any, synthetic: dict[str, Any], tmp_path: Path, write_geojson: Any
) -> None:
    path = tmp_path / "formations.geojson"
    with app_client(path) as client:
        assert client.get("/healthz").json()["count"] == 0
        write_geojson(path, synthetic)
        deadline = time.monotonic() + 30
        while client.get("/healthz").json()["count"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        health = client.get("/healthz").json()
        assert health["count"] == len(synthetic["features"])
        assert health["status"] == "ok" and health["reason"] is None
        answer = client.get("/api/formations?limit=1").json()
        assert answer["nombre_total"] == len(synthetic["features"])


def test_geojson_response_writes_nan_as_null() -> None:
    response = GeoJSONResponse({"type": "Feature", "properties": {"duree_mois": math.nan}})
    assert response.body == b'{"type":"Feature","properties":{"duree_mois":null}}'
    assert response.media_type == "application/geo+json"


@pytest.mark.parametrize("path", ["/api/formations?region=84", "/ogc/collections", "/healthz", "/"])
def test_head_gives_the_get_headers_without_a_body(client: TestClient, path: str) -> None:
    get = client.get(path, headers={"Accept-Encoding": "identity"})
    head = client.head(path, headers={"Accept-Encoding": "identity"})
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))
    if "etag" in get.headers:
        assert head.headers["etag"] == get.headers["etag"]
