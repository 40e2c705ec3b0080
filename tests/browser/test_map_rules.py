"""The page reads its URL as the API does, and shows only our own labels (real Chromium)."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest

pytestmark = pytest.mark.browser

PHISHING = "FORMATIONS SUSPENDUES, appelez le 08 99 00 00 00"
MARKERS = ("SUSPENDUES", "08 99", "appelez")


def shown_count(page) -> int:
    return int(page.get_attribute("#compte", "data-nombre"))


def api_total(server, query: str) -> int:
    return int(server.get_json("/api/formations?" + query + "&limit=1")["nombre_total"])


def assert_not_shown(page, watched) -> None:
    """Nothing of the phishing sentence in the page, its form, its links or its URL."""
    html = page.content()
    text = page.evaluate("document.body.innerText")
    for marker in MARKERS:
        assert marker not in html
        assert marker not in text
        assert marker not in page.url
    assert watched.errors == []


@pytest.mark.parametrize("name", ["region", "departement", "type_structure", "modalite"])
def test_a_sentence_in_a_code_parameter_is_never_shown_by_the_embed(watched, server, helpers, name):
    page = watched.page
    page.goto(f"{server.url}/embed?filtres=0&{name}={quote(PHISHING)}")
    helpers.wait_ready(page)
    # the API refuses the parameter: the page ignores it and shows every training
    assert shown_count(page) == api_total(server, "")
    assert page.inner_text("#resume-filtres") == "Toutes les formations"
    assert_not_shown(page, watched)


def test_a_sentence_beside_a_valid_preset_is_dropped_and_the_preset_kept(watched, server, helpers):
    page = watched.page
    page.goto(f"{server.url}/embed?filtres=0&type_structure=ecole&region={quote(PHISHING)}")
    helpers.wait_ready(page)
    assert shown_count(page) == api_total(server, "type_structure=ecole")
    assert parse_qs(urlsplit(page.url).query) == {"type_structure": ["ecole"], "filtres": ["0"]}
    assert page.inner_text("#resume-filtres") == "Sélection : École ou organisme de formation"
    assert_not_shown(page, watched)


@pytest.mark.parametrize("filtres", ["0", "1"])
def test_the_embed_applies_the_searched_text_without_showing_it(watched, server, helpers, filtres):
    page = watched.page
    query = f"q={quote(PHISHING)}"
    page.goto(f"{server.url}/embed?filtres={filtres}&{query}")
    helpers.wait_ready(page)
    assert shown_count(page) == api_total(server, query)
    assert page.input_value("#f-q") == ""
    assert page.inner_text("#resume-filtres") == "Sélection : une recherche par mots"
    text = page.evaluate("document.body.innerText")
    for marker in MARKERS:
        assert marker not in text
    assert watched.errors == []


def test_the_page_shows_the_searched_text_quoted_as_the_users_own(watched, server, helpers):
    page = watched.page
    page.goto(f"{server.url}/?q={quote('<b>web</b>')}")
    helpers.wait_ready(page)
    assert page.inner_text("#resume-filtres") == "Sélection : votre recherche : « <b>web</b> »"
    assert page.locator("#resume-filtres b").count() == 0
    assert shown_count(page) == api_total(server, "q=" + quote("<b>web</b>"))


def test_an_unknown_code_refused_by_the_api_is_ignored_never_echoed(watched, server, helpers):
    page = watched.page
    assert server.get_json_status("/api/formations?region=zz")["status"] == 400
    page.goto(f"{server.url}/?region=zz")
    helpers.wait_ready(page)
    assert shown_count(page) == api_total(server, "")
    assert page.input_value("#f-region") == ""
    assert page.inner_text("#resume-filtres") == "Toutes les formations"
    assert "zz" not in page.inner_text("body")
    assert watched.errors == []


@pytest.mark.parametrize(
    "query",
    [
        "duree_min=6.0",
        "duree_min=%2B6",
        "duree_min=+6",
        "duree_min=06&duree_max=12.00",
        "duree_min=6e0",  # refused by the API: the page ignores it
        "duree_min=12&duree_max=6",  # refused by the API: the page ignores duree_min
    ],
)
def test_the_page_reads_number_forms_as_the_api(watched, server, helpers, query):
    page = watched.page
    page.goto(f"{server.url}/?{query}")
    helpers.wait_ready(page)
    answer = server.get_json_status("/api/formations?" + query)
    if answer["status"] == 200:
        expected = answer["body"]["nombre_total"]
    else:  # the page leaves out the parameter the API names
        refused = {item["parametre"] for item in answer["body"]["detail"]}
        kept = "&".join(p for p in query.split("&") if p.split("=")[0] not in refused)
        expected = api_total(server, kept)
    assert shown_count(page) == expected
    page.wait_for_function(
        "n => document.documentElement.getAttribute('data-marqueurs') === String(n)", arg=expected
    )
    assert helpers.show_everything(page, expected) == expected
    assert watched.errors == []


def test_a_tiny_radius_is_applied_as_by_the_api(watched, server, helpers):
    page = watched.page
    features = server.get_json("/api/formations")["features"]
    places: dict[tuple[float, float], int] = {}
    for feature in features:
        key = tuple(feature["geometry"]["coordinates"])
        places[key] = places.get(key, 0) + 1
    (lon, lat), _ = max(places.items(), key=lambda p: p[1])
    query = f"lat={lat}&lon={lon}&rayon_km=1e-4"
    expected = api_total(server, query)
    assert 2 <= expected < len(features)
    page.goto(f"{server.url}/?{query}")
    helpers.wait_ready(page)
    assert shown_count(page) == expected
    ids = page.eval_on_selector_all(
        "#liste-formations button.formation", "els => els.map(e => e.dataset.id)"
    )
    assert ids == server.ids(query)
    assert parse_qs(urlsplit(page.url).query)["rayon_km"] == ["0.0001"]
    assert watched.errors == []


def test_missing_values_are_said_not_guessed(watched, nulls_server, helpers):
    page = watched.page
    page.goto(nulls_server.url + "/")
    helpers.wait_ready(page)
    features = {
        f["id"]: f["properties"] for f in nulls_server.get_json("/api/formations")["features"]
    }
    items = page.eval_on_selector_all(
        "#liste-formations button.formation",
        """els => els.map(e => ({
            id: e.dataset.id,
            titre: e.querySelector('.titre').textContent,
            structure: e.querySelector('.structure')?.textContent ?? null,
            details: e.querySelector('.details').textContent,
        }))""",
    )
    assert len(items) == 3
    for item in items:
        props = features[item["id"]]
        if props["intitule"] is None:  # the structure stands for the missing title
            assert item["titre"] == props["structure"]
            assert item["structure"] is None
        else:
            assert (item["titre"], item["structure"]) == (props["intitule"], props["structure"])
        if props["duree_mois"] is None:
            assert "Durée non précisée" in item["details"]
    unknown_mode = next(
        i for i, item in enumerate(items) if features[item["id"]]["modalite"] is None
    )
    page.click(f"#liste-formations button.formation >> nth={unknown_mode}")
    page.wait_for_selector(".leaflet-popup .popup-formation")
    terms = page.eval_on_selector_all(".popup-details dt", "els => els.map(e => e.textContent)")
    assert "Modalité" not in terms
    # a modalite filter never matches a null mode, as in the API
    page.check("input[name=modalite][value=presentiel]")
    expected = nulls_server.count("modalite=presentiel")
    page.wait_for_function(
        "n => document.getElementById('compte').getAttribute('data-nombre') === String(n)",
        arg=expected,
    )
    assert watched.errors == []
