"""Folium elements of the Carte GEN map, with every asset served from our own origin.

Folium's stock classes point at CDNs and load jQuery, Bootstrap, glyphicons, Font Awesome and
awesome-markers that this map never uses; the subclasses below keep their Jinja templates but
declare only the files we serve (``/vendor/<package>/`` from ``node_modules``, ``/static/`` for
ours). Data reach JavaScript through ``tojson`` only.
"""

from __future__ import annotations

from typing import Any, Final

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen, LocateControl
from folium.template import Template

#: URL prefix under which whitelisted ``node_modules/<package>/dist`` folders are served.
VENDOR_PREFIX = "/vendor"
#: URL prefix of our own static files.
STATIC_PREFIX = "/static"


def links(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    """Return a fresh list of ``(name, url)`` asset links, as Folium's ``JSCSSMixin`` reads them."""
    return list(pairs)


def vendor_url(package: str, file: str) -> str:
    """URL of a file of a front-end package's ``dist`` folder, served by the app."""
    return f"{VENDOR_PREFIX}/{package}/{file}"


class CarteMap(folium.Map):
    """A ``folium.Map`` without Folium's CDN assets, inline styles or zoom-forbidding viewport.

    The page template owns the ``<meta name="viewport">`` and the layout; this element renders
    the map container and the ``L.map`` call only.

    With ``vue_initiale`` (``[[south, west], [north, east]]``), the map is fitted to it before
    any layer is added: the tiles and clusters of that view are the first ones drawn, and the
    page script's own fit to the same view changes nothing (without it, the view of
    ``location`` and ``zoom_start`` would load its tiles, then the script's view its own).
    """

    def __init__(
        self,
        *args: Any,
        vue_initiale: tuple[tuple[float, float], tuple[float, float]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.vue_initiale = vue_initiale

    default_js = links(("leaflet", vendor_url("leaflet", "leaflet.js")))
    default_css = links(("leaflet_css", vendor_url("leaflet", "leaflet.css")))

    _template = Template(
        """
        {% macro html(this, kwargs) %}
            <div class="folium-map carte-gen-carte" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.vue_initiale %}
            {{ this.get_name() }}.fitBounds({{ this.vue_initiale|tojson }}, {animate: false});
            {%- endif %}
        {% endmacro %}
        """
    )


class Grappes(JSCSSMixin, MacroElement):
    """The trainings' cluster layer: supercluster (npm) drawn by our ``/static/grappes.js``.

    Only the clusters and points of the current view become Leaflet markers; the page script
    hands it the filtered trainings (``definir``) and makes each point's marker. The layer
    holds the structure types' marker icons (``icones``, URLs), for those markers and the list.

    With ``premiers`` (:func:`app.map.premiers.first_markers`), a page whose query string sets
    nothing but the display options ``affichage`` draws those first markers at once, in this
    inline script, rather than after its own script has fetched and indexed the data.
    """

    default_js = links(
        ("supercluster", vendor_url("supercluster", "supercluster.min.js")),
        ("carte_gen_grappes", f"{STATIC_PREFIX}/grappes.js"),
    )

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.carteGenGrappes(
                {{ this.options|tojson }}
            ).addTo({{ this._parent.get_name() }});
            {%- if this.premiers %}
            if (L.carteGenGrappes.sansFiltre(window.location.search, {{ this.affichage|tojson }})) {
                {{ this.get_name() }}.premiers({{ this.premiers|tojson }});
            }
            {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        rayon_px: int,
        zoom_max: int,
        etendue: int,
        icones: dict[str, str],
        premiers: dict[str, list[list[Any]]] | None = None,
        affichage: tuple[str, ...] = (),
    ):
        super().__init__()
        self._name = "Grappes"
        self.options = {
            "rayon": rayon_px,
            "zoomMax": zoom_max,
            "etendue": etendue,
            "icones": icones,
        }
        self.premiers = premiers
        self.affichage = list(affichage)


class Localisation(LocateControl):
    """Leaflet.Locate from our origin (« Me localiser » button on the map)."""

    default_js = links(
        ("Control_locate_min_js", vendor_url("leaflet.locatecontrol", "L.Control.Locate.min.js"))
    )
    default_css = links(
        (
            "Control_locate_min_css",
            vendor_url("leaflet.locatecontrol", "L.Control.Locate.min.css"),
        )
    )


class PleinEcran(Fullscreen):
    """leaflet.fullscreen 5 from our origin (its UMD build exposes ``L.Control.FullScreen``)."""

    default_js = links(
        ("Control.Fullscreen.js", vendor_url("leaflet.fullscreen", "Control.FullScreen.umd.js"))
    )
    default_css = links(
        ("Control.FullScreen.css", vendor_url("leaflet.fullscreen", "Control.FullScreen.css"))
    )

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            new L.Control.FullScreen(
                {{ this.options|tojavascript }}
            ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


class CarteGenApp(JSCSSMixin, MacroElement):
    """Our client: loads the data, draws the markers, runs the filters, the list and the URL.

    Folium's inline script hands the Leaflet objects it created (map, cluster layer, locate
    control) and a JSON configuration to the entry module ``entree`` (``static/js/carte.js``,
    or its bundle: :mod:`app.bundle`), then imports it once the first markers are painted.
    The head asks for the map data, then for the module, after the scripts and style sheet the
    first markers wait for and at low priority: on a slow network they leave the bandwidth to
    those. The data comes first because, while the joined scripts hold the parser in the head,
    the browser lets one low-priority request go at a time, and the data is the longer download
    (figures in ``docs/architecture.md``). ``preloads`` are the modules the entry imports (when
    not bundled), announced at once rather than import by import.
    """

    #: How long the import waits for the first frame at most: frames are paused in hidden
    #: tabs and in iframes scrolled out of view, where the module must run all the same (an
    #: embed reports its height to the host page).
    ATTENTE_MAX_MS: Final = 100

    default_css = links(("carte_gen_css", f"{STATIC_PREFIX}/carte.css"))

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            {% for module in this.modules %}
            <link rel="modulepreload" href={{ module|tojson }}>
            {% endfor %}
            <link rel="preload" href={{ this.config.donnees_url|tojson }} as="fetch" crossorigin
                  fetchpriority="low">
            <link rel="preload" id="carte-gen-entree" href={{ this.entree|tojson }} as="script"
                  crossorigin fetchpriority="low">
        {% endmacro %}

        {% macro script(this, kwargs) %}
            window.carteGenDepart = {
                carte: {{ this._parent.get_name() }},
                grappes: {{ this.grappes.get_name() }},
                localisation: {{ this.localisation.get_name() if this.localisation else "null" }},
                config: {{ this.config|tojson }}
            };
            (function (entree) {
                var lance = false;
                function lancer() {
                    if (lance) { return; }
                    lance = true;
                    import(entree).catch(function (erreur) {
                        var compte = document.getElementById("compte");
                        if (compte) { compte.textContent = compte.dataset.echec; }
                        window.console.warn("carte-gen: chargement impossible", erreur);
                    });
                }
                requestAnimationFrame(function () { setTimeout(lancer, 0); });
                setTimeout(lancer, {{ this.ATTENTE_MAX_MS }});
            })(document.getElementById("carte-gen-entree").href);  // its hashed URL, as preloaded
        {% endmacro %}
        """
    )

    def __init__(
        self,
        grappes: Grappes,
        localisation: LocateControl | None,
        config: dict[str, Any],
        entree: str,
        preloads: tuple[str, ...] = (),
    ):
        super().__init__()
        self._name = "CarteGenApp"
        self.grappes = grappes
        self.localisation = localisation
        self.config = config
        self.entree = entree
        self.modules = preloads
