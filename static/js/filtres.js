/* Carte GEN — the filter rules of the page: read a query string exactly as /api/formations
 * reads it, and select trainings by the same rules.
 *
 * The limits and allowed values come from the server (`regles`, built from the API's query
 * model); the rules themselves are pinned to the API's by tests/data/filter_cases.json, run by
 * pytest against the API and by `node --test` against this module.
 *
 * A parameter the API would refuse (400/422) is ignored by the page, as if it were absent: a
 * shared URL never breaks the page, and nothing the page did not understand is shown.
 */

import { PLIS } from './pli-table.js';

// ---------------------------------------------------------------- text

/** Code point → what geo.text.fold makes of it (generated from Python: see pli-table.js). */
const PLI = (() => {
  const table = new Map();
  let code = 0;
  for (const [ecart, longueur, valeur] of PLIS) {
    code += ecart;
    for (let i = 0; i < longueur; i++) { table.set(code + i, valeur); }
    code += longueur;
  }
  return table;
})();

/** Same folding as geo.text.fold: lower case, no accents, punctuation as single spaces. */
export function fold(texte) {
  const s = String(texte);
  let sortie;
  if (/^[\x00-\x7f]*$/.test(s)) {
    sortie = s.toLowerCase();
  } else {
    const parties = [];
    for (const c of s) {
      const code = c.codePointAt(0);
      if (code < 0x80) {
        parties.push(c.toLowerCase());
      } else {
        const valeur = PLI.get(code);
        parties.push(valeur === undefined ? ' ' : valeur);
      }
    }
    sortie = parties.join('');
  }
  return sortie.replace(/[^0-9a-z]+/g, ' ').trim();
}

/** What Python's str.strip() removes (str.isspace), used for the comma-separated values. */
const ESPACES_PYTHON = '\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003' +
  '\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
/** What the API's number parsing trims (Unicode White_Space). */
const ESPACES_NOMBRES = '\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005' +
  '\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

function rogner(texte, espaces) {
  let debut = 0;
  let fin = texte.length;
  while (debut < fin && espaces.includes(texte[debut])) { debut++; }
  while (fin > debut && espaces.includes(texte[fin - 1])) { fin--; }
  return texte.slice(debut, fin);
}

/** Python's str.strip(). */
export function rognerPython(texte) { return rogner(texte, ESPACES_PYTHON); }

/** Length in code points, as Python (and the API's max_length) counts it. */
function longueur(texte) { return [...texte].length; }

// ---------------------------------------------------------------- numbers (as the API reads them)

const ENTIER = /^[+-]?[0-9]+$/;
const DECIMAL = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
const NON_FINI = /^[+-]?(inf|infinity|nan)$/i;

/** Underscores between two digits only, removed (null when misplaced or absent). */
function sansSoulignesEntreChiffres(texte) {
  if (!texte.includes('_') || !/^[^_]*(?:(?<=[0-9])_(?=[0-9])[^_]*)*$/.test(texte)) { return null; }
  return texte.replace(/_/g, '');
}

/** Underscores neither first, last nor doubled, removed (null otherwise). */
function sansSoulignes(texte) {
  if (!texte.includes('_') || texte.startsWith('_') || texte.endsWith('_') || texte.includes('__')) {
    return null;
  }
  return texte.replace(/_/g, '');
}

function entierSimple(texte) {
  if (ENTIER.test(texte)) { return Number(texte); }
  const sans = sansSoulignesEntreChiffres(texte);
  return sans !== null && ENTIER.test(sans) ? Number(sans) : null;
}

/** An integer as the API's query model reads one (`6`, ` 6 `, `+6`, `6.0`, `1_0`), else null. */
export function lireEntier(texte) {
  const s = rogner(texte, ESPACES_NOMBRES);
  if (s.length > 4300) { return null; }
  // The API skips zeros and underscores leading the text, even before a sign: `0-6` is -6.
  const negatif = /^\+?0[0_]*-_?/.exec(s);
  if (negatif) {
    const reste = s.slice(negatif[0].length);
    return /^(0|[1-9][0-9]*(_[0-9]+)*)(\.0+)?$/.test(reste) ? -entierDe(reste) + 0 : null;
  }
  return entierDe(s.replace(/^(\+?)0[0_]*(?=[0-9])/, '$1'));
}

function entierDe(s) {
  if (ENTIER.test(s)) { return Number(s); }
  const point = s.indexOf('.');
  if (point >= 0) {
    const fraction = s.slice(point + 1);
    if (fraction.length && /^0+$/.test(fraction)) { return entierSimple(s.slice(0, point)); }
  }
  const sans = sansSoulignesEntreChiffres(s);
  return sans !== null && ENTIER.test(sans) ? Number(sans) : null;
}

