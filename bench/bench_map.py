"""Benchmark the map page in headless Chromium with 1,000 and 50,000 synthetic trainings.

For each size it starts uvicorn on a loopback port (``bench/map_server.py``: Carte GEN's app,
which also serves a Folium ``FastMarkerCluster`` page built from the same trainings, with its
Leaflet and Leaflet.markercluster from ``node_modules``, all read and compressed once at start-up
and answered by a look-up, as our own assets are), then opens, in turn and
``--rounds`` times each (interleaved, so that both see the same machine load, and each first
in turn, so that none always follows the same one), ``/``, the Folium page and the floor,
each in a fresh browser context (cold cache), and prints the medians of:

- bytes transferred, compressed (sum of the network's ``encodedDataLength``, tiles excluded);
- time from navigation start until the first markers are in the page: the first
  ``.leaflet-marker-icon`` element (a marker or a cluster) added to the document, seen by a
  ``MutationObserver`` the benchmark installs in both pages alike (its callback runs once the
  script that added it has finished: both pages' inline scripts are counted whole), and the
  ratio of the two pages; then the same for when they are painted: the first task after the
  next frame (``requestAnimationFrame``, then a ``MessageChannel`` message), which is what a
  visitor sees. For Carte GEN without filters these are the first markers the server
  clustered for the page (``app/map/premiers.py``), drawn by its start-up before Leaflet
  (``static/demarrage.js``: the same elements at the places Leaflet then draws them, checked
  by ``tests/browser/test_premiers.py``); its ``carte-gen:premiers-marqueurs`` mark
  (« own mark ») is when its script has drawn the same ones from its own index;
- the same time for the floor of any Leaflet page: Leaflet alone (script and style sheet),
  the same map and tiles, and one marker, and its ratio to the Folium page;
- how many tiles each page loaded for its first view, and when the last one was there (the
  basemap a visitor waits for: the pages' views and zooms differ, so do their counts);
- time from the page script's start until the map data is parsed (``carte-gen:donnees``);
- time for a filter change to update markers and list, as measured by the page script
  (``carte-gen:mise-a-jour``: filter, cluster index, markers of the view, list, count, URL;
  ``carte-gen:marqueurs``: until the markers of the view are drawn), median and max of several
  changes (first round only). Every other change goes back to no filter, whose cluster index
  (built for the first markers) the page keeps; the others build an index of their results.

Chromium is launched as the browser tests launch it (``tests/browser/conftest.py``), with the
omnibox popup's WebUI disabled: in headless mode each new context otherwise starts a renderer of
its own for it while the page loads, about 100 ms of CPU that slowed every page alike (times
about a third lower without it, ratios the same).

Only requests leaving the server's origin go through this process (tiles get a blank PNG, or
with ``--network`` go on to the tile server; the rest is aborted), matched by Playwright
itself: the pages' own requests are not delayed by a round trip each (``--route-all`` routes
them all through this process, as it once did).

The page keeps only its last measure of each name; the benchmark collects them as they come
with a ``PerformanceObserver`` it installs before the page's scripts run.

The server prepares the map data when it loads a dataset version (not on a request): the
script also times that preparation in-process (build, then br and gzip compression) and the
first request for the data, which is what the first visitor waits for.

With ``--network LATENCY_MS:KBIT_S`` every page load goes over a network Chrome emulates
(``Network.emulateNetworkConditions``: that latency added to each request, that throughput
shared by the page's requests; ``150:1600`` is close to Lighthouse's slow 4G). On loopback the
server answers at once and bytes cost next to nothing; a visitor on a phone waits for them, and
for what the page asks for first. The tiles then go over that network too, as real ones
compete for it: a local HTTPS server (:class:`TileServer`) answers the tile hosts with a tile
of about a real one's size.

With ``--screenshots`` it also writes page and embed screenshots at phone and desktop sizes,
and of the page with a training's popup open (demo-like data of 171 trainings, tiles
replaced by a plain generated tile) to ``docs/screenshots/``.

The Folium page loads only what FastMarkerCluster needs (Leaflet and Leaflet.markercluster):
Folium's defaults also load jQuery, Bootstrap, Font Awesome and Leaflet.awesome-markers (for
its default marker), which would only slow it down: the page draws Leaflet's own marker.

With ``--formats`` it also fetches, parses and takes the map data, in a loaded page, in turn
as the columns the page is sent and as plain rows (``/banc/donnees-lignes.json``), both
prepared and served alike by the server.

    uv run --no-sync python bench/bench_map.py [--sizes 1000 50000] [--rounds 3] [--formats]
        [--network LATENCY_MS:KBIT_S] [--screenshots]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import random
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.map_server import BANC_PREFIX, DOSSIER_ENV, LIGNES_PATH  # noqa: E402
from bench.synthetic import write_synthetic  # noqa: E402


def _load_fixtures() -> Any:
    """Load the browser test fixtures' helpers (server start-up, blank tile) as a module."""
    spec = importlib.util.spec_from_file_location(
        "carte_browser_fixtures", REPO_ROOT / "tests" / "browser" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


FIXTURES = _load_fixtures()
FILTER_CHANGES = (
    ("#f-type", "ecole"),
    ("#f-type", ""),
    ("#f-duree-min", "12"),
    ("#f-duree-min", ""),
    ("#f-type", "association"),
    ("#f-type", ""),
    ("#f-duree-max", "23"),  # 95 % of the trainings
    ("#f-duree-max", ""),
)


#: Collects the page's performance measures as they come (the page keeps only the last ones).
OBSERVER = """
window.__mesures = {};
new PerformanceObserver((liste) => {
    for (const e of liste.getEntries()) {
        (window.__mesures[e.name] = window.__mesures[e.name] || []).push(e.duration);
    }
}).observe({ type: 'measure' });
window.__premierMarqueur = null;
window.__premierMarqueurPeint = null;
new MutationObserver((changements, observateur) => {
    for (const changement of changements) {
        for (const noeud of changement.addedNodes) {
            if (noeud.nodeType === 1 && noeud.classList.contains('leaflet-marker-icon')) {
                window.__premierMarqueur = performance.now();
                observateur.disconnect();
                requestAnimationFrame(() => {
                    const canal = new MessageChannel();
                    canal.port1.onmessage = () => {
                        window.__premierMarqueurPeint = performance.now();
                    };
                    canal.port2.postMessage(null);
                });
                return;
            }
        }
    }
}).observe(document, { childList: true, subtree: true });
"""
FOLIUM_PATH = f"{BANC_PREFIX}/folium/"
#: Leaflet's own marker: Folium's default callback needs Leaflet.awesome-markers (not installed).
FOLIUM_CALLBACK = "function (row) { return L.marker(new L.LatLng(row[0], row[1])); }"


class BenchServer(FIXTURES.Server):  # type: ignore[name-defined]
    """``uvicorn bench.map_server:create_bench_app --factory``: Carte GEN and the Folium page."""

    def __init__(self, data_path: Path, log_dir: Path, folium_dir: Path) -> None:
        self.data_path = data_path
        self.port = FIXTURES.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"uvicorn-{self.port}.log"
        environment = {
            **os.environ,
            "CARTE_GEN_DATA_PATH": str(data_path),
            "CARTE_GEN_RELOAD_INTERVAL_S": "3600",
            DOSSIER_ENV: str(folium_dir),
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "uvicorn", "bench.map_server:create_bench_app"),
                    *("--factory", "--host", "127.0.0.1", "--port", str(self.port)),
                ],
                cwd=REPO_ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )


