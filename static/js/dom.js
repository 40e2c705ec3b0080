/* Carte GEN — DOM helpers: every data value reaches the page as text, never as HTML. */

export const $ = (id) => document.getElementById(id);

/** An element with a class and a text, built without parsing any HTML. */
export function el(tag, classe, texte) {
  const noeud = document.createElement(tag);
  if (classe) { noeud.className = classe; }
  if (texte !== undefined && texte !== null) { noeud.textContent = String(texte); }
  return noeud;
}

export function option(valeur, libelle) {
  const o = document.createElement('option');
  o.value = valeur;
  o.textContent = libelle;
  return o;
}

/** Only http(s) links are shown: a javascript: or data: URL in the data stays text. */
export function lienSur(url) {
  if (!url) { return null; }
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') ? u.href : null;
  } catch (e) {
    return null;
  }
}

export const formatKm = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
export const formatEntier = new Intl.NumberFormat('fr-FR');

/** Whether the page is laid out for a phone (the list is then a drawer over the map). */
export const surTelephone = () => window.matchMedia('(max-width: 800px)').matches;
