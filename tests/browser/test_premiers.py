"""First markers: drawn before Leaflet and the data arrive, then the same from the index.

The classic scripts or the map data are held back by the test (Playwright keeps their requests
unanswered) so that the page is caught between one set of first markers and the next: nothing
races a clock.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from app.map.builder import MEDIA_TELEPHONE, PARAMETRES_AFFICHAGE
from app.routers.pages import embed
from tests.browser.conftest import Server, wait_ready, watch
from tests.browser.test_journey import SIZES

pytestmark = pytest.mark.browser

DONNEES = "**/carte/donnees.json*"
#: The page's entry module (its hashed URL).
MODULE = re.compile(r"/carte\.js$")
STATIC = Path(__file__).resolve().parents[2] / "static"

#: What a visitor sees of each marker: kind, count or icon, and place on the map (pixels).
MARQUEURS = """() => Array.from(
        document.querySelectorAll('.leaflet-marker-pane .leaflet-marker-icon')
    ).map(e => [
        Array.from(e.classList).filter(c => c !== 'leaflet-interactive').sort().join(' '),
        e.textContent,
        e.getAttribute('src') || '',
        e.style.transform
    ]).sort()"""
INTERACTIFS = "() => document.querySelectorAll('.leaflet-marker-pane .leaflet-interactive').length"
#: The classic scripts the start-up runs: joined (``dist/scripts.js``) or the elements' own.
SCRIPTS_CLASSIQUES = re.compile(r"/(?:dist/scripts\.js|vendor/.+\.js|grappes\.js)$")
#: Every marker in view as a visitor sees it: as :data:`MARQUEURS` says, and its box in the
#: map's (pixels: the page around the map may change as its script starts).
VUS = """(selecteur) => Array.from(document.querySelectorAll(selecteur)).map(e => {
        const b = e.getBoundingClientRect();
        const carte = document.querySelector('.carte-gen-carte').getBoundingClientRect();
        const r = { left: b.left - carte.left, top: b.top - carte.top,
                    width: b.width, height: b.height };
        return [
            Array.from(e.classList).filter(c => c !== 'leaflet-interactive').sort().join(' '),
            e.textContent, e.getAttribute('src') || '', e.style.transform, e.style.zIndex,
            [r.left, r.top, r.width, r.height].map(v => Math.round(v * 100) / 100)
        ];
    }).sort()"""
PREDESSINES = "#carte-gen-premiers .leaflet-marker-icon"
#: The map's box in the page.
CADRE = "() => document.querySelector('.carte-gen-carte').getBoundingClientRect().toJSON()"


def hold(page: Any) -> list[Any]:
    """Keep every request for the map data unanswered; return them to let them go later."""
    held: list[Any] = []
    page.route(DONNEES, lambda route: held.append(route))
    return held


def wait_for_the_failure_words(page: Any) -> None:
    """Wait for the result count to say that the trainings could not be loaded."""
    echec = page.get_attribute("#compte", "data-echec")
    assert echec and "pas pu être chargées" in echec
    page.wait_for_function(
        "(texte) => document.getElementById('compte').textContent === texte", arg=echec
    )


@SIZES
@pytest.mark.parametrize("path", ["/", "/embed?liste=0&filtres=1"], ids=["page", "embed"])
def test_first_markers_come_before_the_data_and_stay_as_they_are(
    path: str, size: dict[str, Any], server: Server, browser: Any
) -> None:
    context, watched = watch(browser, **size)
    try:
        page = watched.page
        held = hold(page)
        page.goto(server.url + path)
        page.wait_for_function("() => window.carteGenDepart !== undefined")
        first = page.evaluate(MARQUEURS)
        assert first, "no first markers while the data is on its way"
        assert held, "the data was not asked for"
        assert page.evaluate(INTERACTIFS) == 0  # no behaviour until the trainings are there
        page.wait_for_function("() => window.carteGen !== undefined")  # the module, imported
        assert page.evaluate("window.carteGen.pret") is False
        zoom = page.evaluate("window.carteGenDepart.carte.getZoom()")
        for route in held:
            page.unroute(DONNEES)
            route.continue_()
        wait_ready(page)
        assert page.evaluate("window.carteGenDepart.carte.getZoom()") == zoom
        # The page's own index draws the very same markers, now with their behaviour.
        assert page.evaluate(MARQUEURS) == first
        assert page.evaluate(INTERACTIFS) == len(first)
        assert watched.errors == []
    finally:
        context.close()


@SIZES
@pytest.mark.parametrize("path", ["/", "/embed?liste=0&filtres=1"], ids=["page", "embed"])
def test_first_markers_come_before_leaflet_where_leaflet_draws_them(
    path: str, size: dict[str, Any], server: Server, browser: Any
) -> None:
    """The start-up draws them while Leaflet is on its way; Leaflet's are the same, in place."""
    context, watched = watch(browser, **size)
    try:
        page = watched.page
        held_scripts: list[Any] = []
        page.route(SCRIPTS_CLASSIQUES, lambda route: held_scripts.append(route))
        held_data = hold(page)
        page.goto(server.url + path, wait_until="commit")  # its load waits for the scripts
        page.wait_for_function("() => window.carteGenDemarrage !== undefined")
        assert held_scripts, "the classic scripts were not asked for"
        before = page.evaluate(VUS, PREDESSINES)
        assert before, "no first markers before Leaflet"
        box = page.evaluate(CADRE)
        assert page.evaluate("window.carteGenDemarrage.dessines") == len(before)
        assert page.evaluate("typeof window.L") == "undefined"
        page.wait_for_function(  # the start-up asks for them to run, after the frame
            "() => document.querySelectorAll('script[src]').length > 0"
        )
        for route in held_scripts:
            route.continue_()
        page.unroute(SCRIPTS_CLASSIQUES)
        page.wait_for_function("() => window.carteGenDepart !== undefined")
        assert page.locator("#carte-gen-premiers").count() == 0  # taken away by Leaflet's
        assert page.evaluate(VUS, ".leaflet-marker-pane .leaflet-marker-icon") == before
        for route in held_data:
            page.unroute(DONNEES)
            route.continue_()
        wait_ready(page)
        assert page.evaluate(MARQUEURS)
        assert page.evaluate(CADRE) == box  # nothing the page script writes moves the map
        assert watched.errors == []
    finally:
        context.close()


