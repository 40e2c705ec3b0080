"""Response classes and helpers: GeoJSON with orjson, cached encoded bodies, ETags, CSV."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import brotli
import orjson
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.dataset import CachedBody, ResponseCache
from app.filters import french_decimal
from geo.io import neutralise_cell

GEOJSON_MEDIA_TYPE: Final = "application/geo+json"
CSV_MEDIA_TYPE: Final = "text/csv; charset=utf-8"
#: Below this size compression costs more than it saves.
MIN_COMPRESS_BYTES: Final = 500
BROTLI_QUALITY: Final = 5
GZIP_LEVEL: Final = 6
#: Answers from this size up are first compressed at fast levels, on their request: most are
#: one-off searches (a point, a region and a type…). When one is asked again, it is popular:
#: it is compressed again at the usual level after that answer is sent, in a worker thread.
#: Measured on a 1.6 MiB answer: brotli 2 takes 2.9 ms/MiB for 8.7 % of the size, gzip 1
#: 3.1 ms/MiB for 11 %, against 7.7 ms/MiB (6.8 %) for brotli 5 and 9.6 ms/MiB (9 %) for gzip 6.
LARGE_BODY_BYTES: Final = 64 * 1024
FAST_BROTLI_QUALITY: Final = 2
FAST_GZIP_LEVEL: Final = 1


class GeoJSONResponse(JSONResponse):
    """GeoJSON (``application/geo+json``) serialised with orjson; NaN and infinities → ``null``."""

    media_type = GEOJSON_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        """Encode with orjson (which writes non-finite floats as ``null``)."""
        if isinstance(content, bytes):
            return content
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


class ORJSONResponse(JSONResponse):
    """Plain JSON serialised with orjson."""

    def render(self, content: Any) -> bytes:
        """Encode with orjson."""
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


def strong_etag(*parts: str) -> str:
    """Make a strong ETag (quoted) derived from the given parts."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f'"{digest[:32]}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 says for GET)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.strip('"')
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        candidate = candidate.removeprefix("W/").strip('"')
        candidate = candidate.split("-", 1)[0]  # "<tag>-br" / "<tag>-gzip" name the same data
        if candidate == bare:
            return True
    return False


def preferred_encoding(accept_encoding: str | None) -> str | None:
    """``br`` or ``gzip`` from an ``Accept-Encoding`` header (q=0 excluded), else ``None``."""
    if not accept_encoding:
        return None
    accepted: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        name, _, params = item.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        accepted[name.strip()] = quality
    for name in ("br", "gzip"):
        if accepted.get(name, accepted.get("*", 0.0)) > 0:
            return name
    return None


def compress(data: bytes, encoding: str, *, fast: bool = False) -> bytes:
    """Compress with ``br`` or ``gzip`` at the levels used for cached answers (or fast ones)."""
    if encoding == "br":
        quality = FAST_BROTLI_QUALITY if fast else BROTLI_QUALITY
        return bytes(brotli.compress(data, quality=quality))
    level = FAST_GZIP_LEVEL if fast else GZIP_LEVEL
    return gzip.compress(data, compresslevel=level, mtime=0)


def cache_headers(max_age_s: int) -> dict[str, str]:
    """Shared caching headers of public data answers."""
    return {"Cache-Control": f"public, max-age={max_age_s}", "Vary": "Accept-Encoding"}


def needs_compression(request: Request, entry: CachedBody) -> bool:
    """Whether answering ``request`` from ``entry`` means compressing a large body first."""
    if len(entry.body) < LARGE_BODY_BYTES:
        return False
    encoding = preferred_encoding(request.headers.get("accept-encoding"))
    return encoding is not None and encoding not in entry.encoded


def cached_answer(
    request: Request, entry: CachedBody, cache: ResponseCache, max_age_s: int
) -> Response:
    """Answer from a cache entry: ``304`` on a matching ``If-None-Match``, else the bytes.

    The compressed variant is made on first use and kept in the entry, so the middleware
    (which leaves answers with a ``Content-Encoding`` alone) does not compress them again.
    """
    headers = {**cache_headers(max_age_s), **entry.headers}
    if etag_matches(request.headers.get("if-none-match"), entry.etag):
        headers["ETag"] = entry.etag
        return Response(status_code=304, headers=headers)
    body = entry.body
    encoding = (
        preferred_encoding(request.headers.get("accept-encoding"))
        if len(body) >= MIN_COMPRESS_BYTES
        else None
    )
    background = None
    if encoding is not None:
        variant = cache.variant(entry, encoding)
        if variant is None:
            fast = len(body) >= LARGE_BODY_BYTES
            data = compress(body, encoding, fast=fast)
            cache.add_encoding(entry, encoding, data, fast=fast)
        else:
            data, fast = variant
            if fast and cache.claim_upgrade(entry, encoding):  # asked again: it is popular
                background = BackgroundTask(_recompress, entry, encoding, cache)
        body = data
        headers["Content-Encoding"] = encoding
        headers["ETag"] = variant_etag(entry.etag, encoding, fast=fast)
    else:
        headers["ETag"] = entry.etag
    return Response(body, media_type=entry.media_type, headers=headers, background=background)


def variant_etag(etag: str, encoding: str, *, fast: bool) -> str:
    """Tag a compressed variant: other bytes (encoding, level), other strong ETag.

    ``If-None-Match`` still matches any variant of the same data (see :func:`etag_matches`).
    """
    return f'{etag[:-1]}-{encoding}{"-fast" if fast else ""}"'


def _recompress(entry: CachedBody, encoding: str, cache: ResponseCache) -> None:
    """Replace a fast variant by one at the usual level (run after an answer was sent)."""
    cache.add_encoding(entry, encoding, compress(entry.body, encoding))


def collection_parts(members: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """Split a FeatureCollection without features into what goes before them and after."""
    head = orjson.dumps({"type": "FeatureCollection", **members})
    return head[:-1] + b',"features":[', b"]}"


def collection_bytes(features: bytes, members: Mapping[str, Any]) -> bytes:
    """Assemble a FeatureCollection: members first, then the already encoded features."""
    before, after = collection_parts(members)
    return b"".join((before, features, after))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV for French spreadsheet software: UTF-8 with BOM, ``;``, decimal commas, CRLF.

    Text cells that would be read as formulas are neutralised (prefixed with ``'``).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8", "replace")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        return french_decimal(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, list | dict):
        value = orjson.dumps(value).decode()
    return neutralise_cell(str(value))