def write_folium_page(data: Path, folder: Path) -> int:
    """Write Folium's FastMarkerCluster page of the trainings of ``data``; return its size."""
    import folium
    from folium.plugins import FastMarkerCluster

    features = json.loads(data.read_bytes())["features"]
    points = [[f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]] for f in features]
    carte = folium.Map(location=[46.6, 2.4], zoom_start=6, tiles="OpenStreetMap")
    carte.default_js = [("leaflet", f"{BANC_PREFIX}/leaflet/leaflet.js")]
    carte.default_css = [("leaflet_css", f"{BANC_PREFIX}/leaflet/leaflet.css")]
    grappes = FastMarkerCluster(points, callback=FOLIUM_CALLBACK)
    paquet = f"{BANC_PREFIX}/leaflet.markercluster"
    grappes.default_js = [("markerclusterjs", f"{paquet}/leaflet.markercluster.js")]
    grappes.default_css = [
        ("markerclustercss", f"{paquet}/MarkerCluster.css"),
        ("markerclusterdefaultcss", f"{paquet}/MarkerCluster.Default.css"),
    ]
    grappes.add_to(carte)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "index.html"
    carte.save(str(target))
    return target.stat().st_size


#: Requests leaving the server's origin (tiles, anything else): only these are routed, by a
#: pattern Playwright matches itself, so the page's own requests never wait for this process.
OFF_ORIGIN = re.compile(r"^(?!http://127\.0\.0\.1[:/])")


