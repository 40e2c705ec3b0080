"""The gazetteer's places: the nearest commune (a grid of cells), the commune at a point."""

from __future__ import annotations

import math
from collections import defaultdict
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from geo.boundaries import TOLERANCE_M, Boundaries
from geo.gazetteer.model import Commune
from geo.geodesy import distances_km

#: Cell size of the nearest-commune grid, in degrees.
GRID_DEGREES = 0.25
#: Rings of cells searched around a point before scanning every commune.
MAX_RINGS = 40


class _Grid:
    """Communes bucketed in cells of GRID_DEGREES for nearest-point queries."""

    def __init__(self, communes: list[Commune]) -> None:
        self.communes = tuple(communes)
        self.lons = np.array([c.lon for c in communes], dtype=np.float64)
        self.lats = np.array([c.lat for c in communes], dtype=np.float64)
        cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for index, commune in enumerate(communes):
            cells[_cell(commune.lon, commune.lat)].append(index)
        self.cells = {cell: np.array(found, dtype=np.intp) for cell, found in cells.items()}
        self.blocks: dict[tuple[int, int], np.ndarray] = {}

    def _block(self, column: int, row: int) -> np.ndarray:
        """Return the communes of the 3 x 3 cells around a cell (indices, cached per cell)."""
        block = self.blocks.get((column, row))
        if block is None:
            parts = [
                found
                for dx in (-1, 0, 1)
                for dy in (-1, 0, 1)
                if (found := self.cells.get((column + dx, row + dy))) is not None
            ]
            block = np.concatenate(parts) if parts else np.empty(0, dtype=np.intp)
            self.blocks[(column, row)] = block
        return block

    def nearest(self, lon: float, lat: float) -> Commune:
        """Find the nearest commune: the 3 x 3 cells around the point, else rings outwards."""
        if not self.communes:
            raise ValueError("empty gazetteer")
        column, row = _cell(lon, lat)
        cos_lat = max(math.cos(math.radians(min(abs(lat), 89.0))), 0.05)
        km_per_cell = GRID_DEGREES * 111.32 * cos_lat * 0.98  # margin: cos varies in a cell
        block = self._block(column, row)
        best_index, best_km = -1, math.inf
        if len(block):
            distances = distances_km(lon, lat, self.lons[block], self.lats[block])
            position = int(np.argmin(distances))
            best_km, best_index = float(distances[position]), int(block[position])
            if best_km <= km_per_cell:  # anything outside the block is farther than a cell
                return self.communes[best_index]
        for ring in range(2, MAX_RINGS + 1):
            for dx in range(-ring, ring + 1):
                step = 1 if abs(dx) == ring else 2 * ring  # inner columns: top and bottom only
                for dy in range(-ring, ring + 1, step):
                    indices = self.cells.get((column + dx, row + dy))
                    if indices is None:
                        continue
                    distances = distances_km(lon, lat, self.lons[indices], self.lats[indices])
                    position = int(np.argmin(distances))
                    if distances[position] < best_km:
                        best_km, best_index = float(distances[position]), int(indices[position])
            if best_index >= 0 and ring * km_per_cell >= best_km:
                return self.communes[best_index]
        distances = distances_km(lon, lat, self.lons, self.lats)  # far away: scan everything
        return self.communes[int(np.argmin(distances))]


def _cell(lon: float, lat: float) -> tuple[int, int]:
    return (math.floor(lon / GRID_DEGREES), math.floor(lat / GRID_DEGREES))


class _Places:
    """Position look-ups of :class:`geo.gazetteer.Gazetteer` (a base class of it)."""

    # set by Gazetteer.__init__
    _communes: tuple[Commune, ...]
    _by_code: dict[str, Commune]
    _children: dict[str, list[Commune]]
    _boundaries_source: Boundaries | Path | None

    @cached_property
    def _grid(self) -> _Grid:
        """The nearest-commune grid, built on first use; cities with arrondissements left out."""
        return _Grid([c for c in self._communes if c.code_insee not in self._children])

    @cached_property
    def _boundaries(self) -> Boundaries | None:
        """The boundaries, read from their file on first use."""
        source = self._boundaries_source
        return Boundaries.load(source) if isinstance(source, Path) else source

    @property
    def has_boundaries(self) -> bool:
        """Whether :meth:`commune_at` decides by boundaries (else by the nearest commune)."""
        return self._boundaries_source is not None

    def commune_at(
        self, lon: float, lat: float, tolerance_m: float = TOLERANCE_M
    ) -> Commune | None:
        """Find the commune whose boundary contains (lon, lat); arrondissements within cities.

        A point outside every boundary (at sea, abroad) belongs to the nearest commune whose
        boundary lies within ``tolerance_m`` metres (coasts and borders are simplified), else
        the answer is ``None``. The boundaries file is read on the first call. A gazetteer
        without boundaries (small ones in tests) answers the nearest commune.

        :raises ValueError: non-finite coordinates.
        """
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError(f"invalid coordinates: {lon!r}, {lat!r}")
        boundaries = self._boundaries
        if boundaries is None:
            return self._grid.nearest(lon, lat)
        code = boundaries.containing(lon, lat, tolerance_m)
        return None if code is None else self._by_code.get(code)

    def boundary(self, code: str) -> Any:
        """Return the boundary (a shapely MultiPolygon) of a commune or arrondissement, or None.

        Paris, Lyon and Marseille have none: their arrondissements have.
        """
        boundaries = self._boundaries
        return None if boundaries is None else boundaries.geometry(code)

    def nearest(self, lon: float, lat: float) -> Commune:
        """Find the commune nearest to (lon, lat); arrondissements within cities.

        :raises ValueError: empty gazetteer or non-finite coordinates.
        """
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError(f"invalid coordinates: {lon!r}, {lat!r}")
        return self._grid.nearest(lon, lat)