/** A finite number as the API's query model reads one (`6`, `+6`, `1e-4`, `.5`), else null. */
export function lireNombre(texte) {
  const s = rogner(texte, ESPACES_NOMBRES);
  let lu = null;
  if (DECIMAL.test(s)) {
    lu = Number(s);
  } else if (NON_FINI.test(s)) {
    lu = Infinity;
  } else {
    const sans = sansSoulignes(texte); // the API removes them from the untrimmed text
    if (sans !== null && DECIMAL.test(sans)) { lu = Number(sans); }
    if (sans !== null && NON_FINI.test(sans)) { lu = Infinity; }
  }
  return lu !== null && Number.isFinite(lu) ? lu : null;
}

function dansBornes(n, bornes) {
  if (n === null) { return null; }
  if (bornes.minimum !== undefined && n < bornes.minimum) { return null; }
  if (bornes.maximum !== undefined && n > bornes.maximum) { return null; }
  if (bornes.minimum_exclu !== undefined && n <= bornes.minimum_exclu) { return null; }
  return n;
}

// ---------------------------------------------------------------- query string → filters

/** Filters meaning « every training ».
 *
 * `aujourdhui` is not a filter: the day (`YYYY-MM-DD`) from which a session counts as not over
 * for `session_avant` (the browser's date, as the API takes the server's). */
export function aucunFiltre(aujourdhui = null) {
  return {
    region: [], departement: [], type_structure: [], modalite: [], niveau_sortie: [], public_vise: [],
    certifiante: null, alternance: null, session_avant: null,
    duree_min: null, duree_max: null, q: '', lat: null, lon: null, rayon_km: null, bbox: null,
    aujourdhui
  };
}

const deuxChiffres = (n) => String(n).padStart(2, '0');

/** Today's date in the browser, as `YYYY-MM-DD`. */
export function dateDuJour(maintenant = new Date()) {
  return String(maintenant.getFullYear()).padStart(4, '0') + '-' + deuxChiffres(maintenant.getMonth() + 1) +
    '-' + deuxChiffres(maintenant.getDate());
}

/** A `YYYY-MM-DD` date that exists in the calendar (years 1 to 9999, as the API), else null. */
export function lireDate(texte, regles) {
  if (!new RegExp(regles.motif_date).test(texte)) { return null; }
  const [annee, mois, jour] = texte.split('-').map(Number);
  const d = new Date(0);
  d.setUTCFullYear(annee, mois - 1, jour);
  const existe = annee >= 1 && d.getUTCFullYear() === annee && d.getUTCMonth() === mois - 1 &&
    d.getUTCDate() === jour;
  return existe ? texte : null;
}

/** Repeated and comma-separated values, stripped, without empties or duplicates (as the API). */
function valeurs(toutes) {
  const vues = [];
  for (const v of toutes) {
    for (let partie of v.split(',')) {
      partie = rognerPython(partie);
      if (partie && !vues.includes(partie)) { vues.push(partie); }
    }
  }
  return vues;
}

/** Whether a text matches the pattern the API's query model sets for a parameter, if any.
 *
 * The API's patterns run on Rust's regex engine: `\s` is Unicode White_Space there. Its `\d`
 * also takes other scripts' digits, which no number of the API accepts anyway.
 */
function conforme(regles, nom, texte) {
  const motif = (regles.motifs || {})[nom];
  if (!motif) { return true; }
  const traduit = motif.replace(/\\s/g, '[' + ESPACES_NOMBRES + ']').replace(/\\d/g, '[0-9]');
  return new RegExp(traduit, 'u').test(texte);
}

/** A region or département code as the API accepts one: 1 to 3 ASCII letters or digits. */
const CODE_INSEE = /^[0-9A-Za-z]{1,3}$/;

function lireBbox(texte) {
  const parties = texte.split(',').map(rognerPython);
  if (parties.length !== 4) { return null; }
  const n = parties.map(lireNombre);
  if (n.some((v) => v === null)) { return null; }
  const [ouest, sud, est, nord] = n;
  if (Math.abs(ouest) > 180 || Math.abs(est) > 180 || Math.abs(sud) > 90 || Math.abs(nord) > 90) {
    return null;
  }
  return sud <= nord ? [ouest, sud, est, nord] : null;
}

/** Read the filters of a query string as the API does.
 *
 * Returns `{filtres, ignores}`: `ignores` names the parameters the API would refuse, which the
 * page leaves out (with those that cannot stand without them, like `lon` without `lat`).
 */
