"""HTTP correctness: negotiation with q=0, an ETag per encoding, Host never trusted, French JSON
errors, unknown codes refused with the valid ones, the fast path and hashed assets."""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import brotli
import pytest
from fastapi.testclient import TestClient

from app.dependencies import TYPE_STRUCTURE_VALUES, get_app_settings
from app.main import create_app
from app.settings import PROJECT_ROOT
from app.territoires import DEPARTEMENTS, REGIONS
from tests.api.conftest import make_settings

ITEMS = "/ogc/collections/formations/items"
DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "br": brotli.decompress,
    "gzip": gzip.decompress,
    "identity": lambda data: data,
}
JSON_ANSWERS = [
    "/api/formations?region=84",
    "/api/filtres",
    "/ogc/collections",
    f"{ITEMS}?limit=50",
    "/openapi.json",
    "/carte/donnees.json",
    "/",
]


def raw_get(client: TestClient, url: str, **headers: str) -> tuple[Any, bytes]:
    """GET without decoding: the headers and the bytes as sent."""
    with client.stream("GET", url, headers=headers) as answer:
        return answer, b"".join(answer.iter_raw())


# --------------------------------------------------------------------------- negotiation


@pytest.mark.parametrize("url", JSON_ANSWERS)
@pytest.mark.parametrize(
    ("accept_encoding", "expected"),
    [
        ("gzip;q=0", "identity"),
        ("br;q=0, gzip", "gzip"),
        ("gzip, br;q=0", "gzip"),
        ("br, gzip;q=0", "br"),
        ("*;q=0, identity", "identity"),
        ("identity;q=0, gzip", "gzip"),
        ("gzip;q=0.5, br;q=0.9", "br"),
        ("identity", "identity"),
    ],
)
def test_content_negotiation_honours_q_values(
    client: TestClient, url: str, accept_encoding: str, expected: str
) -> None:
    answer, raw = raw_get(client, url, **{"Accept-Encoding": accept_encoding})
    assert answer.status_code == 200
    assert answer.headers.get("content-encoding", "identity") == expected
    _, plain = raw_get(client, url, **{"Accept-Encoding": "identity"})
    assert DECODERS[expected](raw) == plain
    assert "Accept-Encoding" in answer.headers["vary"]


@pytest.mark.parametrize("url", ["/api/formations", "/vendor/leaflet/leaflet.js"])
def test_refusing_every_coding_is_a_french_406(client: TestClient, url: str) -> None:
    for header in ("*;q=0", "identity;q=0"):
        answer = client.get(url, headers={"Accept-Encoding": header})
        if url.startswith("/vendor"):  # assets fall back to identity, as RFC 9110 allows
            assert answer.status_code == 200
            continue
        assert answer.status_code == 406
        assert answer.json()["detail"][0]["message"].startswith("aucun encodage acceptable")


