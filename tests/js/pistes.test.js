// The shared thin-result cases (tests/data/pistes_cases.json) against the page's pistes.js.
// pytest runs the same table against /api/formations/pistes (tests/api/test_pistes_cases.py).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { lireFiltres } from '../../static/js/filtres.js';
import { pistes, rayonSuggere } from '../../static/js/pistes.js';

const CAS = JSON.parse(readFileSync(new URL('../data/pistes_cases.json', import.meta.url), 'utf8'));
/** The page's filter rules, as the server hands them (pinned by tests/api/test_filter_cases.py). */
const { regles: REGLES_FILTRES } = JSON.parse(readFileSync(new URL('../data/filter_cases.json', import.meta.url), 'utf8'));
const REGLES = CAS.pistes;

/** Fresh copies: the filter module writes `distance_km` and `texte` on the rows. */
const lignes = () => CAS.lignes.map((r) => ({ ...r }));

for (const cas of CAS.cas) {
  test(`cas : ${cas.nom}`, () => {
    const { filtres, ignores } = lireFiltres(cas.requete, REGLES_FILTRES);
    assert.deepEqual(ignores, []);
    const trouve = pistes(lignes(), filtres, REGLES);
    const attendu = cas.reponse;
    assert.equal(trouve.nombre, attendu.nombre);
    assert.deepEqual(trouve.relachements, attendu.relachements);
    if (attendu.plus_proches === null) {
      assert.equal(trouve.plus_proches, null);
      return;
    }
    const proches = trouve.plus_proches;
    assert.equal(proches.rayon_suggere_km, attendu.plus_proches.rayon_suggere_km);
    assert.deepEqual(proches.formations.map((p) => p.r.id), attendu.plus_proches.formations.map((p) => p.id));
    proches.formations.forEach((p, i) => {
      // the API writes distances to the tenth
      assert.ok(Math.abs(p.distance_km - attendu.plus_proches.formations[i].distance_km) <= 0.05 + 1e-9);
    });
  });
}

test('le rayon proposé arrondit au pas supérieur, sans dépasser le plafond', () => {
  const pas = REGLES.pas_rayon_km;
  assert.equal(rayonSuggere(0.2, REGLES), pas);
  assert.equal(rayonSuggere(pas, REGLES), pas);
  assert.equal(rayonSuggere(pas + 0.1, REGLES), 2 * pas);
  assert.equal(rayonSuggere(REGLES.rayon_max_km * 3, REGLES), REGLES.rayon_max_km);
});