def test_the_start_up_fits_the_first_view_as_leaflet_does(server: Server, browser: Any) -> None:
    """Zoom, pixel origin and projection, for containers of every size from an embed's up."""
    context, watched = watch(browser)
    try:
        page = watched.page
        page.goto(server.url + "/")
        wait_ready(page)
        differences = page.evaluate(
            """() => {
                const d = window.carteGenDemarrage;
                const donnees = JSON.parse(
                    document.getElementById('carte-gen-demarrage').textContent);
                const differences = [];
                const hauteurs = [150, 233, 420, 521, 700, 844, 1080, 1599];
                for (let largeur = 200; largeur <= 2600; largeur += 37) {
                    for (const hauteur of hauteurs) {
                        const div = document.createElement('div');
                        div.style.cssText = `position:absolute;left:-9999px;top:0;`
                            + `width:${largeur}px;height:${hauteur}px`;
                        document.body.appendChild(div);
                        const carte = L.map(div, { center: donnees.centre, zoom: donnees.zoom });
                        carte.fitBounds(donnees.vue, { animate: false });
                        const attendu = carte.getPixelBounds().min;
                        const vue = d.vue(
                            largeur, hauteur, donnees.centre, donnees.zoom, donnees.vue);
                        if (vue.zoom !== carte.getZoom() || vue.origine[0] !== attendu.x
                            || vue.origine[1] !== attendu.y) {
                            differences.push([largeur, hauteur, vue, carte.getZoom(), attendu]);
                        }
                        for (const [lon, lat] of [[2.35, 48.85], [-61.5, 16.2], [55.5, -21.1],
                                                  [9.45, 42.7], [-4.48, 48.39], [179.9, -85.1]]) {
                            const p = carte.project([lat, lon]);
                            const q = d.projeter(lat, lon, carte.getZoom());
                            if (p.x !== q[0] || p.y !== q[1]) {
                                differences.push([largeur, hauteur, lon, lat, p, q]);
                            }
                        }
                        carte.remove();
                        div.remove();
                    }
                }
                return differences;
            }"""
        )
        assert differences == []
        assert watched.errors == []
    finally:
        context.close()