export function lireFiltres(recherche, regles, aujourdhui = dateDuJour()) {
  const p = new URLSearchParams(recherche);
  const bornes = regles.bornes;
  const f = aucunFiltre(aujourdhui);
  const ignores = new Set();
  // Non-repeatable parameters: the last value counts, as in the API.
  const dernier = (nom) => { const v = p.getAll(nom); return v.length ? v[v.length - 1] : null; };

  for (const nom of regles.facettes) {
    const liste = valeurs(p.getAll(nom));
    const permis = regles.valeurs[nom];
    const valide = liste.length <= regles.valeurs_max &&
      liste.every((v) => (permis ? permis.includes(v) : CODE_INSEE.test(v)));
    if (valide) { f[nom] = liste; } else { ignores.add(nom); }
  }
  for (const nom of regles.oui_non) {
    const texte = dernier(nom);
    if (texte === null) { continue; }
    const valeur = Object.prototype.hasOwnProperty.call(regles.valeurs_oui_non, texte)
      ? regles.valeurs_oui_non[texte] : null;
    if (valeur === null) { ignores.add(nom); } else { f[nom] = valeur; }
  }
  const session = dernier('session_avant');
  if (session !== null) {
    f.session_avant = lireDate(session, regles);
    if (f.session_avant === null) { ignores.add('session_avant'); }
  }
  for (const nom of ['duree_min', 'duree_max']) {
    const texte = dernier(nom);
    if (texte === null) { continue; }
    const n = dansBornes(lireEntier(texte), bornes[nom]);
    if (n === null) { ignores.add(nom); } else { f[nom] = n; }
  }
  for (const nom of ['lat', 'lon', 'rayon_km']) {
    const texte = dernier(nom);
    if (texte === null) { continue; }
    const n = dansBornes(lireNombre(texte), bornes[nom]);
    if (n === null) { ignores.add(nom); } else { f[nom] = n; }
  }
  const q = dernier('q');
  if (q !== null) {
    if (longueur(q) > regles.longueurs_max.q || !conforme(regles, 'q', q)) {
      ignores.add('q');
    } else {
      f.q = q;
    }
  }
  const bbox = dernier('bbox');
  if (bbox !== null) {
    if (longueur(bbox) > regles.longueurs_max.bbox || !conforme(regles, 'bbox', bbox)) {
      ignores.add('bbox');
    } else if (rognerPython(bbox)) {
      f.bbox = lireBbox(bbox);
      if (f.bbox === null) { ignores.add('bbox'); }
    }
  }
  // Rules between parameters, after the refused ones are left out.
  if (f.duree_min !== null && f.duree_max !== null && f.duree_min > f.duree_max) {
    f.duree_min = null;
    ignores.add('duree_min');
  }
  if ((f.lat === null) !== (f.lon === null)) {
    ignores.add('lat'); // the API names the missing one: both are left out
    ignores.add('lon');
    f.lat = null;
    f.lon = null;
  }
  if (f.lat === null && f.rayon_km !== null) {
    f.rayon_km = null;
    ignores.add('rayon_km');
  }
  return { filtres: f, ignores: [...ignores].sort() };
}

/** The filters as API query parameters, in a stable order (the page's URL and links). */
export function versParametres(f) {
  const p = new URLSearchParams();
  for (const nom of ['region', 'departement', 'type_structure']) {
    if (f[nom].length) { p.set(nom, f[nom].join(',')); }
  }
  for (const m of f.modalite) { p.append('modalite', m); }
  for (const nom of ['niveau_sortie', 'public_vise']) {
    if (f[nom].length) { p.set(nom, f[nom].join(',')); }
  }
  for (const nom of ['certifiante', 'alternance']) {
    if (f[nom] !== null) { p.set(nom, f[nom] ? 'oui' : 'non'); }
  }
  if (f.session_avant !== null) { p.set('session_avant', f.session_avant); }
  if (f.duree_min !== null) { p.set('duree_min', String(f.duree_min)); }
  if (f.duree_max !== null) { p.set('duree_max', String(f.duree_max)); }
  if (f.q) { p.set('q', f.q); }
  if (f.lat !== null && f.lon !== null) {
    p.set('lat', String(f.lat));
    p.set('lon', String(f.lon));
    if (f.rayon_km !== null) { p.set('rayon_km', String(f.rayon_km)); }
  }
  if (f.bbox !== null) { p.set('bbox', f.bbox.join(',')); }
  return p;
}

/** Whether any filter is set. */
export function estFiltre(f) {
  return f.region.length > 0 || f.departement.length > 0 || f.type_structure.length > 0 ||
    f.modalite.length > 0 || f.niveau_sortie.length > 0 || f.public_vise.length > 0 ||
    f.certifiante !== null || f.alternance !== null || f.session_avant !== null || f.duree_min !== null || f.duree_max !== null || motsDe(f).length > 0 ||
    f.lat !== null || f.bbox !== null;
}

// ---------------------------------------------------------------- selection

