"""Assemble the Folium map of the page and render it into parts for our page template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import folium
from branca.element import Figure
from markupsafe import Markup

from app.bundle import PageScripts, classic_scripts
from app.columns import FILTER_LABELS, ISO_DATE_PATTERN, YES_NO_VALUES, yes_no_code
from app.dependencies import CODE_VALUES, FormationQuery
from app.filters import FACET_FIELDS, MAX_MULTI_VALUES, YES_NO_FIELDS
from app.map.elements import (
    CarteGenApp,
    CarteMap,
    Demarrage,
    Grappes,
    Localisation,
    PleinEcran,
    links,
)
from app.map.fiche import fiche_config
from app.map.icones import MARQUEUR_ANCRE_PX, MARQUEUR_PX, TAILLES_GRAPPES
from app.map.premiers import ETENDUE, RAYON_PX, ZOOM_MAX
from app.pistes import pistes_config
from app.settings import Basemap
from geo.schema import (
    MODALITE_LABELS,
    NIVEAU_LABELS,
    OUI_NON_LABELS,
    PRECISION_LABELS,
    PUBLIC_VISE_LABELS,
    TYPE_STRUCTURE_LABELS,
)

#: Query parameters of a page that set how it looks, not what it shows (``/embed``'s): with
#: nothing else in its query string, a page shows every training.
PARAMETRES_AFFICHAGE: Final = ("liste", "filtres")
#: The screens laid out as a phone's (``static/carte.css`` and the page's modules use the same).
MEDIA_TELEPHONE: Final = "(max-width: 800px)"
#: Metropolitan France ([[south, west], [north, east]]), the view when no filter is set.
VUE_METROPOLE: tuple[tuple[float, float], tuple[float, float]] = ((41.3, -5.2), (51.1, 9.6))


@dataclass(frozen=True, slots=True)
class FondDeCarte:
    """A basemap: tile URL template, attribution (our constant HTML), zoom range, host."""

    url: str
    attribution: str
    max_zoom: int
    origine: str


FONDS_DE_CARTE: dict[Basemap, FondDeCarte] = {
    Basemap.PLAN_IGN: FondDeCarte(
        url=(
            "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM"
            "&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
        ),
        attribution="© IGN – Plan IGN v2",
        max_zoom=19,
        origine="https://data.geopf.fr",
    ),
    Basemap.OSM: FondDeCarte(
        url="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        attribution=(
            '© <a href="https://www.openstreetmap.org/copyright">'
            "les contributeurs d’OpenStreetMap</a>"
        ),
        max_zoom=19,
        origine="https://tile.openstreetmap.org",
    ),
}


@dataclass(frozen=True, slots=True)
class CarteRendue:
    """The rendered map, split for the page template: ``<head>`` links, container, script."""

    header: Markup
    html: Markup
    startup: Markup  # the start-up's data and script, for the end of the body
    script: Markup


def _query_field(name: str) -> dict[str, Any]:
    """Return the JSON schema of a query parameter of the API (its non-null branch)."""
    field: dict[str, Any] = FormationQuery.model_json_schema()["properties"][name]
    return next(b for b in field.get("anyOf", [field]) if b.get("type") != "null")


def _bounds(name: str) -> dict[str, float]:
    """Limits of a numeric query parameter, named as ``static/js/filtres.js`` reads them."""
    field = _query_field(name)
    names = {"minimum": "minimum", "maximum": "maximum", "exclusiveMinimum": "minimum_exclu"}
    return {ours: field[theirs] for theirs, ours in names.items() if theirs in field}


def filter_rules() -> dict[str, Any]:
    """Limits and allowed values of the search parameters, from the API's query model.

    The page reads a query string with these (``static/js/filtres.js``), so a limit changed
    in :class:`~app.dependencies.FormationQuery` changes the page too.
    """
    return {
        "facettes": list(FACET_FIELDS),
        "valeurs": {name: list(values) for name, values in CODE_VALUES.items()},
        "valeurs_max": MAX_MULTI_VALUES,
        "oui_non": list(YES_NO_FIELDS),
        "valeurs_oui_non": dict(YES_NO_VALUES),
        "motif_date": ISO_DATE_PATTERN,
        "bornes": {
            name: _bounds(name) for name in ("duree_min", "duree_max", "lat", "lon", "rayon_km")
        },
        "longueurs_max": {name: _query_field(name)["maxLength"] for name in ("q", "bbox")},
        "motifs": {
            name: field["pattern"]
            for name in FormationQuery.model_fields
            if "pattern" in (field := _query_field(name))
        },
    }


def client_config(
    *,
    mode: str,
    donnees_url: str,
    afficher_liste: bool,
    afficher_filtres: bool,
    url_publique: str | None,
) -> dict[str, Any]:
    """JSON configuration handed to ``/static/carte.js`` (labels come from ``geo.schema``)."""
    return {
        "mode": mode,
        "donnees_url": donnees_url,
        "api_url": "/api/formations",
        "communes_url": "/api/communes",
        "commune_position_url": "/api/communes/position",
        "embed_url": "/embed",
        "page_url": "/",
        "resize_script_url": "/static/embed-resize.js",
        "url_publique": url_publique,
        "afficher_liste": afficher_liste,
        "afficher_filtres": afficher_filtres,
        "vue_metropole": VUE_METROPOLE,
        "parametres_affichage": list(PARAMETRES_AFFICHAGE),
        "regles": filter_rules(),
        "pistes": pistes_config(),
        "libelles": {
            "type_structure": {str(k): v for k, v in TYPE_STRUCTURE_LABELS.items()},
            "modalite": {str(k): v for k, v in MODALITE_LABELS.items()},
            "precision": {str(k): v for k, v in PRECISION_LABELS.items()},
            "niveau_sortie": {str(k): v for k, v in NIVEAU_LABELS.items()},
            "public_vise": {str(k): v for k, v in PUBLIC_VISE_LABELS.items()},
            "oui_non": {yes_no_code(k): v for k, v in OUI_NON_LABELS.items()},
            "filtres": dict(FILTER_LABELS),
        },
        "fiche": fiche_config(),
    }


def build_map(
    basemap: Basemap,
    config: dict[str, Any],
    scripts: PageScripts,
    *,
    icones: dict[str, str],
    premiers: dict[str, list[list[Any]]] | None = None,
) -> CarteMap:
    """Build the Folium map: cluster layer, basemap, locate and fullscreen controls, our client.

    ``icones`` are the structure types' marker icons; ``premiers`` the first markers the page
    draws at once when no filter is set (:mod:`app.map.premiers`), before Leaflet, which its
    start-up (:class:`Demarrage`) loads after them with the other classic scripts.
    """
    fond = FONDS_DE_CARTE[basemap]
    carte = CarteMap(
        location=[46.6, 2.4],
        zoom_start=6,
        tiles=None,
        control_scale=True,
        vue_initiale=VUE_METROPOLE,
    )
    # The cluster layer comes first, so that its first markers are drawn before the tiles
    # are even asked for (panes, not this order, put the markers above the tiles).
    grappes = Grappes(
        rayon_px=RAYON_PX,
        zoom_max=ZOOM_MAX,
        etendue=ETENDUE,
        icones=icones,
        icone={"taille": MARQUEUR_PX, "ancre": MARQUEUR_ANCRE_PX},
        tailles=TAILLES_GRAPPES,
    )
    grappes.add_to(carte)
    # Its layer right after the map's container; its preloads in the head before the data's
    # and the module's (CarteGenApp's).
    Demarrage(
        carte,
        grappes,
        source=scripts.startup,
        # The elements' own files, or the file joined from them in their order (app.bundle).
        scripts=[scripts.classic] if scripts.classic is not None else classic_scripts(),
        premiers=premiers,
        affichage=PARAMETRES_AFFICHAGE,
    ).add_to(carte)
    folium.TileLayer(
        tiles=fond.url,
        attr=fond.attribution,
        name="fond",
        max_zoom=fond.max_zoom,
        subdomains="",
    ).add_to(carte)
    localisation = Localisation(
        # folium renders these options with tojson, not camelized: Leaflet.Locate's own names.
        position="topleft",
        flyTo=False,
        showPopup=False,
        strings={"title": "Me localiser (formations près de moi)"},
        locateOptions={"watch": False, "enableHighAccuracy": False, "maxZoom": 11},
    )
    localisation.add_to(carte)
    plein_ecran = PleinEcran(
        position="topleft",
        title="Afficher la carte en plein écran",
        title_cancel="Quitter le plein écran",
    )
    plein_ecran.add_to(carte)
    application = CarteGenApp(
        grappes=grappes,
        localisation=localisation,
        config=config,
        entree=scripts.entry,
        preloads=scripts.preloads,
    )
    application.add_to(carte)
    # The start-up runs the classic scripts: none in the head. The style sheets stay there: the
    # elements' own files, or the file joined from them in their order (app.bundle), linked
    # by the map, first of the elements.
    elements = (carte, grappes, localisation, plein_ecran, application)
    for element in elements:
        element.default_js = links()
    if scripts.styles is not None:
        for element in elements:
            element.default_css = links()
        carte.default_css = links(("carte_gen_default_css", scripts.styles))
    return carte


def render_map(carte: folium.Map) -> CarteRendue:
    """Render the map's figure and return its header, html and script parts separately.

    The start-up (:class:`Demarrage`) comes apart, for the end of the body; the script is
    handed to it, to run once Leaflet and the other classic scripts have run.
    """
    figure = carte.get_root()
    assert isinstance(figure, Figure)
    figure.header._children.pop("meta_http", None)  # the page template declares its charset
    figure.render()
    (demarrage,) = (c for c in carte._children.values() if isinstance(c, Demarrage))
    # Run by the start-up once the classic scripts are here (static/demarrage.js).
    script = "window.carteGenDemarrage.carte(function () {\n" + figure.script.render() + "\n});"
    return CarteRendue(
        header=Markup(figure.header.render()),
        html=Markup(figure.html.render()),
        startup=Markup(demarrage.startup()),
        script=Markup(script),
    )
