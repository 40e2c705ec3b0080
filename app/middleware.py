"""Pure ASGI middleware: the fast path for assets and cached answers, and HEAD as GET.

The fast path answers, before routing and FastAPI's dependency resolution, every request it
can answer with a look-up: an asset of :class:`~app.assets.AssetStore`, or an answer a route
already made for the same path and raw query string of the current dataset version
(:class:`FastAnswers`). Everything else goes on to the application unchanged.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import http_error_message
from app.policy import PREFLIGHT_HEADERS
from app.responses import Reply, entry_encoding, entry_reply, error_reply

if TYPE_CHECKING:
    from app.cache import CachedBody
    from app.dataset import Dataset

#: Distinct (path, query string) pairs remembered per dataset version; past it the index
#: starts again (a crawler of unique queries cannot grow it without bound).
MAX_REMEMBERED: Final = 4096
#: Bytes of the bodies the made replies may hold (they may outlive the cache's entries):
#: past it the memo starts again.
MEMO_MAX_BYTES: Final = 64 * 1024 * 1024
PREFLIGHT: Final = Reply.of(204, PREFLIGHT_HEADERS, b"")
METHOD_NOT_ALLOWED: Final = error_reply(405, http_error_message(405), [("Allow", "GET, HEAD")])


class FastAnswers:
    """Which cache key answers a (path, raw query string), for the current dataset version.

    Routes fill it after answering (their canonical key is the fallback: two spellings of one
    query share one entry); the entry itself stays in the dataset's cache or prepared
    artefacts, so a new version or the cache's eviction drops it.
    """

    def __init__(self) -> None:
        self._version: str | None = None
        self._keys: dict[tuple[str, bytes], str] = {}
        #: (key, encoding) → (entry, body, reply): replies of small answers, made once.
        self._replies: dict[tuple[str, str | None], tuple[CachedBody, bytes | None, Reply]] = {}
        self._memo_bytes = 0
        self._lock = threading.Lock()

    def remember(self, version: str, path: str, query: bytes, key: str) -> None:
        """Record that ``key`` of version ``version`` answers ``path?query``."""
        with self._lock:
            if version != self._version or len(self._keys) >= MAX_REMEMBERED:
                self._keys = {}
                self._replies = {}
                self._memo_bytes = 0
                self._version = version
            self._keys[(path, query)] = key

    def reply(
        self,
        dataset: Dataset,
        path: str,
        query: bytes,
        accept_encoding: str | None,
        if_none_match: str | None,
    ) -> Reply | None:
        """Return the reply to ``path?query`` from ``dataset`` if a route made its answer.

        ``None`` when the route has to answer: unknown query, entry evicted, or a compressed
        variant still to make or to improve.
        """
        if dataset.version != self._version:
            return None
        key = self._keys.get((path, query))
        if key is None:
            return None
        entry: CachedBody | None = dataset.prepared.get(key) or dataset.cache.get(key)
        if entry is None:
            return None
        encoding = entry_encoding(accept_encoding, entry)
        body = entry.body if encoding in (None, "identity") else entry.encoded.get(encoding)
        memo = self._replies.get((key, encoding))
        if memo is not None and memo[0] is entry and memo[1] is body:
            reply = memo[2]
        else:
            made = entry_reply(entry, accept_encoding, None, dataset.cache, compress_missing=False)
            if made is None:
                return None
            reply = made[0]
            with self._lock:
                if self._memo_bytes + len(reply.body) > MEMO_MAX_BYTES:
                    self._replies = {}
                    self._memo_bytes = 0
                self._replies[(key, encoding)] = (entry, body, reply)
                self._memo_bytes += len(reply.body)
        if if_none_match and reply.etag_matches(if_none_match):
            return reply.not_modified()
        return reply


def request_headers(scope: Scope) -> tuple[str | None, str | None]:
    """Return the request's ``Accept-Encoding`` and ``If-None-Match`` (``None`` when absent)."""
    accept_encoding = if_none_match = None
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            accept_encoding = value.decode("latin-1")
        elif name == b"if-none-match":
            if_none_match = value.decode("latin-1")
    return accept_encoding, if_none_match


def _is_preflight(scope: Scope) -> bool:
    names = {name for name, _ in scope["headers"]}
    return b"origin" in names and b"access-control-request-method" in names


class FastPathMiddleware:
    """Answer pre-flights, asset and cache hits with prepared bytes; pass the rest on.

    ``state`` is the application's state (``assets``, ``datasets``, ``fast_answers``): the
    middleware may run outside the application, before it sets ``scope["app"]``.
    """

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a GET/HEAD hit from ``app.state.assets`` or the remembered answers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state
        path: str = scope["path"]
        assets = state.assets
        if scope["method"] not in ("GET", "HEAD"):
            if scope["method"] == "OPTIONS" and _is_preflight(scope):
                await PREFLIGHT.send(send)
            elif assets is not None and path in assets.by_path:
                await METHOD_NOT_ALLOWED.send(send)
            else:
                await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if assets is not None:
            asset = assets.by_path.get(path)
            if asset is not None:
                accept_encoding, if_none_match = request_headers(scope)
                await asset.reply(accept_encoding, if_none_match).send(send, head=head)
                return
        store = state.datasets
        if store is not None:
            accept_encoding, if_none_match = request_headers(scope)
            reply = state.fast_answers.reply(
                store.current(), path, scope["query_string"], accept_encoding, if_none_match
            )
            if reply is not None:
                await reply.send(send, head=head)
                return
        await self.app(scope, receive, send)


class HeadAsGetMiddleware:
    """Answer ``HEAD`` like ``GET``, with the same status and headers and no body.

    FastAPI routes declared with ``@router.get`` answer ``HEAD`` with 405, while link checkers,
    caches and ``curl -I`` expect the headers of the GET answer (size, type, ETag).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass other requests through; run HEAD as GET and drop the body bytes."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