#: The floor of any Leaflet page: Leaflet alone, the same map and tiles, one marker.
PLANCHER_HTML = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Leaflet seul</title>
<script src="{prefix}/leaflet/leaflet.js"></script>
<link rel="stylesheet" href="{prefix}/leaflet/leaflet.css">
<style>html, body, #carte {{ height: 100%; margin: 0; }}</style></head>
<body><div id="carte"></div><script>
var carte = L.map('carte', {{ center: [46.6, 2.4], zoom: 6 }});
L.tileLayer('https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png').addTo(carte);
L.marker([46.6, 2.4]).addTo(carte);
</script></body></html>
"""
PLANCHER_PATH = f"{FOLIUM_PATH}plancher.html"


def write_floor_page(folder: Path) -> None:
    """Write the floor page (:data:`PLANCHER_HTML`) beside the Folium page."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plancher.html").write_text(PLANCHER_HTML.format(prefix=BANC_PREFIX))


@dataclass(frozen=True)
class Network:
    """A network for Chrome to emulate: latency added to each request, throughput both ways."""

    latency_ms: float
    kbit_s: float

    @classmethod
    def parse(cls, text: str) -> Network:
        """Read ``LATENCY_MS:KBIT_S`` (``150:1600``)."""
        latency, _, rate = text.partition(":")
        try:
            network: Network | None = cls(float(latency), float(rate))
        except ValueError:
            network = None
        if network is None or network.latency_ms < 0 or network.kbit_s <= 0:
            raise argparse.ArgumentTypeError(f"expected LATENCY_MS:KBIT_S, got {text!r}")
        return network

    def conditions(self) -> dict[str, Any]:
        """Parameters of CDP's ``Network.emulateNetworkConditions``."""
        bytes_per_s = self.kbit_s * 1000 / 8
        return {
            "offline": False,
            "latency": self.latency_ms,
            "downloadThroughput": bytes_per_s,
            "uploadThroughput": bytes_per_s,
        }


def textured_tile(width: int = 256, height: int = 256) -> bytes:
    """Make a grey PNG with a fixed speckle: 24 kB, the size of a real tile at France's zooms.

    A plain tile is 1 kB: sent over an emulated network, it would not take its share of the
    bandwidth as a real one does.
    """
    speckle = random.Random(0)
    shades = (200, 210, 220, 230)
    rows = [
        bytes(speckle.choice(shades) if x % 3 == 0 else 215 for x in range(width * 3))
        for _ in range(height)
    ]
    return FIXTURES.rgb_png(width, rows)


class TileServer:
    """HTTPS on a loopback port, answering every request with :func:`textured_tile`.

    Chromium reaches it for the tile hosts (``--host-resolver-rules``) and takes its certificate,
    self-signed by ``openssl`` (``--ignore-certificate-errors``): the tiles then go over the
    emulated network as the pages' own requests do, and take their share of its bandwidth.
    """

    def __init__(self, work: Path) -> None:
        key, certificate = work / "tuiles.key", work / "tuiles.pem"
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
                *("-subj", "/CN=tuiles", "-keyout", str(key), "-out", str(certificate)),
            ],
            check=True,
            capture_output=True,
        )
        tile = textured_tile()
        self.answered = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # kept alive, as a tile server's connections are

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)
                server.answered += 1

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                # a page closed while its tiles were coming: nothing to report
                if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError)):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(certificate, key)
        self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def chromium_args(self) -> list[str]:
        """Arguments that send Chromium's tile requests here."""
        port = self.server.server_address[1]
        rules = ", ".join(f"MAP {host} 127.0.0.1:{port}" for host in FIXTURES.TILE_HOSTS)
        return [f"--host-resolver-rules={rules}", "--ignore-certificate-errors"]

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class Loading:
    """How the pages are loaded: which requests go through this process, over which network."""

    route_all: bool = False
    network: Network | None = None


