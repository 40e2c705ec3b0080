"""Carte GEN web service: API, OGC API Features and map pages."""
