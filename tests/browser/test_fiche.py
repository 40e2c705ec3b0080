"""What a job seeker reads on a training (issue 13): sessions, how to apply, certification, level.

Popups and list items in a real Chromium at phone and desktop sizes, on trainings whose
session dates are set around today: the page reads them on the visitor's date, whatever the
build's ``prochaine_session`` said. Also hostile values in every one of these fields, the
no-contact fallback, the popup's size on phones and in a 320 px embed, and axe-core.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.map.fiche import fiche_config
from bench.synthetic import synthetic_collection
from geo.schema import (
    CERTIFICATION_PATTERN,
    CERTIFICATION_URL,
    NIVEAU_LABELS,
    OUI_NON_LABELS,
    PUBLIC_VISE_LABELS,
    Niveau,
    PublicVise,
)
from tests.browser.test_a11y import serious_violations
from tests.browser.test_journey import DESKTOP, PHONE, SIZES
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

MOIS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
HOSTILE = "<img src=x onerror=alert(1)>"
#: Session dates are this far at least from today, so the visitor's time zone cannot matter.
TODAY = date.today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def longue(iso: str) -> str:
    """A date as the page writes it: « 5 janvier 2027 », « 1er mars 2027 »."""
    d = date.fromisoformat(iso)
    return f"{'1er' if d.day == 1 else d.day} {MOIS[d.month - 1]} {d.year}"


NO_CONTACT: dict[str, Any] = {
    "url_candidature": None,
    "contact_email": None,
    "contact_telephone": None,
}
#: Each training's C1 fields (and the few others a case needs), in file (= list) order.
TRAININGS: dict[str, dict[str, Any]] = {
    "complete": {
        "intitule": "Développeur web et web mobile",
        "duree_mois": 6,
        "sessions": [{"debut": day(40), "fin": day(200)}],
        "prochaine_session": day(40),
        "contact_email": "accueil@ecole.invalid",
        "contact_telephone": "0320000000",
        "url_candidature": "https://ecole.invalid/candidater",
        "certification": "RNCP37873",
        "niveau_entree": "4",
        "niveau_sortie": "5",
        "public_vise": ["demandeurs_emploi", "jeunes_moins_26_ans"],
        "alternance": True,
        "nombre_heures": 420,
        "prise_en_charge": False,
    },
    "stale": {
        # built when the first session was ahead; today it runs, and two more are announced
        "sessions": [
            {"debut": day(-30), "fin": day(60)},
            {"debut": day(100), "fin": None},
            {"debut": day(150), "fin": day(300)},
        ],
        "prochaine_session": day(-30),
        **NO_CONTACT,
        "contact_telephone": "+33 1 23 45 67 89",
        "certification": "RS5432",
        "niveau_entree": None,
        "niveau_sortie": None,
        "public_vise": [],
        "alternance": None,
        "nombre_heures": None,
        "prise_en_charge": None,
    },
    "no_contact": {
        "sessions": [],
        "prochaine_session": None,
        **NO_CONTACT,
        "site_web": None,
        "adresse": "12 rue Pasteur",
        "code_postal": "59100",
        "commune": "Roubaix",
        "certification": None,
        "niveau_sortie": None,
    },
    "site_only": {**NO_CONTACT, "site_web": "https://site.invalid/formation"},
    "past": {"sessions": [{"debut": day(-400), "fin": day(-200)}], "prochaine_session": None},
    "next_only": {"sessions": [], "prochaine_session": day(20)},
}
RANK = {name: rank for rank, name in enumerate(TRAININGS)}


def collection(trainings: list[dict[str, Any]], version: str) -> dict[str, Any]:
    """Synthetic trainings with the given properties laid over theirs."""
    base = synthetic_collection(len(trainings), seed=13)
    for feature, values in zip(base["features"], trainings, strict=True):
        feature["properties"].update(values)
    base["metadonnees"]["version"] = version
    return base


def serve(work_dir: Path, name: str, data: dict[str, Any]) -> Iterator[LiveServer]:
    path = work_dir / f"formations-{name}.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    server = LiveServer(path, work_dir, CARTE_GEN_RELOAD_INTERVAL_S="3600")
    server.wait_ready(need_data=True)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fiche_server(work_dir: Path) -> Iterator[LiveServer]:
    """Carte GEN on the trainings of :data:`TRAININGS`."""
    yield from serve(work_dir, "fiche", collection(list(TRAININGS.values()), "fiche"))


#: Every field the popup reads besides the existing ones, empty.
NOTHING: dict[str, Any] = {
    "sessions": [],
    "prochaine_session": None,
    **NO_CONTACT,
    "certification": None,
    "niveau_entree": None,
    "niveau_sortie": None,
    "public_vise": [],
    "alternance": None,
    "nombre_heures": None,
    "prise_en_charge": None,
}
HOSTILE_TRAININGS: list[dict[str, Any]] = [
    {
        **NOTHING,
        "sessions": [
            {"debut": HOSTILE, "fin": HOSTILE},
            {"debut": "2099-01-01", "fin": "javascript:alert(2)"},
            HOSTILE,
        ],
        "prochaine_session": HOSTILE,
        "contact_email": 'a@b.fr"><img src=x onerror=alert(3)>',
        "contact_telephone": "javascript:alert(4)",
        "url_candidature": "javascript:alert(5)",
        "certification": "RNCP1" + HOSTILE,
        "niveau_entree": HOSTILE,
        "niveau_sortie": "__proto__",
        "public_vise": [HOSTILE, "demandeurs_emploi", "constructor"],
        "alternance": HOSTILE,
        "nombre_heures": HOSTILE,
        "prise_en_charge": "true",
        "site_web": "javascript:alert(6)",
    },
    {
        **NOTHING,
        "sessions": HOSTILE,
        "niveau_entree": "0",
        "prise_en_charge": 1,
        "prochaine_session": "2099-02-30",
        "contact_email": "a@b.fr?bcc=tous@x.fr",
        "contact_telephone": "01 23 45 67 89<script>",
        "url_candidature": "JaVaScRiPt:alert(7)",
        "certification": "toString",
        "niveau_sortie": "hasOwnProperty",
        "public_vise": HOSTILE,
        "alternance": {"toString": HOSTILE},
        "nombre_heures": -5,
        "site_web": "data:text/html,<script>alert(8)</script>",
    },
    {
        **NOTHING,
        "sessions": [{"debut": "2099-01-01", "fin": None}],
        "url_candidature": "data:text/html,<script>alert(9)</script>",
        "contact_email": "javascript:alert(10)//@x.fr",
        "contact_telephone": "tel:0123456789",
        "certification": None,
        "site_web": None,
    },
]


@pytest.fixture(scope="module")
def hostile_server(work_dir: Path) -> Iterator[LiveServer]:
    """Carte GEN on trainings whose session, contact, level and public fields are hostile."""
    yield from serve(work_dir, "fiche-hostile", collection(HOSTILE_TRAININGS, "fiche-hostile"))


def open_page_at(open_page: Any, server: LiveServer, size: dict, path: str = "/") -> Any:
    page = open_page(bypass_csp=True, **size).page
    page.goto(server.url + path)
    page.wait_for_function("() => window.carteGen && window.carteGen.pret", timeout=20_000)
    return page


LIST_ITEM = """li => ({
    id: li.querySelector('button.formation').dataset.id,
    sessions: li.querySelector('.sessions')?.textContent ?? null,
    certification: li.querySelector('.certification')?.textContent ?? null,
    actions: Array.from(li.querySelectorAll('.action-formation a'))
        .map(a => [a.textContent, a.getAttribute('href'), a.target]),
})"""

POPUP = """racine => ({
    sessions: Array.from(racine.querySelectorAll('.popup-session')).map(p => p.textContent),
    contact: racine.querySelector('.popup-contact .popup-suite').textContent,
    links: Array.from(racine.querySelectorAll('.popup-contact a'))
        .map(a => [a.textContent, a.getAttribute('href'), a.target]),
    details: Object.fromEntries(Array.from(racine.querySelectorAll('.popup-details dt'))
        .map(dt => [dt.textContent, dt.nextElementSibling.textContent])),
    certification: Array.from(racine.querySelectorAll('.popup-details dd a'))
        .map(a => [a.textContent, a.getAttribute('href'), a.target]),
})"""


def list_item(page: Any, rank: int) -> dict[str, Any]:
    return dict(
        page.locator("#liste-formations li.element-formation").nth(rank).evaluate(LIST_ITEM)
    )


def open_popup(page: Any, rank: int) -> None:
    page.locator("#liste-formations button.formation").nth(rank).dispatch_event("click")
    page.wait_for_selector(".leaflet-popup .popup-formation")


def close_popup(page: Any) -> None:
    # through the button's own handler: a real click can land while the map still pans
    page.dispatch_event(".leaflet-popup-close-button", "click")
    page.wait_for_selector(".leaflet-popup", state="detached")


def popup(page: Any, rank: int) -> dict[str, Any]:
    open_popup(page, rank)
    content = dict(page.locator(".leaflet-popup .popup-formation").evaluate(POPUP))
    close_popup(page)
    return content


def certification_page(code: str) -> str:
    """The France Compétences page of a code, by the schema's rule."""
    match = re.fullmatch(CERTIFICATION_PATTERN, code)
    assert match is not None
    return CERTIFICATION_URL.format(registre=match[1].lower(), numero=match[2])