def _new_page(
    browser: Any, width: int, height: int, loading: Loading = Loading()
) -> tuple[Any, Any, dict[str, int]]:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    context.add_init_script(OBSERVER)
    page = context.new_page()
    tile = FIXTURES.blank_png()
    counters = {"bytes": 0, "requests": 0}

    def route(route_: Any) -> None:
        host = urlsplit(route_.request.url).hostname or ""
        if host in FIXTURES.TILE_HOSTS:
            if loading.network is None:
                route_.fulfill(status=200, body=tile, content_type="image/png")
            else:  # over the emulated network, from the tile server
                route_.continue_()
        elif host == "127.0.0.1":
            route_.continue_()
        else:
            route_.abort()

    page.route("**/*" if loading.route_all else OFF_ORIGIN, route)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if loading.network is not None:
        cdp.send("Network.emulateNetworkConditions", loading.network.conditions())
    own: set[str] = set()

    def on_response(event: dict[str, Any]) -> None:
        if urlsplit(event["response"]["url"]).hostname == "127.0.0.1":
            own.add(event["requestId"])

    def on_finished(event: dict[str, Any]) -> None:
        if event["requestId"] in own:
            counters["bytes"] += int(event["encodedDataLength"])
            counters["requests"] += 1

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    return context, page, counters


def time_preparation(path: Path) -> dict[str, float]:
    """Time, in this process, what the server does with a new version: build, compress."""
    from app.dataset import Dataset
    from app.responses import compress
    from app.routers.pages import map_data

    dataset = Dataset.load(path)
    started = time.perf_counter()
    body = map_data(dataset)
    built = time.perf_counter()
    for encoding in ("br", "gzip"):
        compress(body, encoding)
    done = time.perf_counter()
    return {
        "build_ms": (built - started) * 1000,
        "compress_ms": (done - built) * 1000,
        "raw_kb": len(body) / 1000,
    }


#: How many tiles the page loaded and when the last one ended (ms since navigation start).
TUILES = """(hotes) => {
    const tuiles = performance.getEntriesByType('resource')
        .filter(e => hotes.includes(new URL(e.name).hostname));
    return [tuiles.length, Math.max(0, ...tuiles.map(e => e.responseEnd))];
}"""


def tiles_loaded(page: Any) -> dict[str, float]:
    """Return how many tiles a settled page has loaded, and when the last one was there."""
    count, last = page.evaluate(TUILES, list(FIXTURES.TILE_HOSTS))
    return {"tiles": count, "tiles_ms": last}


def measure(
    browser: Any, base_url: str, changes: bool, loading: Loading = Loading()
) -> dict[str, float]:
    """Cold load of ``/`` then, if ``changes``, a series of filter changes."""
    context, page, counters = _new_page(browser, 1366, 768, loading)
    page.goto(base_url + "/")
    FIXTURES.wait_ready(page, timeout_ms=120_000)
    page.wait_for_load_state("networkidle")
    # ms since navigation start
    figures: dict[str, float] = {
        "first_markers_ms": page.evaluate("window.__premierMarqueur"),
        "painted_ms": page.evaluate("window.__premierMarqueurPeint"),
        "mark_ms": page.evaluate(
            "performance.getEntriesByName('carte-gen:premiers-marqueurs')[0].startTime"
        ),
        "data_ms": page.evaluate("window.__mesures['carte-gen:donnees'][0]"),
        **tiles_loaded(page),
    }
    count = "window.__mesures['carte-gen:mise-a-jour'].length"
    if changes:
        for selector, value in FILTER_CHANGES:
            before = page.evaluate(count)
            page.select_option(selector, value)
            page.wait_for_function(f"n => {count} > n", arg=before)
        mesures = page.evaluate("window.__mesures")
        updates: list[float] = mesures["carte-gen:mise-a-jour"][-len(FILTER_CHANGES) :]
        markers: list[float] = mesures["carte-gen:marqueurs"][-len(FILTER_CHANGES) :]
        figures["update_ms"] = statistics.median(updates)
        figures["update_max_ms"] = max(updates)
        figures["markers_ms"] = statistics.median(markers)
    context.close()
    return {**figures, "bytes": counters["bytes"], "requests": counters["requests"]}


