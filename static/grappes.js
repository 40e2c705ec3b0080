/* Carte GEN — a Leaflet layer drawing places clustered by supercluster (window.Supercluster).
 *
 * Leaflet.markercluster made a marker object for each of tens of thousands of trainings and
 * clustered them on every filter change. Here the application hands over *places*: GeoJSON
 * points whose properties are `{n, elements}` (the trainings sharing that exact position), so
 * supercluster indexes a few thousand plain points, and only the clusters and places of the
 * current view (with a margin) at the current zoom become DOM markers, recomputed on `moveend`
 * and diffed so that markers that stay (and their open popup) are left alone.
 *
 * A place of one training is drawn with the marker the application makes for it
 * (`marqueurDe(element)`: its icon, title, popup and keyboard behaviour). A cluster is a
 * button-like marker whose count (of trainings) is text: clicking it, or Enter, zooms in until
 * it splits. A place of several trainings looks like a cluster but no zoom can split it: it
 * fires `grappeindivisible` with its trainings, for the application to list them.
 *
 * Before the application has its data, the layer can draw the *first markers* the server
 * clustered the same way for the page (`premiers`: app/map/premiers.py), for a visitor
 * without filters: drawn as soon as the map exists (in place of those the page's start-up
 * drew before Leaflet, static/demarrage.js), without any behaviour, and replaced by the very
 * same markers from the index given to `definir`.
 */
