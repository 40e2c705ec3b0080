"""Fixtures of the map tests: real uvicorn servers on loopback, a second-origin host page, Chromium.

One Chromium per session, one page per test. Tile requests go to the basemap host and are
answered with a generated blank PNG; any other request leaving the app's origin is aborted and
recorded, so a test can assert that the page asks nothing from anyone else.
"""

from __future__ import annotations

import json
import shutil
import struct
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from bench.synthetic import synthetic_collection, write_synthetic
from tests.live_server import LiveServer, free_port
from tests.new_fields import TODAY, with_new_fields

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
    # In headless mode each new context opens a browser window, which starts a renderer of
    # its own for the omnibox popup's WebUI: about 100 ms of CPU, while the page loads, that
    # no visitor's page load pays (Puppeteer disables the same two features by default).
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup",
]
TILE_HOSTS = ("data.geopf.fr", "tile.openstreetmap.org")
XSS = "<img src=x onerror=alert(1)>"


def rgb_png(width: int, rows: list[bytes]) -> bytes:
    """An RGB PNG of these rows of pixels (3 bytes each), written by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)  # each row unfiltered
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def blank_png(
    width: int = 256, height: int = 256, rgb: tuple[int, int, int] = (236, 238, 232)
) -> bytes:
    """A plain RGB PNG (used as every map tile)."""
    return rgb_png(width, [bytes(rgb) * width] * height)


class Server(LiveServer):
    """Carte GEN under uvicorn, with the API look-ups the browser tests compare against."""

    def get_json(self, path: str, **params: Any) -> Any:
        """GET a JSON answer of this server."""
        query = urlencode(params, doseq=True)
        url = f"{self.url}{path}" + (f"?{query}" if query else "")
        with urllib.request.urlopen(url, timeout=30) as answer:
            return json.loads(answer.read())

    def get_json_status(self, path: str) -> dict[str, Any]:
        """GET a JSON answer of this server, refusals included: ``{"status", "body"}``."""
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=30) as answer:
                return {"status": answer.status, "body": json.loads(answer.read())}
        except urllib.error.HTTPError as error:
            return {"status": error.code, "body": json.loads(error.read())}

    def features(self, query: str) -> list[dict[str, Any]]:
        """Features the API returns for a query string, in answer order."""
        url = f"{self.url}/api/formations" + (f"?{query}" if query else "")
        with urllib.request.urlopen(url, timeout=30) as answer:
            features: list[dict[str, Any]] = json.loads(answer.read())["features"]
            return features

    def count(self, query: str) -> int:
        """Number of trainings the API returns for a query string."""
        return len(self.features(query))

    def ids(self, query: str) -> list[str]:
        """Ids of the trainings the API returns for a query string, in answer order."""
        return [feature["id"] for feature in self.features(query)]


def start_server(data_path: Path, log_dir: Path, **env: str) -> Server:
    """Start Carte GEN on ``data_path`` (no reload during a session) and wait for its data."""
    server = Server(data_path, log_dir, **{"CARTE_GEN_RELOAD_INTERVAL_S": "3600", **env})
    server.wait_ready(need_data=True)
    return server


def xss_collection() -> dict[str, Any]:
    """A small dataset whose texts are HTML and whose site is a ``javascript:`` URL."""
    base = synthetic_collection(3, seed=7)
    for feature in base["features"]:
        props = feature["properties"]
        props["intitule"] = XSS
        props["structure"] = XSS
        props["commune"] = XSS
        props["adresse"] = '"><script>alert(2)</script>'
        props["site_web"] = "javascript:alert(3)"
    base["metadonnees"]["version"] = "xss"
    return base


@pytest.fixture(scope="session")
def work_dir() -> Iterator[Path]:
    """A temporary folder for the session's data files and server logs."""
    path = Path(tempfile.mkdtemp(prefix="carte-gen-browser-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def server(work_dir: Path) -> Iterator[Server]:
    """Carte GEN on 1,000 synthetic trainings."""
    data = work_dir / "formations-1000.geojson"
    write_synthetic(data, 1000, seed=5)
    running = start_server(data, work_dir)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def xss_server(work_dir: Path) -> Iterator[Server]:
    """Carte GEN on a dataset made of HTML payloads."""
    data = work_dir / "formations-xss.geojson"
    data.write_text(json.dumps(xss_collection(), ensure_ascii=False), encoding="utf-8")
    running = start_server(data, work_dir)
    yield running
    running.stop()


def nulls_collection() -> dict[str, Any]:
    """Three trainings with the nulls real files keep: no title, no duration, no mode."""
    base = synthetic_collection(3, seed=11)
    untitled, undated, unknown_mode = (feature["properties"] for feature in base["features"])
    untitled["intitule"] = None
    undated["duree_mois"] = None
    unknown_mode["modalite"] = None
    base["metadonnees"]["version"] = "nulls"
    return base


@pytest.fixture(scope="session")
def nulls_server(work_dir: Path) -> Iterator[Server]:
    """Carte GEN on trainings with null title, duration and mode."""
    data = work_dir / "formations-nulls.geojson"
    data.write_text(json.dumps(nulls_collection(), ensure_ascii=False), encoding="utf-8")
    running = start_server(data, work_dir)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def lheo_server(work_dir: Path) -> Iterator[Server]:
    """Carte GEN on trainings carrying the LHEO fields, its « today » fixed (tests/new_fields)."""
    data = work_dir / "formations-lheo.geojson"
    collection = with_new_fields(synthetic_collection(300, seed=21), seed=21)
    collection["metadonnees"]["version"] = "lheo"
    data.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    running = start_server(data, work_dir, CARTE_GEN_TODAY=TODAY.isoformat())
    yield running
    running.stop()


class _HostHandler(BaseHTTPRequestHandler):
    """Serves one HTML page embedding the map (the « ministry site »)."""

    page = b""

    def do_GET(self) -> None:
        body = self.page
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@dataclass
class HostSite:
    """A second-origin site; ``show(html)`` sets the page it serves."""

    base_url: str
    handler: type[_HostHandler]
    server: ThreadingHTTPServer = field(repr=False)

    def show(self, html: str) -> str:
        """Serve ``html`` and return the URL to open."""
        self.handler.page = html.encode("utf-8")
        return f"{self.base_url}/"


@pytest.fixture(scope="session")
def host_site() -> Iterator[HostSite]:
    """A tiny HTTP server on another loopback port, to embed the map from another origin."""
    handler = type("HostHandler", (_HostHandler,), {"page": b""})
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield HostSite(f"http://127.0.0.1:{httpd.server_address[1]}", handler, httpd)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium per test module.

    Playwright's sync API runs an event loop in the main thread while it is open; closing it
    with the module keeps that loop from leaking into other areas' tests (``asyncio.run``).
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    """A page with what it logged and requested."""

    page: Any
    errors: list[str]
    foreign: list[str]
    tiles: list[str]
    dialogs: list[str]


def watch(browser: Any, **context_options: Any) -> tuple[Any, Watched]:
    """A fresh context and page, tiles answered by a blank PNG, foreign requests aborted."""
    options = {"viewport": {"width": 1366, "height": 768}, "locale": "fr-FR", **context_options}
    context = browser.new_context(**options)
    page = context.new_page()
    result = Watched(page, [], [], [], [])
    tile = blank_png()

    def route(route_: Any) -> None:
        url = route_.request.url
        host = urlsplit(url).hostname or ""
        if host == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route_.continue_()
        elif host in TILE_HOSTS:
            result.tiles.append(url)
            route_.fulfill(status=200, body=tile, content_type="image/png")
        else:
            result.foreign.append(url)
            route_.abort()

    page.route("**/*", route)
    page.on("console", lambda m: result.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: result.errors.append(str(e)))

    def on_dialog(dialog: Any) -> None:
        result.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return context, result


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    """A fresh page (desktop size) in its own context."""
    context, result = watch(browser)
    yield result
    context.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """Open watched pages with other context options (viewport, geolocation, permissions)."""
    contexts: list[Any] = []

    def opener(**context_options: Any) -> Watched:
        context, result = watch(browser, **context_options)
        contexts.append(context)
        return result

    yield opener
    for context in contexts:
        context.close()


def wait_ready(page: Any, timeout_ms: int = 20_000) -> None:
    """Wait until the page script has loaded the data and drawn the markers."""
    page.wait_for_function(
        "() => window.carteGen && window.carteGen.pret",
        timeout=timeout_ms,
    )


def visible_marker_total(page: Any) -> int:
    """Markers on screen plus the counts written on the clusters on screen."""
    return int(
        page.evaluate(
            """() => {
                let total = document.querySelectorAll('.leaflet-marker-icon.marqueur').length;
                document.querySelectorAll('.grappe .grappe-nombre').forEach(s => {
                    total += parseInt(s.textContent, 10);
                });
                return total;
            }"""
        )
    )


def show_everything(page: Any, expected: int) -> int:
    """Fit the map to every result and return the drawn total once it settles on ``expected``."""
    page.evaluate("window.carteGen.voirTout()")
    deadline = time.monotonic() + 10
    total = visible_marker_total(page)
    while total != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        total = visible_marker_total(page)
    return total


@pytest.fixture(scope="session")
def helpers() -> SimpleNamespace:
    """The helper functions above, for test modules (importlib mode cannot import conftest)."""
    return SimpleNamespace(
        wait_ready=wait_ready,
        visible_marker_total=visible_marker_total,
        show_everything=show_everything,
        XSS=XSS,
    )