def measure_folium(
    browser: Any, base_url: str, loading: Loading = Loading(), path: str = FOLIUM_PATH
) -> dict[str, float]:
    """Cold load of the Folium FastMarkerCluster page (or another), until its first markers."""
    context, page, counters = _new_page(browser, 1366, 768, loading)
    page.goto(base_url + path)
    page.wait_for_function("() => window.__premierMarqueurPeint !== null", timeout=120_000)
    # Only to count its bytes: a page that never settles (at 50,000 markers Folium's keeps
    # asking for tiles) is counted as it stands after 15 s.
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_load_state("networkidle", timeout=15_000)
    first, painted = page.evaluate("[window.__premierMarqueur, window.__premierMarqueurPeint]")
    tiles = tiles_loaded(page)
    context.close()
    return {
        **tiles,
        "first_markers_ms": first,
        "painted_ms": painted,
        "bytes": counters["bytes"],
        "requests": counters["requests"],
    }


#: The pages of a round: Carte GEN's, Folium's FastMarkerCluster, the floor.
PAGES: Final = ("carte", "folium", "plancher")


def load(page: str, browser: Any, base_url: str, index: int, loading: Loading) -> dict[str, float]:
    """Load a page of :data:`PAGES` cold and return its figures (Carte GEN's first also filters)."""
    if page == "carte":
        return measure(browser, base_url, index == 0, loading)
    return measure_folium(
        browser, base_url, loading, FOLIUM_PATH if page == "folium" else PLANCHER_PATH
    )


#: Fetch (no cache) and take the map data in a loaded page: the columns of ``/carte/donnees.json``
#: decoded by the page, or plain rows given their places as the page did when it received them.
PRENDRE = """async ([url, colonnes]) => {
    const app = window.carteGen.application;
    const debut = performance.now();
    const donnees = await (await fetch(url, { cache: 'no-store' })).json();
    const lu = performance.now();
    if (colonnes) {
        app.charger(donnees);
    } else {
        const lieux = new Map();
        for (const r of donnees.formations) {
            const cle = r.lon + ' ' + r.lat;
            let lieu = lieux.get(cle);
            if (lieu === undefined) { lieu = lieux.size; lieux.set(cle, lieu); }
            r.lieu = lieu;
            r.distance_km = null;
            r.marqueur = null;
            r.texte = null;
        }
    }
    return [lu - debut, performance.now() - lu];
}"""


def compare_formats(browser: Any, base_url: str, rounds: int) -> dict[str, list[float]]:
    """Columns against plain rows, interleaved in one page: fetched, parsed, taken (ms)."""
    context, page, _ = _new_page(browser, 1366, 768)
    page.goto(base_url + "/")
    FIXTURES.wait_ready(page, timeout_ms=120_000)
    page.wait_for_load_state("networkidle")
    url = page.evaluate("window.carteGen.application.config.donnees_url")
    formats = {"columns": [url, True], "rows": [LIGNES_PATH, False]}
    for arg in formats.values():  # the server prepares the rows on the first request
        page.evaluate(PRENDRE, arg)
    times: dict[str, list[float]] = {name: [] for name in formats}
    for _ in range(rounds):
        for name, arg in formats.items():
            fetched, taken = page.evaluate(PRENDRE, arg)
            times[name].append(fetched + taken)
    context.close()
    return times


