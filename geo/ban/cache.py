"""Persistent SQLite cache of geocoder answers, keyed by the normalised query.

Stores the server's best answer (a hit) or its definitive « no result » (a miss) — never a
transient error — so that building the same file twice asks the server nothing the second
time. The gate (score threshold, commune agreement) runs on cached answers again, so
changing the threshold needs no new request. sqlite3 is blocking: the ``a*`` methods run
it in a worker thread. A corrupt or unreadable file is rebuilt with a warning, never a crash.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geo.text import fold

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
#: SQLite caps the number of ``?`` in one statement; stay well below the smallest default.
_MAX_VARIABLES = 500

#: What the cache holds for a key: the answer's fields (a hit) or ``None`` (a definitive miss).
CachedAnswer = Mapping[str, Any] | None


def cache_key(query: str, filters: Mapping[str, str], base_url: str) -> str:
    """Key of a query: the folded query text, its filters and the server's base URL.

    >>> cache_key("12, Rue  Oberkampf", {"citycode": "75111"}, "http://h/geocodage/")
    'http://h/geocodage|12 rue oberkampf|citycode=75111'
    """
    filter_part = "&".join(f"{name}={value}" for name, value in sorted(filters.items()) if value)
    return f"{base_url.rstrip('/')}|{fold(query)}|{filter_part}"


class BanCache:
    """SQLite file of answers (WAL mode), safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = self._open_or_rebuild()

    @property
    def available(self) -> bool:
        """Whether the cache could be opened (otherwise every call is a no-op)."""
        return self._connection is not None

    def _open_or_rebuild(self) -> sqlite3.Connection | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            logger.warning(
                "Geocoder cache disabled: cannot create %s (%s)", self.path.parent, error
            )
            return None
        try:
            return self._open()
        except sqlite3.DatabaseError as error:
            logger.warning("Geocoder cache %s is unreadable (%s): rebuilding it", self.path, error)
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            except OSError as error:
                logger.warning("Geocoder cache disabled: cannot remove %s (%s)", self.path, error)
                return None
        try:
            return self._open()
        except sqlite3.DatabaseError as error:
            logger.warning("Geocoder cache disabled: cannot create %s (%s)", self.path, error)
            return None

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise sqlite3.DatabaseError(f"unknown cache schema version {version}")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS answers ("
                " key TEXT PRIMARY KEY,"
                " answer TEXT,"  # JSON object of the best result; NULL for a definitive miss
                " stored_at TEXT NOT NULL)"
            )
            connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            # Reading one row proves the file is a database and the table is sound.
            connection.execute("SELECT key, answer FROM answers LIMIT 1").fetchall()
            connection.commit()
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return connection

    def get_many(self, keys: Iterable[str]) -> dict[str, CachedAnswer]:
        """Answers stored for ``keys`` (keys never stored are absent from the result)."""
        found: dict[str, CachedAnswer] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            if self._connection is None:
                return found
            try:
                for start in range(0, len(unique), _MAX_VARIABLES):
                    part = unique[start : start + _MAX_VARIABLES]
                    marks = ",".join("?" * len(part))
                    rows = self._connection.execute(
                        f"SELECT key, answer FROM answers WHERE key IN ({marks})", part
                    ).fetchall()
                    for key, answer in rows:
                        found[key] = _decode(answer)
            except (sqlite3.Error, ValueError) as error:
                logger.warning("Geocoder cache %s unreadable (%s): ignoring it", self.path, error)
                return {}
        return found

    def put_many(self, answers: Mapping[str, CachedAnswer]) -> None:
        """Store definitive answers (hits as field mappings, misses as ``None``)."""
        if not answers:
            return
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [
            (key, None if answer is None else json.dumps(dict(answer), ensure_ascii=False), now)
            for key, answer in answers.items()
        ]
        with self._lock:
            if self._connection is None:
                return
            try:
                with self._connection:
                    self._connection.executemany(
                        "INSERT OR REPLACE INTO answers (key, answer, stored_at) VALUES (?, ?, ?)",
                        rows,
                    )
            except sqlite3.Error as error:
                logger.warning("Geocoder cache %s not written (%s)", self.path, error)

    def __len__(self) -> int:
        with self._lock:
            if self._connection is None:
                return 0
            try:
                return int(self._connection.execute("SELECT count(*) FROM answers").fetchone()[0])
            except sqlite3.Error:
                return 0

    def close(self) -> None:
        """Close the file (further calls are no-ops)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    async def aget_many(self, keys: Sequence[str]) -> dict[str, CachedAnswer]:
        """:meth:`get_many` in a worker thread."""
        return await asyncio.to_thread(self.get_many, keys)

    async def aput_many(self, answers: Mapping[str, CachedAnswer]) -> None:
        """:meth:`put_many` in a worker thread."""
        await asyncio.to_thread(self.put_many, answers)


def _decode(answer: str | None) -> CachedAnswer:
    """Turn a stored column back into an answer (``ValueError`` when it is not one)."""
    if answer is None:
        return None
    decoded = json.loads(answer)
    if not isinstance(decoded, dict):
        raise ValueError("cached answer is not a JSON object")
    return decoded
