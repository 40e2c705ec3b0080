"""The job seeker's journey (issue 12) in a real Chromium, at phone and desktop sizes."""

from __future__ import annotations

import math
import time
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


def covering_radius(distance: float) -> int:
    """The radius the page offers to take a distance in (5 km steps, 10 km above 100 km)."""
    step = 5 if distance < 100 else 10
    return max(step, math.ceil(distance / step) * step)


def km(value: float) -> str:
    """A distance as the page writes it (French, one decimal at most)."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


@SIZES
def test_empty_radius_names_the_nearest_trainings_and_widens_in_one_tap(
    open_page, server, helpers, size
):
    query = urlencode({**SEA, "rayon_km": "5"})
    assert server.count(query) == 0
    nearest = server.features(urlencode(SEA))[:3]
    radius = covering_radius(nearest[-1]["properties"]["distance_km"])
    page = open_page(**size).page
    page.goto(f"{server.url}/?{query}")
    helpers.wait_ready(page)
    wait_count(page, 0)
    panel = page.locator("#pistes")
    assert panel.is_visible()
    items = panel.locator(".pistes-proches li")
    assert items.count() == 3
    for item, feature in zip(items.all(), nearest, strict=True):
        props = feature["properties"]
        text = item.inner_text()
        assert (props["intitule"] or props["structure"]) in text
        assert f"à {km(props['distance_km'])} km" in text
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
    assert {name for name, _ in offered} == set(expected)
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
@pytest.mark.parametrize("typed", ["Roubaix", "roubaix 59100", "Roubaix (59)", "59100"])
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


PLACE_UNDER_LEGEND = """() => {
    const a = window.carteGen.application;
    const places = new Map();
    for (const r of a.resultats) {
        const key = r.lon + ' ' + r.lat;
        places.set(key, (places.get(key) || 0) + 1);
    }
    const r = a.resultats.find(r => places.get(r.lon + ' ' + r.lat) === 1);
    const carte = a.carte;
    carte.setView([r.lat, r.lon], 17, {animate: false});
    const boite = carte.getContainer().getBoundingClientRect();
    const l = document.getElementById('legende').getBoundingClientRect();
    const cible = L.point(l.left + l.width / 2 - boite.left, l.bottom - 8 - boite.top);
    const p = carte.latLngToContainerPoint([r.lat, r.lon]);
    carte.panBy(p.subtract(cible), {animate: false});
    return r.id;
}"""

LEGEND_COVERS = """sel => {
    const l = document.getElementById('legende');
    const e = document.querySelector(sel);
    if (!e || getComputedStyle(l).visibility === 'hidden') { return false; }
    const a = l.getBoundingClientRect();
    const b = e.getBoundingClientRect();
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}"""

MARK_MARKER = """id => {
    const a = window.carteGen.application;
    const m = a.grappes.marqueurAffiche(a.resultats.find(r => r.id === id));
    const e = m && m.getElement();
    if (e) { e.setAttribute('data-essai', '1'); }
    return !!e;
}"""


def test_the_legend_folds_and_is_folded_on_phones(open_page, server, helpers):
    page = open_page(**PHONE).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    assert page.evaluate("document.getElementById('legende').open") is False
    page.click("#legende > summary")
    assert page.locator("#legende li").first.is_visible()
    desktop = open_page(**DESKTOP).page
    desktop.goto(server.url + "/")
    helpers.wait_ready(desktop)
    assert desktop.locator("#legende li").first.is_visible()
    desktop.click("#legende > summary")
    assert desktop.locator("#legende li").first.is_hidden()


@SIZES
def test_the_legend_never_covers_an_open_popup_or_a_focused_marker(
    open_page, server, helpers, size
):
    page = open_page(**size).page
    page.goto(server.url + "/?type_structure=ecole")
    helpers.wait_ready(page)
    if not page.evaluate("document.getElementById('legende').open"):
        page.click("#legende > summary")
    training = page.evaluate(PLACE_UNDER_LEGEND)
    page.wait_for_function(MARK_MARKER, arg=training)
    selector = ".leaflet-marker-icon[data-essai]"
    # the marker sits under the open legend until it takes the focus
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.wait_for_function(LEGEND_COVERS, arg=selector)
    page.focus(selector)
    page.wait_for_function(f"sel => !({LEGEND_COVERS})(sel)", arg=selector)
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup")
    page.wait_for_function(f"sel => !({LEGEND_COVERS})(sel)", arg=".leaflet-popup")
    page.click(".leaflet-popup-close-button")
    page.wait_for_selector(".leaflet-popup", state="detached")
    page.evaluate("document.activeElement.blur()")
    page.wait_for_function(
        "() => getComputedStyle(document.getElementById('legende')).visibility === 'visible'"
    )


@SIZES
def test_enter_on_a_cluster_keeps_the_focus_on_the_map(open_page, server, helpers, size):
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    page.wait_for_selector(".grappe:not(.grappe-lieu)")
    zoom = page.evaluate("window.carteGen.application.carte.getZoom()")
    page.focus(".grappe:not(.grappe-lieu)")
    page.keyboard.press("Enter")
    page.wait_for_function("z => window.carteGen.application.carte.getZoom() > z", arg=zoom)
    page.wait_for_function(
        """() => {
            const a = document.activeElement;
            const carte = window.carteGen.application.carte.getContainer();
            return a !== document.body && carte.contains(a);
        }"""
    )
    focused = page.evaluate("document.activeElement.className")
    assert "leaflet-marker-icon" in focused


def test_the_phone_skip_link_opens_the_list_drawer(open_page, server, helpers):
    page = open_page(**PHONE).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "evitement-liste"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'liste-titre'")
    assert page.evaluate("document.body.classList.contains('tiroir-ouvert')")
    page.wait_for_function(
        """() => {
            const r = document.getElementById('liste-titre').getBoundingClientRect();
            const panel = getComputedStyle(document.getElementById('panneau-liste'));
            return r.top >= 0 && r.bottom <= innerHeight && panel.visibility === 'visible';
        }"""
    )


@SIZES
def test_map_controls_come_first_in_tab_order_and_speak_french(open_page, server, helpers, size):
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    page.focus(".leaflet-container")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('.leaflet-control')")
    names = page.evaluate(
        """() => Array.from(document.querySelectorAll('.leaflet-control :is(a, button)'))
            .map(e => e.getAttribute('aria-label') || e.getAttribute('title') || e.textContent)"""
    )
    assert "Zoom avant" in names
    assert "Zoom arrière" in names
    assert "Afficher la carte en plein écran" in names
    assert any(n.startswith("Me localiser") for n in names)
    assert not [n for n in names if "Zoom in" in n or "Zoom out" in n or "Full Screen" in n]
    page.locator("#liste-formations button.formation").first.dispatch_event("click")
    page.wait_for_selector(".leaflet-popup")
    close = page.locator(".leaflet-popup-close-button")
    assert close.get_attribute("aria-label") == "Fermer"
    assert close.get_attribute("title") == "Fermer"


SET_CONTACTS = """([id, fields]) => {
    const r = window.carteGen.application.resultats.find(r => r.id === id);
    Object.assign(r, fields);
    if (r.marqueur) { r.marqueur.closePopup(); r.marqueur = null; }
}"""


def popup_of(page, rank: int) -> tuple[str, list[tuple[str, str]]]:
    page.locator("#liste-formations button.formation").nth(rank).dispatch_event("click")
    page.wait_for_selector(".leaflet-popup .popup-contact")
    text = page.inner_text(".leaflet-popup .popup-contact")
    links = page.eval_on_selector_all(
        ".leaflet-popup .popup-contact a", "els => els.map(a => [a.textContent, a.href])"
    )
    page.click(".leaflet-popup-close-button")
    page.wait_for_selector(".leaflet-popup", state="detached")
    return text, links


@SIZES
def test_popups_offer_to_apply_write_and_call_when_the_data_have_them(
    open_page, server, helpers, size
):
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    first = page.get_attribute("#liste-formations button.formation >> nth=0", "data-id")
    page.evaluate(
        SET_CONTACTS,
        [
            first,
            {
                "contact_email": "accueil@ecole.invalid",
                "contact_telephone": "03 20 00 00 00",
                "url_candidature": "https://ecole.invalid/candidater",
            },
        ],
    )
    text, links = popup_of(page, 0)
    assert "Pour vous inscrire ou vous renseigner" in text
    hrefs = dict(links)
    assert hrefs["Candidater en ligne (nouvelle fenêtre)"] == "https://ecole.invalid/candidater"
    assert hrefs["Écrire à accueil@ecole.invalid"] == "mailto:accueil@ecole.invalid"
    assert hrefs["Appeler le 03 20 00 00 00"] == "tel:0320000000"

    second = page.get_attribute("#liste-formations button.formation >> nth=1", "data-id")
    page.evaluate(
        SET_CONTACTS,
        [
            second,
            {
                "contact_email": "a@b.fr?bcc=tous@x.fr",
                "contact_telephone": "javascript:alert(1)",
                "url_candidature": "javascript:alert(2)",
                "site_web": None,
                "adresse": "12 rue Pasteur",
            },
        ],
    )
    text, links = popup_of(page, 1)
    assert links == []
    assert "adressez-vous à" in text and "12 rue Pasteur" in text


@SIZES
def test_popups_without_contacts_say_how_to_reach_the_structure(open_page, server, helpers, size):
    features = server.features("")
    with_site = next(i for i, f in enumerate(features[:50]) if f["properties"].get("site_web"))
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    text, links = popup_of(page, with_site)
    structure = features[with_site]["properties"]["structure"]
    assert f"contactez {structure} par son site" in text
    assert [name for name, _ in links] == ["Site de la formation (nouvelle fenêtre)"]


def host_page(server, host_site, query: str = "") -> str:
    return host_site.show(
        f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Ministère</title></head><body style="margin:0">
        <h1 style="height:900px;margin:0">Site d'un ministère</h1>
        <iframe id="carte" data-carte-gen src="{server.url}/embed?{query}"
          title="Carte des formations" width="100%" height="300" style="border:0"></iframe>
        <p style="height:600px">Pied de page</p>
        <script src="{server.url}/static/embed-resize.js" async></script>
        </body></html>"""
    )


