"""Static and vendored assets, read and compressed once at start-up and served by a lookup.

Each asset folder (``/static``, ``/vendor/<package>``) gets one content hash over all its
files. A file is served at two URLs:

* ``<prefix>/<hash>/<path>``: immutable (``Cache-Control: public, max-age=31536000,
  immutable``). The hash names the whole folder, not the file, so relative references keep
  working: an ES module ``import './b.js'``, or ``url(images/x.png)`` in Leaflet's CSS, resolve
  to the same hashed folder without an import map or rewriting.
* ``<prefix>/<path>``: the stable URL (``no-cache``, revalidated by ETag), for what other sites
  copy, such as ``/static/embed-resize.js`` in embed snippets.

Every variant (identity, br, gzip) is a prepared :class:`~app.responses.Reply`; a request costs
a dict look-up and an ``Accept-Encoding`` choice (memoised).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import brotli

from app.policy import IMMUTABLE, REVALIDATE
from app.responses import (
    Reply,
    choose_encoding,
    reply_headers,
    variant_etag,
)

#: Files above this size are compressed with brotli 9 instead of 11 (11 costs ~25× the time
#: for ~8 % less): start-up stays short even with Swagger UI's 1.7 MB bundle.
BROTLI_MAX_QUALITY_BYTES: Final = 256 * 1024
GZIP_LEVEL: Final = 9
#: Only these are compressed (images and fonts already are).
COMPRESSIBLE_SUFFIXES: Final = frozenset(
    {".js", ".mjs", ".css", ".svg", ".json", ".html", ".txt", ".xml"}
)
#: Source maps are development aids of several MB: never served.
SKIPPED_SUFFIXES: Final = frozenset({".map"})
HASH_LENGTH: Final = 16
_ASSET_URL: Final = re.compile(r'(?P<attr>\b(?:src|href))="(?P<url>/(?:static|vendor)/[^"?#]+)"')


@dataclass(frozen=True, slots=True)
class AssetRoot:
    """A folder served under a URL prefix; ``only`` limits it to these relative paths."""

    prefix: str
    directory: Path
    only: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Asset:
    """One file: its prepared replies per encoding, for the hashed and the stable URL."""

    media_type: str
    replies: Mapping[str, Reply]

    def reply(self, accept_encoding: str | None, if_none_match: str | None) -> Reply:
        """Return the reply for these request headers: the negotiated variant, or its 304."""
        encoding = choose_encoding(accept_encoding, tuple(self.replies))
        reply = self.replies[encoding or "identity"]
        if if_none_match and reply.etag_matches(if_none_match):
            return reply.not_modified()
        return reply


@lru_cache(maxsize=1024)
def _compressed(path: Path, size: int, mtime_ns: int) -> tuple[bytes, bytes]:
    """Brotli and gzip of a file; memoised on its signature so each process compresses once."""
    data = path.read_bytes()
    quality = 11 if size <= BROTLI_MAX_QUALITY_BYTES else 9
    return bytes(brotli.compress(data, quality=quality)), gzip.compress(
        data, compresslevel=GZIP_LEVEL, mtime=0
    )


def media_type_of(path: Path) -> str:
    """Content type of a file, with a UTF-8 charset for text."""
    if path.suffix in (".js", ".mjs"):
        return "text/javascript; charset=utf-8"
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("image/svg+xml", "application/json"):
        return f"{guessed}; charset=utf-8"
    return guessed


def _files(root: AssetRoot) -> list[tuple[str, Path]]:
    if not root.directory.is_dir():
        return []
    found = []
    for path in sorted(root.directory.rglob("*")):
        relative = path.relative_to(root.directory).as_posix()
        if (
            not path.is_file()
            or path.suffix in SKIPPED_SUFFIXES
            or any(part.startswith(".") for part in relative.split("/"))
            or (root.only is not None and relative not in root.only)
        ):
            continue
        found.append((relative, path))
    return found


def _replies(path: Path, data: bytes, cache_control: str) -> dict[str, Reply]:
    media_type = media_type_of(path)
    etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    replies = {"identity": Reply.of(200, reply_headers(media_type, etag, cache_control), data)}
    if path.suffix in COMPRESSIBLE_SUFFIXES and len(data) >= 256:
        stat = path.stat()
        br, gz = _compressed(path, stat.st_size, stat.st_mtime_ns)
        for encoding, body in (("br", br), ("gzip", gz)):
            if len(body) < len(data):
                headers = reply_headers(
                    media_type, variant_etag(etag, encoding), cache_control, encoding
                )
                replies[encoding] = Reply.of(200, headers, body)
    return replies


#: Front-end packages whose ``dist`` folder is served at ``/vendor/<package>/`` (a whitelist).
VENDOR_PACKAGES: Final[tuple[str, ...]] = (
    "leaflet",
    "supercluster",
    "leaflet.locatecontrol",
    "leaflet.fullscreen",
)
SWAGGER_PREFIX: Final = "/vendor/swagger-ui"
#: The files of ``swagger-ui-dist`` that ``/docs`` loads (the package holds 12 MB).
SWAGGER_FILES: Final = frozenset(
    {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "favicon-16x16.png"}
)


def asset_roots(static_path: Path, node_modules_path: Path) -> list[AssetRoot]:
    """Return the folders the service serves: ours, the vendored packages, Swagger UI."""
    roots = [AssetRoot("/static", static_path)]
    roots += [
        AssetRoot(f"/vendor/{package}", node_modules_path / package / "dist")
        for package in VENDOR_PACKAGES
    ]
    roots.append(AssetRoot(SWAGGER_PREFIX, node_modules_path / "swagger-ui-dist", SWAGGER_FILES))
    return roots


class AssetStore:
    """Every asset of the given roots, by URL path; built once (in a thread) by the lifespan."""

    def __init__(self, roots: Iterable[AssetRoot]) -> None:
        self.by_path: dict[str, Asset] = {}
        #: Stable URL → hashed URL, for pages and the docs.
        self.hashed: dict[str, str] = {}
        #: Prefix → content hash of its folder.
        self.hashes: dict[str, str] = {}
        for root in roots:
            files = [(relative, path, path.read_bytes()) for relative, path in _files(root)]
            digest = hashlib.sha256()
            for relative, _, data in files:
                digest.update(relative.encode() + b"\0" + hashlib.sha256(data).digest())
            folder_hash = digest.hexdigest()[:HASH_LENGTH]
            self.hashes[root.prefix] = folder_hash
            for relative, path, data in files:
                stable = f"{root.prefix}/{relative}"
                hashed = f"{root.prefix}/{folder_hash}/{relative}"
                for url, cache_control in ((stable, REVALIDATE), (hashed, IMMUTABLE)):
                    replies = _replies(path, data, cache_control)
                    self.by_path[url] = Asset(media_type_of(path), replies)
                self.hashed[stable] = hashed

    def url(self, stable: str) -> str:
        """Return the hashed URL of an asset (the stable one when unknown)."""
        return self.hashed.get(stable, stable)

    def rewrite_html(self, html: str) -> str:
        """Point every ``src``/``href`` naming a known asset at its hashed URL."""

        def hashed(match: re.Match[str]) -> str:
            return f'{match["attr"]}="{self.url(match["url"])}"'

        return _ASSET_URL.sub(hashed, html)
