"""The job seeker's journey (issue 12): thin results, commune search, map and summary.

Phone and desktop sizes in a real Chromium; the other modules test_journey_* import the
sizes and helpers defined here.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 768}}
SIZES = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])

#: A point in the Atlantic off Brittany: no training within a few kilometres.
SEA = {"lat": "47.0", "lon": "-3.6"}


def query_of(page) -> str:
    return urlsplit(page.url).query


def wait_count(page, n: int) -> None:
    page.wait_for_function(
        "n => document.getElementById('compte').getAttribute('data-nombre') === String(n)", arg=n
    )


def km(value: float) -> str:
    """A distance as the page writes it (French, one decimal at most)."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


@SIZES
def test_empty_radius_names_the_nearest_trainings_and_widens_in_one_tap(
    open_page, server, helpers, size
):
    """The page offers what /api/formations/pistes answers for its query."""
    query = urlencode({**SEA, "rayon_km": "5"})
    pistes = server.get_json("/api/formations/pistes", **SEA, rayon_km="5")
    assert pistes["nombre"] == 0
    nearest = pistes["plus_proches"]["formations"]
    radius = pistes["plus_proches"]["rayon_suggere_km"]
    assert len(nearest) == 3 and radius is not None
    page = open_page(**size).page
    page.goto(f"{server.url}/?{query}")
    helpers.wait_ready(page)
    wait_count(page, 0)
    panel = page.locator("#pistes")
    assert panel.is_visible()
    items = panel.locator(".pistes-proches li")
    assert items.count() == len(nearest)
    for item, proche in zip(items.all(), nearest, strict=True):
        props = server.get_json(f"/api/formations/{proche['id']}")["properties"]
        text = item.inner_text()
        assert (props["intitule"] or props["structure"]) in text
        assert f"à {km(proche['distance_km'])} km" in text
    widen = panel.get_by_role("button", name=f"Élargir à {radius} km")
    widen.click()
    widened = urlencode({**SEA, "rayon_km": str(radius)})
    expected = server.count(widened)
    assert expected >= 3
    wait_count(page, expected)
    assert parse_qs(query_of(page))["rayon_km"] == [str(radius)]
    assert page.input_value("#f-rayon") == str(radius)
    assert panel.is_hidden()
    assert f"à moins de {radius} km" in page.inner_text("#resume-filtres")


def thin_query(server) -> tuple[dict[str, str], int]:
    """Filters of the API giving fewer than 3 trainings, where dropping a filter gives more."""
    filtres = server.get_json("/api/filtres")["filtres"]
    region = max(filtres["region"], key=lambda r: r["nombre"])["valeur"]
    for kind in ("autre", "collectivite", "entreprise", "association", "ecole"):
        for months in range(24, 2, -1):
            params = {
                "region": region,
                "type_structure": kind,
                "duree_min": str(months),
                "modalite": "distanciel",
            }
            n = server.count(urlencode(params))
            if n < 3:
                return params, n
    raise AssertionError("the synthetic data has no thin selection")


@SIZES
def test_thin_selection_offers_to_drop_each_filter_that_emptied_it(
    open_page, server, helpers, size
):
    params, n = thin_query(server)
    page = open_page(**size).page
    page.goto(f"{server.url}/?{urlencode(params)}")
    helpers.wait_ready(page)
    wait_count(page, n)
    offered = page.eval_on_selector_all(
        "#pistes button[data-piste]", "els => els.map(e => [e.dataset.piste, e.textContent])"
    )
    expected = {}
    for name in params:
        without = {k: v for k, v in params.items() if k != name}
        count = server.count(urlencode(without))
        if count > n:
            expected[name] = count
    # the criteria the API names, in its order (most trainings first)
    relaxations = server.get_json("/api/formations/pistes", **params)["relachements"]
    assert [(r["parametre"], r["nombre"]) for r in relaxations] == sorted(
        expected.items(), key=lambda item: -item[1]
    )
    assert [name for name, _ in offered] == [r["parametre"] for r in relaxations]
    for name, text in offered:
        count = expected[name]
        assert text.endswith(f": {count} formation{'s' if count > 1 else ''}")
        assert "code inconnu" not in text
    # dropping the duration keeps the others
    duration = page.locator("#pistes button[data-piste=duree_min]")
    assert "au moins" in duration.inner_text()
    duration.click()
    without = {k: v for k, v in params.items() if k != "duree_min"}
    wait_count(page, expected["duree_min"])
    assert parse_qs(query_of(page)) == {k: [v] for k, v in without.items()}
    assert page.input_value("#f-duree-min") == ""


