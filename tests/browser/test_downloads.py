"""The download links (issue 12, point 9): on phones too, following the selection, accessible."""

from __future__ import annotations

import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.test_a11y import serious_violations
from tests.browser.test_journey import SIZES, open_filters

pytestmark = pytest.mark.browser

FORMATS = {"csv": "csv", "xlsx": "xlsx", "geojson": None, "lheo": "lheo"}


def link_query(page, format_name: str) -> dict[str, list[str]]:
    href = page.get_attribute(f"#telecharger-{format_name}", "href")
    assert href is not None
    return parse_qs(urlsplit(href).query)


@SIZES
def test_the_links_are_visible_and_carry_the_selection(open_page, server, helpers, size):
    region = server.features("")[0]["properties"]["region"]
    # axe-core is injected as an inline script: the test bypasses the page's CSP to run it
    page = open_page(bypass_csp=True, **size).page
    page.goto(f"{server.url}/?region={region}")
    helpers.wait_ready(page)
    viewport = size["viewport"]
    for name, format_value in FORMATS.items():
        link = page.locator(f"#telecharger-{name}")
        assert link.is_visible(), name
        box = link.bounding_box()
        assert box is not None and box["height"] >= 24, name  # a target a thumb can hit
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], name
        query = link_query(page, name)
        assert query["region"] == [region]
        assert query.get("format") == ([format_value] if format_value else None)
    # the links sit in the first screen, above the map and the form
    last = page.locator("#telecharger-lheo").bounding_box()
    assert last is not None and last["y"] + last["height"] <= viewport["height"]
    assert serious_violations(page) == []


@SIZES
def test_the_links_follow_a_change_of_the_filters_and_name_the_file(
    open_page, server, helpers, size
):
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    assert "q" not in link_query(page, "csv")
    open_filters(page)
    page.fill("#f-q", "développeur")
    page.wait_for_function(
        "() => new URL(document.getElementById('telecharger-csv').href).searchParams.get('q')"
        " === 'développeur'"
    )
    for name in FORMATS:
        assert link_query(page, name)["q"] == ["développeur"], name
    # a tap downloads the file under the name the server gives it
    with page.expect_download() as started:
        page.click("#telecharger-xlsx")
    name = started.value.suggested_filename
    assert name.startswith("formations-gen-q-developpeur-") and name.endswith(".xlsx"), name
    href = page.get_attribute("#telecharger-csv", "href")
    with urllib.request.urlopen(server.url + href, timeout=30) as answer:
        disposition = answer.headers["Content-Disposition"]
        assert answer.read().startswith(b"\xef\xbb\xbf")
    assert disposition.startswith('attachment; filename="formations-gen-q-developpeur-')


@SIZES
def test_no_lheo_link_for_an_empty_selection(open_page, server, helpers, size):
    page = open_page(**size).page
    page.goto(server.url + "/?q=zzzqqqxxx")
    helpers.wait_ready(page)
    assert page.locator("#telecharger-csv").is_visible()
    assert not page.locator("#telecharger-lheo").is_visible()
