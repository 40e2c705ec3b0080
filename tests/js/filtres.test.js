// The shared filter cases (tests/data/filter_cases.json) against the page's filter module.
// pytest runs the same table against the API (tests/api/test_filter_cases.py).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { PLIS } from '../../static/js/pli-table.js';
import { fold, lireFiltres, selectionner, versParametres } from '../../static/js/filtres.js';

const CAS = JSON.parse(readFileSync(new URL('../data/filter_cases.json', import.meta.url), 'utf8'));
const REGLES = CAS.regles;
const AUJOURDHUI = CAS.aujourdhui;

/** Fresh copies: the module writes `distance_km` and `texte` on the rows. */
const lignes = () => CAS.lignes.map((r) => ({ ...r }));

for (const cas of CAS.cas) {
  test(`cas : ${cas.nom}`, () => {
    const { filtres, ignores } = lireFiltres(cas.requete, REGLES, AUJOURDHUI);
    assert.deepEqual(ignores, cas.ignores ?? []);
    assert.deepEqual(selectionner(lignes(), filtres).map((r) => r.id), cas.ids);
    // The page's URL reads back as the same filters, with nothing left to ignore.
    const relu = lireFiltres(versParametres(filtres).toString(), REGLES, AUJOURDHUI);
    assert.deepEqual(relu.ignores, []);
    assert.deepEqual(selectionner(lignes(), relu.filtres).map((r) => r.id), cas.ids);
  });
}

test('les nombres sont lus comme par le modèle de requête de l’API', () => {
  for (const n of CAS.nombres) {
    const texte = encodeURIComponent(n.texte);
    const duree = lireFiltres(`duree_min=${texte}`, REGLES).filtres.duree_min;
    assert.equal(duree === null ? null : duree + 0, n.duree_min, `duree_min=${JSON.stringify(n.texte)}`);
    const lat = lireFiltres(`lat=${texte}&lon=0`, REGLES).filtres.lat;
    assert.equal(lat, n.lat, `lat=${JSON.stringify(n.texte)}`);
  }
});

test('fold plie chaque texte comme geo.text.fold', () => {
  for (const [texte, attendu] of CAS.plis) { assert.equal(fold(texte), attendu, texte); }
});

test('fold plie chaque point de code comme la table tirée de geo.text.fold', () => {
  const table = new Map();
  let code = 0;
  for (const [ecart, longueur, valeur] of PLIS) {
    code += ecart;
    for (let i = 0; i < longueur; i++) { table.set(code + i, valeur); }
    code += longueur;
  }
  let ecarts = 0;
  for (let c = 0; c < 0x110000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) { continue; }
    const caractere = String.fromCodePoint(c);
    let attendu;
    if (c < 0x80) {
      attendu = /[0-9A-Za-z]/.test(caractere) ? 'x' + caractere.toLowerCase() + 'x' : 'x x';
    } else {
      const valeur = table.has(c) ? table.get(c) : ' ';
      attendu = ('x' + valeur + 'x').replace(/ +/g, ' ');
    }
    if (fold('x' + caractere + 'x') !== attendu) { ecarts++; }
  }
  assert.equal(ecarts, 0);
});
