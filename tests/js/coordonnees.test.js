// The links the popup and the list build from a training's data (static/js/coordonnees.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { certificationSure, courrielSur, telephoneSur } from '../../static/js/coordonnees.js';

// The schema's rule as the page configuration carries it (app/map/fiche.py); the browser
// tests check the page against geo.schema itself.
const REGLE = {
  motif: '^(RNCP|RS)([0-9]{1,6})$',
  url: 'https://www.francecompetences.fr/recherche/{registre}/{numero}/'
};

test('une adresse électronique simple est gardée, rien qui ajoute des en-têtes', () => {
  assert.equal(courrielSur(' accueil@ecole.invalid '), 'accueil@ecole.invalid');
  for (const faux of ['a@b.fr?bcc=tous@x.fr', 'a@b.fr\nBcc: x@y.fr', 'javascript:alert(1)', 'a b@c.fr', '@b.fr',
    'a@b', '<a@b.fr>', null, 12]) {
    assert.equal(courrielSur(faux), null, String(faux));
  }
});

test('un numéro français se lit par paires, le lien ne garde que les chiffres', () => {
  assert.deepEqual(telephoneSur('0320000000'), { numero: '0320000000', texte: '03 20 00 00 00' });
  assert.deepEqual(telephoneSur('03.20.00.00.00'), { numero: '0320000000', texte: '03 20 00 00 00' });
  assert.deepEqual(telephoneSur('01 23 45 67 89'), { numero: '0123456789', texte: '01 23 45 67 89' });
  assert.deepEqual(telephoneSur('+33123456789'), { numero: '+33123456789', texte: '+33 1 23 45 67 89' });
});

test('un numéro étranger ou d’outre-mer garde sa forme, espaces rangés', () => {
  assert.deepEqual(telephoneSur('+262  262 12 34 56'), { numero: '+262262123456', texte: '+262 262 12 34 56' });
  assert.deepEqual(telephoneSur('+32 2 123 45 67'), { numero: '+3221234567', texte: '+32 2 123 45 67' });
});

test('un numéro douteux n’a pas de lien', () => {
  for (const faux of ['javascript:alert(1)', '12', '01 23 45 67 89 ext. 4', '+33 1 23 45 67 89 00 00 00 00',
    '0123456789<script>', '', null, 123456789]) {
    assert.equal(telephoneSur(faux), null, String(faux));
  }
});

test('un code de certification mène à sa fiche France Compétences', () => {
  assert.deepEqual(certificationSure('RNCP37873', REGLE), {
    code: 'RNCP37873', url: 'https://www.francecompetences.fr/recherche/rncp/37873/'
  });
  assert.deepEqual(certificationSure('RS5432', REGLE), {
    code: 'RS5432', url: 'https://www.francecompetences.fr/recherche/rs/5432/'
  });
});

test('ce qui n’est pas un code de certification n’a pas de lien', () => {
  for (const faux of ['rncp37873', 'RNCP', 'RNCP1234567', 'RNCP 37873', 'RNCP37873/../../x', 'javascript:alert(1)',
    '<img src=x>', '', null, 37873]) {
    assert.equal(certificationSure(faux, REGLE), null, String(faux));
  }
  assert.equal(certificationSure('RNCP37873', undefined), null);
});
