"""The per-version cache of encoded answers, with their compressed variants (bounded LRU)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Final

CACHE_MAX_ENTRIES: Final = 64
CACHE_MAX_BYTES: Final = 256 * 1024 * 1024


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
