"""axe-core finds no serious or critical violation in any state of the page and the embed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 768}}


def serious_violations(page: Any) -> list[str]:
    """Run axe-core on the page and name its serious and critical violations."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
        }"""
    )
    return list(violations)


def open_ready(open_page: Any, server: Any, helpers: Any, size: dict, path: str) -> Any:
    # axe is injected as an inline script: the test bypasses the page's CSP to run it.
    page = open_page(bypass_csp=True, **size).page
    page.goto(server.url + path)
    helpers.wait_ready(page)
    return page


def open_popup(page: Any) -> None:
    page.locator("#liste-formations button.formation").first.dispatch_event("click")
    page.wait_for_selector(".leaflet-popup .popup-formation")


def open_filters(page: Any) -> None:
    page.evaluate("document.getElementById('bloc-filtres').open = true")
    page.wait_for_selector("#filtres", state="visible")


STATES = {
    "page": lambda page: None,
    "filters-open": open_filters,
    "popup": open_popup,
}


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("path", ["/", "/embed"])
def test_no_serious_violation(open_page, server, helpers, size, state, path):
    page = open_ready(open_page, server, helpers, size, path)
    STATES[state](page)
    assert serious_violations(page) == []


def test_no_serious_violation_in_the_phone_list_drawer(open_page, server, helpers):
    page = open_ready(open_page, server, helpers, PHONE, "/")
    page.click("#basculer-liste")
    page.wait_for_function("() => document.body.classList.contains('tiroir-ouvert')")
    assert serious_violations(page) == []


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_serious_violation_in_the_embed_dialog(open_page, server, helpers, size):
    page = open_ready(open_page, server, helpers, size, "/")
    # in the header on desktops, in the footer on phones
    page.locator("#ouvrir-integrer, [data-ouvre-integrer]").locator("visible=true").click()
    page.wait_for_selector("#dialogue-integrer[open]")
    assert serious_violations(page) == []


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_serious_violation_in_the_about_dialog(open_page, server, helpers, size):
    page = open_ready(open_page, server, helpers, size, "/")
    page.locator("[data-dialogue=dialogue-a-propos]").locator("visible=true").first.click()
    page.wait_for_selector("#dialogue-a-propos[open]")
    assert serious_violations(page) == []
