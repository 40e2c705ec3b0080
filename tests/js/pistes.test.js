// What the page offers when a selection is thin (static/js/pistes.js), on the shared rows.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { aucunFiltre, selectionner } from '../../static/js/filtres.js';
import { FILTRES_RELACHABLES, pistes, rayonCouvrant, sansFiltre } from '../../static/js/pistes.js';

const CAS = JSON.parse(readFileSync(new URL('../data/filter_cases.json', import.meta.url), 'utf8'));
const lignes = () => CAS.lignes.map((r) => ({ ...r }));

test('le rayon proposé couvre la distance, par pas de 5 km puis de 10 km', () => {
  assert.equal(rayonCouvrant(32.8), 35);
  assert.equal(rayonCouvrant(35), 35);
  assert.equal(rayonCouvrant(0.2), 5);
  assert.equal(rayonCouvrant(101), 110);
  assert.equal(rayonCouvrant(480, 300), 300);
});

test('les plus proches au-delà du rayon, et le rayon qui les prend tous', () => {
  const rows = lignes();
  const f = { ...aucunFiltre(), lat: 45.764, lon: 4.8357, rayon_km: 1 };
  const dedans = selectionner(rows, f);
  const trouve = pistes(rows, f, dedans.length);
  const tous = selectionner(lignes(), { ...f, rayon_km: null });
  const attendus = tous.filter((r) => r.distance_km > 1).slice(0, 3);
  assert.deepEqual(trouve.proches.map((p) => p.r.id), attendus.map((r) => r.id));
  const dernier = attendus[attendus.length - 1].distance_km;
  assert.ok(trouve.rayon >= dernier);
  assert.equal(selectionner(lignes(), { ...f, rayon_km: trouve.rayon }).length >= dedans.length + 3, true);
  // the rows keep the distances of the selection itself
  for (const r of dedans) { assert.ok(r.distance_km <= 1); }
});

test('chaque filtre actif dont le retrait seul donne plus de résultats est proposé', () => {
  const rows = lignes();
  const f = { ...aucunFiltre(), region: ['84'], modalite: ['distanciel'], duree_max: 3 };
  const n = selectionner(rows, f).length;
  const trouve = pistes(rows, f, n);
  const attendus = [];
  for (const nom of FILTRES_RELACHABLES) {
    const actif = Array.isArray(f[nom]) ? f[nom].length > 0 : f[nom] !== null && f[nom] !== '';
    if (!actif) { continue; }
    const nombre = selectionner(lignes(), sansFiltre(f, nom)).length;
    if (nombre > n) { attendus.push({ nom, nombre }); }
  }
  assert.ok(attendus.length > 0);
  assert.deepEqual(trouve.relachements, attendus);
  assert.equal(trouve.rayon, null);
  assert.deepEqual(trouve.proches, []);
});
