// How the page takes a typed commune from /api/communes' answer (static/js/pres-de-moi.js).
// The API reads the typed text (tests/geo/test_commune_query.py, tests/api/test_communes.py).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { communeUnique, communesProposees } from '../../static/js/pres-de-moi.js';

test('une commune n’est prise que sans ambiguïté', () => {
  const roubaix = { nom: 'Roubaix', code_postal: '59100', nom_exact: false };
  const stDenis93 = { nom: 'Saint-Denis', code_postal: '93200', nom_exact: true };
  const stDenis974 = { nom: 'Saint-Denis', code_postal: '97400', nom_exact: true };
  const stDenisVal = { nom: 'Saint-Denis-en-Val', code_postal: '45560', nom_exact: false };
  assert.equal(communeUnique([roubaix]), roubaix); // the only answer, even to « roub »
  assert.equal(communeUnique([stDenis93, stDenis974, stDenisVal]), null);
  assert.equal(communeUnique([stDenis93, stDenisVal]), stDenis93); // the only one of that name
  assert.equal(communeUnique([roubaix, stDenisVal]), null);
  assert.equal(communeUnique([]), null);
});

test('le nombre de communes proposées s’accorde', () => {
  assert.equal(communesProposees(0), 'Aucune commune trouvée');
  assert.equal(communesProposees(1), '1 commune proposée');
  assert.equal(communesProposees(2), '2 communes proposées');
  assert.equal(communesProposees(8), '8 communes proposées');
});
