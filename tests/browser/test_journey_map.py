"""The job seeker's journey (issue 12): legend, keyboard, popups and embed, in a real Chromium."""

from __future__ import annotations

import time

import pytest

from tests.browser.test_journey import DESKTOP, PHONE, SIZES

pytestmark = pytest.mark.browser

#: Statements that set ``a`` (the page's application) and ``r``, a training alone at its
#: place (no zoom makes it share a cluster).
FIND_LONE_TRAINING = """
    const a = window.carteGen.application;
    const places = new Map();
    for (const r of a.resultats) {
        const key = r.lon + ' ' + r.lat;
        places.set(key, (places.get(key) || 0) + 1);
    }
    const r = a.resultats.find(r => places.get(r.lon + ' ' + r.lat) === 1);
"""

PLACE_UNDER_LEGEND = (
    "() => {"
    + FIND_LONE_TRAINING
    + """    const carte = a.carte;
    carte.setView([r.lat, r.lon], 17, {animate: false});
    const boite = carte.getContainer().getBoundingClientRect();
    const l = document.getElementById('legende').getBoundingClientRect();
    const cible = L.point(l.left + l.width / 2 - boite.left, l.bottom - 8 - boite.top);
    const p = carte.latLngToContainerPoint([r.lat, r.lon]);
    carte.panBy(p.subtract(cible), {animate: false});
    return r.id;
}"""
)

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
    # The content is what this helper reads; closing goes through the button's own click
    # handler, since a real click can land while the map still pans to the popup.
    page.dispatch_event(".leaflet-popup-close-button", "click")
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
    assert "Pour candidater ou vous renseigner" in text
    hrefs = dict(links)
    assert hrefs["Candidater (nouvelle fenêtre)"] == "https://ecole.invalid/candidater"
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
    assert "Contactez la structure : 12 rue Pasteur" in text


@SIZES
def test_popups_without_contacts_say_how_to_reach_the_structure(open_page, server, helpers, size):
    contacts = ("url_candidature", "contact_email", "contact_telephone")
    features = server.features("")
    with_site = next(
        i
        for i, f in enumerate(features[:50])
        if f["properties"].get("site_web") and not any(f["properties"].get(c) for c in contacts)
    )
    page = open_page(**size).page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    text, links = popup_of(page, with_site)
    assert "Contactez la structure par son site" in text
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
