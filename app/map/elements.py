"""Folium elements of the Carte GEN map, with every asset served from our own origin.

Folium's stock classes point at CDNs and load jQuery, Bootstrap, glyphicons, Font Awesome and
awesome-markers that this map never uses; the subclasses below keep their Jinja templates but
declare only the files we serve (``/vendor/<package>/`` from ``node_modules``, ``/static/`` for
ours). Data reach JavaScript through ``tojson`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
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
#: Part of the view the cluster layer adds on each side before asking for its markers.
MARGE_GRAPPES: Final = 0.25
#: How long the page waits for a frame at most before going on with what comes after it:
#: frames are paused in hidden tabs and in iframes scrolled out of view, where the page must
#: go on all the same (an embed reports its height to the host page).
ATTENTE_MAX_MS: Final = 100


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
            {#- a Leaflet container's looks from the first frame, before Leaflet runs #}
            <div class="folium-map carte-gen-carte leaflet-container"
                 id={{ this.get_name()|tojson }}></div>
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

    The first markers (:func:`app.map.premiers.first_markers`) of a page without filters,
    drawn before Leaflet by :class:`Demarrage`, are drawn again by this layer as soon as the
    map exists, in place of those, rather than after the page script has fetched and indexed
    the data.
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
            if (window.carteGenDemarrage.niveaux) {
                {{ this.get_name() }}.premiers(window.carteGenDemarrage.niveaux);
            }
            window.carteGenDemarrage.retirer();
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
        icone: dict[str, tuple[int, int]],
        tailles: Sequence[tuple[int | None, str, int]],
    ):
        super().__init__()
        self._name = "Grappes"
        self.options = {
            "rayon": rayon_px,
            "zoomMax": zoom_max,
            "etendue": etendue,
            "marge": MARGE_GRAPPES,
            "icones": icones,
            "icone": icone,
            "tailles": tailles,
        }


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
    or its bundle: :mod:`app.bundle`), then imports it once the first markers are painted: at
    once when the start-up drew them (:class:`Demarrage`), else after the next frame.
    The head asks for the map data, then for the module, after the style sheet and the classic
    scripts and at low priority: on a slow network they leave the bandwidth to those (figures
    in ``docs/architecture.md``). ``preloads`` are the modules the entry imports (when not
    bundled), announced at once rather than import by import.
    """

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
                if (window.carteGenDemarrage.dessines > 0) {
                    lancer();  // the first markers are painted: the start-up waited for that
                } else {
                    requestAnimationFrame(function () { setTimeout(lancer, 0); });
                    setTimeout(lancer, {{ this.attente_max_ms }});
                }
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
        self.attente_max_ms = ATTENTE_MAX_MS


class Demarrage(MacroElement):
    """The page's start-up, before Leaflet: ``static/demarrage.js``, inlined in the page.

    It draws the first markers (``premiers``, :mod:`app.map.premiers`) of a page whose query
    string sets nothing but the display options ``affichage``, at the places Leaflet will
    draw them in ``carte``'s first view, in a layer over the map's container (``html``), as
    soon as the page is parsed and laid out (:meth:`startup`, at the end of the body: what
    comes after the map, such as a footer, changes its size). Then it runs ``scripts``
    (preloaded by the head, in their order: the script takes their URLs, content-hashed, from
    there) after the frame that shows them, and the map's script after those
    (:func:`app.map.builder.render_map`). The cluster layer (:class:`Grappes`) draws the same
    markers with Leaflet and takes these away.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            {% for url in this.scripts %}
            <link rel="preload" href={{ url|tojson }} as="script" data-carte-gen-script>
            {% endfor %}
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div id="carte-gen-premiers" class="premiers-marqueurs" aria-hidden="true"></div>
        {% endmacro %}
        """
    )
    #: Its data and script, for the end of the body (:meth:`startup`).
    _startup = Template(
        """<script type="application/json" id="carte-gen-demarrage">
  {{- this.donnees|tojson -}}
  </script>
  <script>{{ this.source }}</script>"""
    )

    def __init__(
        self,
        carte: CarteMap,
        grappes: Grappes,
        *,
        source: str,
        scripts: Sequence[str],
        premiers: dict[str, list[list[Any]]] | None,
        affichage: Sequence[str],
    ):
        super().__init__()
        self._name = "Demarrage"
        if "</script" in source.lower():
            raise ValueError("the start-up script cannot be inlined: it closes its element")
        if carte.vue_initiale is None:
            raise ValueError("the start-up draws the view the map is fitted to: none is set")
        self.source = source
        self.scripts = list(scripts)
        self.donnees = {
            "carte": carte.get_name(),
            "vue": carte.vue_initiale,
            "centre": carte.location,
            "zoom": carte.options["zoom"],
            "niveaux": premiers,
            "affichage": list(affichage),
            "marge": grappes.options["marge"],
            "tailles": grappes.options["tailles"],
            "icones": grappes.options["icones"],
            "icone": grappes.options["icone"],
            "attenteMaxMs": ATTENTE_MAX_MS,
        }

    def startup(self) -> str:
        """Its data and script: for the end of the body, when the page is laid out whole."""
        return self._startup.render(this=self)
