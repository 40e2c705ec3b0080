"""OGC API – Features, Part 1 Core, for GIS tools (QGIS, GDAL's OAPIF driver)."""

from fastapi import APIRouter

router = APIRouter(prefix="/ogc", tags=["ogc"])
