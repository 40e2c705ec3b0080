/* Carte GEN — the map for keyboards and screen readers: controls first in tab order, in
 * French, focus kept when a cluster opens, a marker's popup opened and closed from the keyboard,
 * and a skip link that reaches a visible target (methods of the application). */

import { $, surTelephone } from './dom.js';

/** French names of Leaflet's own controls (its defaults are English). */
const NOMS_CONTROLES = {
  '.leaflet-control-zoom-in': 'Zoom avant',
  '.leaflet-control-zoom-out': 'Zoom arrière'
};

function nommer(element, nom) {
  element.setAttribute('title', nom);
  element.setAttribute('aria-label', nom);
}

export const clavier = {
  relierClavier() {
    const carte = this.carte;
    const conteneur = carte.getContainer();
    // Tab order follows the DOM: the controls go before the panes holding the markers.
    const controles = conteneur.querySelector('.leaflet-control-container');
    if (controles) { conteneur.insertBefore(controles, conteneur.firstChild); }
    for (const [selecteur, nom] of Object.entries(NOMS_CONTROLES)) {
      const bouton = conteneur.querySelector(selecteur);
      if (bouton) { nommer(bouton, nom); }
    }
    carte.on('popupopen', (ev) => {
      const fermer = ev.popup.getElement() && ev.popup.getElement().querySelector('.leaflet-popup-close-button');
      if (fermer) { nommer(fermer, 'Fermer'); }
    });
    // Enter on a cluster zooms in and removes it: the focus goes to the marker nearest to
    // where it was (one of its trainings), else stays on the map.
    conteneur.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Enter' && ev.key !== ' ') { return; }
      const grappe = ev.target.closest && ev.target.closest('.grappe:not(.grappe-lieu)');
      if (!grappe) { return; }
      const boite = grappe.getBoundingClientRect();
      const repere = carte.mouseEventToLatLng({
        clientX: boite.left + boite.width / 2, clientY: boite.top + boite.height / 2
      });
      carte.once('moveend', () => requestAnimationFrame(() => this.focaliserPres(repere)));
    });
    this.relierPopupsClavier();
    this.relierEvitement();
  },

  /** A marker's popup opened with Enter takes the focus (`popupMarqueurOuverte`); Escape
   * closes it and gives the focus back to the marker (Leaflet leaves the focus on the marker
   * and Escape does nothing). */
  relierPopupsClavier() {
    const carte = this.carte;
    const conteneur = carte.getContainer();
    let popupOuverte = null;
    conteneur.addEventListener('keydown', (ev) => {
      const cible = ev.target;
      if (ev.key === 'Enter' && cible.classList &&
          cible.classList.contains('leaflet-marker-icon') && !cible.classList.contains('grappe')) {
        this.marqueurClavier = cible;
        // Leaflet opens the popup on this key's keypress
        setTimeout(() => { this.marqueurClavier = null; }, 0);
      } else if (ev.key === 'Escape' && popupOuverte) {
        carte.closePopup(); // focus on the marker, or anywhere in the map but the popup itself
      }
    });
    carte.on('popupopen', (ev) => { popupOuverte = ev.popup; });
    carte.on('popupclose', (ev) => {
      if (ev.popup === popupOuverte) { popupOuverte = null; }
    });
  },

  /** The popup bound to a training's marker has opened (the marker's own `popupopen`): when
   * Enter on that marker opened it, its content takes the focus, given back on closing. */
  popupMarqueurOuverte(marqueur, popup) {
    const element = marqueur.getElement();
    if (!this.marqueurClavier || element !== this.marqueurClavier) { return; }
    this.marqueurClavier = null;
    // the popup's own focusable block (its content may scroll with no link inside)
    const contenu = popup.getElement() && popup.getElement().querySelector('[tabindex]');
    if (!contenu) { return; }
    contenu.focus({ preventScroll: true });
    this.retourFocus = element;
  },

  /** Focus the marker drawn nearest to `latlng`, or the map itself. */
  focaliserPres(latlng) {
    const carte = this.carte;
    const conteneur = carte.getContainer();
    if (document.activeElement && conteneur.contains(document.activeElement) &&
        document.activeElement !== conteneur) { return; }
    const centre = carte.latLngToContainerPoint(latlng);
    const boite = conteneur.getBoundingClientRect();
    let meilleur = null;
    let distance = Infinity;
    for (const e of conteneur.querySelectorAll('.leaflet-marker-icon[tabindex]')) {
      const r = e.getBoundingClientRect();
      const d = Math.hypot(r.left + r.width / 2 - boite.left - centre.x, r.top + r.height / 2 - boite.top - centre.y);
      if (d < distance) { distance = d; meilleur = e; }
    }
    (meilleur || conteneur).focus({ preventScroll: true });
  },

  /** On phones the list is a closed drawer: the skip link opens it before moving there. */
  relierEvitement() {
    const lien = $('evitement-liste');
    if (!lien) { return; }
    lien.addEventListener('click', (ev) => {
      if (!surTelephone() || !$('basculer-liste')) { return; }
      ev.preventDefault();
      this.ouvrirTiroir(true);
      $('liste-titre').focus({ preventScroll: true });
    });
  }
};
