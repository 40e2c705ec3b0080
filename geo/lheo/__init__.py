"""LHEO 2.x, the French national XML format of training offers: read and write Carte GEN records."""

from geo.lheo.errors import LheoError
from geo.lheo.mapping import FIELD_MAP, RECORD_FIELDS
from geo.lheo.reader import read_lheo, read_lheo_lines

__all__ = ["FIELD_MAP", "RECORD_FIELDS", "LheoError", "read_lheo", "read_lheo_lines"]