(function () {
  'use strict';

  /** A div icon whose element carries an accessible name (`libelle`). */
  var IconeGrappe = L.DivIcon.extend({
    createIcon: function (ancien) {
      var div = L.DivIcon.prototype.createIcon.call(this, ancien);
      if (this.options.libelle) {
        div.setAttribute('aria-label', this.options.libelle);
      } else { // a first marker, without behaviour, soon replaced: nothing to announce yet
        div.setAttribute('aria-hidden', 'true');
      }
      return div;
    }
  });

  /** How many trainings a cluster or a place stands for. */
  function nombreDe(proprietes) { return proprietes.n; }

  /** Kinds of a first marker that is not one training (app/map/premiers.py). */
  var GRAPPE = 'grappe';
  var LIEU = 'lieu';

  L.CarteGenGrappes = L.Layer.extend({
    options: {
      rayon: 60,       // cluster radius, in screen pixels
      etendue: 256,    // supercluster's tile extent: Leaflet's tile size (radius in pixels)
      marge: null,     // part of the view added on each side (app/map/elements.py)
      zoomMax: 15,     // last zoom with clusters; places stand apart above it
      icones: {},      // structure type → URL of its marker icon
      // given by the page (app/map/icones.py): a training's icon {taille, ancre (its tip)}, and
      // the cluster discs [[count below, name, pixels], …], the last one without a bound
      icone: null,
      tailles: null
    },

    initialize: function (options) {
      L.setOptions(this, options);
      this._index = null;
      this._premiers = null;
      this._generation = 0;
      this._marqueurDe = null;
      this._affiches = new Map(); // key → marker currently on the map
      this._icones = {};
      for (var type in this.options.icones) {
        if (Object.prototype.hasOwnProperty.call(this.options.icones, type)) {
          this._icones[type] = L.icon({
            iconUrl: this.options.icones[type],
            iconSize: this.options.icone.taille,
            iconAnchor: this.options.icone.ancre,
            popupAnchor: [0, -34],
            className: 'marqueur marqueur-' + type
          });
        }
      }
      this._iconeParDefaut = null;
    },

    /** The marker icon of a structure type (Leaflet's own marker for an unknown one). */
    icone: function (type) {
      if (Object.prototype.hasOwnProperty.call(this._icones, type)) { return this._icones[type]; }
      if (!this._iconeParDefaut) { this._iconeParDefaut = new L.Icon.Default(); }
      return this._iconeParDefaut;
    },

    /** Draw the server's first markers (zoom → `[lon, lat, trainings, kind]`) until `definir`. */
    premiers: function (niveaux) {
      this._premiers = niveaux;
      this.rendre();
    },

    /** Take the first markers away (the data they stood for could not be loaded). */
    oublierPremiers: function () {
      if (this._index) { return; }
      this._premiers = null;
      this.rendre();
    },

    onAdd: function (carte) {
      carte.on('moveend', this.rendre, this);
      this.rendre();
    },

    onRemove: function (carte) {
      carte.off('moveend', this.rendre, this);
      this._affiches.forEach(function (marqueur) { carte.removeLayer(marqueur); });
      this._affiches = new Map();
    },

    /** Index a new set of places; `rendre()` (or the next `moveend`) draws them.
     *
     * Returns the index, which `reprendre` can show again later without rebuilding it. */
    definir: function (lieux, marqueurDe) {
      var index = new window.Supercluster({
        radius: this.options.rayon,
        extent: this.options.etendue,
        maxZoom: this.options.zoomMax,
        map: function (proprietes) { return { n: proprietes.n }; },
        reduce: function (cumul, proprietes) { cumul.n += proprietes.n; }
      });
      index.load(lieux);
      this.reprendre(index, marqueurDe);
      return index;
    },

    /** Show again places indexed earlier by `definir`. */
    reprendre: function (index, marqueurDe) {
      this._index = index;
      this._premiers = null;
      this._generation += 1; // cluster ids of different indexes must not be mistaken
      this._marqueurDe = marqueurDe;
    },

    /** Draw the clusters and places of the view; return how many markers are shown. */
    rendre: function () {
      var carte = this._map;
      if (!carte) { return 0; }
      if (!this._index) { return this._rendrePremiers(carte); }
      var zoom = Math.round(carte.getZoom());
      var b = carte.getBounds().pad(this.options.marge);
      var elements = this._index.getClusters(
        [b.getWest(), Math.max(-85, b.getSouth()), b.getEast(), Math.min(85, b.getNorth())], zoom);
      var generation = this._generation;
      var cles = elements.map(function (e) {
        var p = e.properties;
        if (p.cluster === true) { return 'g' + generation + ':' + p.cluster_id; }
        if (p.n === 1) { return 'p' + L.stamp(p.elements[0]); }
        return 'l' + generation + ':' + L.stamp(p.elements[0]);
      });
      var self = this;
      return this._montrer(carte, cles, function (i) {
        var e = elements[i];
        return cles[i].charAt(0) === 'p' ? self._marqueurDe(e.properties.elements[0]) : self._marqueurGrappe(e);
      });
    },

    /** Show the markers of these keys, leaving alone those already shown (and their popup);
     * `fabriquer(i)` makes the marker of the i-th key. Returns how many are shown. */
    _montrer: function (carte, cles, fabriquer) {
      var avant = this._affiches;
      var apres = new Map();
      for (var i = 0; i < cles.length; i++) {
        var marqueur = avant.get(cles[i]);
        if (marqueur) {
          avant.delete(cles[i]);
        } else {
          marqueur = fabriquer(i);
          carte.addLayer(marqueur);
        }
        apres.set(cles[i], marqueur);
      }
      avant.forEach(function (m) { carte.removeLayer(m); });
      this._affiches = apres;
      return apres.size;
    },

    /** Draw the first markers of the view at its zoom (none when the server sent no such zoom). */
    _rendrePremiers: function (carte) {
      var zoom = Math.round(carte.getZoom());
      var b = carte.getBounds().pad(this.options.marge);
      var niveau = (this._premiers && this._premiers[zoom]) || [];
      var cles = [];
      var dedans = [];
      for (var i = 0; i < niveau.length; i++) {
        if (b.contains(L.latLng(niveau[i][1], niveau[i][0]))) {
          cles.push('e' + zoom + ':' + i); // its rank in the zoom's list: the same at every pan
          dedans.push(niveau[i]);
        }
      }
      var self = this;
      return this._montrer(carte, cles, function (i) {
        var e = dedans[i];
        if (e[3] === GRAPPE || e[3] === LIEU) {
          return self._marqueurGrappe({
            geometry: { coordinates: [e[0], e[1]] },
            properties: { cluster: e[3] === GRAPPE, n: e[2] }
          }, true);
        }
        return L.marker(L.latLng(e[1], e[0]), { icon: self.icone(e[3]), interactive: false, keyboard: false });
      });
    },

    /** The marker of a training drawn on its own right now, or null. */
    marqueurAffiche: function (element) {
      return this._affiches.get('p' + L.stamp(element)) || null;
    },

    /** The lowest zoom from `depuis` at which the place of `element` (at lon, lat) stands apart. */
    zoomIsole: function (element, lon, lat, depuis) {
      var dernier = this.options.zoomMax + 1;
      if (!this._index) { return dernier; }
      var e = 1e-5;
      for (var z = Math.max(0, depuis); z < dernier; z++) {
        var ici = this._index.getClusters([lon - e, lat - e, lon + e, lat + e], z);
        for (var i = 0; i < ici.length; i++) {
          var p = ici[i].properties;
          if (p.cluster !== true && p.elements.indexOf(element) >= 0) { return z; }
        }
      }
      return Math.max(depuis, dernier);
    },

    /** A cluster's marker; a `provisoire` one (a first marker) has no behaviour yet. */
    _marqueurGrappe: function (e, provisoire) {
      var self = this;
      var p = e.properties;
      var n = nombreDe(p);
      var taille = this.options.tailles.find(function (t) { return t[0] === null || n < t[0]; });
      var nombre = document.createElement('span');
      nombre.className = 'grappe-nombre';
      nombre.textContent = String(n);
      var latlng = L.latLng(e.geometry.coordinates[1], e.geometry.coordinates[0]);
      var lieu = p.cluster !== true;
      var libelle = n + ' formations ' + (lieu ? 'à cet endroit : voir leur liste' : 'ici : zoomer pour les voir');
      var marqueur = L.marker(latlng, {
        icon: new IconeGrappe({
          html: nombre,
          className: 'grappe grappe-' + taille[1] + (lieu ? ' grappe-lieu' : ''),
          iconSize: L.point(taille[2], taille[2]),
          libelle: provisoire ? null : libelle
        }),
        title: provisoire ? '' : libelle,
        interactive: !provisoire,
        keyboard: !provisoire,
        riseOnHover: !provisoire
      });
      if (provisoire) { return marqueur; }
      var ouvrir = function () {
        var carte = self._map;
        if (!carte) { return; }
        if (lieu) {
          self.fire('grappeindivisible', { marqueur: marqueur, latlng: latlng, elements: p.elements });
        } else {
          var zoom = self._index.getClusterExpansionZoom(p.cluster_id);
          carte.setView(latlng, Math.min(carte.getMaxZoom(), Math.max(zoom, Math.round(carte.getZoom()) + 1)));
        }
      };
      marqueur.on('click', ouvrir);
      marqueur.on('keypress', function (ev) {
        if (ev.originalEvent.key === 'Enter' || ev.originalEvent.key === ' ') { ouvrir(); }
      });
      return marqueur;
    }
  });

  L.carteGenGrappes = function (options) { return new L.CarteGenGrappes(options); };
}());
