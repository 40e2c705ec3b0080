"""Run Carte GEN for production: N uvicorn workers on unix sockets behind one nginx.

Renders ``deploy/nginx.conf.template`` into ``--prefix``, starts the workers
(``uvicorn app.main:create_app --factory --uds …``), waits until each one answers, then runs
``nginx -p <prefix> -c <prefix>/nginx.conf`` in the foreground. SIGTERM or SIGINT stops
nginx gracefully, then the workers; if any of them exits, everything stops with an error
status, for the supervisor (the container's restart policy, systemd…) to start it again.

    python deploy/serve.py --listen 0.0.0.0:8080 --workers 4 --prefix /tmp/carte-gen

The workers read their settings from the environment (``CARTE_GEN_DATA_PATH``…);
``CARTE_GEN_WORKERS`` and ``CARTE_GEN_PUBLIC_HOST`` give this launcher's defaults.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

if __package__ in (None, ""):  # run as a script: make ``deploy`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.render import ProxyConfig, render, worker_sockets

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Longer than nginx's upstream keepalive_timeout, so nginx closes idle connections first.
WORKER_KEEP_ALIVE_S = 75


class _UnixConnection(http.client.HTTPConnection):
    """An HTTP connection over a unix socket (to ask a worker whether it is up)."""

    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(str(self._path))


def worker_answers(path: Path) -> bool:
    """Whether the worker on ``path`` answers ``/healthz``."""
    connection = _UnixConnection(path, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def start_workers(sockets: Sequence[Path], log_dir: Path) -> list[subprocess.Popen[bytes]]:
    """Start one uvicorn per socket (logs in ``log_dir``)."""
    workers = []
    for number, path in enumerate(sockets):
        path.unlink(missing_ok=True)
        with (log_dir / f"worker-{number}.log").open("ab") as log:
            workers.append(
                subprocess.Popen(
                    [
                        *(sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"),
                        *("--uds", str(path), "--no-access-log", "--proxy-headers"),
                        # Only nginx can reach the socket: trust its X-Forwarded-* headers.
                        *("--forwarded-allow-ips", "*"),
                        *("--timeout-keep-alive", str(WORKER_KEEP_ALIVE_S)),
                    ],
                    cwd=REPO_ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    return workers


def wait_for_workers(
    sockets: Sequence[Path], workers: Sequence[subprocess.Popen[bytes]], timeout: float
) -> None:
    """Return once every worker answers; raise ``RuntimeError`` if one exits or time runs out."""
    deadline = time.monotonic() + timeout
    waiting = list(sockets)
    while waiting:
        if any(worker.poll() is not None for worker in workers):
            raise RuntimeError("a worker exited during start-up (see its log)")
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers not ready in {timeout} s")
        waiting = [path for path in waiting if not worker_answers(path)]
        if waiting:
            time.sleep(0.1)


def stop(processes: Sequence[subprocess.Popen[bytes]], first: int = signal.SIGTERM) -> None:
    """Signal every process still running, then wait for them (kill after 10 s)."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(first)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser of the launcher."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:8080", help="nginx's address:port")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("CARTE_GEN_WORKERS") or os.cpu_count() or 1),
        help="uvicorn workers (default: $CARTE_GEN_WORKERS, else one per CPU)",
    )
    parser.add_argument("--prefix", type=Path, required=True, help="nginx's working folder")
    parser.add_argument(
        "--public-host",
        default=os.environ.get("CARTE_GEN_PUBLIC_HOST", "localhost"),
        help="Host header the workers see (default: $CARTE_GEN_PUBLIC_HOST, else localhost)",
    )
    parser.add_argument("--cache-max", default="256m", help="largest size of nginx's cache")
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    parser.add_argument("--nginx-workers", default="auto", help="nginx's worker processes")
    parser.add_argument("--access-log", default="off", help="a path, or off")
    parser.add_argument("--start-timeout", type=float, default=120.0)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Start the workers and nginx; return when they stop."""
    parser = build_parser()
    args = parser.parse_args(argv)

    prefix: Path = args.prefix.resolve()
    for folder in ("logs", "tmp", "cache", "sockets"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    sockets = worker_sockets(prefix, args.workers)
    config = ProxyConfig(
        prefix=prefix,
        listen=args.listen,
        upstreams=tuple(f"unix:{path}" for path in sockets),
        public_host=args.public_host,
        cache_max=args.cache_max,
        access_log=args.access_log,
        nginx_workers=args.nginx_workers,
    )
    conf = prefix / "nginx.conf"
    conf.write_text(render(config), encoding="utf-8")

    stopping: list[int] = []

    def on_signal(number: int, frame: FrameType | None) -> None:
        stopping.append(number)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    workers = start_workers(sockets, prefix / "logs")
    processes: list[subprocess.Popen[bytes]] = list(workers)
    try:
        wait_for_workers(sockets, workers, args.start_timeout)
        nginx = subprocess.Popen([args.nginx, "-p", str(prefix), "-c", str(conf)])
        processes.insert(0, nginx)
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(0.2)
    except RuntimeError as exc:
        print(f"carte-gen: {exc}", file=sys.stderr)
        stopping.append(-1)
    finally:
        if len(processes) > len(workers):
            stop(processes[:1], signal.SIGQUIT)  # nginx: finish the requests in progress
        stop(workers)
    return 0 if stopping and stopping[0] != -1 else 1


if __name__ == "__main__":
    sys.exit(main())