@pytest.mark.parametrize("url", JSON_ANSWERS)
def test_each_encoding_has_its_own_strong_etag(client: TestClient, url: str) -> None:
    etags = {}
    for encoding, decode in DECODERS.items():
        answer, raw = raw_get(client, url, **{"Accept-Encoding": encoding})
        assert answer.headers.get("content-encoding", "identity") == encoding
        assert answer.headers["vary"] == "Accept-Encoding"
        etag = answer.headers["etag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        etags[encoding] = (etag, decode(raw))
    assert len({etag for etag, _ in etags.values()}) == 3
    assert len({body for _, body in etags.values()}) == 1  # one representation, three codings
    for encoding, (etag, _) in etags.items():
        same = client.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
        assert same.status_code == 304
        assert same.headers["etag"] == etag
        assert "content-encoding" not in same.headers
        for other, (other_etag, _) in etags.items():
            if other != encoding:  # never confirm bytes the client does not hold
                headers = {"Accept-Encoding": encoding, "If-None-Match": other_etag}
                assert client.get(url, headers=headers).status_code == 200


def test_ogc_items_have_a_stable_etag_and_the_data_time(client: TestClient) -> None:
    first = client.get(f"{ITEMS}?limit=5&region=84")
    second = client.get(f"{ITEMS}?region=84&limit=5")
    assert first.headers["etag"] == second.headers["etag"]
    assert first.content == second.content
    loaded_at = client.app.state.datasets.dataset.loaded_at
    assert first.json()["timeStamp"] == loaded_at.replace("+00:00", "Z")
    again = client.get(
        f"{ITEMS}?limit=5&region=84", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


# --------------------------------------------------------------------------- Host


@pytest.mark.parametrize(
    "url", ["/ogc", "/ogc/collections", "/ogc/collections/formations", f"{ITEMS}?limit=2"]
)
def test_host_header_never_makes_links(app_client: Any, synthetic_path: Path, url: str) -> None:
    hostile = {"Host": "piege.example", "X-Forwarded-Host": "piege.example"}
    with app_client(synthetic_path) as client:
        answer = client.get(url, headers=hostile)
        assert answer.status_code == 200
        assert "piege.example" not in answer.text
        hrefs = [link["href"] for link in answer.json()["links"]]
        assert all(href.startswith("http://testserver/") for href in hrefs), hrefs
        # links made from the socket's address are right for this client only
        assert answer.headers["cache-control"].startswith("private")
        clean = client.get(url)
        assert clean.content == answer.content
    public = "https://carte.exemple.gouv.fr"
    with app_client(synthetic_path, public_url=public) as client:
        answer = client.get(url, headers=hostile)
        assert "piege.example" not in answer.text
        assert all(link["href"].startswith(public + "/") for link in answer.json()["links"])
        assert answer.headers["cache-control"] == "public, max-age=60"


def test_public_url_is_read_from_carte_gen_url_publique(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.settings import Settings

    monkeypatch.setenv("CARTE_GEN_URL_PUBLIQUE", "https://carte.exemple.gouv.fr/")
    assert str(Settings().public_url) == "https://carte.exemple.gouv.fr/"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/api/nulle-part", 404),
        ("GET", "/static/inexistant.js", 404),
        ("GET", "/vendor/lodash/lodash.js", 404),
        ("POST", "/api/formations", 405),
        ("DELETE", "/vendor/leaflet/leaflet.js", 405),
        ("PUT", "/", 405),
        ("OPTIONS", "/api/formations", 405),
        ("GET", "/api/formations?limit=abc", 422),
        ("GET", "/api/formations?region=zz", 400),
        ("GET", f"{ITEMS}?limit=abc", 400),
        ("GET", "/ogc/collections/autre", 404),
        ("GET", "/api/formations/inconnue", 404),
    ],
)
def test_every_error_is_french_json(client: TestClient, method: str, url: str, status: int) -> None:
    answer = client.request(method, url)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "no-store"
    message = answer.json()["detail"][0]["message"]
    for english in ("Not Found", "Method Not Allowed", "Internal Server Error", "field required"):
        assert english.lower() not in message.lower()


def test_an_unexpected_failure_is_a_french_json_500(synthetic_path: Path) -> None:
    app = create_app(make_settings(synthetic_path))

    def broken() -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    app.add_api_route("/panne", broken)  # a fault the real routes cannot be made to produce
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/panne")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["detail"][0]["message"].startswith("Erreur interne")
    assert "secret" not in answer.text


# --------------------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("parametre", "value", "valid"),
    [
        ("region", "zz", REGIONS),
        ("region", "84,999", REGIONS),
        ("departement", "100", DEPARTEMENTS),
        ("type_structure", "banque", ("association", "ecole")),
        ("modalite", "lune", ("presentiel", "distanciel")),
    ],
)
@pytest.mark.parametrize("path", ["/api/formations", "/api/filtres", ITEMS])
def test_unknown_codes_are_refused_with_the_valid_values(
    client: TestClient, path: str, parametre: str, value: str, valid: Any
) -> None:
    answer = client.get(path, params={parametre: value})
    assert answer.status_code == 400
    detail = answer.json()["detail"][0]
    assert detail["parametre"] == parametre
    assert "valeurs possibles" in detail["message"]
    for code in list(valid)[:3]:
        assert code in detail["message"]
    assert value.split(",")[-1] not in detail["message"].split(":", 2)[-1].split(", ")


