/* Carte GEN — « Intégrer cette carte » (the iframe snippet) and the embed's height (methods). */

import { $ } from './dom.js';
import { lireEntier, versParametres } from './filtres.js';

export const integration = {
  relierIntegration() {
    const dialogue = $('dialogue-integrer');
    const ouvrir = $('ouvrir-integrer');
    if (!dialogue || !ouvrir) { return; }
    // The header's button, and the footer's (the one phones show).
    let retour = ouvrir;
    for (const bouton of [ouvrir, ...document.querySelectorAll('[data-ouvre-integrer]')]) {
      bouton.addEventListener('click', () => {
        retour = bouton;
        this.majExtrait();
        dialogue.showModal();
        $('integrer-largeur').focus();
      });
    }
    $('fermer-integrer').addEventListener('click', () => dialogue.close());
    dialogue.addEventListener('close', () => retour.focus());
    dialogue.addEventListener('input', () => this.majExtrait());
    dialogue.addEventListener('change', () => this.majExtrait());
    $('copier-integrer').addEventListener('click', () => {
      const zone = $('extrait-integrer');
      zone.select();
      const statut = $('statut-copie');
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(zone.value).then(() => { statut.textContent = 'Code copié.'; }, () => {
          statut.textContent = 'Copie impossible : sélectionnez le code et copiez-le.';
        });
      } else {
        statut.textContent = 'Sélectionnez le code et copiez-le.';
      }
    });
  },

  /** The iframe snippet for the current view, serialised by the browser (attributes escaped). */
  majExtrait() {
    const zone = $('extrait-integrer');
    if (!zone || !this.filtres) { return; }
    const base = this.config.url_publique ? this.config.url_publique.replace(/\/$/, '') : window.location.origin;
    const params = versParametres(this.filtres);
    params.set('liste', $('integrer-liste').checked ? '1' : '0');
    params.set('filtres', $('integrer-filtres').checked ? '1' : '0');
    const largeur = $('integrer-largeur').value.trim() || '100%';
    const hauteur = lireEntier($('integrer-hauteur').value) || 600;
    const cadre = document.createElement('iframe');
    cadre.setAttribute('src', base + this.config.embed_url + '?' + params.toString());
    cadre.setAttribute('title', 'Carte des formations Grande École du Numérique');
    cadre.setAttribute('width', /^\d+(%|px)?$/.test(largeur) ? largeur.replace(/px$/, '') : '100%');
    cadre.setAttribute('height', String(Math.max(0, hauteur)));
    cadre.setAttribute('style', 'border:0;max-width:100%');
    cadre.setAttribute('loading', 'lazy');
    cadre.setAttribute('allow', 'geolocation; fullscreen');
    cadre.setAttribute('data-carte-gen', '');
    let extrait = cadre.outerHTML;
    if ($('integrer-script').checked) {
      const script = document.createElement('script');
      script.setAttribute('src', base + this.config.resize_script_url);
      script.setAttribute('async', '');
      extrait += '\n' + script.outerHTML;
    }
    zone.value = extrait;
  },

  relierHauteur() {
    if (window.parent === window) { return; }
    if (window.ResizeObserver) {
      new ResizeObserver(() => this.signalerHauteur()).observe(document.body);
    }
    window.addEventListener('load', () => this.signalerHauteur());
    // A popup opened in a frame sized to its content may sit outside the host page's view:
    // the host script scrolls to it (this frame's area only). After the popup's own pan.
    this.carte.on('popupopen', (ev) => {
      const popup = ev.popup;
      const signaler = () => requestAnimationFrame(() => this.signalerVue(popup.getElement()));
      this.carte.once('moveend', signaler);
      signaler();
    });
  },

  /** Ask the host page to show a part of this frame (its rectangle, in document pixels). */
  signalerVue(element) {
    if (window.parent === window || !element || !element.isConnected) { return; }
    const r = element.getBoundingClientRect();
    const haut = Math.max(0, Math.floor(r.top + window.scrollY));
    const bas = Math.ceil(r.bottom + window.scrollY);
    window.parent.postMessage({ type: 'carte-gen:voir', haut, bas }, '*');
  },

  signalerHauteur() {
    if (window.parent === window) { return; }
    const hauteur = Math.ceil(document.body.getBoundingClientRect().height);
    if (hauteur === this.derniereHauteur) { return; }
    this.derniereHauteur = hauteur;
    // Only a height leaves the frame; the host script checks origin, source and shape.
    window.parent.postMessage({ type: 'carte-gen:hauteur', hauteur }, '*');
  }
};
