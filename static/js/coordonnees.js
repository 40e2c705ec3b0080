/* Carte GEN — the links a training's data may give, kept only when safe to follow (pure).
 *
 * Every `href` the popup and the list show is built here or by `lienSur` (dom.js) from a value
 * checked first: an e-mail for `mailto:`, a phone number for `tel:`, a certification code for
 * its public page. Anything else in the data stays text, or is not shown.
 */

/** An e-mail address fit for a `mailto:` link (nothing that could add headers), else null. */
export function courrielSur(texte) {
  const t = typeof texte === 'string' ? texte.trim() : '';
  return /^[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(t) && t.length <= 254 ? t : null;
}

/** Digits in pairs, as French numbers are written: `01 23 45 67 89`. */
const enPaires = (chiffres) => chiffres.replace(/(\d{2})(?=\d)/g, '$1 ');

/** A phone number fit for a `tel:` link: `{numero, texte}`, else null.
 *
 * `numero` has only digits and an optional leading `+`; `texte` is how it reads: French
 * numbers in pairs (`01 23 45 67 89`, `+33 1 23 45 67 89`), others as given, spaces tidied.
 */
export function telephoneSur(texte) {
  const t = typeof texte === 'string' ? texte.trim() : '';
  if (!/^\+?[0-9 .()-]{6,25}$/.test(t)) { return null; }
  const numero = t.replace(/[ .()-]/g, '');
  if (!/^\+?[0-9]{6,15}$/.test(numero)) { return null; }
  let lisible = t.replace(/\s+/g, ' ');
  if (/^0[1-9][0-9]{8}$/.test(numero)) {
    lisible = enPaires(numero);
  } else if (/^\+33[1-9][0-9]{8}$/.test(numero)) {
    lisible = '+33 ' + numero[3] + ' ' + enPaires(numero.slice(4));
  }
  return { numero, texte: lisible };
}

/** A certification code and its public page: `{code, url}`, else null.
 *
 * `regle` is the schema's rule as the page configuration carries it (`motif`: the pattern,
 * with a group for the register and one for the number; `url`: the page with `{registre}`
 * (the register in lower case) and `{numero}` to fill in).
 */
export function certificationSure(code, regle) {
  if (typeof code !== 'string' || !regle) { return null; }
  const m = new RegExp(regle.motif).exec(code);
  if (!m) { return null; }
  const url = regle.url.replace('{registre}', m[1].toLowerCase()).replace('{numero}', m[2]);
  return { code, url };
}
