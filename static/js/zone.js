/* Carte GEN — the search point and its radius drawn on the map (methods of the application). */

const STYLE_CERCLE = {
  color: '#000091', weight: 2, dashArray: '6 4', fillColor: '#000091', fillOpacity: 0.04,
  interactive: false, className: 'zone-recherche'
};
const STYLE_CENTRE = {
  radius: 6, color: '#fff', weight: 2, fillColor: '#000091', fillOpacity: 1,
  interactive: false, className: 'centre-recherche'
};

export const zone = {
  /** Draw (or remove) the centre and the radius of the search point of `f`. */
  dessinerZone(f) {
    const carte = this.carte;
    if (f.lat === null || f.lon === null) {
      if (this.centre) { carte.removeLayer(this.centre); this.centre = null; }
      if (this.cercle) { carte.removeLayer(this.cercle); this.cercle = null; }
      return;
    }
    const point = L.latLng(f.lat, f.lon);
    if (!this.centre) { this.centre = L.circleMarker(point, STYLE_CENTRE).addTo(carte); }
    this.centre.setLatLng(point);
    if (f.rayon_km === null) {
      if (this.cercle) { carte.removeLayer(this.cercle); this.cercle = null; }
      return;
    }
    if (!this.cercle) { this.cercle = L.circle(point, { ...STYLE_CERCLE, radius: f.rayon_km * 1000 }).addTo(carte); }
    this.cercle.setLatLng(point);
    this.cercle.setRadius(f.rayon_km * 1000);
  },

  /** The bounds of the search area, when a radius is set (it holds every result). */
  bornesZone(f) {
    if (f.lat === null || f.rayon_km === null) { return null; }
    return L.latLng(f.lat, f.lon).toBounds(2000 * f.rayon_km);
  }
};