POPUP_IN_HOST_VIEW = """() => {
    const cadre = document.getElementById('carte').getBoundingClientRect();
    const popup = window.__popup;
    return popup && cadre.top + popup.top >= -1 && cadre.top + popup.bottom <= innerHeight + 1;
}"""


@SIZES
def test_a_list_click_in_a_resized_embed_shows_its_popup_in_the_host_view(
    open_page, server, host_site, helpers, size
):
    page = open_page(**size).page
    page.goto(host_page(server, host_site, "region=84&liste=1&filtres=0"))
    page.wait_for_function(
        "() => Number(document.getElementById('carte')"
        ".getAttribute('data-carte-gen-hauteur')) > 800"
    )
    frame = next(f for f in page.frames if f.url.startswith(server.url + "/embed"))
    helpers.wait_ready(frame)
    # the host page scrolled down to the list (an offscreen frame does not render)
    top = frame.evaluate(
        "() => document.querySelectorAll('#liste-formations button.formation')[20]"
        ".getBoundingClientRect().top"
    )
    page.evaluate(
        "t => window.scrollTo(0, document.getElementById('carte').offsetTop + t - 200)", top
    )
    frame.locator("#liste-formations button.formation").nth(20).click()
    frame.wait_for_selector(".leaflet-popup .popup-formation")

    def popup_in_view() -> bool:
        rect = frame.evaluate(
            "() => document.querySelector('.leaflet-popup').getBoundingClientRect().toJSON()"
        )
        page.evaluate("r => { window.__popup = r; }", rect)
        return bool(page.evaluate(POPUP_IN_HOST_VIEW))

    deadline = time.monotonic() + 10
    while not popup_in_view():
        assert time.monotonic() < deadline, "the popup stays outside the host page's view"
        time.sleep(0.1)
    # the host page itself (not the frame) asking for the frame's top scrolls nothing
    before = page.evaluate("scrollY")
    page.evaluate(
        """() => new Promise(done => {
            window.addEventListener('message', e => { if (e.data === 'fin') { done(); } });
            window.postMessage({type: 'carte-gen:voir', haut: 0, bas: 10}, '*');
            window.postMessage('fin', '*');
        })"""
    )
    assert page.evaluate("scrollY") == before


