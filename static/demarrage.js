/* Carte GEN — the page's start-up, inlined at the end of its body (app/map/elements.py,
 * Demarrage): the first markers drawn before Leaflet, then Leaflet and the map's script after
 * the frame that shows them.
 *
 * The server clustered the first markers for the page (app/map/premiers.py). Leaflet and its
 * plugins are the largest files on the way to them: here they are drawn without Leaflet, at
 * the very places Leaflet will draw them (its `fitBounds` of the first view, its Web Mercator
 * projection, its rounding, its marker elements), in a layer over the map's container, as
 * soon as the page is parsed and its style sheet has laid it out. The map's scripts,
 * preloaded by the head, are then run in their order after the next frame (or `attenteMaxMs`
 * at most: frames are paused in hidden tabs and in iframes out of view), then the map's own
 * script (`carteGenDemarrage.carte(…)`, the body's last), whose cluster layer draws the same
 * markers and takes these away (`retirer`). A filtered page has no first markers: its
 * scripts run at once.
 *
 * What it is given (`#carte-gen-demarrage`, JSON): the map's container `carte`, its first
 * view `vue` ([[south, west], [north, east]]) fitted from `centre` and `zoom`, the first
 * markers `niveaux` (zoom → [lon, lat, trainings, kind]) drawn only when the query string
 * sets nothing but the display options `affichage`, and the cluster layer's `marge`,
 * `tailles` and icons. The scripts to run are the head's preloads marked
 * `data-carte-gen-script` (their URLs are the content-hashed ones). `window.carteGenDemarrage`
 * is for the map's script and for tests.
 */
