// How the page reads a typed commune (static/js/pres-de-moi.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { communeUnique, lireSaisieCommune } from '../../static/js/pres-de-moi.js';

test('un nom, un code postal, ou les deux', () => {
  assert.deepEqual(lireSaisieCommune('Roubaix'), { nom: 'Roubaix', code: '' });
  assert.deepEqual(lireSaisieCommune(' 59100 '), { nom: '', code: '59100' });
  assert.deepEqual(lireSaisieCommune('Roubaix 59100'), { nom: 'Roubaix', code: '59100' });
  assert.deepEqual(lireSaisieCommune('Roubaix (59100)'), { nom: 'Roubaix', code: '59100' });
  assert.deepEqual(lireSaisieCommune('Roubaix, 59'), { nom: 'Roubaix', code: '59' });
  assert.deepEqual(lireSaisieCommune('Paris 15e'), { nom: 'Paris 15e', code: '' });
});

test('une commune n’est prise que sans ambiguïté', () => {
  const roubaix = { nom: 'Roubaix', code_postal: '59100' };
  const stDenis93 = { nom: 'Saint-Denis', code_postal: '93200' };
  const stDenis974 = { nom: 'Saint-Denis', code_postal: '97400' };
  const stDenisVal = { nom: 'Saint-Denis-en-Val', code_postal: '45560' };
  assert.equal(communeUnique([roubaix], lireSaisieCommune('roub')), roubaix);
  assert.equal(communeUnique([stDenis93, stDenis974, stDenisVal], lireSaisieCommune('Saint Denis')), null);
  assert.equal(communeUnique([stDenis93, stDenisVal], lireSaisieCommune('saint-denis')), stDenis93);
  assert.equal(communeUnique([], lireSaisieCommune('x')), null);
});