def test_at_320_px_the_popup_fits_and_its_close_button_is_in_reach(open_page, server, helpers):
    page = open_page(viewport={"width": 320, "height": 568}, is_mobile=True, has_touch=True).page
    page.goto(server.url + "/embed?liste=1")
    helpers.wait_ready(page)
    page.locator("#liste-formations button.formation").first.click()
    page.wait_for_selector(".leaflet-popup .popup-formation")
    page.wait_for_function(
        """() => {
            const map = document.querySelector('.leaflet-container').getBoundingClientRect();
            const popup = document.querySelector('.leaflet-popup').getBoundingClientRect();
            const close = document.querySelector('.leaflet-popup-close-button')
                .getBoundingClientRect();
            return popup.width <= map.width && close.left >= map.left && close.right <= map.right
                && close.top >= map.top && close.bottom <= map.bottom;
        }""",
    )
    page.click(".leaflet-popup-close-button")
    page.wait_for_selector(".leaflet-popup", state="detached")


def test_at_1366x768_the_first_result_is_visible_without_scrolling(open_page, server, helpers):
    page = open_page(**DESKTOP).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    first = page.locator("#liste-formations button.formation").first
    box = first.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= 768
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1366
    assert page.evaluate("scrollY") == 0
    # nothing covers it, and the filters are open beside it
    centre = [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]
    assert page.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y).closest('button.formation')", centre
    )
    assert page.locator("#f-q").is_visible()
    box_q = page.locator("#f-q").bounding_box()
    assert box_q is not None and box_q["y"] + box_q["height"] <= 768


