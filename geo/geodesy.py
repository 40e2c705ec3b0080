"""Great-circle distances on the WGS84 mean sphere: one point to one, and one point to many."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

#: Mean Earth radius (IUGG), in kilometres.
EARTH_RADIUS_KM: Final = 6371.0088

FloatArray = npt.NDArray[np.float64]


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in kilometres between two points (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distances_km(lon: float, lat: float, lons: FloatArray, lats: FloatArray) -> FloatArray:
    """Great-circle distances in kilometres from one point to many (haversine, vectorised)."""
    lon1, lat1 = math.radians(lon), math.radians(lat)
    lon2, lat2 = np.radians(lons), np.radians(lats)
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
