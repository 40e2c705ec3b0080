"""The addok wire format (pure): what we send to the server and how its answers are read.

Requests: the query words and filters of a row, the CSV upload. Answers: ``/search/`` JSON,
``/search/csv/`` CSV, and the form in which the cache stores them.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from geo.address import (
    ARRONDISSEMENTS,
    AddressMatch,
    AddressQuery,
    commune_base_name,
)
from geo.ban.cache import CachedAnswer


class InvalidAnswer(ValueError):
    """The server's answer (or one of its rows) is not what an addok server sends."""


def _number(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidAnswer(f"{name} is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise InvalidAnswer(f"{name} is not finite: {value!r}")
    return number


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def build_match(
    *,
    lon: Any,
    lat: Any,
    score: Any,
    type: Any,
    label: Any,
    citycode: Any = None,
    postcode: Any = None,
) -> AddressMatch:
    """Validate raw answer fields into an :class:`AddressMatch` (``InvalidAnswer`` if wrong)."""
    lon_f, lat_f, score_f = _number(lon, "lon"), _number(lat, "lat"), _number(score, "score")
    if not (-180 <= lon_f <= 180 and -90 <= lat_f <= 90):
        raise InvalidAnswer(f"coordinates out of range: {lon_f}, {lat_f}")
    if not 0 <= score_f <= 1.000001:
        raise InvalidAnswer(f"score out of range: {score_f}")
    if not isinstance(type, str) or not type.strip():
        raise InvalidAnswer(f"missing result type: {type!r}")
    return AddressMatch(
        lon=round(lon_f, 6),
        lat=round(lat_f, 6),
        score=min(score_f, 1.0),
        type=type.strip(),
        label=str(label or "").strip(),
        citycode=_optional_text(citycode),
        postcode=_optional_text(postcode),
    )


def parse_search_json(body: bytes) -> AddressMatch | None:
    """Best result of a ``/search/`` answer (GeoJSON), ``None`` when it found nothing."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidAnswer(f"not JSON: {error}") from None
    features = payload.get("features") if isinstance(payload, dict) else None
    if not isinstance(features, list):
        raise InvalidAnswer("no 'features' list")
    if not features:
        return None
    feature = features[0]
    try:
        lon, lat = feature["geometry"]["coordinates"][:2]
        properties = feature["properties"]
        return build_match(
            lon=lon,
            lat=lat,
            score=properties.get("score"),
            type=properties.get("type"),
            label=properties.get("label"),
            citycode=properties.get("citycode"),
            postcode=properties.get("postcode"),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        if isinstance(error, InvalidAnswer):
            raise
        raise InvalidAnswer(f"malformed feature: {error!r}") from None


#: Columns of the CSV we upload (row number, query parts, filter columns).
ROW_COLUMN: Final = "carte_gen_n"
QUERY_COLUMNS: Final = ("adresse", "code_postal", "commune")
CITYCODE_COLUMN: Final = "carte_gen_citycode"
POSTCODE_COLUMN: Final = "carte_gen_postcode"
TYPE_COLUMN: Final = "carte_gen_type"
#: Result columns addok-csv appends (``result_citycode``/``result_postcode`` come from the
#: server's extra fields: optional, the gate then checks postcode and name).
REQUIRED_RESULT_COLUMNS: Final = (
    "latitude",
    "longitude",
    "result_score",
    "result_type",
    "result_label",
)


@dataclass(frozen=True, slots=True)
class Lookup:
    """What is asked of the server for one distinct query."""

    adresse: str
    code_postal: str
    commune: str
    filters: Mapping[str, str]

    @property
    def text(self) -> str:
        """The ``q`` parameter: the same words addok-csv joins from the uploaded columns."""
        return " ".join(part for part in (self.adresse, self.code_postal, self.commune) if part)


QUERY_MAX_LENGTH: Final = 200  # addok's (and the BAN's) QUERY_MAX_LENGTH


def lookup_for(query: AddressQuery, result_type: str | None = None) -> Lookup:
    """Build the request for a row: its words and its filters (pure).

    The commune filter is the row's INSEE code, except for Paris, Lyon and Marseille as a
    whole (the address base files addresses under arrondissement codes): their postcode is
    the filter then.
    """
    adresse = " ".join(query.adresse.split())
    code_postal = (query.code_postal or "").strip()
    commune = " ".join(commune_base_name(query.commune).split())
    room = QUERY_MAX_LENGTH - len(code_postal) - len(commune) - 2
    adresse = adresse[: max(room, 0)].strip()
    filters: dict[str, str] = {}
    code_insee = query.code_insee.strip().upper()
    if code_insee and code_insee not in ARRONDISSEMENTS:
        filters["citycode"] = code_insee
    elif code_postal:
        filters["postcode"] = code_postal
    if result_type:
        filters["type"] = result_type
    return Lookup(adresse, code_postal, commune, filters)


def build_csv_upload(lookups: Sequence[Lookup]) -> bytes:
    """Write the CSV sent to ``/search/csv/`` for a chunk (every field quoted, UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow((ROW_COLUMN, *QUERY_COLUMNS, CITYCODE_COLUMN, POSTCODE_COLUMN, TYPE_COLUMN))
    for number, lookup in enumerate(lookups):
        writer.writerow(
            (
                number,
                lookup.adresse,
                lookup.code_postal,
                lookup.commune,
                lookup.filters.get("citycode", ""),
                lookup.filters.get("postcode", ""),
                lookup.filters.get("type", ""),
            )
        )
    return out.getvalue().encode("utf-8")


def parse_csv_answer(body: bytes, expected_rows: int) -> list[AddressMatch | InvalidAnswer | None]:
    """Read the rows of a ``/search/csv/`` answer, by uploaded row number (pure).

    Each row gives a match, ``None`` (no result) or an :class:`InvalidAnswer`; rows the
    answer lacks (truncated) or garbles are invalid, the others are used. Raises
    ``InvalidAnswer`` when the whole answer is unusable (not text, no header, columns missing).
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidAnswer(f"not UTF-8: {error}") from None
    first_line = text.split("\n", 1)[0]
    position = first_line.find(ROW_COLUMN)
    if position < 0:
        raise InvalidAnswer(f"no {ROW_COLUMN} column in the header")
    after = first_line[position + len(ROW_COLUMN) :].lstrip('"')
    delimiter = after[:1] if after[:1] in {",", ";", "\t", "|"} else ","
    # A body not ending with a line break was cut: its last line cannot be trusted.
    complete = text.endswith("\n")
    lines = text.splitlines(keepends=True)
    if not complete and lines:
        lines = lines[:-1]
    try:
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        header = next(reader, None)
        if header is None:
            raise InvalidAnswer("empty answer")
        index = {name: position for position, name in enumerate(header)}
        missing = [name for name in (ROW_COLUMN, *REQUIRED_RESULT_COLUMNS) if name not in index]
        if missing:
            raise InvalidAnswer(f"missing columns: {', '.join(missing)}")
        results: list[AddressMatch | InvalidAnswer | None] = [
            InvalidAnswer("row missing from the answer") for _ in range(expected_rows)
        ]
        seen: set[int] = set()
        for row in reader:
            try:
                number = int(row[index[ROW_COLUMN]])
            except (ValueError, IndexError):
                continue
            if not 0 <= number < expected_rows or number in seen:
                continue
            seen.add(number)
            results[number] = _csv_row(row, header, index)
    except csv.Error as error:
        raise InvalidAnswer(f"unreadable CSV: {error}") from None
    return results


def _csv_row(
    row: list[str], header: list[str], index: Mapping[str, int]
) -> AddressMatch | InvalidAnswer | None:
    if len(row) != len(header):
        return InvalidAnswer(f"row has {len(row)} fields, header {len(header)}")

    def value(name: str) -> str:
        return row[index[name]].strip() if name in index else ""

    if not (value("latitude") or value("longitude") or value("result_score")):
        return None
    try:
        return build_match(
            lon=value("longitude"),
            lat=value("latitude"),
            score=value("result_score"),
            type=value("result_type"),
            label=value("result_label"),
            citycode=value("result_citycode"),
            postcode=value("result_postcode"),
        )
    except InvalidAnswer as error:
        return error


def answer_to_cache(match: AddressMatch | None) -> CachedAnswer:
    """Turn an answer into the cache's form."""
    if match is None:
        return None
    return {
        "lon": match.lon,
        "lat": match.lat,
        "score": match.score,
        "type": match.type,
        "label": match.label,
        "citycode": match.citycode,
        "postcode": match.postcode,
    }


def answer_from_cache(cached: CachedAnswer) -> AddressMatch | None:
    """Rebuild an answer from the cache (``InvalidAnswer`` if the stored fields are wrong)."""
    if cached is None:
        return None
    return build_match(
        lon=cached.get("lon"),
        lat=cached.get("lat"),
        score=cached.get("score"),
        type=cached.get("type"),
        label=cached.get("label"),
        citycode=cached.get("citycode"),
        postcode=cached.get("postcode"),
    )