def _median(rounds: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


#: Rank, among the first 50 of the list (those shown), of the first training with a session,
#: an application link and a certification: a popup that shows the most.
RICHEST = """() => window.carteGen.application.resultats.slice(0, 50).findIndex(
    r => r.sessions && r.sessions.length && r.url_candidature && r.certification)"""


def popup_screenshot(page: Any, target: Path) -> Path:
    """Open the popup of the training that shows the most, from the list, and shoot it."""
    rank = max(0, page.evaluate(RICHEST))
    page.locator("#liste-formations button.formation").nth(rank).dispatch_event("click")
    page.wait_for_selector(".leaflet-popup .popup-formation")
    time.sleep(0.6)  # the map pans to the popup (animated)
    page.screenshot(path=str(target))
    return target


def screenshots(browser: Any, base_url: str, out: Path) -> list[Path]:
    """Page and embed at phone and desktop sizes."""
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    for name, (width, height) in {"telephone": (390, 844), "bureau": (1366, 768)}.items():
        for view, path in {"page": "/", "embed": "/embed?region=84&liste=1&filtres=1"}.items():
            context, page, _ = _new_page(browser, width, height)
            page.goto(base_url + path)
            FIXTURES.wait_ready(page)
            page.wait_for_load_state("networkidle")
            time.sleep(0.6)
            target = out / f"{view}-{name}.png"
            page.screenshot(path=str(target))
            shots.append(target)
            if view == "page" and name == "telephone":
                page.click("#basculer-liste")
                time.sleep(0.5)
                target = out / f"page-{name}-liste.png"
                page.screenshot(path=str(target))
                shots.append(target)
            if view == "page":
                shots.append(popup_screenshot(page, out / f"page-{name}-popup.png"))
            context.close()
    return shots


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 50000])
    parser.add_argument("--rounds", type=int, default=3, help="loads of each page, interleaved")
    parser.add_argument(
        "--formats", action="store_true", help="also compare columns with plain rows"
    )
    parser.add_argument("--screenshots", action="store_true")
    parser.add_argument(
        "--route-all",
        action="store_true",
        help="route every request through this process, as before (each costs a round trip)",
    )
    parser.add_argument(
        "--network",
        type=Network.parse,
        metavar="LATENCY_MS:KBIT_S",
        help="load every page over a network Chrome emulates (150:1600: a slow 4G)",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-map-"))
    try:
        run(args, work, sync_playwright)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def run(args: argparse.Namespace, work: Path, sync_playwright: Any) -> None:
    """Every size, then the screenshots if asked, with their files in ``work``."""
    loading = Loading(args.route_all, args.network)
    if loading.network is None:
        print("network: loopback, not emulated")
    else:
        print(
            f"network: emulated by Chrome, {loading.network.latency_ms:.0f} ms latency per"
            f" request, {loading.network.kbit_s:,.0f} kbit/s both ways"
        )
    tiles = TileServer(work) if loading.network is not None else None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=FIXTURES.CHROMIUM,
            args=FIXTURES.CHROMIUM_ARGS + (tiles.chromium_args() if tiles else []),
        )
        print(
            f"{'trainings':>10} {'page':>18} {'kB':>8} {'requests':>9} {'first markers':>14}"
            f" {'(own mark)':>11} {'data loaded':>12}"
        )
        for size in args.sizes:
            data = work / f"formations-{size}.geojson"
            write_synthetic(data, size, seed=1)
            folium_dir = work / f"folium-{size}"
            folium_kb = write_folium_page(data, folium_dir) / 1000
            write_floor_page(folium_dir)
            server = BenchServer(data, work, folium_dir)
            server.wait_ready(need_data=True)
            loads: dict[str, list[dict[str, float]]] = {page: [] for page in PAGES}
            carte, fast, floor = (loads[page] for page in PAGES)
            try:
                prepared = time_preparation(data)
                started = time.perf_counter()
                request = urllib.request.Request(
                    server.url + "/carte/donnees.json", headers={"Accept-Encoding": "br"}
                )
                with urllib.request.urlopen(request, timeout=120) as answer:
                    answer.read()
                warm_up_ms = (time.perf_counter() - started) * 1000
                for index in range(args.rounds):
                    # each page first in turn: none always follows the same one
                    for turn in range(len(PAGES)):
                        page = PAGES[(index + turn) % len(PAGES)]
                        loads[page].append(load(page, browser, server.url, index, loading))
                formats = compare_formats(browser, server.url, 5) if args.formats else None
            finally:
                server.stop()
            print(
                f"{size:>10} {'Carte GEN':>18} {_median(carte, 'bytes') / 1000:>8.1f}"
                f" {_median(carte, 'requests'):>9.0f} {_median(carte, 'first_markers_ms'):>12.0f}ms"
                f" {_median(carte, 'mark_ms'):>9.0f}ms {_median(carte, 'data_ms'):>10.0f}ms",
                flush=True,
            )
            print(
                f"{'':>10} {'FastMarkerCluster':>18} {_median(fast, 'bytes') / 1000:>8.1f}"
                f" {_median(fast, 'requests'):>9.0f} {_median(fast, 'first_markers_ms'):>12.0f}ms",
                flush=True,
            )
            ratios = [
                c["first_markers_ms"] / f["first_markers_ms"]
                for c, f in zip(carte, fast, strict=True)
            ]
            print(
                f"{'':>10} first markers, Carte GEN / FastMarkerCluster: median"
                f" {statistics.median(ratios):.2f}× (rounds: "
                + ", ".join(f"{r:.2f}" for r in ratios)
                + "); Carte GEN rounds: "
                + ", ".join(f"{c['first_markers_ms']:.0f}" for c in carte)
                + " ms; Folium page "
                + f"{folium_kb:.0f} kB raw",
                flush=True,
            )
            floor_ratios = [
                p["first_markers_ms"] / f["first_markers_ms"]
                for p, f in zip(floor, fast, strict=True)
            ]
            print(
                f"{'':>10} floor: Leaflet alone with one marker, {_median(floor, 'requests'):.0f}"
                f" requests, {_median(floor, 'first_markers_ms'):.0f} ms, / FastMarkerCluster:"
                f" median {statistics.median(floor_ratios):.2f}× (rounds: "
                + ", ".join(f"{r:.2f}" for r in floor_ratios)
                + ")",
                flush=True,
            )
            painted = [c["painted_ms"] / f["painted_ms"] for c, f in zip(carte, fast, strict=True)]
            floor_painted = [
                p["painted_ms"] / f["painted_ms"] for p, f in zip(floor, fast, strict=True)
            ]
            print(
                f"{'':>10} first markers painted: Carte GEN {_median(carte, 'painted_ms'):.0f} ms,"
                f" FastMarkerCluster {_median(fast, 'painted_ms'):.0f} ms, floor"
                f" {_median(floor, 'painted_ms'):.0f} ms; Carte GEN / FastMarkerCluster: median"
                f" {statistics.median(painted):.2f}×"
                f" (floor {statistics.median(floor_painted):.2f}×)",
                flush=True,
            )
            print(
                f"{'':>10} the first view's tiles loaded: Carte GEN"
                f" {_median(carte, 'tiles'):.0f} by {_median(carte, 'tiles_ms'):.0f} ms,"
                f" FastMarkerCluster {_median(fast, 'tiles'):.0f} by"
                f" {_median(fast, 'tiles_ms'):.0f} ms, floor {_median(floor, 'tiles'):.0f} by"
                f" {_median(floor, 'tiles_ms'):.0f} ms (each map's own view and basemap)",
                flush=True,
            )
            first = carte[0]
            print(
                f"{'':>10} filter change (first round): update median/max"
                f" {first['update_ms']:.1f} / {first['update_max_ms']:.1f} ms, all markers"
                f" redrawn {first['markers_ms']:.0f} ms",
                flush=True,
            )
            if formats is not None:
                print(
                    f"{'':>10} map data fetched, parsed and taken, median of 5 interleaved:"
                    + "; ".join(
                        f" {name} {statistics.median(times):.0f} ms ("
                        + ", ".join(f"{t:.0f}" for t in times)
                        + ")"
                        for name, times in formats.items()
                    ),
                    flush=True,
                )
            print(
                f"{'':>10} (server: map data prepared at load in"
                f" {prepared['build_ms'] + prepared['compress_ms']:.0f} ms (build"
                f" {prepared['build_ms']:.0f}, br+gzip {prepared['compress_ms']:.0f});"
                f" {prepared['raw_kb']:.0f} kB raw; first request answered in"
                f" {warm_up_ms:.0f} ms)",
                flush=True,
            )
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        if args.screenshots:
            data = work / "formations-demo.geojson"
            write_synthetic(data, 171, seed=2016)
            server = FIXTURES.start_server(data, work)
            try:
                for shot in screenshots(browser, server.url, REPO_ROOT / "docs/screenshots"):
                    print(f"screenshot: {shot.relative_to(REPO_ROOT)}")
            finally:
                server.stop()
        browser.close()
    if tiles is not None:
        tiles.close()
        print(f"tiles: {tiles.answered} sent over the emulated network")
        if tiles.answered == 0:
            raise SystemExit("no tile reached the tile server: were the host rules applied?")


if __name__ == "__main__":
    raise SystemExit(main())
