// The page's clusters, computed by supercluster itself (node_modules), for tests/map/test_premiers.py.
//
// Reads `{places: [[lon, lat, trainings], …], zooms: [z, …], options: {radius, extent, maxZoom}}`
// on stdin and prints, for each zoom, every cluster and place as supercluster returns them,
// indexed as static/grappes.js indexes places: `[lon, lat, places, trainings]`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const racine = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { default: Supercluster } = await import(
  pathToFileURL(join(racine, 'node_modules', 'supercluster', 'index.js')).href
);

const { places, zooms, options } = JSON.parse(readFileSync(0, 'utf8'));
const index = new Supercluster({
  radius: options.radius,
  extent: options.extent,
  maxZoom: options.maxZoom,
  map: (proprietes) => ({ n: proprietes.n }),
  reduce: (cumul, proprietes) => { cumul.n += proprietes.n; }
});
index.load(places.map(([lon, lat, n]) => ({
  type: 'Feature', properties: { n }, geometry: { type: 'Point', coordinates: [lon, lat] }
})));
const resultat = {};
for (const zoom of zooms) {
  resultat[zoom] = index.getClusters([-180, -90, 180, 90], zoom).map((e) => [
    e.geometry.coordinates[0],
    e.geometry.coordinates[1],
    e.properties.cluster ? e.properties.point_count : 1,
    e.properties.n
  ]);
}
process.stdout.write(JSON.stringify(resultat));
