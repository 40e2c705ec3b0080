"""The in-memory dataset (encoded features, filter columns, response cache) and hot reload.

A :class:`Dataset` is immutable once built: a reload builds a new one in a thread and
:class:`app.store.DatasetStore` swaps the reference, so a request always works on one consistent
version.
"""

from __future__ import annotations

import hashlib
import logging
import math
import mmap
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, Final, overload

import numpy as np
import numpy.typing as npt
import orjson

from app.cache import ResponseCache
from app.columns import NewFilterColumns
from app.datafile import DatasetError as DatasetError  # re-exported: raised by Dataset.load
from app.datafile import iter_features, split_collection, validated_feature
from app.encoding import (
    DISTANCE_KEY,
    FEATURE_END,
    FEATURE_END_COMMA,
    distance_tails,
    distance_tenths,
    encoded_distances,
    morton_keys,
)
from app.filters import (
    CodeColumn,
    FilterIndex,
    FormationFilters,
    IntArray,
    LatitudeBands,
    Selection,
    select,
)
from geo.geojson import DROP_ACCEPTED_KEY
from geo.text import fold

logger = logging.getLogger("carte_gen.dataset")

_FIRST_DISTANCE_KEY: Final = b'"distance_km":'  # when ``properties`` is otherwise empty
#: Distances up to this many tenths of a km are written from a table made once per version.
DISTANCE_TABLE_TENTHS: Final = 10_000
#: Bounds of the work an answer may take on the event loop rather than in a worker thread.
#: A thread hop costs ≈ 0.4 ms under load (hand-off, then GIL hand-overs with the loop),
#: more than these take: a vectorised search of 200,000 rows (≈ 0.3 ms) and a join of
#: 2 MiB of encoded features (≈ 0.6 ms). ``bench/bench_api.py`` measures both paths.
QUICK_SELECT_MAX_ROWS: Final = 200_000
QUICK_JOIN_MAX_BYTES: Final = 2 * 1024 * 1024
#: Properties with a code column (filters and facets) and those the text search reads.
CODE_FIELDS: Final = ("region", "departement", "type_structure", "modalite")
TEXT_FIELDS: Final = ("intitule", "structure", "commune")
#: A loading thread lets the event loop run after this many features (≈ 2 ms of work).
PAUSE_EVERY_FEATURES: Final = 64


class Reason(StrEnum):
    """Why the service is degraded: the only detail ``/healthz`` gives (the log says more)."""

    NOT_LOADED = "not_loaded"
    DATA_FILE_MISSING = "data_file_missing"
    DATA_FILE_INVALID = "data_file_invalid"
    DATA_FILE_TOO_LARGE = "data_file_too_large"
    EMPTY_COLLECTION = "empty_collection"
    DROP_TOO_LARGE = "drop_too_large"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _feature_bytes(feature_id: str, lon: float, lat: float, properties: dict[str, Any]) -> bytes:
    return orjson.dumps(
        {
            "type": "Feature",
            "id": feature_id,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": properties,
        }
    )


