"""Keyboard on the map (issue 12 §7): a marker's popup opened with Enter closes with Escape."""

from __future__ import annotations

import pytest

from tests.browser.test_journey import SIZES
from tests.browser.test_journey_map import FIND_LONE_TRAINING

pytestmark = pytest.mark.browser

#: Centre the map, zoomed in, on a training alone at its place; mark its marker; return its id.
ALONE_IN_VIEW = (
    "() => {"
    + FIND_LONE_TRAINING
    + """    a.carte.setView([r.lat, r.lon], 17, {animate: false});
    a.grappes.rendre();
    const e = a.grappes.marqueurAffiche(r).getElement();
    e.setAttribute('data-essai', '1');
    return r.id;
}"""
)

POPUP_OPEN = "() => !!document.querySelector('.leaflet-popup .popup-formation')"
POPUP_CLOSED = "() => !document.querySelector('.leaflet-popup')"
MARKER_FOCUSED = "() => document.activeElement === document.querySelector('[data-essai]')"


@SIZES
def test_escape_closes_a_popup_opened_with_enter_and_focus_returns_to_the_marker(
    open_page, server, helpers, size
):
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    page.evaluate(ALONE_IN_VIEW)
    page.focus("[data-essai]")
    page.keyboard.press("Enter")
    page.wait_for_function(POPUP_OPEN)
    page.keyboard.press("Escape")
    page.wait_for_function(POPUP_CLOSED)
    page.wait_for_function(MARKER_FOCUSED)
    # and again: the marker still opens its popup from the keyboard, focus on its content
    page.keyboard.press("Enter")
    page.wait_for_function(POPUP_OPEN)
    page.wait_for_function(
        "() => document.activeElement.closest && !!document.activeElement.closest('.leaflet-popup')"
    )
    page.keyboard.press("Escape")
    page.wait_for_function(POPUP_CLOSED)
    page.wait_for_function(MARKER_FOCUSED)
