"""Online geocoding with the national address base (BAN) or any addok server.

One module per job: ``config`` (the client's settings), ``client`` (``BanGeocoder``, the
orchestration of CSV uploads and per-row searches), ``wire`` (what is sent and how answers
are read), ``gate`` (which answers are accepted), ``resilience`` (rate limit, retries,
circuit breaker), ``cache`` (answers kept in SQLite) and ``reasons`` (why a row kept its
commune placement).
"""

from geo.ban.cache import BanCache
from geo.ban.client import BanGeocoder, BanStats
from geo.ban.config import BanConfig

__all__ = ["BanCache", "BanConfig", "BanGeocoder", "BanStats"]
