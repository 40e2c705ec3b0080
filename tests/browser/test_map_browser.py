"""The map page and the embed in a real headless Chromium against a real uvicorn."""

from __future__ import annotations

import time
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from app.routers.pages import INLINE_SCRIPT

pytestmark = pytest.mark.browser


def query_of(page) -> str:
    return urlsplit(page.url).query


def expect_consistent(page, server, helpers, query: str) -> int:
    """Count, list, URL and drawn markers all agree with the API for ``query``."""
    expected = server.count(query)
    page.wait_for_function(
        "n => document.getElementById('compte').getAttribute('data-nombre') === String(n)",
        arg=expected,
    )
    assert parse_qs(query_of(page)) == parse_qs(query)
    helpers.wait_ready(page)
    shown = page.locator("#liste-formations button.formation").count()
    assert shown == min(expected, 50)
    api_ids = server.ids(query)[:shown]
    list_ids = page.eval_on_selector_all(
        "#liste-formations button.formation", "els => els.map(e => e.dataset.id)"
    )
    assert list_ids == api_ids
    page.wait_for_function(
        "n => document.documentElement.getAttribute('data-marqueurs') === String(n)", arg=expected
    )
    assert helpers.show_everything(page, expected) == expected
    return expected


def test_page_loads_without_errors_or_foreign_requests(watched, server, helpers):
    page = watched.page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    page.wait_for_load_state("networkidle")
    assert watched.errors == []
    assert watched.foreign == []
    assert watched.tiles, "the basemap asked for tiles (answered by the test)"
    assert all(urlsplit(t).hostname == "data.geopf.fr" for t in watched.tiles)
    assert page.locator(".bandeau-demo").inner_text().startswith("Données de démonstration")
    assert page.get_attribute("html", "lang") == "fr"


def test_markers_and_clusters_add_up_to_the_api_count(watched, server, helpers):
    page = watched.page
    filtres = server.get_json("/api/filtres")["filtres"]
    region = max(filtres["region"], key=lambda r: r["nombre"])["valeur"]
    for query in ("", f"region={region}", "type_structure=association&duree_min=6&duree_max=12"):
        page.goto(server.url + "/" + (f"?{query}" if query else ""))
        expect_consistent(page, server, helpers, query)
    assert watched.errors == []


def test_each_filter_updates_markers_list_count_and_url(watched, server, helpers):
    page = watched.page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    filtres = server.get_json("/api/filtres")["filtres"]
    region = max(filtres["region"], key=lambda r: r["nombre"])["valeur"]

    page.select_option("#f-region", region)
    expect_consistent(page, server, helpers, f"region={region}")

    page.select_option("#f-type", "ecole")
    expect_consistent(page, server, helpers, f"region={region}&type_structure=ecole")

    page.check("input[name=modalite][value=presentiel]")
    page.check("input[name=modalite][value=hybride]")
    expect_consistent(
        page,
        server,
        helpers,
        f"region={region}&type_structure=ecole&modalite=presentiel&modalite=hybride",
    )

    page.select_option("#f-region", "")
    page.select_option("#f-duree-min", "6")
    page.select_option("#f-duree-max", "18")
    expect_consistent(
        page,
        server,
        helpers,
        "type_structure=ecole&modalite=presentiel&modalite=hybride&duree_min=6&duree_max=18",
    )

    page.click("#reinitialiser")
    page.fill("#f-q", "developpeur WEB")
    expect_consistent(page, server, helpers, "q=developpeur+WEB")

    # « près de » a commune chosen in the autocomplete, 50 km around it, nearest first
    page.click("#reinitialiser")
    page.select_option("#f-rayon", "50")
    page.fill("#f-commune", "Lyon")
    page.wait_for_selector("#communes-suggestions li[role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).has('lat')")
    query = query_of(page)
    assert parse_qs(query)["rayon_km"] == ["50"]
    count = expect_consistent(page, server, helpers, query)
    assert count > 0
    distances = page.eval_on_selector_all(
        "#liste-formations .distance", "els => els.map(e => e.textContent)"
    )
    assert len(distances) == min(count, 50)

    # a reload restores the same view from the URL alone
    page.reload()
    helpers.wait_ready(page)
    assert query_of(page) == query
    expect_consistent(page, server, helpers, query)
    assert page.input_value("#f-rayon") == "50"
    assert watched.errors == []


