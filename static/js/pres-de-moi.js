/* Carte GEN — « près de moi »: the browser's position, or a commune chosen in the
 * autocomplete, becomes the search point (methods of the application). */

import { $, el } from './dom.js';
import { distanceKm, fold } from './filtres.js';

/** A typed commune: its name and the digits of a postcode or département, either may be ''. */
export function lireSaisieCommune(texte) {
  const t = String(texte).trim();
  if (/^[0-9]{2,5}$/.test(t)) { return { nom: '', code: t }; }
  const m = /^(.*?[^0-9\s,(])[\s,]*\(?\s*([0-9]{2,5})\s*\)?$/u.exec(t);
  return m ? { nom: m[1].trim(), code: m[2] } : { nom: t, code: '' };
}

/** Whether a commune of /api/communes fits the typed name and code. */
function convient(c, saisie) {
  if (!saisie.code) { return true; } // the API matched the name (old commune names included)
  if (saisie.nom && !fold(c.nom).startsWith(fold(saisie.nom))) { return false; }
  if ((c.code_postal || '').startsWith(saisie.code)) { return true; }
  return saisie.code.length < 5 && String(c.departement || '').startsWith(saisie.code);
}

/** The one commune a typed text means: the only answer, or the only one named exactly so. */
export function communeUnique(communes, saisie) {
  if (communes.length === 1) { return communes[0]; }
  if (!saisie.nom) { return null; }
  const exactes = communes.filter((c) => fold(c.nom) === fold(saisie.nom));
  return exactes.length === 1 ? exactes[0] : null;
}

export const presDeMoi = {
  relierPosition() {
    $('autour-de-moi').addEventListener('click', () => this.geolocaliser());
    $('oublier-position').addEventListener('click', () => {
      this.filtres.lat = null;
      this.filtres.lon = null;
      this.filtres.rayon_km = null;
      this.positionLibelle = '';
      $('f-commune').value = '';
      this.ecrireFormulaire(this.filtres);
      this.appliquer({ ajuster: true });
    });
    this.carte.on('locationfound', (ev) => {
      const f = this.filtres;
      if (f && f.lat !== null && distanceKm(f.lon, f.lat, ev.latlng.lng, ev.latlng.lat) < 0.1) { return; }
      this.fixerPosition(ev.latlng.lat, ev.latlng.lng, 'votre position');
    });
    this.relierCommunes();
    this.relierPropositionCommune();
  },

  fixerPosition(lat, lon, libelle) {
    const rayon = $('f-rayon').value;
    this.filtres = this.lireFormulaire();
    this.filtres.lat = Math.round(lat * 1e5) / 1e5;
    this.filtres.lon = Math.round(lon * 1e5) / 1e5;
    if (this.filtres.rayon_km === null && rayon) { this.filtres.rayon_km = Number(rayon); }
    this.positionLibelle = libelle;
    this.ecrireFormulaire(this.filtres);
    this.appliquer({ ajuster: true });
  },

  geolocaliser() {
    const statut = $('statut-position');
    if (!navigator.geolocation) {
      statut.textContent = 'Votre navigateur ne permet pas la géolocalisation : choisissez une commune.';
      return;
    }
    statut.textContent = 'Recherche de votre position…';
    navigator.geolocation.getCurrentPosition((pos) => {
      statut.textContent = '';
      this.fixerPosition(pos.coords.latitude, pos.coords.longitude, 'votre position');
    }, () => {
      statut.textContent = 'Position indisponible : autorisez la géolocalisation ou choisissez une commune.';
    }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 });
  },

  relierCommunes() {
    const champ = $('f-commune');
    const liste = $('communes-suggestions');
    this.suggestions = [];
    this.suggestionActive = -1;
    this.communeChoisie = null;
    champ.addEventListener('input', () => {
      clearTimeout(this.minuteurCommunes);
      this.communeChoisie = null;
      const texte = champ.value.trim();
      if (texte.length < 2) { this.fermerSuggestions(); return; }
      this.minuteurCommunes = setTimeout(() => {
        this.chercherCommunes(texte).then((communes) => {
          if (communes !== null) { this.montrerSuggestions(communes); }
        });
      }, 200);
    });
    champ.addEventListener('keydown', (ev) => {
      const n = this.suggestions.length;
      if (ev.key === 'ArrowDown' && n) {
        ev.preventDefault();
        this.activerSuggestion((this.suggestionActive + 1) % n);
      } else if (ev.key === 'ArrowUp' && n) {
        ev.preventDefault();
        this.activerSuggestion((this.suggestionActive - 1 + n) % n);
      } else if (ev.key === 'Enter') {
        ev.preventDefault();
        if (n && this.suggestionActive >= 0) {
          this.choisirCommune(this.suggestions[this.suggestionActive]);
        } else {
          this.resoudreCommune({ montrer: true });
        }
      } else if (ev.key === 'Escape') {
        this.fermerSuggestions();
      }
    });
    // Leaving the field with a typed name takes it when only one commune answers to it.
    champ.addEventListener('change', () => this.resoudreCommune({ montrer: false }));
    champ.addEventListener('blur', () => { setTimeout(() => this.fermerSuggestions(), 200); });
    liste.addEventListener('mousedown', (ev) => ev.preventDefault());
    liste.addEventListener('click', (ev) => {
      const li = ev.target.closest('li[data-index]');
      if (li) { this.choisirCommune(this.suggestions[Number(li.getAttribute('data-index'))]); }
    });
  },

  /** Communes answering a typed text (« Roubaix », « 59100 », « Roubaix 59100 », « Roubaix (59) »).
   *
   * Resolves to null when a newer search was started meanwhile.
   */
  chercherCommunes(texte, limite = 8) {
    const numero = ++this.requeteCommunes;
    const saisie = lireSaisieCommune(texte);
    // With a full postcode, the communes of that postcode, kept when their name fits.
    const q = saisie.nom && saisie.code.length === 5 ? saisie.code : (saisie.nom || saisie.code);
    const limit = saisie.nom && saisie.code ? '50' : String(limite);
    const url = this.config.communes_url + '?' + new URLSearchParams({ q, limit }).toString();
    return fetch(url, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : []))
      .catch(() => [])
      .then((reponse) => {
        if (numero !== this.requeteCommunes) { return null; }
        const communes = Array.isArray(reponse) ? reponse : [];
        return communes.filter((c) => convient(c, saisie)).slice(0, limite);
      });
  },

  /** Take the typed commune when one commune answers to it; else say what to do. */
  resoudreCommune({ montrer }) {
    const champ = $('f-commune');
    const texte = champ.value.trim();
    const statut = $('statut-position');
    if (texte.length < 2 || texte === this.communeChoisie || texte === this.communeEnCours) { return; }
    clearTimeout(this.minuteurCommunes);
    this.communeEnCours = texte;
    this.chercherCommunes(texte).then((communes) => {
      this.communeEnCours = null;
      if (communes === null || champ.value.trim() !== texte) { return; }
      const unique = communeUnique(communes, lireSaisieCommune(texte));
      if (unique) {
        statut.textContent = '';
        this.choisirCommune(unique);
      } else if (!communes.length) {
        this.fermerSuggestions();
        statut.textContent = 'Aucune commune ne correspond à « ' + texte + ' » : vérifiez le nom ou le code postal.';
      } else {
        if (montrer) { this.montrerSuggestions(communes); }
        statut.textContent = communes.length + ' communes correspondent : choisissez-en une dans la liste.';
      }
    });
  },

  /** When the searched words are a commune's name, offer to search near it instead. */
  proposerCommune(texte) {
    const zone = $('proposer-commune');
    if (!zone) { return; }
    const numero = ++this.requeteProposition;
    const saisie = lireSaisieCommune(texte);
    const cacher = () => { zone.textContent = ''; this.communeProposee = null; };
    if (this.rechercheCachee || saisie.nom.length < 3 || /[0-9]/.test(saisie.nom)) { cacher(); return; }
    const q = saisie.code.length === 5 ? saisie.code : saisie.nom;
    const url = this.config.communes_url + '?' + new URLSearchParams({ q, limit: '50' }).toString();
    fetch(url, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : []))
      .catch(() => [])
      .then((reponse) => {
        if (numero !== this.requeteProposition) { return; }
        const communes = (Array.isArray(reponse) ? reponse : []).filter((c) => convient(c, saisie));
        const exactes = communes.filter((c) => fold(c.nom) === fold(saisie.nom));
        if (!exactes.length) { cacher(); return; }
        // Several communes of that name: the most populated first (the API's order).
        const c = exactes[0];
        this.communeProposee = c;
        zone.textContent = '';
        const bouton = el('button', 'bouton-lien', 'Chercher près de ' + c.nom +
          (c.code_postal ? ' (' + c.code_postal + ')' : '') + ' ?');
        bouton.type = 'button';
        bouton.id = 'chercher-pres-de';
        zone.appendChild(bouton);
      });
  },

  relierPropositionCommune() {
    const zone = $('proposer-commune');
    if (!zone) { return; }
    this.requeteProposition = 0;
    zone.addEventListener('click', (ev) => {
      const c = this.communeProposee;
      if (!ev.target.closest('button') || !c) { return; }
      $('f-q').value = '';
      zone.textContent = '';
      this.communeProposee = null;
      this.choisirCommune(c);
      $('f-commune').focus();
    });
  },

  montrerSuggestions(communes) {
    const champ = $('f-commune');
    const liste = $('communes-suggestions');
    liste.textContent = '';
    this.suggestions = communes;
    this.suggestionActive = -1;
    champ.removeAttribute('aria-activedescendant');
    communes.forEach((c, i) => {
      const li = el('li', 'suggestion', c.nom + (c.code_postal ? ' (' + c.code_postal + ')' : ''));
      li.id = 'commune-suggestion-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.setAttribute('data-index', String(i));
      liste.appendChild(li);
    });
    const ouvert = communes.length > 0;
    liste.hidden = !ouvert;
    champ.setAttribute('aria-expanded', ouvert ? 'true' : 'false');
    $('communes-statut').textContent = ouvert
      ? communes.length + (communes.length > 1 ? ' communes proposées' : ' commune proposée')
      : 'Aucune commune trouvée';
  },

  activerSuggestion(i) {
    const liste = $('communes-suggestions');
    Array.from(liste.children).forEach((li, j) => li.setAttribute('aria-selected', j === i ? 'true' : 'false'));
    this.suggestionActive = i;
    $('f-commune').setAttribute('aria-activedescendant', 'commune-suggestion-' + i);
  },

  fermerSuggestions() {
    const liste = $('communes-suggestions');
    liste.hidden = true;
    liste.textContent = '';
    this.suggestions = [];
    this.suggestionActive = -1;
    const champ = $('f-commune');
    champ.setAttribute('aria-expanded', 'false');
    champ.removeAttribute('aria-activedescendant');
  },

  choisirCommune(c) {
    if (!c) { return; }
    const lat = Number(c.lat);
    const lon = Number(c.lon);
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) { return; }
    const champ = $('f-commune');
    champ.value = c.nom + (c.code_postal ? ' ' + c.code_postal : '');
    this.communeChoisie = champ.value;
    $('statut-position').textContent = '';
    this.fermerSuggestions();
    this.fixerPosition(lat, lon, c.nom);
  }
};
