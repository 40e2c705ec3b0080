/* Carte GEN — the accessible list of the trainings, and its drawer on phones (methods). */

import { $, el, formatEntier, formatKm, surTelephone } from './dom.js';
import { titreDe } from './marqueurs.js';

const TAILLE_PAGE_LISTE = 50;

export const liste = {
  relierListe() {
    if (!this.liste) { return; }
    this.plus.addEventListener('click', () => {
      const premier = this.nombreAffiches;
      this.ajouterElements(TAILLE_PAGE_LISTE);
      const bouton = this.liste.querySelectorAll('button.formation')[premier];
      if (bouton) { bouton.focus(); }
    });
    this.liste.addEventListener('click', (ev) => {
      const bouton = ev.target.closest('button.formation');
      if (bouton) { this.ouvrir(this.resultats[Number(bouton.getAttribute('data-rang'))], bouton); }
    });
    this.liste.addEventListener('keydown', (ev) => {
      if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(ev.key)) { return; }
      const boutons = Array.from(this.liste.querySelectorAll('button.formation'));
      const i = boutons.indexOf(document.activeElement);
      if (i < 0) { return; }
      ev.preventDefault();
      const j = ev.key === 'ArrowDown' ? Math.min(boutons.length - 1, i + 1)
        : ev.key === 'ArrowUp' ? Math.max(0, i - 1)
          : ev.key === 'Home' ? 0 : boutons.length - 1;
      boutons[j].focus();
    });
    const bascule = $('basculer-liste');
    if (bascule) {
      bascule.addEventListener('click', () => {
        const ouvrir = bascule.getAttribute('aria-expanded') !== 'true';
        this.ouvrirTiroir(ouvrir);
        // On a phone the list is a drawer over the map: the focus goes into it, and back.
        if (ouvrir && surTelephone()) { $('liste-titre').focus({ preventScroll: true }); }
      });
      $('panneau-liste').addEventListener('keydown', (ev) => {
        if (ev.key === 'Escape' && document.body.classList.contains('tiroir-ouvert')) {
          ev.preventDefault();
          this.ouvrirTiroir(false);
          bascule.focus();
        }
      });
    }
  },

  ouvrirTiroir(ouvert) {
    const bascule = $('basculer-liste');
    if (!bascule) { return; }
    bascule.setAttribute('aria-expanded', ouvert ? 'true' : 'false');
    document.body.classList.toggle('tiroir-ouvert', ouvert);
    bascule.querySelector('.action').textContent = ouvert ? 'Masquer la liste' : 'Afficher la liste';
  },

  rendreListe() {
    if (!this.liste) { return; }
    this.liste.textContent = '';
    this.nombreAffiches = 0;
    this.ajouterElements(TAILLE_PAGE_LISTE);
  },

  ajouterElements(combien) {
    const fin = Math.min(this.resultats.length, this.nombreAffiches + combien);
    const fragment = document.createDocumentFragment();
    for (let i = this.nombreAffiches; i < fin; i++) {
      fragment.appendChild(this.elementListe(this.resultats[i], i));
    }
    this.liste.appendChild(fragment);
    this.nombreAffiches = fin;
    const reste = this.resultats.length - fin;
    this.plus.hidden = reste <= 0;
    if (reste > 0) {
      this.plus.textContent = 'Afficher ' + formatEntier.format(Math.min(TAILLE_PAGE_LISTE, reste)) +
        ' formations de plus (' + formatEntier.format(reste) + ' restantes)';
    }
    if (this.config.mode === 'embed') { this.signalerHauteur(); }
  },

  elementListe(r, rang) {
    const li = el('li', 'element-formation');
    const bouton = el('button', 'formation');
    bouton.type = 'button';
    bouton.setAttribute('data-rang', String(rang));
    bouton.setAttribute('data-id', r.id);
    const icone = el('img', 'icone-type');
    const sources = this.grappes.options.icones;
    icone.src = Object.hasOwn(sources, r.type_structure) ? sources[r.type_structure] : '';
    icone.alt = '';
    icone.width = 18;
    icone.height = 24;
    bouton.appendChild(icone);
    const corps = el('span', 'corps');
    corps.appendChild(el('span', 'titre', titreDe(r)));
    if (r.intitule && r.structure) { corps.appendChild(el('span', 'structure', r.structure)); }
    const details = [this.libelle('type_structure', r.type_structure), r.commune];
    details.push(r.duree_mois == null ? 'Durée non précisée' : r.duree_mois + ' mois');
    corps.appendChild(el('span', 'details', details.filter(Boolean).join(' · ')));
    this.resumeListe(r, corps);
    if (r.distance_km !== null) {
      corps.appendChild(el('span', 'distance', 'à ' + formatKm.format(r.distance_km) + ' km'));
    }
    bouton.appendChild(corps);
    li.appendChild(bouton);
    const action = this.actionListe(r);
    if (action) { li.appendChild(action); }
    return li;
  },

  /** Open the popup of a training from the list, and give focus back to the list after. */
  ouvrir(r, bouton) {
    if (!r) { return; }
    const carte = this.carte;
    if (surTelephone()) { this.ouvrirTiroir(false); }
    // In the embed the list is under the map: the map comes into view for the popup.
    if (this.config.mode === 'embed') { carte.getContainer().scrollIntoView({ block: 'nearest' }); }
    const latlng = L.latLng(r.lat, r.lon);
    const zoom = Math.round(carte.getZoom());
    // The zoom where the training's place stands apart from clusters; a training sharing its
    // exact place with others is never drawn alone: its popup then opens over their place.
    const cible = Math.min(carte.getMaxZoom(), this.grappes.zoomIsole(r, r.lon, r.lat, zoom));
    const afficher = () => {
      this.grappes.rendre();
      this.afficherPopup(r, latlng);
      this.retourFocus = bouton;
    };
    this.retourFocus = null;
    if (zoom >= cible && carte.getBounds().pad(-0.1).contains(latlng)) {
      afficher();
    } else {
      carte.once('moveend', afficher);
      carte.setView(latlng, Math.max(zoom, cible));
    }
  }
};
