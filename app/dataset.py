"""The in-memory dataset (features, GeoDataFrame, filter indexes, response cache) and hot reload.

A :class:`Dataset` is immutable once built: a reload builds a new one in a thread and
:class:`DatasetStore` swaps the reference, so a request always works on one consistent version.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import orjson
import shapely

from app.filters import (
    CodeColumn,
    FilterIndex,
    FloatArray,
    FormationFilters,
    IntArray,
    LatitudeBands,
    Selection,
    select,
)
from geo.text import fold

logger = logging.getLogger("carte_gen.dataset")

CACHE_MAX_ENTRIES: Final = 64
CACHE_MAX_BYTES: Final = 256 * 1024 * 1024
_FEATURE_END: Final = b"}}"  # closes ``properties``, then the feature
_FEATURE_END_COMMA: Final = b"}},"
_DISTANCE_KEY: Final = b',"distance_km":'
_FIRST_DISTANCE_KEY: Final = b'"distance_km":'  # when ``properties`` is otherwise empty
#: Distances up to this many tenths of a km are written from a table made once per version.
DISTANCE_TABLE_TENTHS: Final = 10_000
#: Bounds of the work an answer may take on the event loop rather than in a worker thread.
#: A thread hop costs ≈ 0.4 ms under load (hand-off, then GIL hand-overs with the loop),
#: more than these take: a vectorised search of 200,000 rows (≈ 0.3 ms) and a join of
#: 2 MiB of encoded features (≈ 0.6 ms). ``bench/bench_api.py`` measures both paths.
QUICK_SELECT_MAX_ROWS: Final = 200_000
QUICK_JOIN_MAX_BYTES: Final = 2 * 1024 * 1024


class DatasetError(ValueError):
    """The data file cannot be used; the message says why (English, for the logs and /healthz)."""


# --------------------------------------------------------------------------- response cache


@dataclass(slots=True)
class CachedBody:
    """An encoded answer and its compressed variants, made once per dataset version and query."""

    body: bytes
    etag: str
    media_type: str
    headers: dict[str, str]
    encoded: dict[str, bytes]
    #: Encodings of ``encoded`` made at a fast level, to redo at a better one if asked again,
    #: and those being redone.
    fast: set[str] = field(default_factory=set)
    upgrading: set[str] = field(default_factory=set)

    @property
    def size(self) -> int:
        """Bytes held by this entry."""
        return len(self.body) + sum(len(b) for b in self.encoded.values())


class ResponseCache:
    """A small thread-safe LRU of encoded answers, bounded in entries and bytes."""

    def __init__(self, max_entries: int = CACHE_MAX_ENTRIES, max_bytes: int = CACHE_MAX_BYTES):
        self._entries: OrderedDict[str, CachedBody] = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0  # sum of the entries' sizes, kept up to date (no sum per insertion)
        self.max_entries = max_entries
        self.max_bytes = max_bytes

    def get(self, key: str) -> CachedBody | None:
        """Return the entry for ``key``, marked as recently used."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: CachedBody) -> CachedBody:
        """Store an entry (skipped when larger than the whole budget); returns it."""
        if entry.size > self.max_bytes:
            return entry
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous.size
            self._entries[key] = entry
            self._bytes += entry.size
            self._evict()
        return entry

    def add_encoding(
        self, entry: CachedBody, encoding: str, data: bytes, *, fast: bool = False
    ) -> None:
        """Remember a compressed variant of an entry (``fast``: made at a fast level)."""
        with self._lock:
            before = entry.size
            entry.encoded[encoding] = data
            if fast:
                entry.fast.add(encoding)
            else:
                entry.fast.discard(encoding)
                entry.upgrading.discard(encoding)
            if any(held is entry for held in self._entries.values()):
                self._bytes += entry.size - before
            self._evict()

    def variant(self, entry: CachedBody, encoding: str) -> tuple[bytes, bool] | None:
        """Return a compressed variant of an entry and whether it was made at a fast level."""
        with self._lock:
            data = entry.encoded.get(encoding)
            return None if data is None else (data, encoding in entry.fast)

    def claim_upgrade(self, entry: CachedBody, encoding: str) -> bool:
        """Whether the caller should redo a fast variant at a better level (once per variant)."""
        with self._lock:
            if encoding not in entry.fast or encoding in entry.upgrading:
                return False
            entry.upgrading.add(encoding)  # from now on, nobody else claims it
            return True

    def _evict(self) -> None:
        while self._entries and (
            len(self._entries) > self.max_entries or self._bytes > self.max_bytes
        ):
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size

    def __len__(self) -> int:
        return len(self._entries)


