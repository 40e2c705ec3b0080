"""The map's first markers, clustered on the server exactly as the page's cluster layer would.

A visitor who opens the map without any filter sees every training, clustered by supercluster
(``node_modules/supercluster``, run by ``static/grappes.js``) from the map data. Fetching,
decoding and indexing that data takes the page a few hundred milliseconds; the clusters of
the first view do not depend on it. So the page is rendered with them (once per dataset
version): for each zoom a map can open at, the clusters and places of every training. The
cluster layer draws those as soon as Leaflet has made the map, then replaces them with the
very same markers from its own index once the data is there.

"The very same" holds because :func:`cluster_levels` is supercluster 9's ``load`` done again:
the same Web Mercator projection onto the same 2³⁰ integer grid, the same greedy pass from the
last zoom down, over the places in the same order (the order in which the page indexes them:
first appearance in the map data), merging the same neighbours (the same squared distance in
doubles against the same radius), and the same truncated weighted centres. Sums of integers are
exact in doubles at these sizes, so the order in which neighbours are met changes nothing.
``tests/api/test_premiers.py`` checks the result against supercluster itself, run by node.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt

#: Cluster radius in screen pixels, and the last zoom with clusters (``static/grappes.js``
#: options ``rayon`` and ``zoomMax``). Clusters go up to zoom 15, street level, where places
#: 60 px apart are ~150 m apart (one level less is a quarter less indexing on every filter
#: change); above it every place stands apart, and trainings at the very same place are
#: always one marker listing them.
RAYON_PX: Final = 60
ZOOM_MAX: Final = 15
#: supercluster's tile extent: Leaflet's tile size, so that the radius is in screen pixels.
ETENDUE: Final = 256
#: Zooms a map opens at on metropolitan France, from a 320-pixel embed to a wide screen.
ZOOMS_PREMIERS: Final = range(3, 9)
#: Past this many distinct places the server does not cluster (its cost grows with them, at
#: every reload); the page then draws its first markers from its own index, as before.
LIEUX_MAX: Final = 20_000
#: The kinds of a first marker that is not one training: a cluster, or one place of several.
GRAPPE: Final = "grappe"
LIEU: Final = "lieu"

_SCALE: Final = 1 << 30  # supercluster's integer grid: (coordinate - 0.5) * 2³⁰


def _x(lon: float) -> int:
    """Return supercluster's ``encode(lngX(lon))``, truncated to an Int32 as its array does."""
    return int((lon / 360 + 0.5 - 0.5) * _SCALE)


def _y(lat: float) -> int:
    """Return supercluster's ``encode(latY(lat))``, truncated to an Int32 as its array does."""
    sin = math.sin(lat * math.pi / 180)
    if sin >= 1:  # JS divides by zero to Infinity: the pole clamps to the grid's edge
        y = 0.0
    elif sin <= -1:
        y = 1.0
    else:
        y = 0.5 - 0.25 * math.log((1 + sin) / (1 - sin)) / math.pi
        y = 0.0 if y < 0 else 1.0 if y > 1 else y
    return int((y - 0.5) * _SCALE)


def _lon(x: int) -> float:
    """Return supercluster's ``xLng(decode(x))``."""
    return (x * (1 / _SCALE) + 0.5 - 0.5) * 360


def _lat(y: int) -> float:
    """Return supercluster's ``yLat(decode(y))``."""
    y2 = (180 - (y * (1 / _SCALE) + 0.5) * 360) * math.pi / 180
    return 360 * math.atan(math.exp(y2)) / math.pi - 90


class Point(NamedTuple):
    """A cluster or a place at one zoom: grid position, places merged, trainings it holds.

    ``place`` is the index of the input place when the point is one place (``places == 1``).
    """

    x: int
    y: int
    places: int
    trainings: int
    place: int


