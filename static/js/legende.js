/* Carte GEN — the foldable legend, which never covers a focused element or an open popup
 * (methods of the application). */

import { $, surTelephone } from './dom.js';

/** Whether two client rectangles overlap. */
function chevauchent(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

export const legende = {
  relierLegende() {
    const bloc = $('legende');
    if (!bloc) { return; }
    // Folded on phones, where it would hide a large part of a small map.
    if (surTelephone()) { bloc.open = false; }
    const conteneur = this.carte.getContainer();
    const verifier = () => {
      bloc.classList.remove('legende-ecartee');
      const zone = bloc.getBoundingClientRect();
      const popup = conteneur.querySelector('.leaflet-popup');
      const actif = document.activeElement;
      const couverts = [];
      if (popup) { couverts.push(popup); }
      if (actif && conteneur.contains(actif)) { couverts.push(actif); }
      // Stepped aside (not folded): the user's choice to keep it open holds once it is free.
      const couvre = couverts.some((e) => chevauchent(e.getBoundingClientRect(), zone));
      bloc.classList.toggle('legende-ecartee', couvre);
    };
    const plusTard = () => requestAnimationFrame(verifier);
    this.verifierLegende = verifier;
    this.carte.on('popupopen popupclose moveend zoomend resize', plusTard);
    conteneur.addEventListener('focusin', verifier);
    conteneur.addEventListener('focusout', plusTard);
    bloc.addEventListener('toggle', plusTard);
  }
};
