// How « près de moi » rounds a position before it goes in the page's address
// (static/js/pres-de-moi.js); the browser test checks the address itself.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { arrondi, DECIMALES_COMMUNE, DECIMALES_NAVIGATEUR } from '../../static/js/pres-de-moi.js';

test('la position du navigateur est arrondie à environ un kilomètre', () => {
  assert.equal(arrondi(45.764043, DECIMALES_NAVIGATEUR), 45.76);
  assert.equal(arrondi(4.835659, DECIMALES_NAVIGATEUR), 4.84);
  assert.equal(arrondi(-21.115141, DECIMALES_NAVIGATEUR), -21.12);
  assert.equal(String(arrondi(48.856614, DECIMALES_NAVIGATEUR)), '48.86');
});

test('celle d’une commune, publique, garde le mètre', () => {
  assert.equal(arrondi(45.764043, DECIMALES_COMMUNE), 45.76404);
  assert.equal(arrondi(4.835659, DECIMALES_COMMUNE), 4.83566);
});

test('arrondir ne décale jamais de plus d’un demi-pas', () => {
  for (let i = 0; i < 2000; i++) {
    const valeur = (i * 7919 % 36000) / 100 - 180 + i / 1e6;
    const pas = 10 ** -DECIMALES_NAVIGATEUR;
    assert.ok(Math.abs(arrondi(valeur, DECIMALES_NAVIGATEUR) - valeur) <= pas / 2 + 1e-12);
  }
});
