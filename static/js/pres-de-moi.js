/* Carte GEN — « près de moi »: the browser's position, or a commune chosen in the
 * autocomplete, becomes the search point (methods of the application). */

import { $, el } from './dom.js';

/** The one commune a typed text means: the only answer, or the only one bearing the typed
 * name (the API reads the text and says so: `nom_exact`). */
export function communeUnique(communes) {
  if (communes.length === 1) { return communes[0]; }
  const exactes = communes.filter((c) => c.nom_exact === true);
  return exactes.length === 1 ? exactes[0] : null;
}

/** « 1 commune proposée », « 2 communes proposées ». */
export function communesProposees(n) {
  if (!n) { return 'Aucune commune trouvée'; }
  return n + (n > 1 ? ' communes proposées' : ' commune proposée');
}

/** Decimals kept of a commune's position (about a metre: it is public) and of the browser's
 * own (about a kilometre): the page's address, shared and written in server logs, never says
 * where a visitor stands, and a search by distance needs no more. */
export const DECIMALES_COMMUNE = 5;
export const DECIMALES_NAVIGATEUR = 2;
/** How the page names the browser's position, rounded to DECIMALES_NAVIGATEUR. */
export const VOTRE_POSITION = 'votre position (à 1 km près)';

/** How long the first results may wait for the name of a shared search point (ms). */
const ATTENTE_NOM_POSITION_MS = 3000;

/** `valeur` rounded to `decimales` decimals. */
export function arrondi(valeur, decimales) {
  const facteur = 10 ** decimales;
  return Math.round(valeur * facteur) / facteur;
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
      const lat = arrondi(ev.latlng.lat, DECIMALES_NAVIGATEUR);
      const lon = arrondi(ev.latlng.lng, DECIMALES_NAVIGATEUR);
      if (f && f.lat === lat && f.lon === lon) { return; }
      this.fixerPosition(lat, lon, VOTRE_POSITION, DECIMALES_NAVIGATEUR);
    });
    this.relierCommunes();
    this.relierPropositionCommune();
  },

  /** A search point the page's address holds only as coordinates (a shared or reloaded page)
   * is named after its commune, from our gazetteer (/api/communes/position), if it has one.
   * The promise settles (never fails) once it is named or cannot be, within
   * ATTENTE_NOM_POSITION_MS: the page shows its first results after, so that the name does
   * not change the panel's height, and the map's on phones, once the view is set. */
  nommerPosition() {
    const { lat, lon } = this.filtres;
    if (lat === null || this.positionLibelle) { return Promise.resolve(); }
    const url = this.config.commune_position_url + '?' +
      new URLSearchParams({ lat: String(lat), lon: String(lon) }).toString();
    const options = { credentials: 'same-origin' };
    if (AbortSignal.timeout) { options.signal = AbortSignal.timeout(ATTENTE_NOM_POSITION_MS); }
    return fetch(url, options)
      .then((r) => (r.ok ? r.json() : []))
      .catch(() => [])
      .then((communes) => {
        const f = this.filtres;
        if (!Array.isArray(communes) || communes.length !== 1 || typeof communes[0].nom !== 'string') { return; }
        if (f.lat !== lat || f.lon !== lon || this.positionLibelle) { return; } // moved since
        this.positionLibelle = communes[0].nom;
      });
  },

  /** Search around (`lat`, `lon`), rounded to `decimales`, named `libelle`. */
  fixerPosition(lat, lon, libelle, decimales) {
    const rayon = $('f-rayon').value;
    this.filtres = this.lireFormulaire();
    this.filtres.lat = arrondi(lat, decimales);
    this.filtres.lon = arrondi(lon, decimales);
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
      this.fixerPosition(pos.coords.latitude, pos.coords.longitude, VOTRE_POSITION, DECIMALES_NAVIGATEUR);
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

  /** Communes answering a typed text (« Roubaix », « 59100 », « Roubaix 59100 », « 59100 Roubaix »,
   * « Roubaix (59) »: /api/communes reads every form).
   *
   * Resolves to null when a newer search was started meanwhile.
   */
  chercherCommunes(texte, limite = 8) {
    const numero = ++this.requeteCommunes;
    const url = this.config.communes_url + '?' + new URLSearchParams({ q: texte, limit: String(limite) }).toString();
    return fetch(url, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : []))
      .catch(() => [])
      .then((reponse) => {
        if (numero !== this.requeteCommunes) { return null; }
        return Array.isArray(reponse) ? reponse : [];
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
      const unique = communeUnique(communes);
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
    const cacher = () => { zone.textContent = ''; this.communeProposee = null; };
    if (this.rechercheCachee || texte.length < 3 || !/[^\s\d]{3}/u.test(texte)) { cacher(); return; }
    const url = this.config.communes_url + '?' + new URLSearchParams({ q: texte, limit: '50' }).toString();
    fetch(url, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : []))
      .catch(() => [])
      .then((reponse) => {
        if (numero !== this.requeteProposition) { return; }
        const exactes = (Array.isArray(reponse) ? reponse : []).filter((c) => c.nom_exact === true);
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
    $('communes-statut').textContent = communesProposees(communes.length);
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
    this.fixerPosition(lat, lon, c.nom, DECIMALES_COMMUNE);
  }
};