@SIZES
def test_popup_and_list_show_the_next_session_how_to_apply_the_certification_and_level(
    open_page, fiche_server, size
):
    page = open_page_at(open_page, fiche_server, size)
    rank = RANK["complete"]
    niveau_5 = NIVEAU_LABELS[Niveau.NIVEAU_5]
    item = list_item(page, rank)
    assert item["sessions"] == f"Prochaine session : à partir du {longue(day(40))}"
    assert item["certification"] == f"Certification RNCP37873 · {niveau_5}"
    title = TRAININGS["complete"]["intitule"]
    assert item["actions"] == [
        [f"Candidater : {title} (nouvelle fenêtre)", "https://ecole.invalid/candidater", "_blank"]
    ]

    shown = popup(page, rank)
    assert shown["sessions"] == [f"Prochaine session : à partir du {longue(day(40))}"]
    assert shown["contact"] == "Pour candidater ou vous renseigner :"
    assert shown["links"] == [
        ["Candidater (nouvelle fenêtre)", "https://ecole.invalid/candidater", "_blank"],
        ["Écrire à accueil@ecole.invalid", "mailto:accueil@ecole.invalid", ""],
        ["Appeler le 03 20 00 00 00", "tel:0320000000", ""],
        [
            "Site de la formation (nouvelle fenêtre)",
            "https://formation-1.exemple.invalid/",
            "_blank",
        ],
    ]
    assert shown["certification"] == [
        [
            "RNCP37873, fiche France Compétences (nouvelle fenêtre)",
            certification_page("RNCP37873"),
            "_blank",
        ]
    ]
    details = shown["details"]
    assert details["Niveau à la sortie"] == niveau_5
    assert details["Niveau d’entrée"] == NIVEAU_LABELS[Niveau.NIVEAU_4]
    assert details["Public visé"] == ", ".join(
        PUBLIC_VISE_LABELS[p]
        for p in (PublicVise.DEMANDEURS_EMPLOI, PublicVise.JEUNES_MOINS_26_ANS)
    )
    assert details["Alternance"] == OUI_NON_LABELS[True]
    assert details["Prise en charge des frais"] == OUI_NON_LABELS[False]
    assert details["Durée"] == "6 mois (420 heures)"