def roubaix(server) -> dict:
    (commune,) = server.get_json("/api/communes", q="Roubaix", limit=1)
    assert commune["nom"] == "Roubaix"
    return commune


def wait_position(page, commune: dict) -> None:
    page.wait_for_function(
        """c => {
            const q = new URLSearchParams(location.search);
            return Math.abs(Number(q.get('lat')) - c.lat) < 1e-4
                && Math.abs(Number(q.get('lon')) - c.lon) < 1e-4;
        }""",
        arg=commune,
    )


def open_filters(page) -> None:
    if not page.locator("#filtres").is_visible():
        page.click("#bloc-filtres > summary")


@SIZES
@pytest.mark.parametrize(
    "typed", ["Roubaix", "roubaix 59100", "59100 Roubaix", "Roubaix (59)", "(59) roubaix", "59100"]
)
def test_a_typed_commune_is_taken_on_enter(open_page, server, helpers, size, typed):
    commune = roubaix(server)
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    open_filters(page)
    page.fill("#f-commune", typed)
    page.press("#f-commune", "Enter")
    wait_position(page, commune)
    assert "près de Roubaix" in page.inner_text("#resume-filtres")
    assert page.input_value("#f-commune") == "Roubaix 59100"


@SIZES
def test_a_typed_commune_is_taken_on_leaving_the_field(open_page, server, helpers, size):
    commune = roubaix(server)
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    open_filters(page)
    page.fill("#f-commune", "Roubaix")
    page.focus("#f-rayon")
    wait_position(page, commune)


@SIZES
def test_an_ambiguous_name_lists_the_communes_and_says_so(open_page, server, helpers, size):
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    open_filters(page)
    page.fill("#f-commune", "Saint-Denis")
    page.press("#f-commune", "Enter")
    page.wait_for_selector("#communes-suggestions li")
    status = page.locator("#statut-position")
    status.filter(has_text="choisissez-en une").wait_for()
    assert "lat" not in parse_qs(query_of(page))
    assert page.locator("#communes-suggestions li").count() > 1


@SIZES
def test_postcode_forms_get_suggestions_with_the_right_plural(open_page, server, helpers, size):
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    open_filters(page)
    page.type("#f-commune", "Roubaix 59100", delay=20)
    page.wait_for_selector("#communes-suggestions li")
    assert page.locator("#communes-suggestions li").all_inner_texts() == ["Roubaix (59100)"]
    page.wait_for_function(
        "() => document.getElementById('communes-statut').textContent === '1 commune proposée'"
    )
    page.fill("#f-commune", "")
    page.type("#f-commune", "59100 roub", delay=20)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#communes-suggestions li')]"
        ".map(li => li.textContent).join('|') === 'Roubaix (59100)'"
    )
    page.fill("#f-commune", "")
    page.type("#f-commune", "Lill", delay=20)
    page.wait_for_function(
        "() => /^[2-9] communes proposées$/"
        ".test(document.getElementById('communes-statut').textContent)"
    )


@SIZES
def test_a_commune_name_in_the_search_box_offers_to_search_near_it(
    open_page, server, helpers, size
):
    commune = roubaix(server)
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    open_filters(page)
    page.fill("#f-q", "Roubaix")
    offer = page.get_by_role("button", name="Chercher près de Roubaix (59100) ?")
    offer.click()
    wait_position(page, commune)
    query = parse_qs(query_of(page))
    assert "q" not in query
    assert page.input_value("#f-q") == ""
    assert "près de Roubaix" in page.inner_text("#resume-filtres")
    # words that are no commune take the offer away
    page.fill("#f-q", "roubaix")
    offer.wait_for()
    page.fill("#f-q", "développeur")
    page.wait_for_function("() => document.getElementById('proposer-commune').textContent === ''")


def map_state(page) -> dict:
    return page.evaluate(
        """() => {
            const a = window.carteGen.application;
            const b = a.carte.getBounds();
            const c = a.cercle;
            return {
                bounds: [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()],
                circle: c ? {lat: c.getLatLng().lat, lon: c.getLatLng().lng,
                             radius: c.getRadius(),
                             b: [c.getBounds().getSouth(), c.getBounds().getWest(),
                                 c.getBounds().getNorth(), c.getBounds().getEast()]} : null,
                centre: a.centre ? [a.centre.getLatLng().lat, a.centre.getLatLng().lng] : null,
                drawn: document.querySelectorAll('path.zone-recherche').length,
            };
        }"""
    )