@pytest.mark.parametrize(
    ("parametre", "value"), [("region", "989"), ("region", "06"), ("departement", "2A")]
)
def test_a_real_code_without_trainings_is_valid_and_empty(
    client: TestClient, synthetic: dict[str, Any], parametre: str, value: str
) -> None:
    present = {f["properties"][parametre] for f in synthetic["features"]}
    answer = client.get("/api/formations", params={parametre: value})
    assert answer.status_code == 200
    if value not in present:
        assert answer.json()["features"] == []
    assert client.get(ITEMS, params={parametre: value}).status_code == 200


def test_territories_are_the_gazetteers() -> None:
    import subprocess
    import sys

    check = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "build_territoires.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "84" in REGIONS and "2A" in DEPARTEMENTS and "976" in DEPARTEMENTS


def test_openapi_carries_the_real_constraints(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/formations"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["region"]["schema"]["items"]["enum"] == list(REGIONS)
    assert "2A" in parameters["departement"]["schema"]["items"]["enum"]
    assert parameters["type_structure"]["schema"]["items"]["enum"] == list(TYPE_STRUCTURE_VALUES)
    assert parameters["modalite"]["schema"]["items"]["enum"]
    assert parameters["bbox"]["schema"]["anyOf"][0]["pattern"]
    duree = parameters["duree_min"]["schema"]["anyOf"][0]
    assert duree["minimum"] == 0 and duree["maximum"] > 0
    items = client.get("/openapi.json").json()["paths"]["/ogc/collections/{collection_id}/items"]
    names = {p["name"]: p for p in items["get"]["parameters"]}
    assert names["limit"]["schema"]["minimum"] == 1
    assert names["f"]["schema"]["anyOf"][0]["pattern"]


# --------------------------------------------------------------------------- the fast path


def test_a_repeated_query_is_answered_before_any_dependency(synthetic_path: Path) -> None:
    app = create_app(make_settings(synthetic_path))
    calls: list[str] = []
    settings = app.state.settings

    def counted_settings() -> Any:
        calls.append("settings")
        return settings

    app.dependency_overrides[get_app_settings] = counted_settings
    with TestClient(app) as client:
        first = client.get("/api/formations?region=84&duree_min=3")
        assert len(calls) == 1
        for _ in range(3):
            again = client.get("/api/formations?region=84&duree_min=3")
            assert again.content == first.content
            assert again.headers["etag"] == first.headers["etag"]
        assert len(calls) == 1  # answered by the middleware from the cache
        # another spelling of the same query: routed once, then the canonical entry
        respelled = client.get("/api/formations?duree_min=3&region=84")
        assert respelled.headers["etag"] == first.headers["etag"]
        assert len(calls) == 2
        client.get("/api/formations?duree_min=3&region=84")
        assert len(calls) == 2
        head = client.head("/api/formations?region=84&duree_min=3")
        assert head.content == b"" and head.headers["etag"] == first.headers["etag"]


def test_the_fast_path_follows_a_new_dataset_version(
    app_client: Any, synthetic: dict[str, Any], tmp_path: Path, write_geojson: Any
) -> None:
    path = tmp_path / "formations.geojson"
    write_geojson(path, synthetic)
    with app_client(path) as client:
        before = client.get("/api/formations?limit=1")
        assert client.get("/api/formations?limit=1").content == before.content
        metadata = {**synthetic["metadonnees"], "version": "une-autre-version"}
        changed = {**synthetic, "metadonnees": metadata, "features": synthetic["features"][1:]}
        write_geojson(path, changed)
        deadline = time.monotonic() + 30
        while client.get("/healthz").json()["version"] != "une-autre-version":
            assert time.monotonic() < deadline, "the new version was never loaded"
            time.sleep(0.02)
        after = client.get("/api/formations?limit=1")
        assert after.headers["etag"] != before.headers["etag"]
        assert after.json()["nombre_total"] == len(synthetic["features"]) - 1


# --------------------------------------------------------------------------- assets


@pytest.fixture
def module_assets(tmp_path: Path, synthetic_path: Path) -> Iterator[TestClient]:
    """An app whose /static holds two ES modules, one importing the other, and a CSS."""
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    (static / "js" / "principal.js").write_text(
        "import { double } from './outils/calcul.js';\nexport const quatre = double(2);\n"
        + "// padding so that the file is worth compressing\n" * 20,
        encoding="utf-8",
    )
    (static / "js" / "outils").mkdir()
    (static / "js" / "outils" / "calcul.js").write_text(
        "export function double(x) { return 2 * x; }\n", encoding="utf-8"
    )
    app = create_app(make_settings(synthetic_path, static_path=static))
    with TestClient(app) as client:
        yield client


def test_a_module_importing_another_works_under_its_hashed_url(
    module_assets: TestClient,
) -> None:
    assets = module_assets.app.state.assets
    hashed = assets.url("/static/js/principal.js")
    assert hashed != "/static/js/principal.js"
    main = module_assets.get(hashed)
    assert main.status_code == 200
    assert main.headers["content-type"] == "text/javascript; charset=utf-8"
    assert main.headers["cache-control"] == "public, max-age=31536000, immutable"
    imported = urljoin("http://testserver" + hashed, "./outils/calcul.js")
    answer = module_assets.get(imported)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "export function double" in answer.text
    assert imported.endswith(assets.url("/static/js/outils/calcul.js"))


def test_a_changed_file_changes_the_folder_hash(tmp_path: Path, synthetic_path: Path) -> None:
    from app.assets import AssetRoot, AssetStore

    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "a.js").write_text("1", encoding="utf-8")
    before = AssetStore([AssetRoot("/static", folder)]).url("/static/a.js")
    (folder / "a.js").write_text("2", encoding="utf-8")
    after = AssetStore([AssetRoot("/static", folder)]).url("/static/a.js")
    assert before != after