def now_iso() -> str:
    """Return the current UTC time in ISO 8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _folded(value: Any, memo: dict[str, str]) -> str:
    # Many rows share a structure or a commune: fold each distinct text once.
    text = str(value or "")
    result = memo.get(text)
    if result is None:
        result = memo[text] = fold(text)
    return result


def _metadata(collection: Mapping[str, Any]) -> dict[str, Any]:
    metadata = collection.get("metadonnees")
    return metadata if isinstance(metadata, dict) else {}


def _packed(texts: list[str]) -> tuple[str, ...]:
    """Return the same texts, made anew one after another in memory.

    Made one by one while features were decoded, they sit among the freed remains of those
    features, which the allocator then cannot give back to the system (it held half as much
    again as the dataset's own size); copied together, they let it.
    """
    separator = "\0"
    copies = separator.join(texts).split(separator)
    return tuple(copies) if len(copies) == len(texts) else tuple(texts)  # a text held "\0"


def _feature_start(feature_id: str) -> bytes:
    """Return how the encoded feature with this id starts (see :func:`_feature_bytes`)."""
    return b'{"type":"Feature","id":' + orjson.dumps(feature_id) + b","


def _rows_in_box(
    bands: LatitudeBands, min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> IntArray:
    """Rows inside a (non-crossing) box: the band of its latitudes, then its longitudes."""
    low = int(np.searchsorted(bands.lat, min_lat, side="left"))
    high = int(np.searchsorted(bands.lat, max_lat, side="right"))
    lon = bands.lon[low:high]
    return bands.rows[low:high][(lon >= min_lon) & (lon <= max_lon)]


class FeatureView(Sequence[dict[str, Any]]):
    """The features of a dataset as decoded dicts, made on access from the encoded bytes.

    The encoded bytes are the one copy a dataset holds; the few readers that want dicts
    (the CSV export, the map's compact data) decode the rows they read.
    """

    def __init__(self, heads: npt.NDArray[np.object_]) -> None:
        self._heads = heads

    def __len__(self) -> int:
        return len(self._heads)

    @overload
    def __getitem__(self, row: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, row: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, row: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(row, slice):
            return [orjson.loads(head + FEATURE_END) for head in self._heads[row]]
        decoded: dict[str, Any] = orjson.loads(self._heads[row] + FEATURE_END)
        return decoded


class Dataset:
    """One version of the trainings, held as columns and encoded features, immutable once built.

    Each feature is kept once, encoded (the bytes answers are joined from); the filters read
    numpy columns and code columns; nothing keeps the decoded dicts.
    """

    def __init__(
        self,
        features: Iterable[Mapping[str, Any]],
        metadata: Mapping[str, Any],
        *,
        version: str,
        loaded_at: str | None = None,
        reason: str | None = None,
        pause: Callable[[], None] | None = None,
    ) -> None:
        """Build from checked features (see :func:`validated_feature`), consumed once.

        ``reason`` is why this version is not the data file's (a code of :class:`Reason`);
        ``pause`` is called every :data:`PAUSE_EVERY_FEATURES` features (the reload thread
        lets the event loop run there).
        """
        self.version = version
        self.reason = reason
        self.loaded_at = loaded_at or now_iso()
        id_hashes: list[int] = []
        lons: list[float] = []
        lats: list[float] = []
        columns: dict[str, list[Any]] = {name: [] for name in CODE_FIELDS}
        durations: list[float] = []
        texts: list[str] = []
        heads: list[bytes] = []
        new_columns = NewFilterColumns()
        folded_memo: dict[str, str] = {}
        self.region_names: dict[str, str] = {}
        self.departement_names: dict[str, str] = {}
        for row, feature in enumerate(features):
            feature_id = feature["id"]
            id_hashes.append(hash(feature_id))
            props = feature["properties"]
            lon, lat = feature["geometry"]["coordinates"]
            lons.append(lon)
            lats.append(lat)
            for name, values in columns.items():
                values.append(_text(props.get(name)))
            new_columns.add(props)
            duree = props.get("duree_mois")
            durations.append(
                duree
                if isinstance(duree, int | float) and not isinstance(duree, bool)
                else math.nan
            )
            texts.append(" ".join(_folded(props.get(name), folded_memo) for name in TEXT_FIELDS))
            for code, nom, names in (
                ("region", "region_nom", self.region_names),
                ("departement", "departement_nom", self.departement_names),
            ):
                if props.get(code) is not None and props.get(nom):
                    names.setdefault(str(props[code]), str(props[nom]))
            heads.append(_feature_bytes(feature_id, lon, lat, props)[:-2])
            if pause is not None and row % PAUSE_EVERY_FEATURES == PAUSE_EVERY_FEATURES - 1:
                pause()
        lon_array = np.array(lons, dtype=np.float64)
        lat_array = np.array(lats, dtype=np.float64)
        del lons, lats
        # Copied in Morton (Z) order, so that features near one another on the map sit near
        # one another in memory: a local search then copies from a few regions.
        for row in np.argsort(morton_keys(lon_array, lat_array), kind="stable").tolist():
            heads[row] = memoryview(heads[row]).tobytes()
        #: Each feature encoded once per version, without its closing ``}}``, so an answer is
        #: one ``join`` of these and of constants (and of ``distance_km`` members if any); an
        #: array, so a selection gathers them in one C loop.
        self._head_array = np.empty(len(heads), dtype=object)
        self._head_array[:] = heads
        self._head_sizes = np.fromiter(map(len, heads), dtype=np.int64, count=len(heads))
        self._largest_head = int(self._head_sizes.max()) if len(heads) else 0
        # Features whose properties are otherwise empty need another ``distance_km`` key: when
        # there are any, answers with distances take the general path.
        self._any_empty_properties = any(head.endswith(b"{") for head in heads)
        del heads
        self._closers = np.empty(len(self._head_array), dtype=object)
        self._closers.fill(FEATURE_END_COMMA)  # one shared object (np.full would copy it)
        # The endings of features with a distance, by tenths of a km.
        self._distance_tails = distance_tails(DISTANCE_TABLE_TENTHS + 1)
        # Ids are found by hash, then checked against the encoded feature: no second copy of
        # every id (nor a dict of them) is kept.
        hashes = np.array(id_hashes, dtype=np.int64)
        del id_hashes
        self._id_rows = np.argsort(hashes, kind="stable").astype(np.int32)
        self._id_hashes = hashes[self._id_rows]
        self._refuse_duplicate_ids()
        bands = LatitudeBands.of(lon_array, lat_array)
        self.index = FilterIndex(
            region=CodeColumn.from_values(columns.pop("region")),
            departement=CodeColumn.from_values(columns.pop("departement")),
            type_structure=CodeColumn.from_values(columns.pop("type_structure")),
            modalite=CodeColumn.from_values(columns.pop("modalite")),
            duree=np.array(durations, dtype=np.float64),
            lon=lon_array,
            lat=lat_array,
            text=_packed(texts),
            box_query=partial(_rows_in_box, bands),
            bands=bands,
            **new_columns.columns(),
        )
        self.bounds: list[float] | None = (
            [
                float(lon_array.min()),
                float(lat_array.min()),
                float(lon_array.max()),
                float(lat_array.max()),
            ]
            if len(self._head_array)
            else None
        )
        #: The operator accepted that this version drops many trainings (``--accepter-baisse``).
        self.drop_accepted = metadata.get(DROP_ACCEPTED_KEY) is True
        self.metadata: dict[str, Any] = {
            "titre": metadata.get("titre"),
            "demo": bool(metadata.get("demo", False)),
            "version": version,
            "date_generation": metadata.get("date_generation"),
            "source": metadata.get("source"),
            "licence": metadata.get("licence"),
            "nombre": len(self._head_array),
            "emprise": self.bounds,
        }
        self.cache = ResponseCache()
        #: Artefacts other modules derive from this version (e.g. the map's compact data),
        #: built by the store's ``prepare`` hook in the loading thread, before it is served.
        self.prepared: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self._head_array)

    def _refuse_duplicate_ids(self) -> None:
        """Raise ``DatasetError`` when two features share an id (equal hashes, then ids)."""
        same = np.flatnonzero(self._id_hashes[1:] == self._id_hashes[:-1])
        for position in same.tolist():
            rows = self._id_rows[position : position + 2].tolist()
            first, second = (self.features[row]["id"] for row in rows)
            if first == second:
                raise DatasetError(f"duplicate feature id {first!r}")

    def row_of(self, feature_id: str) -> int | None:
        """Return the row of the feature with this id, or ``None``."""
        wanted = hash(feature_id)
        low = int(np.searchsorted(self._id_hashes, wanted, side="left"))
        high = int(np.searchsorted(self._id_hashes, wanted, side="right"))
        if low == high:
            return None
        start = _feature_start(feature_id)
        for row in self._id_rows[low:high].tolist():
            if self._head_array[row].startswith(start):
                return int(row)
        return None

    def dismantle(self, pause: Callable[[], None], batch: int = 4096) -> None:
        """Free this version's per-feature objects ``batch`` at a time, pausing in between.

        Only for a version nobody uses any more (it is left empty): freed in one go, the
        objects of 100,000 features hold the GIL for about a tenth of a second.
        """
        self.cache = ResponseCache()
        self.prepared = {}
        self._closers = np.empty(0, dtype=object)
        heads, self._head_array = self._head_array, np.empty(0, dtype=object)
        for stop in range(len(heads), 0, -batch):
            heads[max(0, stop - batch) : stop] = None
            pause()
        texts = list(self.index.text)
        self.index = replace(self.index, text=())
        while texts:
            del texts[-batch:]
            pause()

    @property
    def features(self) -> FeatureView:
        """The features as dicts, decoded on access (for readers that need the values)."""
        return FeatureView(self._head_array)

    @property
    def message(self) -> str | None:
        """Why this version is not the data file's (a :class:`Reason` code), or ``None``."""
        return self.reason

    # ------------------------------------------------------------------ constructors

    @classmethod
    def empty(cls, reason: str) -> Dataset:
        """Make a dataset without trainings, served while no usable data file exists."""
        return cls([], {"titre": None}, version="vide", reason=reason)

    @classmethod
    def from_collection(cls, collection: Any, *, raw: bytes | None = None) -> Dataset:
        """Validate a decoded FeatureCollection and build the dataset; raise ``DatasetError``."""
        if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
            raise DatasetError("not a GeoJSON FeatureCollection")
        features = collection.get("features")
        if not isinstance(features, list):
            raise DatasetError("'features' is not a list")
        clean = [validated_feature(feature, number) for number, feature in enumerate(features)]
        metadata = _metadata(collection)
        version = metadata.get("version")
        if not isinstance(version, str) or not version:
            version = hashlib.sha256(raw if raw is not None else orjson.dumps(clean)).hexdigest()
        return cls(clean, metadata, version=version)

    @classmethod
    def load(cls, path: Path, pause: Callable[[], None] | None = None) -> Dataset:
        """Read and validate a built GeoJSON file feature by feature; raise ``DatasetError``.

        The file is memory-mapped and scanned, never decoded whole (see :mod:`app.datafile`):
        the peak memory is the new version's own plus the mapped file's pages.
        """
        with path.open("rb") as file:
            if os.fstat(file.fileno()).st_size == 0:
                raise DatasetError("invalid JSON: empty file")
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                split = split_collection(mapped)
                metadata = _metadata(split.members)
                version = metadata.get("version")
                if not isinstance(version, str) or not version:
                    version = hashlib.sha256(mapped).hexdigest()
                features: Iterable[Mapping[str, Any]]
                if len(split):
                    features = iter_features(mapped, split)
                else:
                    listed = split.members.get("features")
                    if not isinstance(listed, list):
                        raise DatasetError("'features' is not a list")
                    features = [validated_feature(f, n) for n, f in enumerate(listed)]
                return cls(features, metadata, version=version, pause=pause)

    # ------------------------------------------------------------------ queries

    def select(self, filters: FormationFilters) -> Selection:
        """Rows matching ``filters`` in answer order (see :func:`app.filters.select`)."""
        return select(self.index, filters)

    def quick_to_select(self, filters: FormationFilters) -> bool:
        """Whether :meth:`select` is surely quick enough to run on the event loop."""
        # A text search tests the rows one by one in Python: never quick on many rows.
        return not filters.words and len(self) <= QUICK_SELECT_MAX_ROWS

    def quick_to_join(self, selection: Selection, start: int = 0, stop: int | None = None) -> bool:
        """Whether :meth:`feature_bytes` of this page is small enough for the event loop."""
        indices = selection.indices[start:stop]
        if len(indices) * self._largest_head <= QUICK_JOIN_MAX_BYTES:  # surely small: no sum
            return True
        return int(self._head_sizes[indices].sum()) <= QUICK_JOIN_MAX_BYTES

    def feature_bytes(
        self,
        selection: Selection,
        start: int = 0,
        stop: int | None = None,
        *,
        before: bytes = b"",
        after: bytes = b"",
    ) -> bytes:
        """Comma-joined encoded features of ``selection[start:stop]``, with distances if any.

        ``before`` and ``after`` (e.g. the rest of a FeatureCollection) go into the same join,
        so a large answer is copied once.
        """
        indices = selection.indices[start:stop]
        if not len(indices):
            return before + after
        if selection.distances is None:
            # Each head, then "}}," (the last one's comma makes way for ``after``).
            pieces = np.empty(2 * len(indices), dtype=object)
            pieces[0::2] = self._head_array[indices]
            pieces[1::2] = self._closers[: len(indices)]
            return self._joined(pieces, before, after)
        tenths = distance_tenths(selection.distances[start:stop])
        if not self._any_empty_properties and int(tenths.max()) <= DISTANCE_TABLE_TENTHS:
            pieces = np.empty(2 * len(indices), dtype=object)
            pieces[0::2] = self._head_array[indices]
            pieces[1::2] = self._distance_tails[tenths]
            return self._joined(pieces, before, after)
        return self._joined_slowly(selection, start, stop, before, after)

    @staticmethod
    def _joined(pieces: npt.NDArray[np.object_], before: bytes, after: bytes) -> bytes:
        """Join pieces whose last one ends with a comma, between ``before`` and ``after``."""
        parts: list[bytes] = pieces.tolist()
        parts[0] = before + parts[0]
        parts[-1] = parts[-1][:-1] + after
        return b"".join(parts)

    def _joined_slowly(
        self, selection: Selection, start: int, stop: int | None, before: bytes, after: bytes
    ) -> bytes:
        """Features with distances, one by one (empty properties, or distances off the table)."""
        assert selection.distances is not None
        heads: list[bytes] = self._head_array[selection.indices[start:stop]].tolist()
        pieces = [FEATURE_END_COMMA] * (4 * len(heads) + 2)
        pieces[1:-1:4] = heads
        pieces[2:-1:4] = [
            _FIRST_DISTANCE_KEY if head.endswith(b"{") else DISTANCE_KEY for head in heads
        ]
        pieces[3:-1:4] = encoded_distances(selection.distances[start:stop])
        pieces[0], pieces[-2], pieces[-1] = before, FEATURE_END, after
        return b"".join(pieces)

    def feature(self, feature_id: str) -> bytes | None:
        """One feature by id, encoded (the bytes :attr:`features` decodes), or ``None``."""
        row = self.row_of(feature_id)
        return None if row is None else bytes(self._head_array[row]) + FEATURE_END