const RAYON_TERRE_KM = 6371.0088; // geo.geodesy.EARTH_RADIUS_KM
const RAD = Math.PI / 180;

/** Great-circle distance in km, computed as geo.geodesy.distances_km does. */
export function distanceKm(lon1, lat1, lon2, lat2) {
  const phi1 = lat1 * RAD;
  const phi2 = lat2 * RAD;
  const a = Math.sin((phi2 - phi1) / 2) ** 2 +
    Math.cos(phi1) * Math.cos(phi2) * Math.sin((lon2 * RAD - lon1 * RAD) / 2) ** 2;
  return 2 * RAYON_TERRE_KM * Math.asin(Math.sqrt(Math.min(1, Math.max(0, a))));
}

/** Distinct words of the folded search text. */
export function motsDe(f) {
  return f.q ? [...new Set(fold(f.q).split(' ').filter(Boolean))] : [];
}

/** The folded « intitule structure commune » of a training (the API's searched text). */
export function texteCherche(r, plier = fold) {
  return plier(r.intitule || '') + ' ' + plier(r.structure || '') + ' ' + plier(r.commune || '');
}

/** Whether a training has a certification (what `certifiante` asks). */
export function estCertifiante(r) {
  return typeof r.certification === 'string' && r.certification !== '';
}

/** Whether a training has a session starting on or before `avant` and not over on `aujourdhui`
 * (an unknown start never matches; an unknown end is never over). Rows carry their sessions as
 * `[debut, fin]` pairs of ISO dates or nulls, which compare as texts. */
export function aUneSession(r, avant, aujourdhui) {
  for (const [debut, fin] of r.sessions || []) {
    if (debut !== null && debut <= avant && (fin === null || fin >= aujourdhui)) { return true; }
  }
  return false;
}

function dansBbox(r, b) {
  const [ouest, sud, est, nord] = b;
  if (r.lat < sud || r.lat > nord) { return false; }
  return ouest <= est ? r.lon >= ouest && r.lon <= est : r.lon >= ouest || r.lon <= est;
}

/** Trainings matching the filters, nearest first when a position is set (as the API).
 *
 * Rows carry `id`, `lon`, `lat` and the properties the filters read; a row's `texte` (its
 * folded searched text) is computed when missing. Each selected row gets `distance_km`.
 */
export function selectionner(lignes, f) {
  const mots = motsDe(f);
  const ensemble = (nom) => (f[nom].length ? new Set(f[nom]) : null);
  const regions = ensemble('region');
  const departements = ensemble('departement');
  const types = ensemble('type_structure');
  const modalites = ensemble('modalite');
  const niveaux = ensemble('niveau_sortie');
  const publics = ensemble('public_vise');
  const avecPosition = f.lat !== null && f.lon !== null;
  const resultat = [];
  for (let i = 0; i < lignes.length; i++) {
    const r = lignes[i];
    // A missing (null) value is in no set: a filter on it never matches it.
    if (regions !== null && !regions.has(r.region)) { continue; }
    if (departements !== null && !departements.has(r.departement)) { continue; }
    if (types !== null && !types.has(r.type_structure)) { continue; }
    if (modalites !== null && !modalites.has(r.modalite)) { continue; }
    if (niveaux !== null && !niveaux.has(r.niveau_sortie)) { continue; }
    if (publics !== null && !(Array.isArray(r.public_vise) && r.public_vise.some((v) => publics.has(v)))) {
      continue;
    }
    if (f.certifiante !== null && estCertifiante(r) !== f.certifiante) { continue; }
    if (f.alternance !== null && r.alternance !== f.alternance) { continue; }
    if (f.session_avant !== null && !aUneSession(r, f.session_avant, f.aujourdhui)) { continue; }
    const duree = r.duree_mois ?? null;
    if (f.duree_min !== null && !(duree !== null && duree >= f.duree_min)) { continue; }
    if (f.duree_max !== null && !(duree !== null && duree <= f.duree_max)) { continue; }
    if (mots.length) {
      if (r.texte == null) { r.texte = texteCherche(r); }
      if (!mots.every((mot) => r.texte.includes(mot))) { continue; }
    }
    if (f.bbox !== null && !dansBbox(r, f.bbox)) { continue; }
    if (avecPosition) {
      const d = distanceKm(f.lon, f.lat, r.lon, r.lat);
      if (f.rayon_km !== null && !(d <= f.rayon_km)) { continue; }
      r.distance_km = d;
      resultat.push({ r, i });
    } else {
      r.distance_km = null;
      resultat.push(r);
    }
  }
  if (!avecPosition) { return resultat; }
  // Nearest first; equal distances keep the rows' order (the API's stable sort).
  resultat.sort((a, b) => a.r.distance_km - b.r.distance_km || a.i - b.i);
  return resultat.map((e) => e.r);
}