@pytest.mark.parametrize("encoding", ["br", "gzip", "identity"])
def test_vendored_assets_are_precompressed_once_and_revalidate(
    client: TestClient, encoding: str
) -> None:
    original = (PROJECT_ROOT / "node_modules" / "leaflet" / "dist" / "leaflet.js").read_bytes()
    hashed = client.app.state.assets.url("/vendor/leaflet/leaflet.js")
    for url, cache_control in (
        (hashed, "public, max-age=31536000, immutable"),
        ("/vendor/leaflet/leaflet.js", "no-cache"),
    ):
        answer, raw = raw_get(client, url, **{"Accept-Encoding": encoding})
        assert answer.status_code == 200
        assert answer.headers.get("content-encoding", "identity") == encoding
        assert DECODERS[encoding](raw) == original  # compressed once, never twice
        assert answer.headers["cache-control"] == cache_control
        assert answer.headers["vary"] == "Accept-Encoding"
        etag = answer.headers["etag"]
        again = client.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        head = client.head(url, headers={"Accept-Encoding": encoding})
        assert head.content == b"" and head.headers["content-length"] == str(len(raw))


def test_the_docs_use_hashed_swagger_assets(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/vendor/swagger-ui/" in html
    assert "/vendor/swagger-ui/swagger-ui-bundle.js" not in html  # the hashed URL instead


def test_an_id_with_a_slash_is_reachable(
    app_client: Any, synthetic: dict[str, Any], tmp_path: Path, write_geojson: Any
) -> None:
    feature = {**synthetic["features"][0], "id": "GEN/2024/07"}
    path = tmp_path / "formations.geojson"
    write_geojson(path, {**synthetic, "features": [feature, *synthetic["features"][1:]]})
    with app_client(path) as client:
        for url in ("/api/formations/GEN%2F2024%2F07", "/api/formations/GEN/2024/07"):
            answer = client.get(url)
            assert answer.status_code == 200, url
            assert answer.json()["id"] == "GEN/2024/07"
        item = client.get(f"{ITEMS}/GEN%2F2024%2F07").json()
        self_link = next(link["href"] for link in item["links"] if link["rel"] == "self")
        assert self_link.endswith("/items/GEN%2F2024%2F07")
        assert client.get(self_link).json()["id"] == "GEN/2024/07"


def test_links_follow_the_address_each_client_connected_to(client: TestClient) -> None:
    other = TestClient(client.app, base_url="http://10.1.2.3:8080")  # same app, lifespan run
    for url in ("/ogc/collections", f"{ITEMS}?limit=2", f"{ITEMS}?limit=2"):
        ours = client.get(url).json()["links"]
        theirs = other.get(url).json()["links"]
        assert all(link["href"].startswith("http://testserver/") for link in ours)
        assert all(link["href"].startswith("http://10.1.2.3:8080/") for link in theirs)
