/* Carte GEN — the filter form: filled from the filters, read back into filters (methods).
 *
 * Only labels of our own tables are shown: a code of the URL that they do not know is named
 * « code inconnu », never written out, and the embed never shows the searched text.
 */

import { $, formatKm, option } from './dom.js';
import { aucunFiltre, dateDuJour, lireEntier, lireFiltres, versParametres } from './filtres.js';

const RAYON_PAR_DEFAUT = 20;
const INCONNU = 'code inconnu';

const decouper = (valeur) => (valeur ? valeur.split(',').filter(Boolean) : []);
const moisLibelle = (m) => m + ' mois';
/** The yes/no select's value of a filter (`true`, `false`, null), and back. */
const ouiNon = (v) => (v === null ? '' : v ? 'oui' : 'non');
const depuisOuiNon = (texte) => (texte === 'oui' ? true : texte === 'non' ? false : null);
/** Filters of the « Plus de critères » block: it is open whenever one of them is set. */
const CRITERES_REPLIES = ['niveau_sortie', 'public_vise', 'certifiante', 'alternance', 'session_avant'];
const dateFrancaise = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** An ISO date in French words (« 31 janvier 2027 »). */
function dateEnMots(iso) {
  const [annee, mois, jour] = iso.split('-').map(Number);
  const d = new Date(0);
  d.setUTCFullYear(annee, mois - 1, jour);
  return dateFrancaise.format(d);
}

/** Make each text field marked `data-champ-date` a date field, with the same attributes.
 *
 * The browser takes about 3 ms to build a date field (its locale's formats): in the page, that
 * was before the first markers, for a field of the closed « Plus de critères » block. A new
 * field takes the text field's place: changing the type in place, inside the closed block, left
 * it without a box once opened, in Chromium's phone emulation. */
function champsDate(racine) {
  for (const texte of racine.querySelectorAll('input[data-champ-date]')) {
    const date = document.createElement('input');
    date.type = 'date';
    for (const { name, value } of Array.from(texte.attributes)) {
      if (name !== 'type' && name !== 'data-champ-date') { date.setAttribute(name, value); }
    }
    date.value = texte.value;
    texte.replaceWith(date);
  }
}

/** Select the option of a list of values; several values (a preset) get an option of their own. */
function choisir(champ, liste, libelle) {
  if (!champ) { return; }
  const valeur = liste.join(',');
  if (valeur && !Array.from(champ.options).some((o) => o.value === valeur)) {
    champ.appendChild(option(valeur, liste.map(libelle).join(', ')));
  }
  champ.value = valeur;
}

