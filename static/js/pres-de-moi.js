/* Carte GEN — « près de moi »: the browser's position, or a commune chosen in the
 * autocomplete, becomes the search point (methods of the application). */

import { $, el } from './dom.js';
import { distanceKm } from './filtres.js';

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
    champ.addEventListener('input', () => {
      clearTimeout(this.minuteurCommunes);
      const texte = champ.value.trim();
      if (texte.length < 2) { this.fermerSuggestions(); return; }
      this.minuteurCommunes = setTimeout(() => this.chercherCommunes(texte), 200);
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
        if (n) { this.choisirCommune(this.suggestions[Math.max(0, this.suggestionActive)]); }
      } else if (ev.key === 'Escape') {
        this.fermerSuggestions();
      }
    });
    champ.addEventListener('blur', () => { setTimeout(() => this.fermerSuggestions(), 200); });
    liste.addEventListener('mousedown', (ev) => ev.preventDefault());
    liste.addEventListener('click', (ev) => {
      const li = ev.target.closest('li[data-index]');
      if (li) { this.choisirCommune(this.suggestions[Number(li.getAttribute('data-index'))]); }
    });
  },

  chercherCommunes(texte) {
    const numero = ++this.requeteCommunes;
    const url = this.config.communes_url + '?' + new URLSearchParams({ q: texte, limit: '8' }).toString();
    fetch(url, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : []))
      .then((communes) => {
        if (numero !== this.requeteCommunes) { return; }
        this.montrerSuggestions(Array.isArray(communes) ? communes : (communes.communes || []));
      })
      .catch(() => this.montrerSuggestions([]));
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
    $('communes-statut').textContent = ouvert ? communes.length + ' communes proposées' : 'Aucune commune trouvée';
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
    $('f-commune').value = c.nom;
    this.fermerSuggestions();
    this.fixerPosition(lat, lon, c.nom);
  }
};