def test_reload_restores_every_form_control(watched, server, helpers):
    page = watched.page
    query = (
        "region=84&type_structure=association&modalite=distanciel&duree_min=4&duree_max=20&q=web"
    )
    page.goto(server.url + "/?" + query)
    helpers.wait_ready(page)
    assert page.input_value("#f-region") == "84"
    # the option shown is the region's name, not the provisional one written before the data came
    shown = "s => document.querySelector(s).selectedOptions[0].textContent"
    assert page.evaluate(shown, "#f-region") == "Auvergne-Rhône-Alpes"
    assert (
        page.evaluate("() => document.querySelectorAll('#f-region option[value=\"84\"]').length")
        == 1
    )
    assert page.input_value("#f-type") == "association"
    assert page.is_checked("input[name=modalite][value=distanciel]")
    assert not page.is_checked("input[name=modalite][value=presentiel]")
    assert page.input_value("#f-duree-min") == "4"
    assert page.input_value("#f-duree-max") == "20"
    assert page.input_value("#f-q") == "web"
    expect_consistent(page, server, helpers, query)


def test_keyboard_only_filters_and_list_open_the_popup_and_return_focus(watched, server, helpers):
    page = watched.page
    page.goto(server.url + "/")
    helpers.wait_ready(page)

    def tab_to(selector: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("#f-type")
    before = page.get_attribute("#compte", "data-nombre")
    page.keyboard.press("ArrowDown")  # first structure type
    page.wait_for_function(
        "n => document.getElementById('compte').getAttribute('data-nombre') !== n", arg=before
    )
    assert "type_structure=" in query_of(page)

    tab_to("#liste-formations button.formation")
    first_id = page.evaluate("document.activeElement.dataset.id")
    page.keyboard.press("ArrowDown")
    second_id = page.evaluate("document.activeElement.dataset.id")
    assert second_id != first_id
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup .popup-formation")
    assert page.evaluate("document.activeElement.classList.contains('popup-formation')")
    title = page.inner_text(".leaflet-popup .popup-titre")
    api_title = server.get_json(f"/api/formations/{second_id}")["properties"]["intitule"]
    assert title == api_title
    page.keyboard.press("Escape")
    page.wait_for_selector(".leaflet-popup", state="detached")
    assert page.evaluate("document.activeElement.dataset.id") == second_id
    assert watched.errors == []


def test_embed_in_another_origin_shows_the_preset_and_resizes(watched, server, host_site, helpers):
    page = watched.page
    filtres = server.get_json("/api/filtres")["filtres"]
    region = max(filtres["region"], key=lambda r: r["nombre"])["valeur"]
    preset = f"region={region}&type_structure=ecole"
    expected = server.count(preset)
    url = host_site.show(
        f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
        <title>Ministère</title></head><body><h1>Site d'un ministère</h1>
        <iframe id="carte" data-carte-gen src="{server.url}/embed?{preset}&liste=1&filtres=0"
          title="Carte des formations" width="100%" height="300" allow="geolocation" loading="lazy"
          style="border:0"></iframe>
        <script src="{server.url}/static/embed-resize.js" async></script>
        </body></html>"""
    )
    assert urlsplit(url).port != urlsplit(server.url).port
    page.goto(url)
    page.wait_for_function(
        "() => document.getElementById('carte').hasAttribute('data-carte-gen-hauteur')"
    )
    frame = next(f for f in page.frames if f.url.startswith(server.url + "/embed"))
    helpers.wait_ready(frame)
    assert frame.get_attribute("#compte", "data-nombre") == str(expected)
    assert frame.is_hidden("#filtres")
    assert "Sélection" in frame.inner_text("#resume-filtres")
    assert frame.locator("#liste-formations button.formation").count() == min(expected, 50)

    def iframe_height() -> int:
        return int(page.evaluate("document.getElementById('carte').getBoundingClientRect().height"))

    deadline = time.monotonic() + 10
    content = int(frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)"))
    while abs(iframe_height() - content) > 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        content = int(frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)"))
    assert iframe_height() > 300
    assert abs(iframe_height() - content) <= 2

    # a message from anyone but the iframe's window is ignored
    page.evaluate("window.postMessage({type: 'carte-gen:hauteur', hauteur: 4321}, '*')")
    time.sleep(0.3)
    assert abs(iframe_height() - content) <= 2
    assert watched.errors == []
    assert watched.foreign == []


def test_an_embed_out_of_view_starts_all_the_same(watched, server, host_site, helpers):
    """Frames are paused in an iframe out of view: its module does not wait for one for ever
    (it must report the embed's height, and be ready when the visitor scrolls to it)."""
    page = watched.page
    url = host_site.show(
        f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
        <title>Ministère</title></head><body><h1>Site d'un ministère</h1>
        <div style="height: 3000px">Actualités</div>
        <iframe id="carte" data-carte-gen src="{server.url}/embed?liste=1&filtres=0"
          title="Carte des formations" width="100%" height="300" style="border:0"></iframe>
        <script src="{server.url}/static/embed-resize.js" async></script>
        </body></html>"""
    )
    page.goto(url)
    page.wait_for_function(
        "() => document.getElementById('carte').hasAttribute('data-carte-gen-hauteur')"
    )
    frame = next(f for f in page.frames if f.url.startswith(server.url + "/embed"))
    helpers.wait_ready(frame)
    top = page.evaluate("document.getElementById('carte').getBoundingClientRect().top")
    assert top > page.viewport_size["height"]  # still out of view
    assert watched.errors == []


def test_embed_hides_list_and_filters_on_request(watched, server, helpers):
    page = watched.page
    page.goto(server.url + "/embed?liste=0&filtres=0&modalite=distanciel")
    helpers.wait_ready(page)
    assert page.is_hidden("#filtres")
    assert page.locator("#panneau-liste").count() == 0
    assert page.get_attribute("#compte", "data-nombre") == str(server.count("modalite=distanciel"))
    assert parse_qs(query_of(page)) == {
        "modalite": ["distanciel"],
        "liste": ["0"],
        "filtres": ["0"],
    }


def test_embed_dialog_builds_the_snippet_of_the_current_view(watched, server, helpers):
    page = watched.page
    page.goto(server.url + "/?type_structure=entreprise&duree_max=12")
    helpers.wait_ready(page)
    page.click("#ouvrir-integrer")
    assert page.evaluate("document.getElementById('dialogue-integrer').open")
    snippet = page.input_value("#extrait-integrer")
    assert snippet.startswith("<iframe ")
    assert f'src="{server.url}/embed?type_structure=entreprise&amp;duree_max=12' in snippet
    for attribute in ('title="', 'allow="geolocation', 'loading="lazy"', 'width="', 'height="'):
        assert attribute in snippet
    assert f'<script src="{server.url}/static/embed-resize.js" async=""></script>' in snippet
    page.uncheck("#integrer-liste")
    assert "liste=0" in page.input_value("#extrait-integrer")
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('dialogue-integrer').open")
    assert page.evaluate("document.activeElement.id") == "ouvrir-integrer"


def test_data_values_are_shown_as_text_never_as_html(watched, xss_server, helpers):
    page = watched.page
    page.goto(xss_server.url + "/")
    helpers.wait_ready(page)
    titles = page.eval_on_selector_all(
        "#liste-formations .titre", "els => els.map(e => e.textContent)"
    )
    assert titles == [helpers.XSS] * 3
    page.click("#liste-formations button.formation >> nth=0")
    page.wait_for_selector(".leaflet-popup .popup-formation")
    popup = page.inner_text(".leaflet-popup .popup-formation")
    assert helpers.XSS in popup
    assert '"><script>alert(2)</script>' in popup
    assert page.locator('.leaflet-popup a[href^="javascript:"]').count() == 0
    assert page.locator('img[src="x"]').count() == 0
    # Only the page's own inline scripts (the one folding the filters on phones, the start-up
    # and Folium's), which the CSP allows by their hash, and the start-up's data: none came
    # from the data.
    with urllib.request.urlopen(xss_server.url + "/") as answer:
        sent = INLINE_SCRIPT.findall(answer.read().decode())
    assert page.locator('script:not([src]):not([type="application/json"])').count() == 3
    assert len(sent) == 3
    assert page.locator('script[type="application/json"]').count() == 1
    page.fill("#f-q", "img src")
    page.wait_for_function(
        "() => document.getElementById('compte').getAttribute('data-nombre') === '3'"
    )
    time.sleep(0.3)
    assert watched.dialogs == []
    assert page.locator('img[src="x"]').count() == 0


# ------------------------------------------------------------------ clusters and places

MARKERS_IN_VIEW = """() => {
    const box = window.carteGen.application.carte.getContainer().getBoundingClientRect();
    const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
    return [...document.querySelectorAll('.leaflet-marker-icon')].map(e => {
        const r = e.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        const inside = x >= box.left && x <= box.right && y >= box.top && y <= box.bottom;
        const top = document.elementFromPoint(x, y);
        return {
            cluster: e.classList.contains('grappe'),
            place: e.classList.contains('grappe-lieu'),
            count: e.classList.contains('grappe') ? parseInt(e.textContent, 10) : 1,
            inside, atCentre: Math.abs(x - cx) < 4 && Math.abs(y - cy) < 4,
            clickable: top !== null && e.contains(top),
            label: e.getAttribute('aria-label'),
        };
    });
}"""


def zoom_of(page) -> float:
    return float(page.evaluate("window.carteGen.application.carte.getZoom()"))


def wait_settled(page) -> None:
    """Wait for the end of a zoom or pan animation (the layer redraws on moveend)."""
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim')")
    time.sleep(0.3)


def test_clicking_a_cluster_zooms_in_and_splits_it(watched, server, helpers):
    page = watched.page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    markers = page.evaluate(MARKERS_IN_VIEW)
    clusters = [
        (i, m) for i, m in enumerate(markers) if m["cluster"] and m["inside"] and m["clickable"]
    ]
    assert clusters, "the whole of France at 1,000 trainings shows clusters"
    for m in (m for _, m in clusters):
        assert m["label"] == f"{m['count']} formations ici : zoomer pour les voir"
    index, biggest = max(clusters, key=lambda c: c[1]["count"])
    before = zoom_of(page)
    page.locator(".leaflet-marker-icon").nth(index).click()
    page.wait_for_function("z => window.carteGen.application.carte.getZoom() > z", arg=before)
    wait_settled(page)
    after = page.evaluate(MARKERS_IN_VIEW)
    inside = [m for m in after if m["inside"]]
    assert not any(m["atCentre"] and m["count"] == biggest["count"] for m in after)
    assert len(inside) >= 2
    assert sum(m["count"] for m in inside) >= biggest["count"]

    # the keyboard does the same: Enter on a focused cluster
    page.locator(".grappe:not(.grappe-lieu)").first.focus()
    level = zoom_of(page)
    page.keyboard.press("Enter")
    page.wait_for_function("z => window.carteGen.application.carte.getZoom() > z", arg=level)
    wait_settled(page)  # a view set during Leaflet's zoom animation is undone by its end

    # and everything still adds up to the API's count once the map shows every result
    assert helpers.show_everything(page, server.count("")) == server.count("")
    assert watched.errors == []


def test_trainings_at_the_same_place_are_listed_and_each_opens(watched, server, helpers):
    page = watched.page
    features = server.get_json("/api/formations")["features"]
    places: dict[tuple[float, float], list[str]] = {}
    for feature in features:
        places.setdefault(tuple(feature["geometry"]["coordinates"]), []).append(feature["id"])
    (lon, lat), _ = max(places.items(), key=lambda p: len(p[1]))
    query = f"lat={lat}&lon={lon}&rayon_km=0.001"
    expected = server.ids(query)
    assert len(expected) >= 2
    page.goto(server.url + "/?" + query)
    helpers.wait_ready(page)
    place = page.locator(".grappe-lieu")
    assert place.count() == 1
    assert place.inner_text() == str(len(expected))
    assert place.get_attribute("aria-label") == (
        f"{len(expected)} formations à cet endroit : voir leur liste"
    )
    place.click()
    page.wait_for_selector(".leaflet-popup .popup-grappe")
    assert page.evaluate("document.activeElement.classList.contains('popup-grappe')")
    listed = page.eval_on_selector_all(
        ".popup-grappe button.formation-grappe", "els => els.map(e => e.dataset.id)"
    )
    assert listed == expected
    page.locator(".popup-grappe button.formation-grappe").nth(1).click()
    page.wait_for_selector(".leaflet-popup .popup-formation")
    assert page.evaluate("document.activeElement.classList.contains('popup-formation')")
    title = page.inner_text(".leaflet-popup .popup-formation .popup-titre")
    assert title == server.get_json(f"/api/formations/{expected[1]}")["properties"]["intitule"]
    page.keyboard.press("Escape")
    page.wait_for_selector(".leaflet-popup", state="detached")
    assert page.evaluate("document.activeElement.classList.contains('grappe-lieu')")
    assert watched.errors == []


def test_list_opens_a_popup_of_a_training_inside_a_cluster(watched, server, helpers):
    page = watched.page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    # at the whole-France view, a training of the list that is inside a cluster, not drawn alone
    rank = page.evaluate(
        """() => {
            const app = window.carteGen.application;
            const alone = r => app.grappes.marqueurAffiche(r) !== null;
            return app.resultats.slice(0, 50).findIndex(r => !alone(r));
        }"""
    )
    assert rank >= 0
    button = page.locator("#liste-formations button.formation").nth(rank)
    wanted = button.get_attribute("data-id")
    before = zoom_of(page)
    button.click()
    page.wait_for_selector(".leaflet-popup .popup-formation")
    assert zoom_of(page) > before
    assert page.evaluate("document.activeElement.classList.contains('popup-formation')")
    title = page.inner_text(".leaflet-popup .popup-titre")
    assert title == server.get_json(f"/api/formations/{wanted}")["properties"]["intitule"]
    page.keyboard.press("Escape")
    page.wait_for_selector(".leaflet-popup", state="detached")
    assert page.evaluate("document.activeElement.dataset.id") == wanted
    assert watched.errors == []


# ------------------------------------------------------------------ « Autour de moi »

LYON = {"latitude": 45.764043, "longitude": 4.835659}


def test_around_me_uses_the_browser_position(open_page, server, helpers):
    watched = open_page(geolocation=LYON, permissions=["geolocation"])
    page = watched.page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    page.click("#autour-de-moi")
    page.wait_for_function("() => new URLSearchParams(location.search).has('lat')")
    params = parse_qs(query_of(page))
    # rounded to about a kilometre: the address, shared and logged, never says where one stands
    assert (params["lat"], params["lon"]) == (["45.76"], ["4.84"])
    assert params["rayon_km"] == ["20"]  # the radius chosen in the form by default
    count = expect_consistent(page, server, helpers, query_of(page))
    assert count > 0
    assert page.inner_text("#position-active").startswith("Autour de votre position (à 1 km près)")
    assert page.inner_text("#statut-position") == ""
    distances = page.eval_on_selector_all(
        "#liste-formations .distance", "els => els.map(e => e.textContent)"
    )
    assert len(distances) == min(count, 50)
    page.click("#oublier-position")
    expect_consistent(page, server, helpers, "")
    assert watched.errors == []


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("lat=45.76&lon=4.84&rayon_km=20", "Autour de Lyon, dans un rayon de 20 km"),
        ("lat=46&lon=-8", "Autour de la position 46, -8, sans limite de distance"),  # at sea
    ],
)
def test_a_shared_search_point_is_named_after_its_commune(open_page, server, helpers, query, named):
    """A reloaded or shared address holds coordinates only: the page names their commune."""
    watched = open_page()
    page = watched.page
    page.goto(server.url + "/?" + query)
    helpers.wait_ready(page)
    page.wait_for_function(
        "t => document.getElementById('position-active').textContent === t", arg=named
    )
    summary = page.inner_text("#resume-filtres")
    assert named.replace("Autour de", "près de").split(",")[0] in summary
    assert query_of(page) == query  # naming it changes no search
    assert watched.errors == []


def test_around_me_refused_says_what_to_do(open_page, server, helpers):
    watched = open_page()  # no geolocation permission: the browser refuses
    page = watched.page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    page.click("#autour-de-moi")
    page.wait_for_function(
        "() => document.getElementById('statut-position').textContent.startsWith('Position')"
    )
    assert page.inner_text("#statut-position") == (
        "Position indisponible : autorisez la géolocalisation ou choisissez une commune."
    )
    assert "lat=" not in query_of(page)


# ------------------------------------------------------------------ phone


def test_phone_list_is_a_keyboard_drawer_closed_by_escape(open_page, server, helpers):
    watched = open_page(viewport={"width": 390, "height": 844}, has_touch=True)
    page = watched.page
    page.goto(server.url + "/")
    helpers.wait_ready(page)
    toggle = page.locator("#basculer-liste")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.is_hidden("#panneau-liste")
    total = server.count("")
    assert toggle.inner_text() == f"Afficher la liste ({total:,})".replace(",", "\u202f")

    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "basculer-liste":
            break
    else:
        raise AssertionError("Tab never reached the list toggle")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.body.classList.contains('tiroir-ouvert')")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.is_visible("#panneau-liste")
    assert page.evaluate("document.activeElement.id") == "liste-titre"

    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.dataset.id")
    assert first == server.ids("")[0]
    page.keyboard.press("ArrowDown")
    second = page.evaluate("document.activeElement.dataset.id")
    assert second == server.ids("")[1]
    page.keyboard.press("Enter")  # the drawer steps aside for the popup
    page.wait_for_selector(".leaflet-popup .popup-formation")
    assert toggle.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Escape")  # closes the popup: back to the drawer, on the same training
    page.wait_for_selector(".leaflet-popup", state="detached")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.dataset.id") == second

    page.keyboard.press("Escape")  # closes the drawer, focus back on its toggle
    page.wait_for_function("() => !document.body.classList.contains('tiroir-ouvert')")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "basculer-liste"
    page.wait_for_selector("#panneau-liste", state="hidden")
    assert watched.errors == []