export const formulaire = {
  relierFormulaire() {
    if (!this.formulaire) { return; }
    champsDate(this.formulaire);
    this.formulaire.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.depuisFormulaire({ ajuster: true });
    });
    this.formulaire.addEventListener('change', (ev) => {
      const cible = ev.target;
      if (cible.id === 'f-commune') { return; }
      if (cible.id === 'f-region') { $('f-departement').value = ''; this.remplirDepartements(); }
      this.depuisFormulaire({ ajuster: cible.id !== 'f-q' });
    });
    $('f-q').addEventListener('input', () => {
      this.rechercheCachee = false;
      clearTimeout(this.minuteurTexte);
      this.minuteurTexte = setTimeout(() => this.depuisFormulaire({ ajuster: false }), 150);
      clearTimeout(this.minuteurProposition);
      const texte = $('f-q').value.trim();
      this.minuteurProposition = setTimeout(() => this.proposerCommune(texte), 300);
    });
    $('reinitialiser').addEventListener('click', () => {
      this.positionLibelle = '';
      this.rechercheCachee = false;
      $('proposer-commune').textContent = '';
      this.filtres = aucunFiltre(dateDuJour());
      this.ecrireFormulaire(this.filtres);
      this.appliquer({ ajuster: true });
    });
    this.relierPosition();
  },

  nomRegion(code) {
    return Object.prototype.hasOwnProperty.call(this.regions, code) ? this.regions[code] : INCONNU;
  },

  nomDepartement(code) {
    const d = Object.prototype.hasOwnProperty.call(this.departements, code) ? this.departements[code] : null;
    return d ? code + ' – ' + d[0] : INCONNU;
  },

  remplirListesDeroulantes() {
    // The form was written from the URL before the tables came: those provisional options
    // (named « code inconnu ») go, and the next ecrireFormulaire picks the real ones.
    for (const id of ['f-region', 'f-type', 'f-duree-min', 'f-duree-max']) {
      const champ = $(id);
      while (champ.options.length > 1) { champ.remove(1); }
    }
    const region = $('f-region');
    const presentes = new Set(this.formations.map((r) => r.region));
    Object.keys(this.regions)
      .filter((c) => presentes.has(c))
      .sort((a, b) => this.regions[a].localeCompare(this.regions[b], 'fr'))
      .forEach((c) => region.appendChild(option(c, this.regions[c])));
    const type = $('f-type');
    for (const [c, libelle] of Object.entries(this.config.libelles.type_structure)) {
      type.appendChild(option(c, libelle));
    }
    const duree = this.metadonnees.duree_mois || { min: 3, max: 24 };
    for (const id of ['f-duree-min', 'f-duree-max']) {
      const champ = $(id);
      for (let m = duree.min; m <= duree.max; m++) { champ.appendChild(option(String(m), moisLibelle(m))); }
    }
    this.remplirDepartements();
  },

  remplirDepartements() {
    const champ = $('f-departement');
    const choisi = champ.value;
    const regions = decouper($('f-region').value);
    while (champ.options.length > 1) { champ.remove(1); }
    const presents = new Set(this.formations.map((r) => r.departement));
    Object.keys(this.departements)
      .filter((c) => presents.has(c) && (!regions.length || regions.includes(this.departements[c][1])))
      .sort((a, b) => a.localeCompare(b, 'fr', { numeric: true }))
      .forEach((c) => champ.appendChild(option(c, this.nomDepartement(c))));
    champ.value = choisi;
    if (champ.value !== choisi) { champ.value = ''; }
  },

  ecrireFormulaire(f) {
    choisir($('f-region'), f.region, (c) => this.nomRegion(c));
    if (this.formations.length) { this.remplirDepartements(); }
    choisir($('f-departement'), f.departement, (c) => this.nomDepartement(c));
    choisir($('f-type'), f.type_structure, (c) => this.libelle('type_structure', c));
    choisir($('f-duree-min'), f.duree_min === null ? [] : [String(f.duree_min)], moisLibelle);
    choisir($('f-duree-max'), f.duree_max === null ? [] : [String(f.duree_max)], moisLibelle);
    // The embed applies a searched text of its URL but never shows it.
    $('f-q').value = this.rechercheCachee ? '' : f.q;
    for (const c of document.querySelectorAll('input[name="modalite"]')) {
      c.checked = f.modalite.includes(c.value);
    }
    choisir($('f-niveau-sortie'), f.niveau_sortie, (c) => this.libelle('niveau_sortie', c) || INCONNU);
    for (const c of document.querySelectorAll('input[name="public_vise"]')) {
      c.checked = f.public_vise.includes(c.value);
    }
    $('f-certifiante').value = ouiNon(f.certifiante);
    $('f-alternance').value = ouiNon(f.alternance);
    $('f-session-avant').value = f.session_avant || '';
    if (CRITERES_REPLIES.some((nom) => (Array.isArray(f[nom]) ? f[nom].length : f[nom] !== null))) {
      $('plus-de-criteres').open = true;
    }
    const rayon = f.lat === null ? RAYON_PAR_DEFAUT : f.rayon_km;
    choisir($('f-rayon'), rayon === null ? [] : [String(rayon)], (km) => formatKm.format(Number(km)) + ' km');
    const position = $('position-active');
    const aPosition = f.lat !== null;
    position.hidden = !aPosition;
    $('oublier-position').hidden = !aPosition;
    if (aPosition) {
      position.textContent = 'Autour de ' + this.nomPosition(f) +
        (f.rayon_km === null ? ', sans limite de distance'
          : ', dans un rayon de ' + formatKm.format(f.rayon_km) + ' km');
    }
    this.resumerFiltres(f);
  },

  /** Each active filter in words, by name (our labels only; the embed names no searched text). */
  descriptionsFiltres(f) {
    const d = {};
    if (f.region.length) { d.region = f.region.map((c) => this.nomRegion(c)).join(', '); }
    if (f.departement.length) { d.departement = f.departement.map((c) => this.nomDepartement(c)).join(', '); }
    if (f.type_structure.length) {
      d.type_structure = f.type_structure.map((c) => this.libelle('type_structure', c) || INCONNU).join(', ');
    }
    if (f.modalite.length) { d.modalite = f.modalite.map((c) => this.libelle('modalite', c) || INCONNU).join(', '); }
    if (f.niveau_sortie.length) {
      d.niveau_sortie = 'niveau de sortie : ' +
        f.niveau_sortie.map((c) => this.libelle('niveau_sortie', c) || INCONNU).join(' ou ');
    }
    if (f.public_vise.length) {
      d.public_vise = 'ouvertes à : ' +
        f.public_vise.map((c) => this.libelle('public_vise', c) || INCONNU).join(' ou ');
    }
    if (f.certifiante !== null) { d.certifiante = f.certifiante ? 'certifiantes' : 'non certifiantes'; }
    if (f.alternance !== null) { d.alternance = f.alternance ? 'en alternance' : 'hors alternance'; }
    if (f.session_avant !== null) {
      d.session_avant = 'une session commençant au plus tard le ' + dateEnMots(f.session_avant) +
        ' et pas encore finie';
    }
    if (f.duree_min !== null) { d.duree_min = 'au moins ' + f.duree_min + ' mois'; }
    if (f.duree_max !== null) { d.duree_max = 'au plus ' + f.duree_max + ' mois'; }
    if (f.q.trim()) {
      // The embed names no searched text: it could be anyone's words in a shared link.
      d.q = this.config.mode === 'embed' ? 'une recherche par mots' : 'votre recherche : « ' + f.q.trim() + ' »';
    }
    if (f.lat !== null) {
      d.position = 'près de ' + this.nomPosition(f) +
        (f.rayon_km === null ? ', sans limite de distance' : ', à moins de ' + formatKm.format(f.rayon_km) + ' km');
    }
    if (f.bbox !== null) { d.bbox = 'dans une zone de la carte'; }
    return d;
  },

  /** The search point in words: the commune chosen or named (`nommerPosition`), « votre
   * position », or its coordinates. */
  nomPosition(f) {
    return this.positionLibelle || ('la position ' + formatKm.format(f.lat) + ', ' + formatKm.format(f.lon));
  },

  /** A sentence naming every active filter (kept in step by `appliquer`). */
  resumerFiltres(f) {
    const resume = $('resume-filtres');
    if (!resume) { return; }
    const d = this.descriptionsFiltres(f);
    const ordre = ['q', 'region', 'departement', 'type_structure', 'modalite', 'niveau_sortie', 'public_vise',
      'certifiante', 'alternance', 'session_avant', 'duree_min', 'duree_max', 'position', 'bbox'];
    const parties = ordre.filter((nom) => d[nom]).map((nom) => d[nom]);
    if (d.duree_min && d.duree_max) {
      parties.splice(parties.indexOf(d.duree_min), 2, 'de ' + f.duree_min + ' à ' + f.duree_max + ' mois');
    }
    resume.textContent = parties.length ? 'Sélection : ' + parties.join(' ; ') : 'Toutes les formations';
  },

  lireFormulaire() {
    const modalites = Array.from(document.querySelectorAll('input[name="modalite"]:checked'), (c) => c.value);
    const publics = Array.from(document.querySelectorAll('input[name="public_vise"]:checked'), (c) => c.value);
    const aPosition = this.filtres.lat !== null;
    const rayon = $('f-rayon').value;
    return {
      region: decouper($('f-region').value),
      departement: decouper($('f-departement').value),
      type_structure: decouper($('f-type').value),
      modalite: modalites,
      niveau_sortie: decouper($('f-niveau-sortie').value),
      public_vise: publics,
      certifiante: depuisOuiNon($('f-certifiante').value),
      alternance: depuisOuiNon($('f-alternance').value),
      session_avant: $('f-session-avant').value || null,
      aujourdhui: dateDuJour(),
      duree_min: lireEntier($('f-duree-min').value),
      duree_max: lireEntier($('f-duree-max').value),
      q: this.rechercheCachee ? this.filtres.q : $('f-q').value.trim(),
      lat: this.filtres.lat,
      lon: this.filtres.lon,
      rayon_km: aPosition && rayon ? Number(rayon) : null,
      bbox: this.filtres.bbox
    };
  },

  /** Apply the form; what the API would refuse (a minimum above the maximum) is left out. */
  depuisFormulaire(options) {
    const lu = lireFiltres(versParametres(this.lireFormulaire()).toString(), this.config.regles);
    this.filtres = lu.filtres;
    if (lu.ignores.length) { this.ecrireFormulaire(this.filtres); }
    this.appliquer(options);
  }
};