# --------------------------------------------------------------------------- the dataset


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
    tails[:] = [_DISTANCE_KEY + orjson.dumps(k / 10) + _FEATURE_END_COMMA for k in range(count)]
    return tails


class Dataset:
    """One version of the trainings, with everything the routes need to answer fast."""

    def __init__(
        self,
        features: list[dict[str, Any]],
        metadata: Mapping[str, Any],
        *,
        version: str,
        loaded_at: str | None = None,
        source_path: Path | None = None,
        message: str | None = None,
    ) -> None:
        self.features = features
        self.version = version
        self.source_path = source_path
        self.message = message
        self.loaded_at = loaded_at or datetime.now(UTC).replace(microsecond=0).isoformat()
        self.ids: dict[str, int] = {}
        lons = np.empty(len(features), dtype=np.float64)
        lats = np.empty(len(features), dtype=np.float64)
        columns: dict[str, list[Any]] = {
            "region": [],
            "departement": [],
            "type_structure": [],
            "modalite": [],
        }
        durations = np.full(len(features), np.nan)
        texts: list[str] = []
        folded_memo: dict[str, str] = {}

        def folded(text: str) -> str:
            # Many rows share a structure or a commune: fold each distinct text once.
            result = folded_memo.get(text)
            if result is None:
                result = folded_memo[text] = fold(text)
            return result

        self.region_names: dict[str, str] = {}
        self.departement_names: dict[str, str] = {}
        for row, feature in enumerate(features):
            feature_id = feature["id"]
            props = feature["properties"]
            lon, lat = feature["geometry"]["coordinates"]
            self.ids[feature_id] = row
            lons[row], lats[row] = lon, lat
            for name, values in columns.items():
                values.append(_text(props.get(name)))
            duree = props.get("duree_mois")
            if isinstance(duree, int | float) and not isinstance(duree, bool):
                durations[row] = duree
            texts.append(
                " ".join(
                    folded(str(props.get(name) or ""))
                    for name in ("intitule", "structure", "commune")
                )
            )
            for code, nom, names in (
                ("region", "region_nom", self.region_names),
                ("departement", "departement_nom", self.departement_names),
            ):
                if props.get(code) is not None and props.get(nom):
                    names.setdefault(str(props[code]), str(props[nom]))
        # Encoded in Morton (Z) order, so that features near one another on the map sit near
        # one another in memory: a local search then copies from a few regions (≈ 30 % faster
        # answers at 100,000 trainings than in file order).
        encoded: list[bytes] = [b""] * len(features)
        for row in np.argsort(morton_keys(lons, lats), kind="stable").tolist():
            feature = features[row]
            lon, lat = feature["geometry"]["coordinates"]
            encoded[row] = _feature_bytes(feature["id"], lon, lat, feature["properties"])[:-2]
        #: Each feature encoded once per version, without its closing ``}}``, so an answer is
        #: one ``join`` of these and of constants (and of ``distance_km`` members if any).
        self._feature_heads = encoded
        self._distance_keys = [
            _FIRST_DISTANCE_KEY if head.endswith(b"{") else _DISTANCE_KEY for head in encoded
        ]
        # The same heads as an array, so a selection gathers them in one C loop; and the
        # endings of features with a distance, by tenths of a km (features whose properties
        # are otherwise empty need another key: they take the general path).
        self._head_array = np.empty(len(encoded), dtype=object)
        self._head_array[:] = encoded
        self._head_sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        self._largest_head = int(self._head_sizes.max()) if len(encoded) else 0
        self._closers = np.full(len(encoded), _FEATURE_END_COMMA, dtype=object)
        self._distance_tails = distance_tails(DISTANCE_TABLE_TENTHS + 1)
        self._any_empty_properties = _FIRST_DISTANCE_KEY in self._distance_keys
        self.gdf = gpd.GeoDataFrame(
            {"id": list(self.ids), **{k: np.array(v, dtype=object) for k, v in columns.items()}},
            geometry=gpd.points_from_xy(lons, lats),
            crs="OGC:CRS84",
        )
        sindex = self.gdf.sindex if len(features) else None

        def box_query(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> IntArray:
            if sindex is None:
                return np.empty(0, dtype=np.intp)
            box = shapely.box(min_lon, min_lat, max_lon, max_lat)
            return np.asarray(sindex.query(box, predicate="intersects"), dtype=np.intp)

        self.index = FilterIndex(
            region=CodeColumn.from_values(columns["region"]),
            departement=CodeColumn.from_values(columns["departement"]),
            type_structure=CodeColumn.from_values(columns["type_structure"]),
            modalite=CodeColumn.from_values(columns["modalite"]),
            duree=durations,
            lon=lons,
            lat=lats,
            text=tuple(texts),
            box_query=box_query,
            bands=LatitudeBands.of(lons, lats),
        )
        self.bounds: list[float] | None = (
            [float(lons.min()), float(lats.min()), float(lons.max()), float(lats.max())]
            if len(features)
            else None
        )
        self.metadata: dict[str, Any] = {
            "titre": metadata.get("titre"),
            "demo": bool(metadata.get("demo", False)),
            "version": version,
            "date_generation": metadata.get("date_generation"),
            "source": metadata.get("source"),
            "licence": metadata.get("licence"),
            "nombre": len(features),
            "emprise": self.bounds,
        }
        self.cache = ResponseCache()
        #: Artefacts other modules derive from this version (e.g. the map's compact data),
        #: built by the store's ``prepare`` hook in the loading thread, before it is served.
        self.prepared: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.features)

    # ------------------------------------------------------------------ constructors

    @classmethod
    def empty(cls, message: str) -> Dataset:
        """Make a dataset without trainings, served while no valid data file exists."""
        return cls([], {"titre": None}, version="vide", message=message)

    @classmethod
    def from_collection(
        cls, collection: Any, *, raw: bytes | None = None, source_path: Path | None = None
    ) -> Dataset:
        """Validate a decoded FeatureCollection and build the dataset; raise ``DatasetError``."""
        if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
            raise DatasetError("not a GeoJSON FeatureCollection")
        features = collection.get("features")
        if not isinstance(features, list):
            raise DatasetError("'features' is not a list")
        clean = [_validated_feature(feature, number) for number, feature in enumerate(features)]
        seen: set[str] = set()
        for feature in clean:
            if feature["id"] in seen:
                raise DatasetError(f"duplicate feature id {feature['id']!r}")
            seen.add(feature["id"])
        metadata = collection.get("metadonnees")
        metadata = metadata if isinstance(metadata, dict) else {}
        version = metadata.get("version")
        if not isinstance(version, str) or not version:
            version = hashlib.sha256(raw if raw is not None else orjson.dumps(clean)).hexdigest()
        return cls(clean, metadata, version=version, source_path=source_path)

    @classmethod
    def load(cls, path: Path) -> Dataset:
        """Read and validate a built GeoJSON file; raise ``DatasetError`` (or ``OSError``)."""
        raw = path.read_bytes()
        try:
            collection = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise DatasetError(f"invalid JSON: {exc}") from exc
        return cls.from_collection(collection, raw=raw, source_path=path)

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
        rows: list[int] = selection.indices[start:stop].tolist()
        heads, keys = self._feature_heads, self._distance_keys
        pieces = [_FEATURE_END_COMMA] * (4 * len(rows) + 2)
        pieces[1:-1:4] = [heads[row] for row in rows]
        pieces[2:-1:4] = [keys[row] for row in rows]
        pieces[3:-1:4] = encoded_distances(selection.distances[start:stop])
        pieces[0], pieces[-2], pieces[-1] = before, _FEATURE_END, after
        return b"".join(pieces)

    def feature(self, feature_id: str) -> bytes | None:
        """One encoded feature by id, or ``None``."""
        row = self.ids.get(feature_id)
        return None if row is None else self._feature_heads[row] + _FEATURE_END


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _validated_feature(feature: Any, number: int) -> dict[str, Any]:
    where = f"feature #{number}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise DatasetError(f"{where} is not a GeoJSON Feature")
    feature_id = feature.get("id")
    if isinstance(feature_id, bool) or not isinstance(feature_id, str | int) or feature_id == "":
        raise DatasetError(f"{where} has no string id")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise DatasetError(f"{where} ({feature_id}) is not a Point")
    coordinates = geometry.get("coordinates")
    if (
        not isinstance(coordinates, list)
        or len(coordinates) < 2
        or not all(_finite(c) for c in coordinates[:2])
    ):
        raise DatasetError(f"{where} ({feature_id}) has invalid coordinates")
    lon, lat = float(coordinates[0]), float(coordinates[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise DatasetError(f"{where} ({feature_id}) is outside WGS84 bounds")
    properties = feature.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise DatasetError(f"{where} ({feature_id}) has non-object properties")
    return {
        "type": "Feature",
        "id": str(feature_id),
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


# --------------------------------------------------------------------------- hot reload


FileSignature = tuple[int, int, int]  # inode, size, mtime in ns


def file_signature(path: Path) -> FileSignature | None:
    """Return what changes when the file is replaced or rewritten (``None``: no file)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


class DatasetStore:
    """Holds the current :class:`Dataset` and reloads it in a thread when the file changes.

    A change is looked for at most every ``reload_interval_s`` (a ``stat``, cheap). A new
    version replaces the current one only once fully loaded and validated; a broken file
    is refused, logged and reported in :meth:`status`, and the previous version stays.
    """

    def __init__(
        self,
        path: Path,
        reload_interval_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        loader: Callable[[Path], Dataset] = Dataset.load,
        prepare: Callable[[Dataset], None] | None = None,
    ) -> None:
        self.path = path
        self._prepare = prepare
        self.reload_interval_s = reload_interval_s
        self._clock = clock
        self._loader = loader
        self._lock = threading.Lock()
        self._dataset = Dataset.empty("not loaded yet")
        self._signature: FileSignature | None = None
        self._tried_signature: FileSignature | None = None
        self._last_check = -math.inf
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.last_error_at: str | None = None
        self.reloads = 0

    @property
    def dataset(self) -> Dataset:
        """The current version, without looking for changes."""
        return self._dataset

    def load_initial(self) -> Dataset:
        """Load the file synchronously at start-up; an empty dataset when missing or broken."""
        signature = file_signature(self.path)
        self._last_check = self._clock()
        if signature is None:
            message = f"data file not found: {self.path}; serving an empty collection"
            logger.warning(message)
            self._dataset = Dataset.empty(message)
            self._signature = self._tried_signature = None
            return self._dataset
        self._load(signature)
        if self.last_error is not None:
            self._dataset = Dataset.empty(f"data file refused: {self.last_error}")
        return self._dataset

    def current(self) -> Dataset:
        """Return the current version, after starting a reload if the file changed."""
        now = self._clock()
        if now - self._last_check >= self.reload_interval_s:
            with self._lock:
                if now - self._last_check >= self.reload_interval_s:
                    self._last_check = now
                    self._check()
        return self._dataset

    def _check(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        signature = file_signature(self.path)
        if signature is None or signature in (self._signature, self._tried_signature):
            return
        self._thread = threading.Thread(
            target=self._load, args=(signature,), name="carte-gen-reload", daemon=True
        )
        self._thread.start()

    def _load(self, signature: FileSignature) -> None:
        self._tried_signature = signature
        started = time.perf_counter()
        try:
            dataset = self._loader(self.path)
        except (OSError, DatasetError, ValueError, KeyError, TypeError) as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            self.last_error_at = datetime.now(UTC).replace(microsecond=0).isoformat()
            logger.error(
                "Refused data file %s (%s); still serving version %s",
                self.path,
                self.last_error,
                self._dataset.version,
            )
            return
        if self._prepare is not None:
            try:
                self._prepare(dataset)
            except Exception:  # routes rebuild what is missing: never refuse data for this
                logger.exception("Preparing version %s failed", dataset.version[:12])
        self._dataset = dataset  # an atomic reference swap
        self._signature = signature
        self.last_error = self.last_error_at = None
        self.reloads += 1
        logger.info(
            "Loaded %s: %d trainings, version %s (%.2f s)",
            self.path,
            len(dataset),
            dataset.version[:12],
            time.perf_counter() - started,
        )

    def wait_for_reload(self, timeout: float = 30.0) -> None:
        """Wait for a reload in progress (tests and shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def status(self) -> dict[str, Any]:
        """Health summary: status, version, count, last reload error."""
        dataset = self._dataset
        degraded = self.last_error is not None or dataset.message is not None
        return {
            "status": "degraded" if degraded else "ok",
            "version": dataset.version,
            "count": len(dataset),
            "data_path": str(self.path),
            "loaded_at": dataset.loaded_at,
            "message": dataset.message,
            "last_reload_error": self.last_error,
            "last_reload_error_at": self.last_error_at,
        }
