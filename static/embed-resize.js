/* Carte GEN — optional script for sites embedding the map: resizes each
 * <iframe data-carte-gen> to the height its content reports through postMessage, and scrolls
 * the page to a part of the iframe the map asks to show (an open popup), never outside the
 * iframe's own area. Only messages from the iframe's own window and origin, of the expected
 * shape, are used. */
(function () {
  'use strict';
  var HAUTEUR = 'carte-gen:hauteur';
  var VOIR = 'carte-gen:voir';
  var MIN = 150;
  var MAX = 20000;
  var MARGE = 16;

  function origine(url) {
    try { return new URL(url, document.baseURI).origin; } catch (e) { return null; }
  }

  function nombre(v) { return typeof v === 'number' && isFinite(v); }

  /** The iframe that sent a message (its own window and origin), else null. */
  function cadreDe(evenement) {
    var cadres = document.querySelectorAll('iframe[data-carte-gen]');
    for (var i = 0; i < cadres.length; i++) {
      var cadre = cadres[i];
      if (cadre.contentWindow === evenement.source && origine(cadre.src) === evenement.origin) { return cadre; }
    }
    return null;
  }

  /** Scroll the page so that rows `haut`..`bas` of the iframe (its own pixels) are visible. */
  function montrer(cadre, haut, bas) {
    var boite = cadre.getBoundingClientRect();
    haut = Math.max(0, Math.min(haut, boite.height));
    bas = Math.max(haut, Math.min(bas, boite.height));
    var dessus = boite.top + haut;
    var dessous = boite.top + bas;
    var vue = window.innerHeight || document.documentElement.clientHeight;
    if (dessus >= 0 && dessous <= vue) { return; }
    var decalage = (dessus < 0 || dessous - dessus + 2 * MARGE > vue) ? dessus - MARGE : dessous - vue + MARGE;
    window.scrollBy(0, decalage);
  }

  window.addEventListener('message', function (evenement) {
    var donnees = evenement.data;
    if (!donnees || typeof donnees !== 'object') { return; }
    if (donnees.type === HAUTEUR) {
      var hauteur = donnees.hauteur;
      if (!nombre(hauteur) || hauteur < MIN || hauteur > MAX) { return; }
      var cadre = cadreDe(evenement);
      if (cadre) {
        cadre.style.height = Math.ceil(hauteur) + 'px';
        cadre.setAttribute('data-carte-gen-hauteur', String(Math.ceil(hauteur)));
      }
    } else if (donnees.type === VOIR) {
      var haut = donnees.haut;
      var bas = donnees.bas;
      if (!nombre(haut) || !nombre(bas) || haut < 0 || bas < haut || bas > MAX) { return; }
      var source = cadreDe(evenement);
      if (source) { montrer(source, haut, bas); }
    }
  });
}());
