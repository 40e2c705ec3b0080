"""Pieces of pre-encoded features: Morton order of positions, and the endings with a distance."""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import orjson

from app.filters import FloatArray, IntArray

FEATURE_END: Final = b"}}"  # closes ``properties``, then the feature
FEATURE_END_COMMA: Final = b"}},"
DISTANCE_KEY: Final = b',"distance_km":'


def encoded_distances(distances: FloatArray) -> list[bytes]:
    """Each distance as the JSON number ``orjson.dumps(round(d, 1))`` writes."""
    return orjson.dumps((distance_tenths(distances) / 10.0).tolist())[1:-1].split(b",")


def morton_keys(lons: FloatArray, lats: FloatArray) -> npt.NDArray[np.uint64]:
    """Z-order curve keys of WGS84 points (16 bits per axis): close keys, close points."""

    def spread(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        # Put a zero bit between each of the 16 low bits.
        values = (values | (values << np.uint64(8))) & np.uint64(0x00FF00FF)
        values = (values | (values << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        values = (values | (values << np.uint64(2))) & np.uint64(0x33333333)
        return (values | (values << np.uint64(1))) & np.uint64(0x55555555)

    x = np.clip((lons + 180.0) / 360.0 * 65535.0, 0, 65535).astype(np.uint64)
    y = np.clip((lats + 90.0) / 180.0 * 65535.0, 0, 65535).astype(np.uint64)
    return spread(x) | (spread(y) << np.uint64(1))


def distance_tenths(distances: FloatArray) -> IntArray:
    """``round(d, 1) * 10`` as integers, with Python's rounding.

    Vectorised: ``rint(d * 10)`` is what Python's ``round`` picks, except next to a tie,
    where ``d * 10`` may be off by an ulp; those few values go through ``round`` itself.
    ``distances`` must be finite (they come from positions checked at load).
    """
    scaled = distances * 10.0
    tenths = np.rint(scaled)
    near_tie = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6)
    for position in near_tie.tolist():
        tenths[position] = round(round(float(distances[position]), 1) * 10)
    return tenths.astype(np.intp)


def distance_tails(count: int) -> npt.NDArray[np.object_]:
    """``,"distance_km":<k/10>}},`` for k below ``count``: what ends a feature with a distance."""
    tails = np.empty(count, dtype=object)
    tails[:] = [DISTANCE_KEY + orjson.dumps(k / 10) + FEATURE_END_COMMA for k in range(count)]
    return tails
