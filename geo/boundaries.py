"""Commune boundaries: the compact file format, and which commune contains a point (STRtree)."""

from __future__ import annotations

import lzma
import math
import struct
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import orjson
import shapely

from geo.geodesy import distance_km

#: Name of the boundaries file, beside the gazetteer file it belongs to.
FILE_NAME = "gazetteer-contours.xz"
#: First bytes of a boundaries file (after decompression); the number is the format version.
MAGIC = b"CARTE-GEN-CONTOURS-1\n"
#: Coordinates are stored as integers of 1e-5 degree (about 1 m): more than the sources hold.
SCALE = 100_000
#: A point outside every boundary but this close to one (metres) belongs to that commune:
#: coastlines and borders are simplified in the source (about 100 m), and a quay, a beach or a
#: border post may lie just outside.
TOLERANCE_M = 1_000.0
_METRES_PER_DEGREE = 111_320.0
_INT32 = np.dtype("<i4")


def encode(geometries: Mapping[str, shapely.Geometry]) -> bytes:
    """Pack (Multi)Polygons by code into the compact, deterministic boundaries format (xz).

    Codes are sorted; coordinates are rounded to 1/SCALE degree and delta-encoded, x and y
    apart, which the xz compressor packs well.
    """
    codes = sorted(geometries)
    multis = [_as_multipolygon(geometries[code]) for code in codes]
    if multis:
        _, coords, (ring_ends, polygon_ends, multi_ends) = shapely.to_ragged_array(multis)
    else:  # shapely cannot tell the type of an empty list
        coords, ring_ends = np.zeros((0, 2)), np.zeros(1, dtype=np.int64)
        polygon_ends = multi_ends = ring_ends
    quantised = np.round(coords * SCALE).astype(np.int64)
    deltas = np.diff(quantised, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    header = orjson.dumps({"codes": codes, "scale": SCALE}, option=orjson.OPT_SORT_KEYS)
    parts = [MAGIC, struct.pack("<I", len(header)), header]
    for array in (np.diff(ring_ends), np.diff(polygon_ends), np.diff(multi_ends)):
        parts += [struct.pack("<I", len(array)), array.astype(_INT32).tobytes()]
    parts += [struct.pack("<I", len(deltas)), deltas.T.astype(_INT32).tobytes()]
    return lzma.compress(b"".join(parts), format=lzma.FORMAT_XZ, preset=9)


def decode(data: bytes) -> dict[str, shapely.Geometry]:
    """Unpack a boundaries file into MultiPolygons by code.

    :raises ValueError: not a boundaries file of this format.
    """
    raw = lzma.decompress(data)
    if not raw.startswith(MAGIC):
        raise ValueError("not a Carte GEN boundaries file")
    position = len(MAGIC)

    def take(count_bytes: int) -> bytes:
        nonlocal position
        chunk = raw[position : position + count_bytes]
        if len(chunk) != count_bytes:
            raise ValueError("truncated boundaries file")
        position += count_bytes
        return chunk

    def counted_array(columns: int = 1) -> np.ndarray:
        (count,) = struct.unpack("<I", take(4))
        return np.frombuffer(take(4 * count * columns), dtype=_INT32)

    (header_length,) = struct.unpack("<I", take(4))
    header = orjson.loads(take(header_length))
    offsets = [_ends(counted_array()) for _ in range(3)]
    deltas = counted_array(columns=2).reshape(2, -1)
    codes: list[str] = header["codes"]
    if not codes:
        return {}
    coords = np.ascontiguousarray(np.cumsum(deltas, axis=1, dtype=np.int64).T / header["scale"])
    multis = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, tuple(offsets))
    if len(codes) != len(multis):
        raise ValueError("boundaries file: codes and geometries differ in number")
    return dict(zip(codes, multis, strict=True))


def _ends(lengths: np.ndarray) -> np.ndarray:
    """Offsets (0, then running sums) from lengths, as shapely's ragged arrays want them."""
    return np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))


def _as_multipolygon(geometry: shapely.Geometry) -> shapely.Geometry:
    """Gather the polygons of a geometry into one MultiPolygon (other parts dropped)."""
    polygons = [
        part
        for part in shapely.get_parts(geometry)
        if shapely.get_type_id(part) == shapely.GeometryType.POLYGON
    ]
    return shapely.multipolygons(polygons)


class Boundaries:
    """Which commune's boundary contains a point, with a tolerance near coasts and borders."""

    def __init__(self, geometries: Mapping[str, shapely.Geometry]) -> None:
        """Index geometries (any polygonal shapely geometry) by commune code."""
        self.codes: tuple[str, ...] = tuple(sorted(geometries))
        self.geometries = np.array([geometries[code] for code in self.codes], dtype=object)
        shapely.prepare(self.geometries)
        self._tree = shapely.STRtree(self.geometries)

    @classmethod
    def load(cls, path: Path) -> Boundaries:
        """Read a boundaries file written by ``scripts/build_gazetteer.py``.

        :raises OSError, ValueError, lzma.LZMAError: unreadable or malformed file.
        """
        return cls(decode(path.read_bytes()))

    def __len__(self) -> int:
        """Count boundaries."""
        return len(self.codes)

    def geometry(self, code: str) -> shapely.Geometry | None:
        """Return the boundary of a code, or ``None``."""
        index = _index_of(self.codes, code)
        return None if index is None else self.geometries[index]

    def containing(self, lon: float, lat: float, tolerance_m: float = TOLERANCE_M) -> str | None:
        """Code of the boundary containing (lon, lat), else of the nearest within the tolerance.

        On a shared edge, the first code in order wins (deterministic).

        :param lon: longitude (WGS84).
        :param lat: latitude (WGS84).
        :param tolerance_m: how far outside every boundary a point may lie (metres).
        """
        point = shapely.Point(lon, lat)
        inside = self._tree.query(point, predicate="intersects")
        if len(inside):
            return self.codes[int(inside.min())]
        if tolerance_m <= 0:
            return None
        # a search box in degrees large enough for the tolerance in every direction
        cos_lat = max(math.cos(math.radians(min(abs(lat), 89.0))), 0.01)
        degrees = tolerance_m / _METRES_PER_DEGREE / cos_lat
        near = self._tree.query(point, predicate="dwithin", distance=degrees)
        best_code, best_m = None, math.inf
        for index in sorted(int(i) for i in near):
            line = shapely.shortest_line(point, self.geometries[index])
            (x0, y0), (x1, y1) = shapely.get_coordinates(line)
            metres = distance_km(x0, y0, x1, y1) * 1000.0
            if metres < best_m:
                best_code, best_m = self.codes[index], metres
        return best_code if best_m <= tolerance_m else None


def _index_of(codes: Sequence[str], code: str) -> int | None:
    index = bisect_left(codes, code)
    return index if index < len(codes) and codes[index] == code else None
