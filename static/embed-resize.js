/* Carte GEN — optional script for sites embedding the map: resizes each
 * <iframe data-carte-gen> to the height its content reports through postMessage.
 * Only messages from the iframe's own window and origin, of the expected shape, are used. */
(function () {
  'use strict';
  var TYPE = 'carte-gen:hauteur';
  var MIN = 150;
  var MAX = 20000;

  function origine(url) {
    try { return new URL(url, document.baseURI).origin; } catch (e) { return null; }
  }

  window.addEventListener('message', function (evenement) {
    var donnees = evenement.data;
    if (!donnees || typeof donnees !== 'object' || donnees.type !== TYPE) { return; }
    var hauteur = donnees.hauteur;
    if (typeof hauteur !== 'number' || !isFinite(hauteur) || hauteur < MIN || hauteur > MAX) { return; }
    var cadres = document.querySelectorAll('iframe[data-carte-gen]');
    for (var i = 0; i < cadres.length; i++) {
      var cadre = cadres[i];
      if (cadre.contentWindow === evenement.source && origine(cadre.src) === evenement.origin) {
        cadre.style.height = Math.ceil(hauteur) + 'px';
        cadre.setAttribute('data-carte-gen-hauteur', String(Math.ceil(hauteur)));
      }
    }
  });
}());
