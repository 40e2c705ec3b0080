/* Carte GEN — what a training's sessions mean on a given day, in French words (pure).
 *
 * The map data carry each training's sessions (`[[debut, fin], …]` pairs of ISO dates or null); the page
 * works out the ongoing and next ones from the visitor's date, so that a data file built
 * months ago never announces a session that has started since. `prochaine_session` (the next
 * start as of the build) is only read when no session is given.
 */

const JOUR_ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
const MOIS = new Intl.DateTimeFormat('fr-FR', { month: 'long', timeZone: 'UTC' });
/** How many upcoming start dates a sentence names before « et N autres ». */
const DATES_CITEES = 3;

/** An ISO calendar date (`2027-01-05`) when it names a real day, else null. */
export function jourIso(texte) {
  if (typeof texte !== 'string') { return null; }
  const m = JOUR_ISO.exec(texte);
  if (!m) { return null; }
  const [annee, mois, jour] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(annee, mois - 1, jour));
  const reel = d.getUTCFullYear() === annee && d.getUTCMonth() === mois - 1 && d.getUTCDate() === jour;
  return reel ? texte : null;
}

/** The day of `maintenant` in the visitor's calendar, as `YYYY-MM-DD`. */
export function jourDe(maintenant) {
  const deux = (n) => String(n).padStart(2, '0');
  return String(maintenant.getFullYear()).padStart(4, '0') + '-' + deux(maintenant.getMonth() + 1) +
    '-' + deux(maintenant.getDate());
}

/** A date as French prose: « 5 janvier 2027 », « 1er mars 2027 ». */
export function dateLongue(iso) {
  const [annee, mois, jour] = iso.split('-').map(Number);
  const nomMois = MOIS.format(new Date(Date.UTC(annee, mois - 1, 1)));
  return (jour === 1 ? '1er' : String(jour)) + ' ' + nomMois + ' ' + annee;
}

/** The valid sessions, by start date; a session without a valid start is left out. */
function periodes(sessions) {
  if (!Array.isArray(sessions)) { return []; }
  const valides = [];
  for (const s of sessions) {
    if (!Array.isArray(s)) { continue; }
    const debut = jourIso(s[0]);
    if (debut) { valides.push({ debut, fin: jourIso(s[1]) }); }
  }
  return valides.sort((a, b) => (a.debut < b.debut ? -1 : a.debut > b.debut ? 1 : 0));
}

/** The sessions that matter on `jour` (`YYYY-MM-DD`): `{enCours, aVenir, passees}`.
 *
 * `enCours` is the started session that runs longest past `jour` (one without an end runs on),
 * or null; `aVenir` the sessions starting on `jour` or later, by date; `passees` whether
 * sessions are known that are all over. Without any session, a valid `prochaine` on or
 * after `jour` stands for one upcoming session.
 */
export function sessionsDuJour(sessions, prochaine, jour) {
  let liste = periodes(sessions);
  if (!liste.length) {
    const debut = jourIso(prochaine);
    liste = debut && debut >= jour ? [{ debut, fin: null }] : [];
  }
  let enCours = null;
  const aVenir = [];
  for (const s of liste) {
    if (s.debut >= jour) {
      aVenir.push(s);
    } else if (s.fin === null || s.fin >= jour) {
      if (enCours === null || (enCours.fin !== null && (s.fin === null || s.fin > enCours.fin))) { enCours = s; }
    }
  }
  return { enCours, aVenir, passees: liste.length > 0 && enCours === null && aVenir.length === 0 };
}

/** Dates named in French: « a », « a et b », « a, b et c », « a, b, c et 2 autres ». */
function enumeration(dates) {
  const cites = dates.slice(0, DATES_CITEES);
  const reste = dates.length - cites.length;
  if (reste > 0) { return cites.join(', ') + ' et ' + reste + (reste === 1 ? ' autre' : ' autres'); }
  if (cites.length === 1) { return cites[0]; }
  return cites.slice(0, -1).join(', ') + ' et ' + cites[cites.length - 1];
}

/** What a job seeker reads about the sessions on `jour`: zero to two French sentences. */
export function phrasesSessions(sessions, prochaine, jour) {
  const { enCours, aVenir, passees } = sessionsDuJour(sessions, prochaine, jour);
  const phrases = [];
  if (enCours) {
    phrases.push(enCours.fin ? 'Session en cours jusqu’au ' + dateLongue(enCours.fin) : 'Session en cours');
  }
  if (aVenir.length === 1) {
    phrases.push('Prochaine session : à partir du ' + dateLongue(aVenir[0].debut));
  } else if (aVenir.length > 1) {
    phrases.push('Sessions à venir : ' + enumeration(aVenir.map((s) => dateLongue(s.debut))));
  }
  if (passees) { phrases.push('Aucune session à venir n’est annoncée'); }
  return phrases;
}
