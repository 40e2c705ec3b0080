"""Fill ``deploy/nginx.conf.template``: listen address, workers' sockets, paths, cache size.

Usage: ``python deploy/render.py --prefix /run/carte-gen --listen 0.0.0.0:8080 --workers 4``
(the configuration is printed).
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
_TOKEN = re.compile(r"@([A-Z_]+)@")


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    """What changes from one nginx instance to another."""

    prefix: Path  # nginx's -p: pid, logs, temporary files and cache live under it
    listen: str  # "127.0.0.1:8080", "0.0.0.0:80"…
    upstreams: tuple[str, ...]  # "unix:/run/carte-gen/worker-0.sock" or "127.0.0.1:8001"
    public_host: str = "localhost"  # the Host the workers see (links, cache keys)
    nginx_workers: str = "auto"
    cache_max: str = "256m"
    access_log: str = "off"  # or a path

    def values(self) -> dict[str, str]:
        """Return the template's tokens and their values."""
        return {
            "PREFIX": str(self.prefix),
            "LISTEN": self.listen,
            "UPSTREAM_SERVERS": "\n".join(
                f"        server {upstream};" for upstream in self.upstreams
            ),
            "PUBLIC_HOST": self.public_host,
            "NGINX_WORKERS": self.nginx_workers,
            "CACHE_MAX": self.cache_max,
            "ACCESS_LOG": self.access_log,
            "USER_DIRECTIVE": user_directive(),
        }


def user_directive() -> str:
    """Return nginx's ``user`` directive: the launching user, so workers reach the sockets.

    Only under root does nginx switch its workers to another user (``nobody`` by default),
    which could not open the prefix. A production host starts the launcher as an
    unprivileged user, as the image does; then ``user`` means nothing and is left out.
    """
    if os.geteuid() != 0:
        return "# (not root: nginx's workers run as the user that started it)"
    return f"user {pwd.getpwuid(os.geteuid()).pw_name};"


def render(config: ProxyConfig, template: str | None = None) -> str:
    """Return the configuration text; raise ``KeyError`` on a token without a value."""
    text = TEMPLATE.read_text(encoding="utf-8") if template is None else template
    values = config.values()
    if not config.upstreams:
        raise ValueError("at least one upstream worker is needed")
    return _TOKEN.sub(lambda match: values[match.group(1)], text)


def worker_sockets(prefix: Path, count: int) -> tuple[Path, ...]:
    """Return the unix sockets of ``count`` uvicorn workers under ``prefix``."""
    return tuple(prefix / "sockets" / f"worker-{number}.sock" for number in range(count))


def main(argv: Sequence[str] | None = None) -> int:
    """Print the configuration for unix-socket workers under ``--prefix``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", type=Path, required=True)
    parser.add_argument("--listen", default="127.0.0.1:8080")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--public-host", default="localhost")
    parser.add_argument("--cache-max", default="256m")
    args = parser.parse_args(argv)
    sockets = worker_sockets(args.prefix.resolve(), args.workers)
    config = ProxyConfig(
        prefix=args.prefix.resolve(),
        listen=args.listen,
        upstreams=tuple(f"unix:{path}" for path in sockets),
        public_host=args.public_host,
        cache_max=args.cache_max,
    )
    sys.stdout.write(render(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
