"""The rendered page and embed HTML, their headers and assets, without a browser."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Basemap, Settings
from bench.bench_serving import leaflet_path
from bench.synthetic import write_synthetic
from geo.schema import TYPE_STRUCTURE_LABELS

STATIC = Path(__file__).resolve().parents[2] / "static"
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


#: Leaflet at its hashed URL: alone, or joined with the map's other classic scripts.
HASHED_LEAFLET = re.compile(
    r"^/(vendor/leaflet/[0-9a-f]{16}/leaflet|static/[0-9a-f]{16}/dist/scripts)\.js$"
)


@pytest.mark.parametrize("path", ["/", "/embed", "/embed?liste=0&filtres=0&region=84"])
def test_pages_use_only_own_origin_hashed_assets(client: TestClient, path: str) -> None:
    html = client.get(path).text
    urls = asset_urls(html)
    assert any(HASHED_LEAFLET.match(url) for url in urls), urls
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    for hint in CDN_HINTS:
        assert hint not in html.lower(), hint
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert len(answer.content) > 100
        if url.startswith(("/static/", "/vendor/")):
            assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"


HOSTILE = "FORMATIONS SUSPENDUES appelez le 08 99 00 00 00 <b>x</b>"


def test_page_html_is_the_same_whatever_the_query(client: TestClient) -> None:
    for path, variants in (
        ("/", ["", "?region=84", "?q=" + HOSTILE, "?region=" + HOSTILE + "&modalite=zz"]),
        ("/embed", ["", "?region=84&type_structure=ecole", "?departement=" + HOSTILE]),
        ("/embed?liste=0", ["&q=" + HOSTILE, "&region=" + HOSTILE]),
    ):
        first = client.get(path, headers={"Accept-Encoding": "identity"})
        assert first.status_code == 200
        for query in variants:
            url = path + query
            other = client.get(url, headers={"Accept-Encoding": "identity"})
            assert other.status_code == 200
            assert other.content == first.content, url
            assert other.headers["etag"] == first.headers["etag"]
            assert (
                other.headers["content-security-policy"] == first.headers["content-security-policy"]
            )
            assert "SUSPENDUES" not in other.text and "08 99" not in other.text


def test_pages_revalidate_with_an_etag_per_encoding(client: TestClient) -> None:
    etags = set()
    for encoding in ("br", "gzip", "identity"):
        first = client.get("/embed?region=84", headers={"Accept-Encoding": encoding})
        assert first.headers["cache-control"] == "no-cache"
        assert first.headers["vary"] == "Accept-Encoding"
        assert first.headers.get("content-encoding", "identity") == encoding
        etag = first.headers["etag"]
        etags.add(etag)
        again = client.get(
            "/embed?region=11", headers={"Accept-Encoding": encoding, "If-None-Match": etag}
        )
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
    assert len(etags) == 3


def test_viewport_allows_zooming(client: TestClient) -> None:
    html = client.get("/").text
    viewports = re.findall(r'<meta name="viewport" content="([^"]+)"', html)
    assert viewports == ["width=device-width, initial-scale=1"]
    assert "user-scalable" not in html
    assert "maximum-scale" not in html


@pytest.mark.parametrize("path", ["/", "/embed", "/embed?filtres=0"])
def test_security_headers_and_script_hashes(client: TestClient, path: str) -> None:
    answer = client.get(path)
    csp = answer.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    sources = directives["script-src"].split()
    assert "'unsafe-inline'" not in sources and not any("nonce" in s for s in sources)
    inline = re.findall(r"<script(?![^>]*src=)([^>]*)>(.*?)</script>", answer.text, re.DOTALL)
    assert inline  # the start-up and Folium's map script
    # Every script that runs is allowed by its hash; a JSON data block never runs.
    expected = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for attributes, body in inline
        if 'type="application/json"' not in attributes
    ]
    assert len(expected) == len(inline) - 1
    assert sources == ["'self'", *expected]
    assert directives["img-src"] == "'self' data: https://data.geopf.fr"
    assert directives["frame-ancestors"] == "*"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "x-frame-options" not in answer.headers
    assert "set-cookie" not in answer.headers
    assert client.get(path).headers["content-security-policy"] == csp  # the page is constant


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
    assert client.get("/vendor/leaflet/leaflet.js.map").status_code == 404
    assert client.get("/vendor/swagger-ui/package.json").status_code == 404
    assert client.get("/static/../app/main.py").status_code == 404
    assert client.get("/vendor/leaflet/../package.json").status_code == 404
    assert client.get("/vendor/lodash/lodash.js").status_code == 404
    assert client.get("/vendor/%2e%2e/package.json").status_code == 404


def test_chromium_runs_a_module_importing_another_from_hashed_urls(
    tmp_path: Path, data_path: Path, browser: Any, host_site: Any
) -> None:
    from app.assets import AssetRoot, AssetStore
    from tests.browser.conftest import start_server, watch

    static = tmp_path / "static"
    (static / "js" / "outils").mkdir(parents=True)
    (static / "js" / "principal.js").write_text(
        "import { double } from './outils/calcul.js';\n"
        "document.body.dataset.quatre = String(double(2));\n",
        encoding="utf-8",
    )
    (static / "js" / "outils" / "calcul.js").write_text(
        "export function double(x) { return 2 * x; }\n", encoding="utf-8"
    )
    hashed = AssetStore([AssetRoot("/static", static)]).url("/static/js/principal.js")
    assert hashed.startswith("/static/") and hashed != "/static/js/principal.js"
    server = start_server(data_path, tmp_path, CARTE_GEN_STATIC_PATH=str(static))
    context, watched = watch(browser)
    try:
        page = watched.page
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(host_site.show(f'<script type="module" src="{server.url}{hashed}"></script>'))
        page.wait_for_function("document.body.dataset.quatre === '4'", timeout=20_000)
        calcul = next(url for url in requested if url.endswith("/outils/calcul.js"))
        assert calcul == f"{server.url}{hashed.rsplit('/', 1)[0]}/outils/calcul.js"
        with urllib.request.urlopen(calcul) as answer:
            assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert watched.errors == []
    finally:
        context.close()
        server.process.terminate()
        server.process.wait(10)


def test_what_the_style_sheets_name_is_served(client: TestClient) -> None:
    """The joined style sheet names Leaflet's images from its own folder: they are served."""
    html = client.get("/").text
    named = [
        ref
        for url in asset_urls(html)
        if url.endswith(".css")
        for _, ref in re.findall(r"""url\((['"]?)(/[^'")]+)\1\)""", client.get(url).text)
    ]
    if "/dist/styles.css" in html:  # joined (scripts/install.sh): Leaflet's images by path
        assert "/vendor/leaflet/images/marker-icon.png" in named
    for ref in named:
        assert client.get(ref).status_code == 200, ref


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_the_first_markers_files_are_asked_for_first_then_the_data_then_the_module(
    client: TestClient, path: str
) -> None:
    """Both last at low priority, the data first: the browser lets one go at a time."""
    html = client.get(path).text
    head = html.split("</head>", 1)[0]
    tags = re.findall(r'<(?:script|link)\b[^>]*?(?:src|href)="[^"]+"[^>]*>', head)
    low = [tag for tag in tags if 'fetchpriority="low"' in tag]
    assert len(low) == 2 and tags[-2:] == low, tags
    assert re.fullmatch(
        r'<link rel="preload" href="/carte/donnees\.json\?v=[0-9a-f]{16}" as="fetch" crossorigin'
        r'\s+fetchpriority="low">',
        low[0],
    ), low[0]
    assert re.fullmatch(
        r'<link rel="preload" id="carte-gen-entree" href="/static/[0-9a-f]{16}/[^"]+/carte\.js" '
        r'as="script"\s+crossorigin fetchpriority="low">',
        low[1],
    ), low[1]
    assert not re.search(r'<script\b[^>]*type="module"', html)  # run by the import only


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_the_legend_draws_each_structure_type_with_its_marker_icon_inline(
    client: TestClient, path: str
) -> None:
    html = client.get(path).text
    legend = html[html.index('<details class="legende"') :]
    legend = legend[: legend.index("</details>")]
    assert "<img" not in legend  # an SVG image is a document parsed with the page's body
    items = re.findall(r"<li>(<svg\b.*?</svg>) ([^<]+)</li>", legend, re.DOTALL)
    assert [label for _, label in items] == list(TYPE_STRUCTURE_LABELS.values())
    svg = "{http://www.w3.org/2000/svg}"
    for (drawn, _), kind in zip(items, TYPE_STRUCTURE_LABELS, strict=True):
        inline = ElementTree.fromstring(drawn)
        assert inline.attrib["aria-hidden"] == "true"
        assert (inline.attrib["width"], inline.attrib["height"]) == ("15", "20")
        icon = ElementTree.parse(STATIC / "icones" / f"{kind}.svg").getroot()
        assert inline.attrib["viewBox"] == icon.attrib["viewBox"]
        shapes = [(e.tag, e.attrib) for e in inline.iter()][1:]
        assert shapes == [(e.tag.removeprefix(svg), e.attrib) for e in icon.iter()][1:]


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_the_serving_benches_find_leaflet_where_the_page_loads_it(
    client: TestClient, path: str
) -> None:
    """``bench_serving.py`` and ``bench_http.py`` time the Leaflet file the page asks for."""
    leaflet = leaflet_path(client.get(path).text)
    answer = client.get(leaflet)
    assert answer.status_code == 200
    assert b"Leaflet" in answer.content[:4000]
    assert "immutable" in answer.headers["cache-control"]  # the hashed URL