def _merge_level(points: list[Point], zoom: int, rayon_px: int, etendue: int) -> list[Point]:
    """One zoom of supercluster's ``_cluster``: merge each unvisited point with its neighbours."""
    r = rayon_px / (etendue * (1 << zoom)) * _SCALE
    r2 = r * r
    cell = int(r) + 1  # a neighbour lies in the 3 × 3 cells around a point
    grid: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    for index, point in enumerate(points):
        grid[point.x // cell, point.y // cell].append(index)
    visited = [False] * len(points)
    merged: list[Point] = []
    for index, point in enumerate(points):
        if visited[index]:
            continue
        visited[index] = True
        x, y, places, trainings, _ = point
        cx, cy = x // cell, y // cell
        neighbours: list[Point] = []
        for gx in (cx - 1, cx, cx + 1):
            for gy in (cy - 1, cy, cy + 1):
                for other in grid.get((gx, gy), ()):
                    if visited[other]:
                        continue
                    near = points[other]
                    # kdbush's sqDist(…) <= r², in doubles as JavaScript computes it
                    dx = float(near.x - x)
                    dy = float(near.y - y)
                    if dx * dx + dy * dy <= r2:
                        neighbours.append(near)
                        visited[other] = True
        if not neighbours:
            merged.append(point)
            continue
        wx, wy = x * places, y * places
        for near in neighbours:
            places += near.places
            trainings += near.trainings
            wx += near.x * near.places
            wy += near.y * near.places
        # Exact integers divided in doubles then truncated, as supercluster's Int32Array stores it.
        merged.append(Point(int(wx / places), int(wy / places), places, trainings, -1))
    return merged


def cluster_levels(
    places: Sequence[tuple[float, float, int]],
    zooms: Iterable[int],
    *,
    rayon_px: int = RAYON_PX,
    zoom_max: int = ZOOM_MAX,
    etendue: int = ETENDUE,
) -> dict[int, list[Point]]:
    """Return supercluster's clusters of ``places`` (``(lon, lat, trainings)``) at ``zooms``.

    Each place weighs one point, as in the page's index, and a cluster sums its places'
    trainings (the layer's ``reduce``). Points of a zoom come in supercluster's order.
    """
    wanted = sorted(set(zooms))
    levels: dict[int, list[Point]] = {}
    if not wanted:
        return levels
    points = [
        Point(_x(lon), _y(lat), 1, trainings, index)
        for index, (lon, lat, trainings) in enumerate(places)
    ]
    for zoom in range(zoom_max, wanted[0] - 1, -1):
        points = _merge_level(points, zoom, rayon_px, etendue)
        if zoom in wanted:
            levels[zoom] = points
    for zoom in wanted:  # past the last zoom with clusters, every place stands apart
        if zoom > zoom_max:
            levels[zoom] = [
                Point(_x(lon), _y(lat), 1, trainings, index)
                for index, (lon, lat, trainings) in enumerate(places)
            ]
    return levels


@dataclass(frozen=True, slots=True)
class Lieux:
    """The distinct places of the trainings, in order of first appearance (the page's order)."""

    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    trainings: npt.NDArray[np.int64]
    first_row: npt.NDArray[np.int64]  # a training at each place (its first)


def places_of(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> Lieux:
    """Group trainings by exact position; places keep the order of their first training."""
    if not len(lon):
        empty = np.empty(0, dtype=np.int64)
        return Lieux(np.empty(0), np.empty(0), empty, empty)
    # +0.0 turns a -0.0 into 0.0: the page's places (a Map keyed on the JSON numbers) and
    # Python's dict of the map data treat them as one place.
    both = np.stack([lon + 0.0, lat + 0.0], axis=1)
    _, first, counts = np.unique(both, axis=0, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    return Lieux(
        lon=both[first[order], 0],
        lat=both[first[order], 1],
        trainings=counts[order].astype(np.int64),
        first_row=first[order].astype(np.int64),
    )


def first_markers(
    lieux: Lieux, kinds: Sequence[str | None], zooms: Iterable[int] = ZOOMS_PREMIERS
) -> dict[str, list[list[Any]]] | None:
    """Return the first markers of every training at each zoom, as the page's layer reads them.

    ``{zoom: [[lon, lat, trainings, kind], …]}``: ``kind`` is :data:`GRAPPE` for a cluster,
    :data:`LIEU` for one place of several trainings, else the structure type of the one
    training there (``kinds[place]``, possibly ``None``). ``None`` past
    :data:`LIEUX_MAX` places.
    """
    if len(lieux.lon) > LIEUX_MAX:
        return None
    places = list(
        zip(lieux.lon.tolist(), lieux.lat.tolist(), lieux.trainings.tolist(), strict=True)
    )
    levels = cluster_levels(places, zooms)
    result: dict[str, list[list[Any]]] = {}
    for zoom, points in levels.items():
        entries: list[list[Any]] = []
        for point in points:
            if point.places > 1:
                lon, lat = round(_lon(point.x), 6), round(_lat(point.y), 6)
                entries.append([lon, lat, point.trainings, GRAPPE])
            else:
                lon, lat, trainings = places[point.place]
                kind = LIEU if trainings > 1 else kinds[point.place]
                entries.append([lon, lat, trainings, kind])
        result[str(zoom)] = entries
    return result
