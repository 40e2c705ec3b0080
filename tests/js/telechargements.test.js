// The download links follow the selection (static/js/telechargements.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FORMATS, liensTelechargement } from '../../static/js/telechargements.js';

test('chaque lien porte les filtres et son format', () => {
  const liens = liensTelechargement('/api/formations', 'region=84&modalite=hybride');
  assert.equal(liens.geojson, '/api/formations?region=84&modalite=hybride');
  for (const format of FORMATS) {
    const url = new URL(liens[format], 'http://carte.invalid');
    assert.equal(url.pathname, '/api/formations');
    assert.equal(url.searchParams.get('region'), '84');
    assert.equal(url.searchParams.get('modalite'), 'hybride');
    assert.equal(url.searchParams.get('format'), format);
  }
});

test('sans filtre, les liens demandent toute la carte', () => {
  const liens = liensTelechargement('/api/formations', '');
  assert.equal(liens.geojson, '/api/formations');
  assert.equal(liens.csv, '/api/formations?format=csv');
  assert.equal(liens.lheo, '/api/formations?format=lheo');
});

test('un format déjà présent est remplacé, jamais doublé', () => {
  const liens = liensTelechargement('/api/formations', 'format=csv&q=r%C3%A9seau');
  assert.equal(liens.geojson, '/api/formations?q=r%C3%A9seau');
  const xlsx = new URL(liens.xlsx, 'http://carte.invalid');
  assert.deepEqual(xlsx.searchParams.getAll('format'), ['xlsx']);
  assert.equal(xlsx.searchParams.get('q'), 'réseau');
});
