"""The page's bundles (modules by esbuild, classic scripts joined): used only while fresh, and
the page works either way."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from app.bundle import (
    BUNDLE,
    ENTRY,
    NODE_MODULES,
    SCRIPTS,
    STYLES,
    build,
    bundle_is_fresh,
    classic_scripts,
    classic_styles,
    page_scripts,
)
from bench.synthetic import write_synthetic
from tests.browser.conftest import start_server, wait_ready, watch

REPO_STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.fixture
def static_copy(tmp_path: Path) -> Path:
    """A copy of ``static/`` without any bundle."""
    target = tmp_path / "static"
    shutil.copytree(REPO_STATIC, target, ignore=shutil.ignore_patterns("dist"))
    return target


@pytest.fixture
def data_path(tmp_path: Path) -> Path:
    path = tmp_path / "formations.geojson"
    write_synthetic(path, 120, seed=11)
    return path


def test_without_a_bundle_the_page_preloads_every_module(static_copy: Path) -> None:
    scripts = page_scripts(static_copy)
    assert scripts.entry == f"/static/{ENTRY}"
    names = {url.rsplit("/", 1)[1] for url in scripts.preloads}
    assert names == {path.name for path in (static_copy / "js").glob("*.js")}


def test_a_built_bundle_is_used_until_a_module_changes(static_copy: Path) -> None:
    build(static_copy)
    assert bundle_is_fresh(static_copy)
    assert page_scripts(static_copy).entry == f"/static/{BUNDLE}"
    assert page_scripts(static_copy).preloads == ()
    module = static_copy / "js" / "dom.js"
    module.write_text(module.read_text(encoding="utf-8") + "\n// edited\n", encoding="utf-8")
    assert not bundle_is_fresh(static_copy)
    assert page_scripts(static_copy).entry == f"/static/{ENTRY}"
    (static_copy / "js" / "nouveau.js").write_text("export const x = 1;\n", encoding="utf-8")
    build(static_copy)
    assert bundle_is_fresh(static_copy)
    (static_copy / "js" / "nouveau.js").unlink()
    assert not bundle_is_fresh(static_copy)


def test_joined_scripts_and_styles_are_used_until_one_of_their_files_changes(
    static_copy: Path,
) -> None:
    assert (page_scripts(static_copy).classic, page_scripts(static_copy).styles) == (None, None)
    for joined in (SCRIPTS, STYLES):
        joined.build(static_copy, NODE_MODULES)
        assert joined.is_fresh(static_copy, NODE_MODULES)
    assert page_scripts(static_copy).classic == f"/static/{SCRIPTS.target}"
    assert page_scripts(static_copy).styles == f"/static/{STYLES.target}"
    for joined, urls in ((SCRIPTS, classic_scripts()), (STYLES, classic_styles())):
        text = (static_copy / joined.target).read_text(encoding="utf-8")
        starts = [text.index(f"/* {url} */") for url in urls]
        assert starts == sorted(starts)
        assert "sourceMappingURL" not in text
    styles = (static_copy / STYLES.target).read_text(encoding="utf-8")
    # Leaflet's images, named relative to its style sheet, from the joined one's place
    assert "url(/vendor/leaflet/images/layers.png)" in styles
    assert "url(images/" not in styles
    layer = static_copy / "grappes.js"
    layer.write_text(layer.read_text(encoding="utf-8") + "\n// edited\n", encoding="utf-8")
    assert not SCRIPTS.is_fresh(static_copy, NODE_MODULES)
    assert page_scripts(static_copy).classic is None
    own = static_copy / "carte.css"
    own.write_text(own.read_text(encoding="utf-8") + "\n/* edited */\n", encoding="utf-8")
    assert page_scripts(static_copy).styles is None


@pytest.mark.parametrize("bundled", [True, False], ids=["bundle", "modules"])
def test_the_page_works_with_the_bundle_or_the_modules(
    bundled: bool, static_copy: Path, data_path: Path, tmp_path: Path, browser: Any
) -> None:
    if bundled:
        build(static_copy)
        for joined in (SCRIPTS, STYLES):
            joined.build(static_copy, NODE_MODULES)
    server = start_server(data_path, tmp_path, CARTE_GEN_STATIC_PATH=str(static_copy))
    context, watched = watch(browser)
    try:
        page = watched.page
        scripts: list[str] = []
        styles: list[str] = []
        kinds = {"script": scripts, "stylesheet": styles}
        page.on(
            "request",
            lambda r: kinds[r.resource_type].append(r.url) if r.resource_type in kinds else None,
        )
        page.goto(server.url + "/?type=ecole")
        wait_ready(page)
        assert page.locator("#compte").get_attribute("data-nombre") == str(
            server.count("type=ecole")
        )
        ours = [url for url in scripts if "/static/" in url and url.endswith(".js")]
        vendored = [url.split("/")[4] for url in scripts if "/vendor/" in url]
        if bundled:
            assert sorted(url.rsplit("/", 2)[1:] for url in ours if "/dist/" in url) == [
                ["dist", "carte.js"],
                ["dist", "scripts.js"],
            ]
            assert not [url for url in ours if "/js/" in url]
            assert vendored == []
            assert [url.rsplit("/", 2)[1:] for url in styles] == [["dist", "styles.css"]]
        else:
            # The elements' own files, in the order the joined file has them.
            assert vendored == [url.split("/")[2] for url in classic_scripts() if "/vendor/" in url]
            assert not [url for url in ours if "/dist/" in url]
            assert [url.rsplit("/", 1)[1] for url in styles] == [
                url.rsplit("/", 1)[1] for url in classic_styles()
            ]
            assert {url.rsplit("/", 1)[1] for url in ours if "/js/" in url} >= {
                "carte.js",
                "filtres.js",
                "marqueurs.js",
            }
        assert watched.errors == []
        assert watched.foreign == []
    finally:
        context.close()
        server.stop()
