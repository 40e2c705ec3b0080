"""The filters of issue 13 give the same trainings on the page as in the API and in OGC (Chromium).

The server's « today » (``CARTE_GEN_TODAY``) and the browser's clock are the same fixed day, on
data carrying the new fields (tests/new_fields.py), at phone and desktop sizes.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.new_fields import TODAY

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 768}}
SIZES = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
#: Late in the evening in Paris: the browser's date is still TODAY there.
BROWSER_NOW = datetime.combine(TODAY, time(22, 30), ZoneInfo("Europe/Paris"))
QUERIES = (
    "niveau_sortie=5",
    "niveau_sortie=3,sans_niveau",
    "public_vise=demandeurs_emploi",
    "public_vise=salaries,personnes_handicap",
    "certifiante=oui",
    "certifiante=non",
    "alternance=oui",
    "alternance=non",
    f"session_avant={TODAY.isoformat()}",
    f"session_avant={(TODAY + timedelta(days=45)).isoformat()}",
    "alternance=oui&niveau_sortie=4,5,6&session_avant=2027-09-01&public_vise=salaries,tout_public",
)


def open_at_today(open_page: Any, size: dict[str, Any], url: str, helpers: Any) -> Any:
    watched = open_page(**size, timezone_id="Europe/Paris")
    watched.page.clock.set_fixed_time(BROWSER_NOW)
    watched.page.goto(url)
    helpers.wait_ready(watched.page)
    return watched


def page_ids(page: Any) -> list[str]:
    return list(page.evaluate("window.carteGen.application.resultats.map((r) => r.id)"))


def ogc_ids(server: Any, query: str) -> list[str]:
    url = f"{server.url}/ogc/collections/formations/items?{query}&limit=10000"
    with urllib.request.urlopen(url, timeout=30) as answer:
        return [feature["id"] for feature in json.loads(answer.read())["features"]]


@SIZES
def test_every_new_filter_selects_the_same_trainings_everywhere(
    open_page: Any, lheo_server: Any, helpers: Any, size: dict[str, Any]
) -> None:
    watched = open_at_today(open_page, size, f"{lheo_server.url}/", helpers)
    page = watched.page
    everything = page_ids(page)
    assert everything == lheo_server.ids("")
    for query in QUERIES:
        api = lheo_server.ids(query)
        assert api and len(api) < len(everything), query  # each filter really selects
        assert ogc_ids(lheo_server, query) == api, query
        page.goto(f"{lheo_server.url}/?{query}")
        helpers.wait_ready(page)
        assert page_ids(page) == api, query
        assert int(page.get_attribute("#compte", "data-nombre")) == len(api)
    assert watched.errors == []


@SIZES
def test_the_form_sets_the_new_filters_the_url_and_the_summary(
    open_page: Any, lheo_server: Any, helpers: Any, size: dict[str, Any]
) -> None:
    watched = open_at_today(open_page, size, f"{lheo_server.url}/", helpers)
    page = watched.page
    if not page.eval_on_selector("#bloc-filtres", "b => b.open"):
        page.click("#bloc-filtres > summary")
    page.click("#plus-de-criteres > summary")
    page.select_option("#f-niveau-sortie", "5")
    page.check("input[name='public_vise'][value='demandeurs_emploi']")
    page.check("input[name='public_vise'][value='salaries']")
    page.select_option("#f-alternance", "oui")
    page.fill("#f-session-avant", "2027-09-01")
    page.dispatch_event("#f-session-avant", "change")
    expected = {
        "niveau_sortie": ["5"],
        "public_vise": ["demandeurs_emploi,salaries"],
        "alternance": ["oui"],
        "session_avant": ["2027-09-01"],
    }
    page.wait_for_function("() => location.search.includes('session_avant=')")
    assert parse_qs(urlsplit(page.url).query) == expected
    query = urlsplit(page.url).query
    api = lheo_server.ids(query)
    assert page_ids(page) == api == ogc_ids(lheo_server, query)
    summary = page.inner_text("#resume-filtres")
    assert "niveau de sortie : Niveau 5 (bac + 2 : BTS, DEUST)" in summary
    assert "ouvertes à : Demandeurs d'emploi ou Salariés" in summary
    assert "en alternance" in summary
    assert "une session commençant au plus tard le 1 septembre 2027" in summary
    page.select_option("#f-certifiante", "non")
    page.wait_for_function("() => location.search.includes('certifiante=non')")
    query = urlsplit(page.url).query
    assert page_ids(page) == lheo_server.ids(query)
    assert "non certifiantes" in page.inner_text("#resume-filtres")
    assert watched.errors == []


@SIZES
def test_a_shared_url_fills_the_form_and_true_reads_as_oui(
    open_page: Any, lheo_server: Any, helpers: Any, size: dict[str, Any]
) -> None:
    query = "certifiante=true&alternance=false&public_vise=tout_public&session_avant=2027-04-30"
    watched = open_at_today(open_page, size, f"{lheo_server.url}/?{query}", helpers)
    page = watched.page
    assert page.eval_on_selector("#plus-de-criteres", "d => d.open")
    assert page.input_value("#f-certifiante") == "oui"
    assert page.input_value("#f-alternance") == "non"
    assert page.input_value("#f-session-avant") == "2027-04-30"
    assert page.is_checked("input[name='public_vise'][value='tout_public']")
    assert parse_qs(urlsplit(page.url).query) == {
        "certifiante": ["oui"],
        "alternance": ["non"],
        "public_vise": ["tout_public"],
        "session_avant": ["2027-04-30"],
    }
    assert page_ids(page) == lheo_server.ids(query) == ogc_ids(lheo_server, query)
    assert watched.errors == []


@SIZES
def test_a_refused_new_filter_is_ignored_as_the_api_refuses_it(
    open_page: Any, lheo_server: Any, helpers: Any, size: dict[str, Any]
) -> None:
    query = "alternance=oui&session_avant=2027-02-30&niveau_sortie=FORMATIONS%20SUSPENDUES"
    watched = open_at_today(open_page, size, f"{lheo_server.url}/?{query}", helpers)
    page = watched.page
    refused = lheo_server.get_json_status(f"/api/formations?{query}")
    assert refused["status"] == 400
    assert parse_qs(urlsplit(page.url).query) == {"alternance": ["oui"]}
    assert page_ids(page) == lheo_server.ids("alternance=oui")
    assert "SUSPENDUES" not in page.content()
    assert watched.errors == []