(function () {
  'use strict';

  var donnees = JSON.parse(document.getElementById('carte-gen-demarrage').textContent);

  /** Kinds of a first marker that is not one training (app/map/premiers.py). */
  var GRAPPE = 'grappe';
  var LIEU = 'lieu';

  // Leaflet's EPSG:3857: a sphere of this radius, latitudes cut where the map is square.
  var RAYON = 6378137;
  var LATITUDE_MAX = 85.0511287798;
  var ECHELLE = 0.5 / (Math.PI * RAYON);

  /** Leaflet's `map.project(latlng, zoom)`: pixel coordinates of the whole world at a zoom. */
  function projeter(lat, lon, zoom) {
    var d = Math.PI / 180;
    var sin = Math.sin(Math.max(Math.min(LATITUDE_MAX, lat), -LATITUDE_MAX) * d);
    var x = RAYON * lon * d;
    var y = RAYON * Math.log((1 + sin) / (1 - sin)) / 2;
    var taille = 256 * Math.pow(2, zoom);
    return [taille * (ECHELLE * x + 0.5), taille * (-ECHELLE * y + 0.5)];
  }

  /** Leaflet's `map.unproject(point, zoom)`: [lat, lon]. */
  function deprojeter(px, py, zoom) {
    var taille = 256 * Math.pow(2, zoom);
    var x = (px / taille - 0.5) / ECHELLE;
    var y = (py / taille - 0.5) / -ECHELLE;
    var d = 180 / Math.PI;
    return [(2 * Math.atan(Math.exp(y / RAYON)) - (Math.PI / 2)) * d, x * d / RAYON];
  }

  /** The view Leaflet gives a map of this size made at `centre` and `zoom`, then fitted to
   * `limites` (`fitBounds` without padding or animation, zoom snapped to whole levels): its
   * zoom and the pixel of the world at the view's top left corner (`getPixelBounds().min`). */
  function vue(largeur, hauteur, centre, zoom, limites) {
    var sud = limites[0][0], ouest = limites[0][1], nord = limites[1][0], est = limites[1][1];
    var se = projeter(sud, est, zoom), no = projeter(nord, ouest, zoom);
    var echelle = Math.min(largeur / Math.abs(se[0] - no[0]), hauteur / Math.abs(se[1] - no[1]));
    var z = Math.log((echelle * (256 * Math.pow(2, zoom))) / 256) / Math.LN2;
    z = isNaN(z) ? Infinity : z;
    z = Math.round(z / (1 / 100)) * (1 / 100); // within 1 % of a level is that level
    z = Math.max(0, Math.floor(z));
    var so = projeter(sud, ouest, z), ne = projeter(nord, est, z);
    var milieu = deprojeter((so[0] + ne[0]) / 2, (so[1] + ne[1]) / 2, z);
    var m = projeter(milieu[0], milieu[1], z);
    if (z === zoom) {
      // At the zoom it has, Leaflet pans to the new centre by whole pixels, when less than a
      // view away, from the view it was made with.
      var c = projeter(centre[0], centre[1], zoom);
      var origine = [Math.round(c[0] - largeur / 2), Math.round(c[1] - hauteur / 2)];
      var dx = Math.trunc(Math.round(m[0]) - origine[0] - largeur / 2);
      var dy = Math.trunc(Math.round(m[1]) - origine[1] - hauteur / 2);
      if (Math.abs(dx) <= largeur && Math.abs(dy) <= hauteur) {
        return { zoom: z, origine: [origine[0] + dx, origine[1] + dy] };
      }
    }
    return { zoom: z, origine: [Math.round(m[0] - largeur / 2), Math.round(m[1] - hauteur / 2)] };
  }

  /** Whether a page's query string sets no filter: only the display options `permis`. */
  function sansFiltre(recherche, permis) {
    var noms = Array.from(new URLSearchParams(recherche).keys());
    return noms.every(function (nom) { return permis.indexOf(nom) >= 0; });
  }

  /** A marker element as Leaflet makes it on a map that animates its zooms: its classes,
   * margins from its anchor, its size, its place (`translate3d`) and z-index (its row). */
  function placer(element, classes, taille, ancre, x, y) {
    element.className = 'leaflet-marker-icon ' + classes + ' leaflet-zoom-animated';
    element.style.marginLeft = -ancre[0] + 'px';
    element.style.marginTop = -ancre[1] + 'px';
    element.style.width = taille[0] + 'px';
    element.style.height = taille[1] + 'px';
    element.style.transform = 'translate3d(' + x + 'px,' + y + 'px,0)';
    element.style.zIndex = String(y);
    return element;
  }

  /** The element of one first marker at (x, y), or null for a type without an icon. */
  function marqueur(e, x, y) {
    if (e[3] === GRAPPE || e[3] === LIEU) {
      // [count below, name, pixels]: the first size whose bound is above it (the last has none)
      var t = donnees.tailles.find(function (taille) {
        return taille[0] === null || e[2] < taille[0];
      });
      var div = document.createElement('div');
      var nombre = document.createElement('span');
      nombre.className = 'grappe-nombre';
      nombre.textContent = String(e[2]);
      div.appendChild(nombre);
      return placer(div, 'grappe grappe-' + t[1] + (e[3] === LIEU ? ' grappe-lieu' : ''),
        [t[2], t[2]], [t[2] / 2, t[2] / 2], x, y); // a div icon's anchor: its centre, unrounded
    }
    if (!Object.prototype.hasOwnProperty.call(donnees.icones, e[3])) { return null; }
    var img = document.createElement('img');
    img.src = donnees.icones[e[3]];
    img.alt = '';
    var icone = donnees.icone;
    return placer(img, 'marqueur marqueur-' + e[3], icone.taille, icone.ancre, x, y);
  }

  /** Draw the first markers of the view in `calque`; return how many. */
  function dessiner(calque, conteneur, niveaux) {
    var largeur = conteneur.clientWidth, hauteur = conteneur.clientHeight;
    var v = vue(largeur, hauteur, donnees.centre, donnees.zoom, donnees.vue);
    var niveau = niveaux[String(v.zoom)] || [];
    // Leaflet's view bounds padded by the layer's margin (LatLngBounds.pad, then contains).
    var no = deprojeter(v.origine[0], v.origine[1], v.zoom);
    var se = deprojeter(v.origine[0] + largeur, v.origine[1] + hauteur, v.zoom);
    var dLat = Math.abs(se[0] - no[0]) * donnees.marge;
    var dLon = Math.abs(no[1] - se[1]) * donnees.marge;
    var sud = se[0] - dLat, nord = no[0] + dLat, ouest = no[1] - dLon, est = se[1] + dLon;
    var fragment = document.createDocumentFragment();
    var n = 0;
    for (var i = 0; i < niveau.length; i++) {
      var e = niveau[i];
      if (e[1] < sud || e[1] > nord || e[0] < ouest || e[0] > est) { continue; }
      var p = projeter(e[1], e[0], v.zoom);
      var element = marqueur(e, Math.round(p[0]) - v.origine[0], Math.round(p[1]) - v.origine[1]);
      if (element) {
        fragment.appendChild(element);
        n += 1;
      }
    }
    calque.appendChild(fragment);
    return n;
  }

  var calque = document.getElementById('carte-gen-premiers');
  var niveaux = donnees.niveaux && sansFiltre(window.location.search, donnees.affichage)
    ? donnees.niveaux : null;
  var dessines = niveaux ? dessiner(calque, document.getElementById(donnees.carte), niveaux) : 0;

  var carte = null;
  var scriptsPrets = false;
  var lancee = false;

  function retirer() {
    if (calque.parentNode) { calque.parentNode.removeChild(calque); }
  }

  function lancer() {
    if (lancee || !scriptsPrets || !carte) { return; }
    lancee = true;
    carte();
  }

  function echec(erreur) {
    retirer();
    var compte = document.getElementById('compte');
    if (compte) { compte.textContent = compte.dataset.echec; }
    window.console.warn('carte-gen: chargement impossible', erreur);
  }

  var demandes = false;
  function chargerScripts() {
    if (demandes) { return; }
    demandes = true;
    var liens = document.querySelectorAll('link[data-carte-gen-script]');
    var urls = Array.from(liens, function (lien) { return lien.href; });
    var restants = urls.length;
    urls.forEach(function (url) {
      var script = document.createElement('script');
      script.src = url;
      script.async = false; // run in their order, each as soon as it and those before are here
      script.onload = function () {
        restants -= 1;
        if (restants === 0) {
          scriptsPrets = true;
          lancer();
        }
      };
      script.onerror = function () { echec(url); };
      document.head.appendChild(script);
    });
  }

  if (dessines > 0) { // let the frame that shows them come first
    requestAnimationFrame(function () {
      var canal = new MessageChannel();
      canal.port1.onmessage = chargerScripts;
      canal.port2.postMessage(null);
    });
    setTimeout(chargerScripts, donnees.attenteMaxMs);
  } else {
    chargerScripts();
  }

  window.carteGenDemarrage = {
    /** The first markers for the cluster layer to draw again (null on a filtered page). */
    niveaux: niveaux,
    dessines: dessines,
    retirer: retirer,
    /** Run the map's script `f` once the scripts are here (the body's last script calls it). */
    carte: function (f) {
      carte = f;
      lancer();
    },
    vue: vue,
    projeter: projeter
  };
}());
