/* Carte GEN — no dead end: when a selection is empty or thin, what would widen it.
 *
 * The same answers as /api/formations/pistes (app/pistes.py), computed in the page with the
 * API's filter rules (filtres.js `selectionner`) on the trainings it already holds, and with
 * the constants the server hands it (`config.pistes`: the thin threshold, how many nearest
 * trainings, the radius step and cap, the criteria that can be dropped). The shared cases of
 * tests/data/pistes_cases.json are run against both.
 */

import { $, el, formatEntier, formatKm } from './dom.js';
import { aucunFiltre, selectionner } from './filtres.js';
import { titreDe } from './marqueurs.js';

/** The filters `f` without the criterion named `nom` (back to « any »). */
export function sansFiltre(f, nom) {
  const vide = aucunFiltre();
  return { ...f, [nom]: vide[nom] };
}

const identiques = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** A radius (km) taking in a distance: rounded up to the step, at most the cap. */
export function rayonSuggere(distance, regles) {
  const pas = regles.pas_rayon_km;
  return Math.min(Math.max(1, Math.ceil(distance / pas)) * pas, regles.rayon_max_km);
}

/** What would widen the selection `f` of `lignes`, as /api/formations/pistes answers it.
 *
 * Returns `{nombre, plus_proches, relachements}`. `plus_proches` is null unless a radius is set
 * and fewer than `regles.peu_de_resultats` trainings match; else `{formations, rayon_suggere_km}`
 * where `formations` are up to `regles.plus_proches` `{r, distance_km}` beyond the radius,
 * nearest first. `relachements` are `{parametre, nombre}` for each criterion of
 * `regles.criteres` whose removal alone gives more, most first. Every
 * selection made is around the same point: the rows keep the distances the list shows.
 */
export function pistes(lignes, f, regles) {
  const nombre = selectionner(lignes, f).length;
  let plusProches = null;
  if (f.lat !== null && f.rayon_km !== null && nombre < regles.peu_de_resultats) {
    const au = selectionner(lignes, { ...f, rayon_km: null })
      .filter((r) => r.distance_km > f.rayon_km).slice(0, regles.plus_proches);
    const formations = au.map((r) => ({ r, distance_km: r.distance_km }));
    let rayon = null;
    if (formations.length) {
      rayon = rayonSuggere(formations[formations.length - 1].distance_km, regles);
      if (rayon <= f.rayon_km || rayon < formations[0].distance_km) { rayon = null; }
    }
    plusProches = { formations, rayon_suggere_km: rayon };
  }
  const vide = aucunFiltre();
  const relachements = [];
  for (const nom of regles.criteres) {
    if (identiques(f[nom], vide[nom])) { continue; }
    const n = selectionner(lignes, sansFiltre(f, nom)).length;
    if (n > nombre) { relachements.push({ parametre: nom, nombre: n }); }
  }
  relachements.sort((a, b) => b.nombre - a.nombre); // stable: ties keep the criteria's order
  return { nombre, plus_proches: plusProches, relachements };
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
      } else if (this.config.pistes.criteres.includes(piste)) {
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

  /** Show what would widen the selection when it is thin (the server's threshold). */
  rendrePistes() {
    const zone = $('pistes');
    if (!zone) { return; }
    zone.textContent = '';
    const regles = this.config.pistes;
    const n = this.resultats.length;
    if (!this.formations.length || n >= regles.peu_de_resultats) { zone.hidden = true; return; }
    const f = this.filtres;
    const trouve = pistes(this.formations, f, regles);
    const proches = trouve.plus_proches ? trouve.plus_proches.formations : [];
    if (!proches.length && !trouve.relachements.length) { zone.hidden = true; return; }
    if (proches.length) {
      zone.appendChild(el('p', 'pistes-titre', 'Au-delà de ' + formatKm.format(f.rayon_km) +
        ' km, les formations les plus proches :'));
      const liste = el('ul', 'pistes-proches');
      for (const { r, distance_km: d } of proches) {
        const li = el('li');
        li.appendChild(el('span', 'titre', titreDe(r)));
        li.appendChild(document.createTextNode(' — ' + [r.commune, 'à ' + formatKm.format(d) + ' km']
          .filter(Boolean).join(', ')));
        liste.appendChild(li);
      }
      zone.appendChild(liste);
      const rayon = trouve.plus_proches.rayon_suggere_km;
      if (rayon !== null) {
        const elargir = el('button', 'bouton-secondaire', 'Élargir à ' + formatKm.format(rayon) + ' km');
        elargir.type = 'button';
        elargir.setAttribute('data-piste', 'rayon');
        elargir.setAttribute('data-rayon', String(rayon));
        zone.appendChild(elargir);
      }
    }
    if (trouve.relachements.length) {
      const descriptions = this.descriptionsFiltres(f);
      zone.appendChild(el('p', 'pistes-titre', proches.length ? 'Ou retirez un critère :' : 'Pour en voir plus, retirez un critère :'));
      const liste = el('ul', 'pistes-relacher');
      for (const { parametre, nombre } of trouve.relachements) {
        const li = el('li');
        const critere = parametre === 'q' ? 'Sans la recherche par mots'
          : 'Sans « ' + (descriptions[parametre] || 'ce critère') + ' »';
        const bouton = el('button', 'bouton-lien', critere + ' : ' + pluriel(nombre, 'formation'));
        bouton.type = 'button';
        bouton.setAttribute('data-piste', parametre);
        li.appendChild(bouton);
        liste.appendChild(li);
      }
      zone.appendChild(liste);
    }
    zone.hidden = false;
  }
};