def inside(inner: list[float], outer: list[float], slack: float = 1e-6) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


@SIZES
def test_the_centre_and_radius_are_drawn_and_the_view_fits_them(open_page, server, helpers, size):
    commune = roubaix(server)
    page = open_page(**size).page
    page.goto(f"{server.url}/?lat={commune['lat']}&lon={commune['lon']}&rayon_km=20")
    helpers.wait_ready(page)
    state = map_state(page)
    assert state["drawn"] == 1
    assert state["circle"]["radius"] == 20_000
    assert state["centre"] == pytest.approx([commune["lat"], commune["lon"]])
    assert inside(state["circle"]["b"], state["bounds"])
    open_filters(page)
    page.select_option("#f-rayon", "50")
    page.wait_for_function("() => window.carteGen.application.cercle.getRadius() === 50000")
    state = map_state(page)
    assert inside(state["circle"]["b"], state["bounds"])
    # the view is the circle's, not the whole country: the circle spans most of a side
    circle_h = state["circle"]["b"][2] - state["circle"]["b"][0]
    circle_w = state["circle"]["b"][3] - state["circle"]["b"][1]
    view_h = state["bounds"][2] - state["bounds"][0]
    view_w = state["bounds"][3] - state["bounds"][1]
    assert max(circle_h / view_h, circle_w / view_w) > 0.45
    assert "à moins de 50 km" in page.inner_text("#resume-filtres")
    page.click("#oublier-position")
    page.wait_for_function("() => !window.carteGen.application.centre")
    assert map_state(page)["drawn"] == 0


def test_a_view_fitted_as_the_filters_unfold_on_a_phone_holds_the_circle(
    open_page, server, helpers
):
    """The fit measures the map as it is, not as Leaflet last saw it (before the unfolding)."""
    commune = roubaix(server)
    page = open_page(**PHONE).page
    page.goto(f"{server.url}/?lat={commune['lat']}&lon={commune['lon']}&rayon_km=20")
    helpers.wait_ready(page)
    assert not page.locator("#filtres").is_visible()  # folded on phones
    # unfold and choose in one task: the map's size observer has not run yet
    page.evaluate(
        """() => {
            document.querySelector('#bloc-filtres > summary').click();
            const rayon = document.getElementById('f-rayon');
            rayon.value = '50';
            rayon.dispatchEvent(new Event('change', { bubbles: true }));
        }"""
    )
    page.wait_for_function("() => window.carteGen.application.cercle.getRadius() === 50000")
    # two frames: the size observer has told the map its new size
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    state = map_state(page)
    assert inside(state["circle"]["b"], state["bounds"])


@SIZES
def test_the_summary_states_every_active_filter_in_words(open_page, server, helpers, size):
    filtres = server.get_json("/api/filtres")["filtres"]
    region = max(filtres["region"], key=lambda r: r["nombre"])
    departement = max(filtres["departement"], key=lambda r: r["nombre"])
    commune = roubaix(server)
    params = {
        "region": region["valeur"],
        "departement": departement["valeur"],
        "type_structure": "association",
        "modalite": "distanciel",
        "duree_min": "6",
        "duree_max": "12",
        "q": "web",
        "lat": str(commune["lat"]),
        "lon": str(commune["lon"]),
        "rayon_km": "20",
    }
    page = open_page(**size).page
    page.goto(f"{server.url}/?{urlencode(params)}")
    helpers.wait_ready(page)
    summary = page.inner_text("#resume-filtres")
    for words in (
        region["libelle"],
        departement["libelle"],
        "Association",
        "À distance",
        "de 6 à 12 mois",
        "« web »",
        "à moins de 20 km",
    ):
        assert words in summary, words
    # the summary follows each change of the form
    open_filters(page)
    page.select_option("#f-rayon", "30")
    page.wait_for_function(
        "() => document.getElementById('resume-filtres').textContent.includes('à moins de 30 km')"
    )
    page.select_option("#f-duree-min", "")
    page.wait_for_function(
        "() => document.getElementById('resume-filtres').textContent.includes('au plus 12 mois')"
    )