def test_scripts_that_cannot_be_loaded_say_so(server: Server, browser: Any) -> None:
    """Without Leaflet no map: the first markers go, the count says the trainings failed."""
    context, watched = watch(browser)
    try:
        page = watched.page
        page.route(SCRIPTS_CLASSIQUES, lambda route: route.fulfill(status=503, body="non"))
        page.goto(server.url + "/")
        wait_for_the_failure_words(page)
        assert page.locator("#carte-gen-premiers").count() == 0
        assert page.evaluate("window.carteGenDepart") is None
    finally:
        context.close()


@pytest.mark.parametrize("query", ["?type=ecole", "?q=web&liste=0", "?region="])
def test_a_filtered_page_waits_for_its_own_markers(
    query: str, server: Server, browser: Any
) -> None:
    """The first markers show every training: never drawn for a page that filters them."""
    context, watched = watch(browser)
    try:
        page = watched.page
        held = hold(page)
        page.goto(server.url + "/" + query)
        page.wait_for_function("() => window.carteGenDepart !== undefined")
        assert page.evaluate("window.carteGenDemarrage.dessines") == 0
        assert page.evaluate(MARQUEURS) == []
        for route in held:
            page.unroute(DONNEES)
            route.continue_()
        wait_ready(page)
        assert page.evaluate(MARQUEURS)
        assert watched.errors == []
    finally:
        context.close()


def test_first_markers_go_when_the_data_cannot_be_loaded(server: Server, browser: Any) -> None:
    """Markers without trainings behind them are not left on a map that says it failed."""
    context, watched = watch(browser)
    try:
        page = watched.page
        held = hold(page)
        page.goto(server.url + "/")
        page.wait_for_function("() => window.carteGenDepart !== undefined")
        assert page.evaluate(MARQUEURS)
        for route in held:
            page.unroute(DONNEES)
            route.fulfill(status=503, body="indisponible")
        wait_for_the_failure_words(page)
        assert page.evaluate(MARQUEURS) == []
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_the_module_is_asked_for_once_at_low_priority(
    path: str, server: Server, browser: Any
) -> None:
    """The head preloads the module at low priority; the import after the first markers takes
    that very response (a second request would go at high priority)."""
    context, watched = watch(browser)
    try:
        page = watched.page
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        asked: list[tuple[str, str]] = []

        def on_request(event: dict[str, Any]) -> None:
            asked.append((event["request"]["url"], event["request"]["initialPriority"]))

        cdp.on("Network.requestWillBeSent", on_request)
        page.goto(server.url + path)
        wait_ready(page)
        entree = page.evaluate("document.getElementById('carte-gen-entree').href")
        assert [(url, priority) for url, priority in asked if url == entree] == [(entree, "Low")]
        assert [url for url, _ in asked if url.endswith("carte.js")] == [entree]
        assert watched.errors == []
    finally:
        context.close()


def test_a_module_that_cannot_be_loaded_says_so(server: Server, browser: Any) -> None:
    """The import's failure leaves the same words as the data's, not « Chargement… » for ever."""
    context, watched = watch(browser)
    try:
        page = watched.page
        page.route(MODULE, lambda route: route.abort())
        page.goto(server.url + "/")
        wait_for_the_failure_words(page)
    finally:
        context.close()


@SIZES
@pytest.mark.parametrize("path", ["/", "/embed"])
def test_the_session_date_field_is_made_by_the_page_script(
    path: str, size: dict[str, Any], server: Server, browser: Any
) -> None:
    """The page builds no date field before its first markers (about 3 ms for a field of a
    closed block); the module makes it one, with its name, bounds and label."""
    context, watched = watch(browser, **size)
    try:
        page = watched.page
        held: list[Any] = []
        page.route(MODULE, lambda route: held.append(route))
        page.goto(server.url + path)
        page.wait_for_function("() => window.carteGenDepart !== undefined")
        assert page.evaluate("document.querySelectorAll('input[type=date]').length") == 0
        assert page.get_attribute("#f-session-avant", "type") == "text"
        assert held, "the module was not asked for"  # preloaded by the head
        page.unroute(MODULE)
        for route in held:
            route.continue_()
        wait_ready(page)
        champ = page.evaluate(
            """() => {
                const c = document.querySelector('label[for="f-session-avant"]').control;
                return [c.type, c.name, c.min, c.max, c.hasAttribute('data-champ-date'),
                        document.querySelectorAll('#f-session-avant').length];
            }"""
        )
        assert champ == ["date", "session_avant", "0001-01-01", "9999-12-31", False, 1]
        assert watched.errors == []
    finally:
        context.close()


