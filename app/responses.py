"""The one response builder: negotiated encodings, strong ETags per variant, caching policy.

Every answer of the service that is not an error goes through :func:`entry_reply`, from a
route (:func:`cached_answer`) or from the fast path of :mod:`app.middleware`.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import brotli
import orjson
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Send

from app.cache import CachedBody, ResponseCache
from app.dataset import Dataset
from app.errors import error_body
from app.exports import XLSX_MEDIA_TYPE
from app.policy import CORS_HEADERS, NO_STORE, REVALIDATE

GEOJSON_MEDIA_TYPE: Final = "application/geo+json"
#: Bodies already compressed (a zip): sent as they are, whatever the client accepts.
PRECOMPRESSED_MEDIA_TYPES: Final = frozenset({XLSX_MEDIA_TYPE})
#: Below this size compression costs more than it saves.
MIN_COMPRESS_BYTES: Final = 500
BROTLI_QUALITY: Final = 5
GZIP_LEVEL: Final = 6
#: Answers from this size up are first compressed at fast levels, on their request: most are
#: one-off searches (a point, a region and a type…). When one is asked again, it is popular:
#: it is compressed again at the usual level after that answer is sent, in a worker thread.
#: The fast levels take about a third of the time for a slightly larger body.
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


def body_etag(body: bytes) -> str:
    """Return a strong ETag naming exactly these bytes."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def variant_etag(etag: str, encoding: str, *, fast: bool = False) -> str:
    """Tag a compressed variant: other bytes (encoding, level), other strong ETag."""
    return f'{etag[:-1]}-{encoding}{"-fast" if fast else ""}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names exactly ``etag`` (weak comparison: ``W/`` is ignored).

    Each encoding has its own tag, so a client holding the gzip bytes never gets a ``304``
    that would confirm br bytes it does not have.
    """
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(
        candidate.strip().removeprefix("W/") == etag for candidate in if_none_match.split(",")
    )


# --------------------------------------------------------------------------- negotiation

#: Content codings offered, in order of preference when the client rates them equally.
OFFERED_ENCODINGS: Final = ("br", "gzip", "identity")
IMPLICIT_IDENTITY_QUALITY: Final = 0.001


def _quality(text: str) -> float:
    try:
        quality = float(text)
    except ValueError:
        return 0.0
    return quality if 0.0 <= quality <= 1.0 else 0.0


@lru_cache(maxsize=256)
def acceptable_encodings(accept_encoding: str | None) -> tuple[str, ...]:
    """Codings of :data:`OFFERED_ENCODINGS` that ``Accept-Encoding`` accepts, best first.

    RFC 9110 § 12.5.3: ``q=0`` excludes a coding; ``*`` rates every coding not named;
    ``identity`` is acceptable unless excluded by name or by ``*;q=0`` (last when not named);
    an invalid ``q`` counts as 0; no header means
    identity only (what clients that send none expect). Memoised: clients send few
    distinct values.
    """
    if accept_encoding is None:
        return ("identity",)
    rated: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        name, _, params = item.partition(";")
        name = name.strip()
        if not name:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip() == "q":
                quality = _quality(value.strip())
        rated[name] = quality
    star = rated.get("*")

    def quality_of(coding: str) -> float:
        if coding in rated:
            return rated[coding]
        if star is not None:
            return star
        # identity is acceptable when not excluded, but ranked after any coding rated above 0
        return IMPLICIT_IDENTITY_QUALITY if coding == "identity" else 0.0

    ranked = sorted(
        ((quality_of(coding), -order, coding) for order, coding in enumerate(OFFERED_ENCODINGS)),
        reverse=True,
    )
    return tuple(coding for quality, _, coding in ranked if quality > 0)


def choose_encoding(accept_encoding: str | None, available: Sequence[str]) -> str | None:
    """Return the best acceptable coding of ``available`` (``None``: none is acceptable)."""
    for coding in acceptable_encodings(accept_encoding):
        if coding in available:
            return coding
    return None


def preferred_encoding(accept_encoding: str | None) -> str | None:
    """``br`` or ``gzip`` from an ``Accept-Encoding`` header (q=0 excluded), else ``None``."""
    return choose_encoding(accept_encoding, ("br", "gzip"))


def compress(data: bytes, encoding: str, *, fast: bool = False) -> bytes:
    """Compress with ``br`` or ``gzip`` at the levels used for cached answers (or fast ones)."""
    if encoding == "br":
        quality = FAST_BROTLI_QUALITY if fast else BROTLI_QUALITY
        return bytes(brotli.compress(data, quality=quality))
    level = FAST_GZIP_LEVEL if fast else GZIP_LEVEL
    return gzip.compress(data, compresslevel=level, mtime=0)


# --------------------------------------------------------------------------- replies

_NOT_MODIFIED_DROPS: Final = frozenset({b"content-length", b"content-type", b"content-encoding"})


@dataclass(frozen=True, slots=True)
class Reply:
    """A complete HTTP answer (status, raw headers, body), ready to send as is."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    etag: str | None
    #: The ``304`` of this reply (its validators and caching headers, no body), made with it.
    revalidated: Reply | None = None

    @classmethod
    def of(cls, status: int, headers: Sequence[tuple[str, str]], body: bytes) -> Reply:
        """Encode the headers once, add ``Content-Length``, prepare the ``304``."""
        raw = tuple(
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
        )
        etag = next((value for name, value in headers if name.lower() == "etag"), None)
        revalidated = None
        if etag is not None:
            kept = tuple(item for item in raw if item[0] not in _NOT_MODIFIED_DROPS)
            revalidated = cls(304, kept, b"", etag)
        raw += ((b"content-length", str(len(body)).encode()),)
        return cls(status, raw, body, etag, revalidated)

    def etag_matches(self, if_none_match: str) -> bool:
        """Whether ``If-None-Match`` names this reply's ETag."""
        return self.etag is not None and etag_matches(if_none_match, self.etag)

    def not_modified(self) -> Reply:
        """Return the ``304`` of this reply (itself when it has no ETag)."""
        return self.revalidated or self

    async def send(self, send: Send, *, head: bool = False) -> None:
        """Send this reply on an ASGI connection (headers only for ``HEAD``)."""
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": b"" if head else self.body})


