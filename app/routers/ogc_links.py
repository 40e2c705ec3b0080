"""Absolute links of the OGC API, and the ``Cache-Control`` of answers that carry them."""

from __future__ import annotations

from typing import Final

from fastapi import Request

from app.filters import FormationFilters
from app.policy import PRIVATE_REVALIDATE, REVALIDATE, private_data, public_data
from app.settings import Settings

OGC_PREFIX: Final = "/ogc"


def site_root(request: Request, settings: Settings) -> str:
    """Root of absolute links (no trailing slash), never taken from the ``Host`` header.

    ``CARTE_GEN_URL_PUBLIQUE`` when set. Otherwise the address of the listening socket this
    request came in on (``http://127.0.0.1:8000``): GIS clients such as GDAL need absolute
    links, and a client can only make that address one of the server's own. A ``Host``
    header could name any site, and the answer would be cached with links to it.
    """
    if settings.public_url is not None:
        return str(settings.public_url).rstrip("/")
    server = request.scope.get("server")
    if not server:
        return "http://localhost"
    host, port = server[0], server[1]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}" if port in (None, 80) else f"http://{host}:{port}"


def ogc_root(request: Request, settings: Settings) -> str:
    """URL of the OGC API root, as clients reach it."""
    return f"{site_root(request, settings)}{OGC_PREFIX}"


def links_cache_control(settings: Settings) -> str:
    """``Cache-Control`` of answers with links: public only when the links are the public URL.

    Links made from the socket's address are right for the client that connected to it,
    not for everyone behind a shared cache.
    """
    if settings.public_url is None:
        return private_data(settings.cache_max_age_s)
    return public_data(settings.cache_max_age_s)


def items_cache_control(settings: Settings, filters: FormationFilters) -> str:
    """``Cache-Control`` of a page of items: as :func:`links_cache_control`, or revalidated.

    A search that depends on the day is revalidated on each use (its ETag carries the day).
    """
    if not filters.depends_on_today:
        return links_cache_control(settings)
    return REVALIDATE if settings.public_url is not None else PRIVATE_REVALIDATE
