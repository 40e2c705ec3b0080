"""HTTP routers, one per concern: ``api`` (GeoJSON/CSV), ``ogc`` (OGC API Features), ``pages``."""