FIELDS_COVERED = """() => {
    const covered = [];
    const fields = document.querySelectorAll(
        '#filtres input:not([type=hidden]), #filtres select, #filtres button');
    for (const field of fields) {
        if (field.offsetParent === null) { continue; }
        for (const block of ['end', 'start', 'center']) {
            field.scrollIntoView({block});
            const r = field.getBoundingClientRect();
            for (const [fx, fy] of [[.5, .5], [.1, .5], [.9, .5]]) {
                const x = r.left + r.width * fx;
                const y = r.top + r.height * fy;
                const top = document.elementFromPoint(x, y);
                const label = field.labels && [...field.labels].some(l => l.contains(top));
                if (top && top !== field && !field.contains(top) && !label) {
                    const by = top ? top.tagName + '.' + top.className : 'nothing';
                    covered.push((field.id || field.name) + ' ' + block + ' by ' + by);
                }
            }
        }
    }
    return covered;
}"""


def test_on_phones_nothing_floats_over_the_form_fields(open_page, server, helpers):
    page = open_page(**PHONE).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    open_filters(page)
    assert page.evaluate(FIELDS_COVERED) == []
    # the list button still opens the drawer, and closes it from over the drawer
    page.click("#basculer-liste")
    page.wait_for_function("() => document.body.classList.contains('tiroir-ouvert')")
    page.click("#basculer-liste")
    page.wait_for_function("() => !document.body.classList.contains('tiroir-ouvert')")


