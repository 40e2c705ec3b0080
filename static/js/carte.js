/* Carte GEN — the client of the map page and of the embed (the entry module).
 *
 * Loads the trainings once, filters them in the browser by the API's rules (filtres.js), and
 * keeps the markers, the list, the result count, the URL and the download links in step.
 * Folium's inline script leaves the Leaflet objects it made in `window.carteGenDepart`.
 *
 * Timings are left as performance marks and measures (`carte-gen:…`, the last of each kept),
 * which bench/bench_map.py reads with a PerformanceObserver.
 */

import { clavier } from './clavier.js';
import { relierDialogues } from './dialogues.js';
import { $, formatEntier } from './dom.js';
import { fiche } from './fiche.js';
import { fold, lireFiltres, selectionner, texteCherche, versParametres } from './filtres.js';
import { formulaire } from './formulaire.js';
import { integration } from './integration.js';
import { legende } from './legende.js';
import { liste } from './liste.js';
import { marqueurs } from './marqueurs.js';
import { affichagePistes } from './pistes.js';
import { majTelechargements } from './telechargements.js';
import { zone } from './zone.js';
import { presDeMoi } from './pres-de-moi.js';

/** Record a duration from `debut` (ms), keeping only the last one of that name. */
function mesurer(nom, debut) {
  performance.clearMeasures(nom);
  performance.measure(nom, { start: debut, end: performance.now() });
}

/** The rows of the map data's columns (app/routers/pages.py `map_columns`): each training
 * gets its id, position, place (trainings at the exact same position share one: the cluster
 * layer indexes places), its fields (null when missing), and the page's working fields.
 *
 * Every row is a copy of one model holding every field: rows then share one shape with fast
 * properties. Adding two dozen properties one by one under computed names would turn each
 * row into a slow dictionary (several times longer to build, and to filter after). */
function lignes({ nombre, position, colonnes }) {
  const lieux = position.valeurs;
  const codesLieux = position.codes;
  const ids = colonnes.id;
  const noms = Object.keys(colonnes).filter((nom) => nom !== 'id');
  const champs = { id: null, lon: null, lat: null, lieu: null, distance_km: null, marqueur: null, texte: null };
  for (const nom of noms) { champs[nom] = null; }
  const modele = JSON.parse(JSON.stringify(champs)); // JSON.parse makes fast properties
  const formations = new Array(nombre);
  for (let i = 0; i < nombre; i++) {
    const [lon, lat] = lieux[codesLieux[i]];
    const r = { ...modele };
    r.id = ids[i];
    r.lon = lon;
    r.lat = lat;
    r.lieu = codesLieux[i];
    formations[i] = r;
  }
  for (const nom of noms) {
    const colonne = colonnes[nom];
    const valeurs = Array.isArray(colonne) ? colonne : colonne.valeurs;
    const codes = Array.isArray(colonne) ? null : colonne.codes;
    for (let i = 0; i < nombre; i++) {
      const v = codes === null ? valeurs[i] : valeurs[codes[i]];
      if (v !== null) { formations[i][nom] = v; }
    }
  }
  return formations;
}

class Application {
  constructor({ carte, grappes, localisation, config }) {
    this.carte = carte;
    this.grappes = grappes;
    this.localisation = localisation;
    this.config = config;
    this.formations = [];
    this.resultats = [];
    this.nombreAffiches = 0;
    this.regions = {};
    this.departements = {};
    this.metadonnees = {};
    this.marqueurDePoint = (r) => this.marqueur(r);
    this.retourFocus = null;
    this.marqueurClavier = null; // a marker's element Enter was pressed on, until its popup opens
    this.indexToutes = null;
    this.positionLibelle = '';
    this.requeteCommunes = 0;
    this.pret = false;
  }

  demarrer() {
    const t0 = performance.now();
    this.formulaire = $('filtres');
    this.compte = $('compte');
    this.liste = $('liste-formations');
    this.plus = $('afficher-plus');
    this.relierFormulaire();
    this.relierListe();
    this.relierPistes();
    this.relierLegende();
    this.relierClavier();
    this.relierIntegration();
    relierDialogues();
    this.relierCarte();
    if (this.config.mode === 'embed') { this.relierHauteur(); }
    this.filtres = lireFiltres(window.location.search, this.config.regles).filtres;
    this.rechercheCachee = this.config.mode === 'embed' && this.filtres.q !== '';
    this.ecrireFormulaire(this.filtres);
    const nommee = this.nommerPosition();
    this.afficherMessage('Chargement des formations…');
    fetch(this.config.donnees_url, { credentials: 'same-origin' })
      .then((reponse) => {
        if (!reponse.ok) { throw new Error('HTTP ' + reponse.status); }
        return reponse.json();
      })
      .then((donnees) => nommee.then(() => donnees))
      .then((donnees) => {
        this.charger(donnees);
        mesurer('carte-gen:donnees', t0);
        this.remplirListesDeroulantes();
        this.ecrireFormulaire(this.filtres);
        this.appliquer({ ajuster: true });
        performance.mark('carte-gen:premiers-marqueurs');
        if (this.filtres.q && !this.rechercheCachee) { this.proposerCommune(this.filtres.q); }
        this.plierPlusTard();
        this.pret = true;
        document.documentElement.setAttribute('data-carte-prete', '1');
      })
      .catch((erreur) => {
        this.grappes.oublierPremiers();
        this.afficherMessage(this.compte.dataset.echec);
        if (window.console) { window.console.warn('carte-gen: chargement impossible', erreur); }
      });
  }