def test_the_certification_page_is_the_schemas() -> None:
    assert certification_page("RS5432") == CERTIFICATION_URL.format(registre="rs", numero="5432")
    config = fiche_config()
    assert config["certification"] == {"motif": CERTIFICATION_PATTERN, "url": CERTIFICATION_URL}
    # the node tests of static/js/coordonnees.js use a copy of the rule: it is the schema's
    copy = (Path(__file__).resolve().parents[1] / "js" / "coordonnees.test.js").read_text()
    assert f"'{CERTIFICATION_PATTERN}'" in copy and f"'{CERTIFICATION_URL}'" in copy
    assert config["libelles"]["niveau"] == {str(k): v for k, v in NIVEAU_LABELS.items()}
    assert config["libelles"]["oui_non"] == {"true": "Oui", "false": "Non"}


@SIZES
def test_sessions_are_read_on_the_visitors_date_not_the_builds(open_page, fiche_server, size):
    page = open_page_at(open_page, fiche_server, size)
    stale = popup(page, RANK["stale"])
    assert stale["sessions"] == [
        f"Session en cours jusqu’au {longue(day(60))}",
        f"Sessions à venir : {longue(day(100))} et {longue(day(150))}",
    ]
    item = list_item(page, RANK["stale"])
    assert item["sessions"] == f"Sessions à venir : {longue(day(100))} et {longue(day(150))}"
    assert item["certification"] == "Certification RS5432"
    assert item["actions"] == [
        [
            f"Appeler le +33 1 23 45 67 89 : {item_title(page, RANK['stale'])}",
            "tel:+33123456789",
            "",
        ]
    ]
    assert popup(page, RANK["past"])["sessions"] == ["Aucune session à venir n’est annoncée"]
    # the build's next session stands in only where no session is given
    assert popup(page, RANK["next_only"])["sessions"] == [
        f"Prochaine session : à partir du {longue(day(20))}"
    ]


def item_title(page: Any, rank: int) -> str:
    return str(page.locator("#liste-formations button.formation .titre").nth(rank).text_content())


