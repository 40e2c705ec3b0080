"""HTTP policy in one place: every ``Cache-Control`` value of the service, and its CORS headers.

Answers pick one of these; no module writes a ``Cache-Control`` of its own.
"""

from __future__ import annotations

from typing import Final

#: Content-hashed assets: never change under their URL.
IMMUTABLE: Final = "public, max-age=31536000, immutable"
#: Pages, stable asset URLs, the API documents: kept, but revalidated (ETag → 304) on each use.
REVALIDATE: Final = "no-cache"
#: The same, for one client only (OGC answers whose links name the address it used).
PRIVATE_REVALIDATE: Final = "private, no-cache"
#: Errors, health: never stored.
NO_STORE: Final = "no-store"


def public_data(max_age_s: int) -> str:
    """``Cache-Control`` of data answers: shared caches may keep them ``max_age_s`` seconds."""
    return f"public, max-age={max_age_s}"


def private_data(max_age_s: int) -> str:
    """``Cache-Control`` of answers right for one client only (links to the address it used)."""
    return f"private, max-age={max_age_s}"


#: On every answer: any origin may read them (public data, no cookies, no credentials). Being
#: the same for every request, they need no ``Vary: Origin``.
CORS_HEADERS: Final = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "ETag, Content-Disposition"),
)
#: Answer to a CORS pre-flight request.
PREFLIGHT_HEADERS: Final = (
    *CORS_HEADERS,
    ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
    ("Access-Control-Allow-Headers", "If-None-Match, Accept, Accept-Language"),
    ("Access-Control-Max-Age", "86400"),
    ("Cache-Control", NO_STORE),
)