  /** Take the trainings of the map data: each row gets its place and working fields. */
  charger(donnees) {
    this.regions = donnees.regions || {};
    this.departements = donnees.departements || {};
    this.metadonnees = donnees.metadonnees || {};
    const colonnes = donnees.formations;
    this.formations = colonnes ? lignes(colonnes) : [];
    this.parLieu = new Array(colonnes ? colonnes.position.valeurs.length : 0);
    this.plies = 0;
    this.memoPlis = new Map();
  }

  /** Fold the searched texts of the trainings not folded yet, until `avant` (ms) if given.
   *
   * Repeated values (structures, communes) are folded once. It costs a few hundred
   * milliseconds at 50,000 trainings, so it is done after the first markers, in idle time,
   * or at the first search.
   */
  plierTextes(avant) {
    const formations = this.formations;
    const memo = this.memoPlis;
    const plie = (texte) => {
      let v = memo.get(texte);
      if (v === undefined) { v = fold(texte); memo.set(texte, v); }
      return v;
    };
    let i = this.plies;
    while (i < formations.length) {
      formations[i].texte = texteCherche(formations[i], plie);
      i += 1;
      if (avant !== undefined && i % 500 === 0 && performance.now() > avant) { break; }
    }
    this.plies = i;
    if (i === formations.length) { this.memoPlis = new Map(); }
    return i === formations.length;
  }

  /** Fold the texts in idle slices, so a search typed later finds them ready. */
  plierPlusTard() {
    const attendre = window.requestIdleCallback || ((f) => setTimeout(() => f(null), 50));
    const tranche = (delai) => {
      const fin = performance.now() + (delai && delai.timeRemaining ? Math.max(8, delai.timeRemaining()) : 16);
      if (!this.plierTextes(fin)) { attendre(tranche); }
    };
    attendre(tranche);
  }

  appliquer(options = {}) {
    const t = performance.now();
    const f = this.filtres;
    if (f.q && this.plies < this.formations.length) { this.plierTextes(); }
    const resultats = selectionner(this.formations, f);
    this.resultats = resultats;
    // Index first, then set the view (its moveend draws the new clusters), then draw in case
    // the view did not move: only the markers of the view are made.
    this.indexer(resultats, f);
    this.dessinerZone(f);
    if (options.ajuster) { this.ajusterVue(resultats, f); }
    this.grappes.rendre();
    mesurer('carte-gen:marqueurs', t);
    document.documentElement.setAttribute('data-marqueurs', String(resultats.length));
    this.rendreListe();
    this.majCompte(resultats.length);
    this.resumerFiltres(f);
    this.rendrePistes();
    const params = versParametres(f);
    this.majUrl(params);
    this.majLiens(params);
    mesurer('carte-gen:mise-a-jour', t);
    if (this.config.mode === 'embed') { this.signalerHauteur(); }
  }

  majCompte(n) {
    let texte;
    if (n === 0) { texte = 'Aucune formation ne correspond à ces critères.'; }
    else if (n === 1) { texte = '1 formation'; }
    else { texte = formatEntier.format(n) + ' formations'; }
    this.compte.textContent = texte;
    this.compte.setAttribute('data-nombre', String(n));
    const bouton = $('basculer-liste');
    if (bouton) { bouton.querySelector('.nombre').textContent = formatEntier.format(n); }
  }

  /** The URL says the filters the page applies (parameters it ignored are gone from it). */
  majUrl(params) {
    const url = new URLSearchParams(params.toString());
    if (this.config.mode === 'embed') {
      const actuels = new URLSearchParams(window.location.search);
      for (const nom of this.config.parametres_affichage) { if (actuels.has(nom)) { url.set(nom, actuels.get(nom)); } }
    }
    const qs = url.toString();
    const cible = window.location.pathname + (qs ? '?' + qs : '') + window.location.hash;
    if (cible !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(null, '', cible);
    }
  }

  majLiens(params) {
    const qs = params.toString();
    majTelechargements(this.config.api_url, params, this.resultats.length);
    const complete = $('ouvrir-carte-complete');
    if (complete) { complete.href = this.config.page_url + (qs ? '?' + qs : ''); }
    this.majExtrait();
  }

  relierCarte() {
    // The map's box changes with the page (filters folded, drawer, embed resized): Leaflet
    // only watches the window, and a stale size leaves markers and tiles out of its view.
    if (window.ResizeObserver) {
      new ResizeObserver(() => this.carte.invalidateSize({ pan: false })).observe(this.carte.getContainer());
    }
    this.carte.on('popupclose', () => {
      const bouton = this.retourFocus;
      this.retourFocus = null;
      if (bouton && document.body.contains(bouton)) {
        if (this.liste && this.liste.contains(bouton) && window.matchMedia('(max-width: 800px)').matches) {
          this.ouvrirTiroir(true);
        }
        bouton.focus();
      }
    });
    this.grappes.on('grappeindivisible', (ev) => this.listerGrappe(ev));
  }

  afficherMessage(texte) {
    if (this.compte) { this.compte.textContent = texte; }
  }
}

Object.assign(
  Application.prototype, affichagePistes, clavier, fiche, formulaire, integration, legende, liste, marqueurs, presDeMoi, zone
);

const depart = window.carteGenDepart;
if (depart) {
  const application = new Application(depart);
  // A handle for the tests: readiness, the application, and a view of every result.
  window.carteGen = {
    application,
    get pret() { return application.pret; },
    voirTout() { application.voirTout(); }
  };
  application.demarrer();
}