def reply_headers(
    media_type: str,
    etag: str,
    cache_control: str,
    encoding: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """Headers of an answer: type, validators, caching, ``Vary``, CORS and ``extra``."""
    headers = [
        ("Content-Type", media_type),
        ("ETag", etag),
        ("Cache-Control", cache_control),
        ("Vary", "Accept-Encoding"),
        *CORS_HEADERS,
    ]
    if encoding is not None and encoding != "identity":
        headers.append(("Content-Encoding", encoding))
    if extra:
        headers.extend((name, value) for name, value in extra.items() if name != "Cache-Control")
    return headers


class ReplyResponse(Response):
    """A Starlette response sending a prepared :class:`Reply` as it is."""

    def __init__(self, reply: Reply, background: BackgroundTask | None = None) -> None:
        self.status_code = reply.status
        self.body = reply.body
        self.raw_headers = list(reply.headers)
        self.background = background


def make_entry(
    body: bytes,
    media_type: str,
    cache_control: str,
    *,
    etag: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> CachedBody:
    """Make a cacheable answer: its bytes, ETag (of the bytes unless given) and headers."""
    return CachedBody(
        body=body,
        etag=etag or body_etag(body),
        media_type=media_type,
        headers={"Cache-Control": cache_control, **(headers or {})},
        encoded={},
    )


def needs_compression(request: Request, entry: CachedBody) -> bool:
    """Whether answering ``request`` from ``entry`` means compressing a large body first."""
    if len(entry.body) < LARGE_BODY_BYTES:
        return False
    encoding = entry_encoding(request.headers.get("accept-encoding"), entry)
    return encoding not in (None, "identity") and encoding not in entry.encoded


def entry_encoding(accept_encoding: str | None, entry: CachedBody) -> str | None:
    """Return the coding to answer ``entry`` in (``None``: the client accepts none)."""
    acceptable = acceptable_encodings(accept_encoding)
    if "identity" in acceptable and (
        len(entry.body) < MIN_COMPRESS_BYTES or entry.media_type in PRECOMPRESSED_MEDIA_TYPES
    ):
        return "identity"  # compressing costs more than it saves
    return acceptable[0] if acceptable else None


def entry_reply(
    entry: CachedBody,
    accept_encoding: str | None,
    if_none_match: str | None,
    cache: ResponseCache | None,
    *,
    compress_missing: bool = True,
) -> tuple[Reply, str | None] | None:
    """Return the reply to a request for ``entry``, and an encoding to recompress after it.

    The compressed variant is made on first use and kept in the entry. Without
    ``compress_missing``, ``None`` means a variant must be made or improved first (the fast
    path then leaves the request to the route).
    """
    encoding = entry_encoding(accept_encoding, entry)
    if encoding is None:
        return not_acceptable_reply(), None
    cache_control = entry.headers.get("Cache-Control", REVALIDATE)
    upgrade = None
    if encoding == "identity":
        body, etag = entry.body, entry.etag
    else:
        variant = (
            cache.variant(entry, encoding) if cache is not None else _variant_of(entry, encoding)
        )
        if variant is None:
            if not compress_missing:
                return None
            fast = len(entry.body) >= LARGE_BODY_BYTES
            body = compress(entry.body, encoding, fast=fast)
            if cache is not None:
                cache.add_encoding(entry, encoding, body, fast=fast)
            else:
                entry.encoded[encoding] = body
        else:
            body, fast = variant
            if fast and cache is not None:
                if not compress_missing:
                    return None
                if cache.claim_upgrade(entry, encoding):  # asked again: it is popular
                    upgrade = encoding
        etag = variant_etag(entry.etag, encoding, fast=fast)
    headers = reply_headers(entry.media_type, etag, cache_control, encoding, entry.headers)
    reply = Reply.of(200, headers, body)
    if if_none_match and reply.etag_matches(if_none_match):
        return reply.not_modified(), None
    return reply, upgrade


def _variant_of(entry: CachedBody, encoding: str) -> tuple[bytes, bool] | None:
    data = entry.encoded.get(encoding)
    return None if data is None else (data, encoding in entry.fast)


def error_reply(status: int, message: str, extra: Sequence[tuple[str, str]] = ()) -> Reply:
    """Prepare an error answer in the common shape (see :mod:`app.errors`), never stored."""
    body = error_body([{"parametre": None, "message": message}])
    headers = [("Content-Type", "application/json"), ("Cache-Control", NO_STORE), *CORS_HEADERS]
    return Reply.of(status, [*headers, *extra], body)


def not_acceptable_reply() -> Reply:
    """``406`` when the client refuses every coding, ``identity`` included."""
    return error_reply(
        406, "aucun encodage acceptable : Accept-Encoding refuse br, gzip et identity"
    )


def cached_answer(request: Request, entry: CachedBody, cache: ResponseCache | None) -> Response:
    """Answer a route's request from an entry: ``304``, or the negotiated variant."""
    reply, upgrade = entry_reply(  # type: ignore[misc]  # compress_missing: never None
        entry, request.headers.get("accept-encoding"), request.headers.get("if-none-match"), cache
    )
    background = None
    if upgrade is not None and cache is not None:
        background = BackgroundTask(_recompress, entry, upgrade, cache)
    return ReplyResponse(reply, background)


def dataset_answer(
    request: Request, dataset: Dataset, key: str, entry: CachedBody, *, remember: bool = True
) -> Response:
    """Answer from the entry of ``dataset`` under ``key``; remember it for the fast path.

    The next request with the same path and raw query string is then answered by
    :class:`~app.middleware.FastPathMiddleware` without routing. ``remember=False`` for an
    answer that depends on more than the path and query (the socket's address).
    """
    if remember:
        request.app.state.fast_answers.remember(
            dataset.version, request.scope["path"], request.scope["query_string"], key
        )
    return cached_answer(request, entry, dataset.cache)


def _recompress(entry: CachedBody, encoding: str, cache: ResponseCache) -> None:
    """Replace a fast variant by one at the usual level (run after an answer was sent)."""
    cache.add_encoding(entry, encoding, compress(entry.body, encoding))


def json_answer(
    request: Request,
    content: Any,
    cache_control: str,
    *,
    media_type: str = "application/json",
) -> Response:
    """Answer JSON made for this request (not kept), with an ETag and compression."""
    body = orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)
    return cached_answer(request, make_entry(body, media_type, cache_control), None)


def collection_parts(members: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """Split a FeatureCollection without features into what goes before them and after."""
    head = orjson.dumps({"type": "FeatureCollection", **members})
    return head[:-1] + b',"features":[', b"]}"


def collection_bytes(features: bytes, members: Mapping[str, Any]) -> bytes:
    """Assemble a FeatureCollection: members first, then the already encoded features."""
    before, after = collection_parts(members)
    return b"".join((before, features, after))
