"""Reading a built data file feature by feature, never decoding the whole document at once.

Decoding a whole 100,000-training file in one call holds the GIL for most of a second (every
request waits) and builds every feature's dicts at once (several times the file in memory).
Here a vectorised scan of the bytes, a chunk at a time, finds where each feature of the
``features`` array starts and ends; each one is then decoded and checked on its own, so the
caller can turn it into compact columns and drop it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import orjson

#: Bytes scanned per step: each step holds the GIL for about a millisecond.
SCAN_CHUNK_BYTES: Final = 1 << 20
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_OPEN_OBJECT, _CLOSE_OBJECT = ord("{"), ord("}")
_OPEN_ARRAY, _CLOSE_ARRAY, _COMMA = ord("["), ord("]"), ord(",")
_FEATURES_KEY: Final = b'"features"'
_WHITESPACE: Final = b" \t\r\n"


Int64Array = npt.NDArray[np.int64]


class DatasetError(ValueError):
    """The data file cannot be used; the message says why (English, for the logs only)."""


@dataclass(frozen=True, slots=True)
class SplitCollection:
    """A FeatureCollection's members but ``features``, and each feature's byte span."""

    members: dict[str, Any]
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]  # exclusive

    def __len__(self) -> int:
        return len(self.starts)


def _trailing_backslashes(chunk: npt.NDArray[np.uint8], carried: int) -> int:
    count = 0
    while count < len(chunk) and chunk[len(chunk) - 1 - count] == _BACKSLASH:
        count += 1
    return count + carried if count == len(chunk) else count


def _string_quotes(chunk: npt.NDArray[np.uint8], carried: int) -> npt.NDArray[np.intp]:
    """Positions of the quotes that open or close a string (not escaped by a backslash)."""
    quotes = np.flatnonzero(chunk == _QUOTE)
    if not len(quotes) or (carried == 0 and not (chunk == _BACKSLASH).any()):
        return quotes
    positions = np.arange(len(chunk))
    last_other = np.maximum.accumulate(np.where(chunk == _BACKSLASH, -1, positions))
    before = quotes - 1
    previous = last_other[np.maximum(before, 0)]
    run = np.where(before >= 0, before - previous, 0)
    run = run + np.where((before < 0) | (previous == -1), carried, 0)
    return quotes[run % 2 == 0]


@dataclass(slots=True)
class _ScanState:
    """What a scan carries from one chunk to the next."""

    in_string: int = 0
    backslashes: int = 0
    depth: int = 0


def _scan_chunk(
    buffer: Any, offset: int, size: int, state: _ScanState
) -> tuple[Int64Array, npt.NDArray[np.uint8], Int64Array]:
    """Brackets and commas of depth ≤ 2 in one chunk, outside strings.

    The chunk's array views ``buffer`` only inside this call, so a memory map can be closed
    as soon as the scan stops, even on an error.
    """
    size = min(size, len(buffer) - offset)
    chunk = np.frombuffer(buffer, dtype=np.uint8, count=size, offset=offset)
    quotes = _string_quotes(chunk, state.backslashes)
    state.backslashes = _trailing_backslashes(chunk, state.backslashes)
    marks = np.flatnonzero(
        (chunk == _OPEN_OBJECT)
        | (chunk == _CLOSE_OBJECT)
        | (chunk == _OPEN_ARRAY)
        | (chunk == _CLOSE_ARRAY)
        | (chunk == _COMMA)
    )
    marks = marks[(state.in_string + np.searchsorted(quotes, marks)) % 2 == 0]
    state.in_string = (state.in_string + len(quotes)) % 2
    chars = chunk[marks].copy()
    steps = (chars == _OPEN_OBJECT).astype(np.int64) + (chars == _OPEN_ARRAY)
    steps -= (chars == _CLOSE_OBJECT).astype(np.int64) + (chars == _CLOSE_ARRAY)
    after = state.depth + np.cumsum(steps)
    before = after - steps
    if len(after):
        state.depth = min(int(after.min()), 0) or int(after[-1])
    shallow = np.minimum(before, after) <= 2
    return marks[shallow].astype(np.int64) + offset, chars[shallow], before[shallow]


def _structure(
    buffer: Any, chunk_bytes: int
) -> tuple[Int64Array, npt.NDArray[np.uint8], Int64Array]:
    """Positions, characters and depths before them of the brackets and commas of depth ≤ 2."""
    positions: list[Int64Array] = []
    characters: list[npt.NDArray[np.uint8]] = []
    depths: list[Int64Array] = []
    state = _ScanState()
    for offset in range(0, len(buffer), chunk_bytes):
        found, chars, before = _scan_chunk(buffer, offset, chunk_bytes, state)
        if state.depth < 0:
            raise DatasetError("invalid JSON: unbalanced brackets")
        positions.append(found)
        characters.append(chars)
        depths.append(before)
    if state.in_string or state.depth != 0 or not sum(map(len, positions)):
        raise DatasetError("invalid JSON: truncated or unbalanced document")
    return np.concatenate(positions), np.concatenate(characters), np.concatenate(depths)


def _is_features_key(buffer: Any, position: int) -> bool:
    """Whether the value opening at ``position`` is the one of a top-level ``"features"`` key."""
    before = bytes(buffer[max(0, position - 256) : position]).rstrip(_WHITESPACE)
    if not before.endswith(b":"):
        return False
    before = before[:-1].rstrip(_WHITESPACE)
    if not before.endswith(_FEATURES_KEY):
        return False
    ahead = before[: -len(_FEATURES_KEY)].rstrip(_WHITESPACE)
    return ahead.endswith((b"{", b","))


def split_collection(buffer: Any, chunk_bytes: int = SCAN_CHUNK_BYTES) -> SplitCollection:
    """Find the features of a FeatureCollection in ``buffer`` (bytes or a memory map).

    ``buffer`` is scanned ``chunk_bytes`` at a time (tests make chunks tiny, so that strings
    and escapes straddle them).

    Raises :class:`DatasetError` when the document is not JSON, not a FeatureCollection, or
    its ``features`` member is not an array of objects.
    """
    positions, chars, depths = _structure(buffer, chunk_bytes)
    if chars[0] != _OPEN_OBJECT or bytes(buffer[: positions[0]]).strip(_WHITESPACE):
        raise DatasetError("not a GeoJSON FeatureCollection")
    openings = np.flatnonzero((chars == _OPEN_ARRAY) & (depths == 1))
    array = next((int(i) for i in openings if _is_features_key(buffer, int(positions[i]))), None)
    if array is None:  # no features array: small or broken, let the decoder say which
        members = _decoded(bytes(buffer[:]))
        return SplitCollection(members, np.empty(0, np.int64), np.empty(0, np.int64))
    closing = (
        array
        + 1
        + int(np.flatnonzero((chars[array + 1 :] == _CLOSE_ARRAY) & (depths[array + 1 :] == 2))[0])
    )
    inner = slice(array + 1, closing)
    inner_chars, inner_depths = chars[inner], depths[inner]
    starts = positions[inner][(inner_chars == _OPEN_OBJECT) & (inner_depths == 2)]
    ends = positions[inner][(inner_chars == _CLOSE_OBJECT) & (inner_depths == 3)] + 1
    commas = int(((inner_chars == _COMMA) & (inner_depths == 2)).sum())
    start, stop = int(positions[array]), int(positions[closing])
    values = commas + 1 if len(starts) or bytes(buffer[start + 1 : stop]).strip(_WHITESPACE) else 0
    if len(starts) != len(ends) or values != len(starts):
        raise DatasetError("'features' holds a value that is not a GeoJSON Feature")
    rest = bytes(buffer[:start]) + b"[]" + bytes(buffer[stop + 1 :])
    return SplitCollection(_decoded(rest), starts, ends)


def _decoded(document: Any) -> dict[str, Any]:
    try:
        members = orjson.loads(document)
    except orjson.JSONDecodeError as exc:
        raise DatasetError(f"invalid JSON: {exc}") from exc
    if not isinstance(members, dict) or members.get("type") != "FeatureCollection":
        raise DatasetError("not a GeoJSON FeatureCollection")
    return members


def iter_features(buffer: Any, split: SplitCollection) -> Iterator[dict[str, Any]]:
    """Decode and check the features of ``split`` one by one (see :func:`validated_feature`)."""
    previous_end = None
    for number, (start, end) in enumerate(
        zip(split.starts.tolist(), split.ends.tolist(), strict=True)
    ):
        if (
            previous_end is not None
            and bytes(buffer[previous_end:start]).strip(_WHITESPACE) != b","
        ):
            raise DatasetError(f"invalid JSON between features #{number - 1} and #{number}")
        previous_end = end
        try:
            feature = orjson.loads(buffer[start:end])
        except orjson.JSONDecodeError as exc:
            raise DatasetError(f"feature #{number}: invalid JSON: {exc}") from exc
        yield validated_feature(feature, number)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validated_feature(feature: Any, number: int) -> dict[str, Any]:
    """Check one decoded feature; return it normalised (string id, float coordinates)."""
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
