/* Carte GEN — markers, popups and clusters of the trainings (methods of the application). */

import { el, formatEntier, formatKm } from './dom.js';
import { estFiltre } from './filtres.js';

const OPTIONS_POPUP = { maxWidth: 320, autoPanPadding: [24, 24] };

/** Bounds of trainings (a plain loop: tens of thousands of LatLng objects cost). */
function emprise(resultats) {
  let sud = 90;
  let nord = -90;
  let ouest = 180;
  let est = -180;
  for (const r of resultats) {
    if (r.lat < sud) { sud = r.lat; }
    if (r.lat > nord) { nord = r.lat; }
    if (r.lon < ouest) { ouest = r.lon; }
    if (r.lon > est) { est = r.lon; }
  }
  return L.latLngBounds([sud, ouest], [nord, est]);
}

/** The title shown for a training: its title, else its structure (one of them is never null). */
export function titreDe(r) { return r.intitule || r.structure || ''; }

export const marqueurs = {
  /** A label from our own tables (never a value of the URL or of the data shown as a label). */
  libelle(famille, valeur) {
    const table = this.config.libelles[famille] || {};
    return Object.prototype.hasOwnProperty.call(table, valeur) ? table[valeur] : '';
  },

  marqueur(r) {
    if (r.marqueur) { return r.marqueur; }
    const titre = titreDe(r);
    const m = L.marker([r.lat, r.lon], {
      icon: this.grappes.icone(r.type_structure),
      title: titre,
      alt: titre + ' — ' + this.libelle('type_structure', r.type_structure),
      keyboard: true
    });
    m.formation = r;
    m.bindPopup(() => this.contenuPopup(r), OPTIONS_POPUP);
    m.on('popupopen', (ev) => this.popupMarqueurOuverte(m, ev.popup));
    r.marqueur = m;
    return m;
  },

  /** Popup of a training, built node by node: what it is, when, how to apply, then details. */
  contenuPopup(r) {
    const racine = el('div', 'popup-formation');
    // In the tab order: its content may scroll, with no link inside to reach it by keyboard.
    racine.setAttribute('tabindex', '0');
    racine.style.maxHeight = this.hauteurPopup() + 'px';
    racine.appendChild(el('h3', 'popup-titre', titreDe(r)));
    if (r.intitule && r.structure) { racine.appendChild(el('p', 'popup-structure', r.structure)); }
    const adresse = [r.adresse, [r.code_postal, r.commune].filter(Boolean).join(' ')]
      .filter(Boolean).join(', ');
    racine.appendChild(this.sessionsPopup(r));
    racine.appendChild(this.contactPopup(r, adresse));
    const dl = el('dl', 'popup-details');
    const ligne = (terme, valeur) => {
      if (valeur === null || valeur === undefined || valeur === '') { return; }
      dl.appendChild(el('dt', null, terme));
      const dd = el('dd', null, typeof valeur === 'string' ? valeur : null);
      if (typeof valeur !== 'string') { dd.appendChild(valeur); }
      dl.appendChild(dd);
    };
    ligne('Type de structure', this.libelle('type_structure', r.type_structure));
    ligne('Adresse', adresse);
    this.detailsFiche(r, ligne);
    if (r.distance_km !== null) { ligne('Distance', 'à ' + formatKm.format(r.distance_km) + ' km'); }
    racine.appendChild(dl);
    racine.appendChild(el('p', 'popup-precision', this.textePrecision(r.geocodage_precision)));
    racine.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') { this.carte.closePopup(); }
    });
    return racine;
  },

  /** Height (px) a popup's content may take; longer content scrolls. At most the map's less
   * the room of the marker, the popup's tip and frame and the margin kept when the map pans to
   * it, and two thirds of the map, so that the place stays in sight around it. */
  hauteurPopup() {
    const carte = this.carte.getSize().y;
    return Math.max(120, Math.min(carte - 150, Math.round(carte * 0.65)));
  },

  textePrecision(precision) {
    const libelle = this.libelle('precision', precision);
    if (!libelle) { return 'Position : précision inconnue'; }
    if (precision === 'adresse') { return 'Position : ' + libelle; }
    return 'Position approximative : ' + libelle;
  },

  /** Open a training's popup (on its marker when drawn, else at its place) and focus it. */
  afficherPopup(r, latlng) {
    const marqueur = this.grappes.marqueurAffiche(r);
    let popup;
    if (marqueur) {
      marqueur.openPopup();
      popup = marqueur.getPopup();
    } else {
      popup = L.popup(OPTIONS_POPUP).setLatLng(latlng).setContent(this.contenuPopup(r)).openOn(this.carte);
    }
    const contenu = popup && popup.getElement();
    const cible = contenu && contenu.querySelector('.popup-formation');
    if (cible) { cible.focus({ preventScroll: true }); }
  },

  /** A cluster no zoom can split (trainings at the same place): a popup listing them. */
  listerGrappe(ev) {
    const racine = el('div', 'popup-grappe');
    racine.setAttribute('tabindex', '-1');
    racine.appendChild(el('h3', 'popup-titre', formatEntier.format(ev.elements.length) + ' formations à cet endroit'));
    const liste = el('ul', 'popup-liste');
    for (const r of ev.elements) {
      const li = el('li');
      const bouton = el('button', 'formation-grappe');
      bouton.type = 'button';
      bouton.setAttribute('data-id', r.id);
      bouton.appendChild(el('span', 'titre', titreDe(r)));
      if (r.intitule && r.structure) { bouton.appendChild(el('span', 'structure', r.structure)); }
      bouton.addEventListener('click', () => {
        const retour = this.retourFocus;
        this.retourFocus = null; // closing the list must not move the focus
        this.afficherPopup(r, ev.latlng);
        this.retourFocus = retour;
      });
      li.appendChild(bouton);
      liste.appendChild(li);
    }
    racine.appendChild(liste);
    racine.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { this.carte.closePopup(); }
    });
    this.retourFocus = null;
    L.popup(OPTIONS_POPUP).setLatLng(ev.latlng).setContent(racine).openOn(this.carte);
    this.retourFocus = ev.marqueur.getElement() || null;
    racine.focus({ preventScroll: true });
  },

  /** The places of the results: one point per position, with its trainings in result order. */
  lieux(resultats) {
    const parLieu = this.parLieu;
    const lieux = [];
    for (const r of resultats) {
      let lieu = parLieu[r.lieu];
      if (lieu === undefined) {
        lieu = parLieu[r.lieu] = {
          type: 'Feature',
          properties: { n: 0, elements: [] },
          geometry: { type: 'Point', coordinates: [r.lon, r.lat] }
        };
        lieux.push(lieu);
      }
      lieu.properties.n += 1;
      lieu.properties.elements.push(r);
    }
    for (const r of resultats) { parLieu[r.lieu] = undefined; }
    return lieux;
  },

  /** Index the results in the cluster layer (the index of every training is kept). */
  indexer(resultats, f) {
    const toutes = resultats.length === this.formations.length && f.lat === null;
    if (toutes && this.indexToutes) {
      this.grappes.reprendre(this.indexToutes, this.marqueurDePoint);
    } else {
      const index = this.grappes.definir(this.lieux(resultats), this.marqueurDePoint);
      if (toutes) { this.indexToutes = index; }
    }
  },

  ajusterVue(resultats, f) {
    // The map's size as it is now: Leaflet keeps the last one it measured, and the panel (the
    // filters just unfolded on a phone) may have resized the map since, before the observer
    // of its size has told it (carte.js); a fit on the old size leaves part of it out of view.
    this.carte.invalidateSize({ pan: false });
    // Within a radius, the view is its circle: it holds every result, and the empty ones too.
    const zoneRecherche = this.bornesZone(f);
    if (zoneRecherche) {
      this.carte.fitBounds(zoneRecherche, { padding: [10, 10], animate: false });
      return;
    }
    if (!resultats.length) { return; }
    if (!estFiltre(f)) {
      this.carte.fitBounds(this.config.vue_metropole, { animate: false });
      return;
    }
    const bornes = emprise(resultats);
    if (f.lat !== null) { bornes.extend([f.lat, f.lon]); }
    this.carte.fitBounds(bornes, { padding: [30, 30], maxZoom: 13, animate: false });
  },

  /** Fit the map to every current result (used by the tests to see every marker). */
  voirTout() {
    if (!this.resultats.length) { return; }
    this.carte.fitBounds(emprise(this.resultats), { padding: [20, 20], animate: false });
  }
};
