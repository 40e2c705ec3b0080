/* Carte GEN — no dead end: when a selection is empty or thin, what would widen it.
 *
 * Computed in the page with the API's own rules (filtres.js `selectionner`) on the trainings
 * it already holds: the nearest matches beyond the radius, the radius that takes them in, and
 * how many trainings each active filter removes.
 */

import { $, el, formatEntier, formatKm } from './dom.js';
import { aucunFiltre, selectionner } from './filtres.js';
import { titreDe } from './marqueurs.js';

/** Below this many results, the page suggests how to widen the selection. */
export const PEU_DE_RESULTATS = 3;
/** How many of the nearest trainings beyond the radius are named. */
export const PLUS_PROCHES = 3;

/** The filters a user can drop one at a time, in the order they are offered. */
export const FILTRES_RELACHABLES = [
  'q', 'duree_max', 'duree_min', 'modalite', 'type_structure', 'departement', 'region', 'bbox'
];

/** The filters `f` without the one named `nom`. */
export function sansFiltre(f, nom) {
  const vide = aucunFiltre();
  return { ...f, [nom]: vide[nom] };
}

function estActif(f, nom) {
  const v = f[nom];
  return Array.isArray(v) ? v.length > 0 : v !== null && v !== '';
}

/** A radius (km) that takes in a distance: 5 km steps up to 100 km, then 10 km steps. */
export function rayonCouvrant(distance, maximum) {
  const pas = distance < 100 ? 5 : 10;
  const rayon = Math.max(pas, Math.ceil(distance / pas) * pas);
  return maximum !== undefined ? Math.min(rayon, maximum) : rayon;
}

/** What would widen a thin selection.
 *
 * Returns `{proches, rayon, relachements}`: `proches` are up to PLUS_PROCHES trainings beyond
 * the radius (nearest first, each with its `distance_km`), `rayon` the radius that takes them
 * all in (null without a radius), and `relachements` the active filters whose removal alone
 * gives more results, as `{nom, nombre}`. Rows keep the `distance_km` of the selection `f`.
 */
export function pistes(lignes, f, nombreActuel, bornesRayon = {}) {
  const resultat = { proches: [], rayon: null, relachements: [] };
  if (f.lat !== null && f.rayon_km !== null) {
    const sansRayon = selectionner(lignes, { ...f, rayon_km: null });
    const au = sansRayon.filter((r) => r.distance_km > f.rayon_km).slice(0, PLUS_PROCHES);
    resultat.proches = au.map((r) => ({ r, distance_km: r.distance_km }));
    if (au.length) {
      resultat.rayon = rayonCouvrant(au[au.length - 1].distance_km, bornesRayon.maximum);
      if (resultat.rayon <= f.rayon_km) { resultat.rayon = null; }
    }
  }
  for (const nom of FILTRES_RELACHABLES) {
    if (!estActif(f, nom)) { continue; }
    const nombre = selectionner(lignes, sansFiltre(f, nom)).length;
    if (nombre > nombreActuel) { resultat.relachements.push({ nom, nombre }); }
  }
  selectionner(lignes, f); // the selection's own distances, on the rows the list shows
  return resultat;
}

const pluriel = (n, mot) => formatEntier.format(n) + ' ' + mot + (n > 1 ? 's' : '');

/** The « widen your selection » panel under the count (methods of the application). */
export const affichagePistes = {
  relierPistes() {
    const zone = $('pistes');
    if (!zone) { return; }
    zone.addEventListener('click', (ev) => {
      const bouton = ev.target.closest('button[data-piste]');
      if (!bouton) { return; }
      const piste = bouton.getAttribute('data-piste');
      if (piste === 'rayon') {
        this.filtres = { ...this.filtres, rayon_km: Number(bouton.getAttribute('data-rayon')) };
      } else if (FILTRES_RELACHABLES.includes(piste)) {
        if (piste === 'q') { this.rechercheCachee = false; }
        this.filtres = sansFiltre(this.filtres, piste);
      } else {
        return;
      }
      this.ecrireFormulaire(this.filtres);
      this.appliquer({ ajuster: true });
      // The button is gone with the panel: the focus goes to the new count.
      this.compte.focus({ preventScroll: false });
    });
  },

  /** Show what would widen the selection when it has fewer than PEU_DE_RESULTATS results. */
  rendrePistes() {
    const zone = $('pistes');
    if (!zone) { return; }
    zone.textContent = '';
    const n = this.resultats.length;
    if (!this.formations.length || n >= PEU_DE_RESULTATS) { zone.hidden = true; return; }
    const f = this.filtres;
    const trouve = pistes(this.formations, f, n, this.config.regles.bornes.rayon_km);
    if (!trouve.proches.length && !trouve.relachements.length) { zone.hidden = true; return; }
    if (trouve.proches.length) {
      zone.appendChild(el('p', 'pistes-titre', 'Au-delà de ' + formatKm.format(f.rayon_km) +
        ' km, les formations les plus proches :'));
      const liste = el('ul', 'pistes-proches');
      for (const { r, distance_km: d } of trouve.proches) {
        const li = el('li');
        li.appendChild(el('span', 'titre', titreDe(r)));
        li.appendChild(document.createTextNode(' — ' + [r.commune, 'à ' + formatKm.format(d) + ' km']
          .filter(Boolean).join(', ')));
        liste.appendChild(li);
      }
      zone.appendChild(liste);
      if (trouve.rayon !== null) {
        const elargir = el('button', 'bouton-secondaire', 'Élargir à ' + formatKm.format(trouve.rayon) + ' km');
        elargir.type = 'button';
        elargir.setAttribute('data-piste', 'rayon');
        elargir.setAttribute('data-rayon', String(trouve.rayon));
        zone.appendChild(elargir);
      }
    }
    if (trouve.relachements.length) {
      const descriptions = this.descriptionsFiltres(f);
      zone.appendChild(el('p', 'pistes-titre', trouve.proches.length ? 'Ou retirez un critère :' : 'Pour en voir plus, retirez un critère :'));
      const liste = el('ul', 'pistes-relacher');
      for (const { nom, nombre } of trouve.relachements) {
        const li = el('li');
        const critere = nom === 'q' ? 'Sans la recherche par mots' : 'Sans « ' + descriptions[nom] + ' »';
        const bouton = el('button', 'bouton-lien', critere + ' : ' + pluriel(nombre, 'formation'));
        bouton.type = 'button';
        bouton.setAttribute('data-piste', nom);
        li.appendChild(bouton);
        liste.appendChild(li);
      }
      zone.appendChild(liste);
    }
    zone.hidden = false;
  }
};
