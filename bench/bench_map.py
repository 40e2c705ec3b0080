"""Benchmark the map page in headless Chromium with 1,000 and 50,000 synthetic trainings.

For each size it starts uvicorn on a loopback port, opens ``/`` in a fresh browser context
(cold cache), and prints:

- bytes transferred, compressed (sum of the network's ``encodedDataLength``, tiles excluded);
- time from navigation start until the first markers are drawn (the page's
  ``carte-gen:premiers-marqueurs`` performance mark);
- time from the page script's start until the map data is parsed (``carte-gen:donnees``);
- time for a filter change to update markers and list, as measured by the page script
  (``carte-gen:mise-a-jour``: filter, cluster index, markers of the view, list, count, URL;
  ``carte-gen:marqueurs``: until the markers of the view are drawn), median and max of several
  changes. Every other change goes back to no filter, whose cluster index (built for the first
  markers) the page keeps; the others build an index of their results.

The page keeps only its last measure of each name; the benchmark collects them as they come
with a ``PerformanceObserver`` it installs before the page's scripts run.

The server prepares the map data when it loads a dataset version (not on a request): the
script also times that preparation in-process (build, then br and gzip compression) and the
first request for the data, which is what the first visitor waits for.

With ``--screenshots`` it also writes page and embed screenshots at phone and desktop sizes
(demo-like data of 171 trainings, tiles replaced by a plain generated tile) to
``docs/screenshots/``.

    uv run --no-sync python bench/bench_map.py [--sizes 1000 50000] [--screenshots]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

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
"""


def _new_page(browser: Any, width: int, height: int) -> tuple[Any, Any, dict[str, int]]:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    context.add_init_script(OBSERVER)
    page = context.new_page()
    tile = FIXTURES.blank_png()
    counters = {"bytes": 0, "requests": 0, "tiles": 0}

    def route(route_: Any) -> None:
        host = urlsplit(route_.request.url).hostname or ""
        if host in FIXTURES.TILE_HOSTS:
            counters["tiles"] += 1
            route_.fulfill(status=200, body=tile, content_type="image/png")
        elif host == "127.0.0.1":
            route_.continue_()
        else:
            route_.abort()

    page.route("**/*", route)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
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


def measure(browser: Any, base_url: str) -> dict[str, float]:
    """Cold load of ``/`` then a series of filter changes; the figures of one size."""
    context, page, counters = _new_page(browser, 1366, 768)
    page.goto(base_url + "/")
    FIXTURES.wait_ready(page, timeout_ms=120_000)
    page.wait_for_load_state("networkidle")
    # ms since navigation start
    first = page.evaluate(
        "performance.getEntriesByName('carte-gen:premiers-marqueurs')[0].startTime"
    )
    data_ms = page.evaluate("window.__mesures['carte-gen:donnees'][0]")
    count = "window.__mesures['carte-gen:mise-a-jour'].length"
    for selector, value in FILTER_CHANGES:
        before = page.evaluate(count)
        page.select_option(selector, value)
        page.wait_for_function(f"n => {count} > n", arg=before)
    mesures = page.evaluate("window.__mesures")
    changes = len(FILTER_CHANGES)
    updates: list[float] = mesures["carte-gen:mise-a-jour"][-changes:]
    markers: list[float] = mesures["carte-gen:marqueurs"][-changes:]
    context.close()
    return {
        "bytes": counters["bytes"],
        "requests": counters["requests"],
        "tiles": counters["tiles"],
        "first_markers_ms": first,
        "data_ms": data_ms,
        "update_ms": statistics.median(updates),
        "update_max_ms": max(updates),
        "markers_ms": statistics.median(markers),
    }


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
            context.close()
    return shots


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 50000])
    parser.add_argument("--screenshots", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-map-"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=FIXTURES.CHROMIUM, args=FIXTURES.CHROMIUM_ARGS
        )
        print(
            f"{'trainings':>10} {'kB (compressed)':>16} {'requests':>9} {'first markers':>14}"
            f" {'data loaded':>12} {'update (median/max)':>20} {'all markers redrawn':>20}"
        )
        for size in args.sizes:
            data = work / f"formations-{size}.geojson"
            write_synthetic(data, size, seed=1)
            server = FIXTURES.start_server(data, work)
            try:
                prepared = time_preparation(data)
                started = time.perf_counter()
                request = urllib.request.Request(
                    server.url + "/carte/donnees.json", headers={"Accept-Encoding": "br"}
                )
                with urllib.request.urlopen(request, timeout=120) as answer:
                    answer.read()
                warm_up_ms = (time.perf_counter() - started) * 1000
                figures = measure(browser, server.url)
            finally:
                server.stop()
            print(
                f"{size:>10} {figures['bytes'] / 1000:>16.1f} {figures['requests']:>9}"
                f" {figures['first_markers_ms']:>12.0f}ms {figures['data_ms']:>10.0f}ms"
                f" {figures['update_ms']:>11.1f} / {figures['update_max_ms']:.1f}ms"
                f" {figures['markers_ms']:>18.0f}ms",
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