@SIZES
def test_without_any_contact_the_popup_says_how_to_reach_the_structure(
    open_page, fiche_server, size
):
    page = open_page_at(open_page, fiche_server, size)
    bare = popup(page, RANK["no_contact"])
    assert bare["contact"] == "Contactez la structure : 12 rue Pasteur, 59100 Roubaix"
    assert bare["links"] == []
    assert bare["sessions"] == []
    assert "Certification" not in bare["details"]
    item = list_item(page, RANK["no_contact"])
    assert item["actions"] == [] and item["sessions"] is None and item["certification"] is None
    site = popup(page, RANK["site_only"])
    assert site["contact"] == "Contactez la structure par son site :"
    assert site["links"] == [
        ["Site de la formation (nouvelle fenêtre)", "https://site.invalid/formation", "_blank"]
    ]


@SIZES
def test_hostile_values_in_the_new_fields_stay_text_and_make_no_link(
    open_page, hostile_server, size
):
    watched = open_page(**size)
    page = watched.page
    page.goto(hostile_server.url + "/")
    page.wait_for_function("() => window.carteGen && window.carteGen.pret", timeout=20_000)
    for rank in range(len(HOSTILE_TRAININGS)):
        open_popup(page, rank)
        text = page.inner_text(".leaflet-popup .popup-formation")
        assert "onerror" not in text and "javascript" not in text.lower()
        assert "__proto__" not in text and "hasOwnProperty" not in text and "toString" not in text
        hrefs = page.eval_on_selector_all(
            ".leaflet-popup .popup-formation a[href]", "els => els.map(a => a.getAttribute('href'))"
        )
        assert hrefs == []  # no value of these trainings is a link we would build
        terms = page.eval_on_selector_all(
            ".leaflet-popup .popup-details dt", "els => els.map(e => e.textContent)"
        )
        for unknown in ("Niveau à la sortie", "Niveau d’entrée", "Alternance", "Certification"):
            assert unknown not in terms
        close_popup(page)
    first = popup(page, 0)
    assert first["sessions"] == ["Prochaine session : à partir du 1er janvier 2099"]
    assert first["details"]["Public visé"] == PUBLIC_VISE_LABELS[PublicVise.DEMANDEURS_EMPLOI]
    assert "Prise en charge des frais" not in first["details"]
    assert first["contact"].startswith("Contactez la structure : ")
    assert popup(page, 1)["sessions"] == []
    actions = page.eval_on_selector_all(".action-formation a", "els => els.length")
    assert actions == 0
    assert page.locator('img[src="x"]').count() == 0
    assert watched.dialogs == [] and watched.errors == []


FITS = """() => {
    const map = document.querySelector('.leaflet-container').getBoundingClientRect();
    const popup = document.querySelector('.leaflet-popup').getBoundingClientRect();
    const close = document.querySelector('.leaflet-popup-close-button').getBoundingClientRect();
    const inside = (r) => r.left >= map.left - 1 && r.right <= map.right + 1
        && r.top >= map.top - 1 && r.bottom <= map.bottom + 1;
    return inside(popup) && inside(close);
}"""

SCROLL_TO_END = """racine => {
    racine.scrollTop = racine.scrollHeight;
    const last = racine.lastElementChild.getBoundingClientRect();
    const box = racine.getBoundingClientRect();
    return {
        scrolls: racine.scrollHeight > racine.clientHeight,
        overflow: getComputedStyle(racine).overflowY,
        lastInView: last.bottom <= box.bottom + 1 && last.top >= box.top - 1,
    };
}"""


EMBED_320 = {"viewport": {"width": 320, "height": 568}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize(
    ("size", "path", "compact"),
    [(PHONE, "/", True), (DESKTOP, "/", False), (EMBED_320, "/embed?liste=1", True)],
    ids=["phone", "desktop", "embed-320"],
)
def test_the_richest_popup_stays_within_the_map_and_scrolls(
    open_page, fiche_server, size, path, compact
):
    page = open_page_at(open_page, fiche_server, size, path)
    open_popup(page, RANK["complete"])
    page.wait_for_function(FITS)
    state = page.locator(".leaflet-popup .popup-formation").evaluate(SCROLL_TO_END)
    assert state["overflow"] == "auto"
    assert state["lastInView"]  # the end of a long popup is in reach
    if compact:  # on small screens the popup keeps to part of the map: the rest scrolls
        assert state["scrolls"]
    close_popup(page)


@SIZES
def test_no_serious_violation_with_the_richest_popups_open(open_page, fiche_server, size):
    page = open_page_at(open_page, fiche_server, size)
    for name in ("complete", "stale", "no_contact"):
        open_popup(page, RANK[name])
        assert serious_violations(page) == [], name
        close_popup(page)
