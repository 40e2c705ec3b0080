// What the popup and the list say about sessions on a given day (static/js/sessions.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { dateLongue, jourDe, jourIso, phrasesSessions, sessionsDuJour } from '../../static/js/sessions.js';

const JOUR = '2026-11-30';

test('une date réelle au format ISO est gardée, les autres non', () => {
  assert.equal(jourIso('2027-01-05'), '2027-01-05');
  assert.equal(jourIso('2028-02-29'), '2028-02-29');
  for (const faux of ['2027-02-29', '2027-13-01', '2027-1-5', '05/01/2027', '2027-01-05T00:00', '', null, 20270105, {}]) {
    assert.equal(jourIso(faux), null, String(faux));
  }
});

test('le jour du visiteur se lit dans son calendrier', () => {
  assert.equal(jourDe(new Date(2027, 0, 5, 23, 59)), '2027-01-05');
  assert.equal(jourDe(new Date(2026, 11, 31, 0, 0)), '2026-12-31');
});

test('les dates se disent en toutes lettres, le premier du mois en « 1er »', () => {
  assert.equal(dateLongue('2027-01-05'), '5 janvier 2027');
  assert.equal(dateLongue('2027-03-01'), '1er mars 2027');
  assert.equal(dateLongue('2026-12-31'), '31 décembre 2026');
});

test('une seule session à venir : « Prochaine session : à partir du … »', () => {
  const sessions = [['2027-01-05', '2027-06-30']];
  assert.deepEqual(phrasesSessions(sessions, null, JOUR), ['Prochaine session : à partir du 5 janvier 2027']);
});

test('une session qui commence aujourd’hui est à venir', () => {
  assert.deepEqual(phrasesSessions([[JOUR, null]], null, JOUR),
    ['Prochaine session : à partir du 30 novembre 2026']);
});

test('une session commencée et pas finie est en cours, jusqu’à sa fin', () => {
  const sessions = [['2026-09-01', '2027-03-31']];
  assert.deepEqual(phrasesSessions(sessions, null, JOUR), ['Session en cours jusqu’au 31 mars 2027']);
  assert.deepEqual(phrasesSessions([['2026-09-01', JOUR]], null, JOUR),
    ['Session en cours jusqu’au 30 novembre 2026']);
  assert.deepEqual(phrasesSessions([['2026-09-01', null]], null, JOUR), ['Session en cours']);
});

test('la session en cours dite est celle qui dure le plus longtemps', () => {
  const sessions = [
    ['2026-01-01', '2026-12-15'],
    ['2026-10-01', '2027-02-28'],
    ['2026-06-01', '2027-01-31']
  ];
  assert.equal(sessionsDuJour(sessions, null, JOUR).enCours.fin, '2027-02-28');
  const sansFin = [...sessions, ['2026-11-01', null]];
  assert.equal(sessionsDuJour(sansFin, null, JOUR).enCours.fin, null);
  assert.equal(sessionsDuJour([...sansFin].reverse(), null, JOUR).enCours.fin, null);
});

test('plusieurs sessions à venir sont énumérées par date, trois au plus', () => {
  const deux = [['2027-03-01', null], ['2027-01-05', null]];
  assert.deepEqual(phrasesSessions(deux, null, JOUR), ['Sessions à venir : 5 janvier 2027 et 1er mars 2027']);
  const cinq = ['2027-09-01', '2027-01-05', '2027-03-01', '2027-05-10', '2027-11-02']
    .map((debut) => [debut, null]);
  assert.deepEqual(phrasesSessions(cinq, null, JOUR),
    ['Sessions à venir : 5 janvier 2027, 1er mars 2027, 10 mai 2027 et 2 autres']);
  assert.deepEqual(phrasesSessions(cinq.slice(0, 4), null, JOUR),
    ['Sessions à venir : 5 janvier 2027, 1er mars 2027, 10 mai 2027 et 1 autre']);
  assert.deepEqual(phrasesSessions(cinq.slice(0, 3), null, JOUR),
    ['Sessions à venir : 5 janvier 2027, 1er mars 2027 et 1er septembre 2027']);
});

test('en cours et à venir : deux phrases, la session en cours d’abord', () => {
  const sessions = [
    ['2026-09-01', '2027-02-28'],
    ['2027-09-06', '2028-02-28']
  ];
  assert.deepEqual(phrasesSessions(sessions, null, JOUR), [
    'Session en cours jusqu’au 28 février 2027',
    'Prochaine session : à partir du 6 septembre 2027'
  ]);
});

test('des sessions toutes passées : rien d’annoncé, et la date de construction ne ment pas', () => {
  const sessions = [['2026-01-05', '2026-06-30']];
  // a build of 2025 saw this session ahead; today it is over
  assert.deepEqual(phrasesSessions(sessions, '2026-01-05', JOUR), ['Aucune session à venir n’est annoncée']);
  assert.deepEqual(sessionsDuJour(sessions, '2026-01-05', JOUR),
    { enCours: null, aVenir: [], passees: true });
});

test('la prochaine session de la construction ne sert que sans sessions, et si elle est à venir', () => {
  assert.deepEqual(phrasesSessions([], '2027-01-05', JOUR), ['Prochaine session : à partir du 5 janvier 2027']);
  assert.deepEqual(phrasesSessions(undefined, '2027-01-05', JOUR), ['Prochaine session : à partir du 5 janvier 2027']);
  assert.deepEqual(phrasesSessions([], '2026-01-05', JOUR), []);
  assert.deepEqual(phrasesSessions([['2027-03-01', null]], '2027-01-05', JOUR),
    ['Prochaine session : à partir du 1er mars 2027']);
});

test('sans rien de connu, rien n’est dit', () => {
  assert.deepEqual(phrasesSessions([], null, JOUR), []);
  assert.deepEqual(phrasesSessions(undefined, undefined, JOUR), []);
});

test('des valeurs hostiles ou mal formées sont ignorées, jamais répétées', () => {
  const hostiles = [
    null, 'texte', 12, [], ['<img src=x onerror=alert(1)>', null],
    [null, '2027-06-30'], ['2027-02-30', null],
    ['2027-01-05', 'javascript:alert(1)']
  ];
  const phrases = phrasesSessions(hostiles, '<script>', JOUR);
  assert.deepEqual(phrases, ['Prochaine session : à partir du 5 janvier 2027']);
  assert.deepEqual(phrasesSessions('2027-01-05', '<b>', JOUR), []);
  assert.deepEqual(phrasesSessions({ debut: '2027-01-05' }, null, JOUR), []);
});
