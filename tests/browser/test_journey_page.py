"""The job seeker's journey (issue 12): layout, publisher and about panel, in a real Chromium."""

from __future__ import annotations

import pytest

from tests.browser.test_journey import DESKTOP, PHONE, SIZES, open_filters

pytestmark = pytest.mark.browser


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
    document.querySelectorAll('#filtres details').forEach((d) => { d.open = true; });
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