#: Elements whose style names an SVG image: each one is a document the first frame must build.
IMAGES_SVG_CSS = """() => {
    const proprietes = ['background-image', 'mask-image', '-webkit-mask-image',
        'list-style-image', 'border-image-source', 'content'];
    const trouves = [];
    for (const e of document.querySelectorAll('*')) {
        const style = getComputedStyle(e);
        for (const p of proprietes) {
            const valeur = style.getPropertyValue(p);
            if (/url\\(/.test(valeur) && /svg/i.test(valeur)) {
                trouves.push(e.className + ': ' + p);
            }
        }
    }
    return trouves;
}"""


@pytest.mark.parametrize("path", ["/", "/embed"])
@pytest.mark.parametrize("forced_colors", ["none", "active"])
def test_no_style_draws_with_an_svg_image(
    path: str, forced_colors: str, server: Server, browser: Any
) -> None:
    """The map's buttons draw their icons with gradients, in forced colours too: an SVG image
    in a style sheet is a document of its own, built before the first frame."""
    context, watched = watch(browser)
    try:
        page = watched.page
        page.emulate_media(forced_colors=forced_colors)
        page.goto(server.url + path)
        wait_ready(page)
        assert page.evaluate(IMAGES_SVG_CSS) == []
        for bouton in (".leaflet-control-locate-location-arrow", ".leaflet-fullscreen-icon"):
            dessin = page.eval_on_selector(
                bouton, "e => [getComputedStyle(e).maskImage, getComputedStyle(e).backgroundImage]"
            )
            assert any("gradient(" in image for image in dessin), (bouton, dessin)
        assert watched.errors == []
    finally:
        context.close()


def test_the_page_and_its_styles_agree_on_what_a_phone_is() -> None:
    """The page folds its filters on phones before the map is made, by the styles' breakpoint."""
    layout = (STATIC / "carte.css").read_text(encoding="utf-8")
    assert f"@media {MEDIA_TELEPHONE}" in layout
    queries = {
        query
        for path in sorted((STATIC / "js").glob("*.js"))
        for query in re.findall(r"\(max-width: \d+px\)", path.read_text(encoding="utf-8"))
    }
    assert queries == {MEDIA_TELEPHONE}


def test_the_display_options_are_the_embed_parameters() -> None:
    """A query string of display options only sets no filter: they are ``/embed``'s own."""
    own = set(inspect.signature(embed).parameters) - {"request", "settings", "dataset"}
    assert own == set(PARAMETRES_AFFICHAGE)


def test_the_styles_keep_to_one_type_scale() -> None:
    """Font sizes come from the root's scale and weights are normal or 700: each other size or
    weight would be one more font for the browser to set up before the first frame."""
    styles = (STATIC / "carte.css").read_text(encoding="utf-8")
    racine = re.search(r":root\s*\{(.*?)\}", styles, re.DOTALL)
    assert racine
    echelle = set(re.findall(r"--(taille-[a-z]+)\s*:", racine[1]))
    assert len(echelle) == 3, echelle
    tailles = set(re.findall(r"font-size\s*:\s*([^;}]+?)\s*[;}]", styles))
    pas = {f"var(--{nom})" for nom in echelle}
    assert tailles <= pas | {"1rem", "inherit"}, tailles - pas
    assert tailles >= pas  # no step of the scale unused
    graisses = set(re.findall(r"font-weight\s*:\s*([^;}]+?)\s*[;}]", styles))
    assert graisses <= {"normal", "700"}, graisses
    assert set(re.findall(r"\bfont\s*:\s*([^;}]+?)\s*[;}]", styles)) <= {"inherit"}
