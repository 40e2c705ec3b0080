"""Carte GEN geo toolkit: schema, import, gazetteer and geocoding of GEN trainings."""
