/* Carte GEN — the download links follow the selection.
 *
 * Each link asks the API for the page's current filters in one format; the server names the
 * file after them (Content-Disposition). A selection with no training has no LHEO document
 * (LHEO needs one formation at least): its link is hidden then.
 */

/** The formats the links offer besides GeoJSON (the API's `format=`). */
export const FORMATS = ['csv', 'xlsx', 'lheo'];

/** The href of each download link for a query string of filters: `{geojson, csv, xlsx, lheo}`. */
export function liensTelechargement(apiUrl, requete) {
  const filtres = new URLSearchParams(requete);
  filtres.delete('format');
  const qs = filtres.toString();
  const liens = { geojson: apiUrl + (qs ? '?' + qs : '') };
  for (const format of FORMATS) {
    const p = new URLSearchParams(filtres);
    p.set('format', format);
    liens[format] = apiUrl + '?' + p.toString();
  }
  return liens;
}

/** Point the page's download links at the selection of `params` (`nombre` trainings). */
export function majTelechargements(apiUrl, params, nombre) {
  const liens = liensTelechargement(apiUrl, params.toString());
  for (const [format, href] of Object.entries(liens)) {
    const lien = document.getElementById('telecharger-' + format);
    if (lien) { lien.href = href; }
  }
  const lheo = document.getElementById('lien-lheo');
  if (lheo) { lheo.hidden = nombre === 0; }
}