@SIZES
def test_the_demo_names_its_publisher_honestly_and_explains_the_gen(
    open_page, server, helpers, size
):
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    footer = page.locator("footer.pied")
    assert footer.is_visible()
    text = footer.inner_text()
    assert "Démonstration Carte GEN (aucun éditeur déclaré)" in text
    assert "Mentions légales : non renseignées" in text
    assert "Accessibilité : non auditée" in text
    assert "Contact : aucun contact déclaré" in text
    assert page.locator(".sous-titre").is_visible()
    opener = page.locator("button[data-dialogue=dialogue-a-propos]:visible").first
    opener.click()
    dialog = page.locator("#dialogue-a-propos")
    dialog.wait_for(state="visible")
    about = dialog.inner_text()
    assert "Qu’est-ce que la Grande École du Numérique ?" in about
    for fact in (
        "3 mois à 2 ans",
        "sans emploi ou sans diplôme",
        "171 formations",
        "84 structures",
        "8 janvier 2025",
        "14 janvier 2025",
        "France Travail",
    ):
        assert fact in about, fact
    dialog.get_by_role("button", name="Fermer").click()
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.dataset.dialogue") == "dialogue-a-propos"
    # « Intégrer cette carte » is in the header on desktops, in the footer on phones
    integrer = page.get_by_role("button", name="Intégrer cette carte", include_hidden=True)
    assert integrer.count() == 2
    visible = [b for b in integrer.all() if b.is_visible()]
    assert len(visible) == 1
    in_header = visible[0].evaluate("b => !!b.closest('header')")
    assert in_header is (size is DESKTOP)
    visible[0].click()
    page.locator("#dialogue-integrer").wait_for(state="visible")


def test_the_publisher_and_the_about_text_come_from_settings_and_a_file(
    open_page, work_dir, helpers, tmp_path
):
    from bench.synthetic import write_synthetic
    from tests.live_server import LiveServer

    data = tmp_path / "formations.geojson"
    write_synthetic(data, 20, seed=3)
    about = tmp_path / "a-propos.md"
    about.write_text(
        "# Notre carte\n\nUn texte <b>modifié</b> sans toucher au code.\n\n- un\n- deux\n",
        encoding="utf-8",
    )
    running = LiveServer(
        data,
        tmp_path,
        CARTE_GEN_RELOAD_INTERVAL_S="3600",
        CARTE_GEN_PUBLISHER_NAME="Région Exemple",
        CARTE_GEN_PUBLISHER_LEGAL_NOTICE_URL="https://region.invalid/mentions",
        CARTE_GEN_PUBLISHER_ACCESSIBILITY_URL="https://region.invalid/accessibilite",
        CARTE_GEN_PUBLISHER_CONTACT_EMAIL="carte@region.invalid",
        CARTE_GEN_ABOUT_PATH=str(about),
    )
    try:
        running.wait_ready(need_data=True)
        page = open_page(**DESKTOP).page
        page.goto(running.url + "/")
        helpers.wait_ready(page)
        footer = page.locator("footer.pied")
        assert "Carte publiée par Région Exemple" in footer.inner_text()
        links = footer.locator("a").evaluate_all("els => els.map(a => [a.textContent, a.href])")
        assert links == [
            ["Mentions légales", "https://region.invalid/mentions"],
            ["Accessibilité : déclaration", "https://region.invalid/accessibilite"],
            ["Contact", "mailto:carte@region.invalid"],
        ]
        page.click("button[data-dialogue=dialogue-a-propos] >> nth=0")
        dialog = page.locator("#dialogue-a-propos")
        dialog.wait_for(state="visible")
        assert dialog.locator("h2").inner_text() == "Notre carte"
        assert "Un texte <b>modifié</b> sans toucher au code." in dialog.inner_text()
        assert dialog.locator("b").count() == 0
        assert dialog.locator("li").all_inner_texts() == ["un", "deux"]
    finally:
        running.stop()
