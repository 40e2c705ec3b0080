"""Start a real addok server (Redis + gunicorn) on loopback for tests and benchmarks.

Standard library only and independent of ``geo``/``app``, so that ``bench/`` can import it
by path. Needs ``redis-server`` on PATH and the addok venv made by
``scripts/install-addok.sh`` (``.venv-addok``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
ADDOK_VENV = REPO_ROOT / ".venv-addok"
CONFIG_PATH = HERE / "addok_config.py"
START_TIMEOUT_S = 30.0


class AddokUnavailable(RuntimeError):
    """The addok server could not be installed, started or loaded."""


def free_port() -> int:
    """Ask the kernel for a free TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until(predicate: Any, timeout_s: float, what: str, proc: subprocess.Popen[bytes]) -> None:
    """Poll ``predicate`` every 50 ms until it is true, the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AddokUnavailable(f"{what} exited with code {proc.returncode}")
        if predicate():
            return
        time.sleep(0.05)
    raise AddokUnavailable(f"{what} not ready after {timeout_s:.0f} s")


class AddokServer:
    """A throw-away Redis + gunicorn-served addok, loaded with NDJSON documents.

    Use as a context manager; ``url`` is the base URL (``http://127.0.0.1:PORT``) and
    ``access_log`` lists one line per HTTP request the server answered.
    """

    def __init__(
        self, workers: int = 2, venv: Path = ADDOK_VENV, csv_filter_fix: bool = True
    ) -> None:
        self.workers = workers
        self.csv_filter_fix = csv_filter_fix
        self.venv = venv
        self.workdir = Path(tempfile.mkdtemp(prefix="carte-gen-addok-"))
        self.redis_port = free_port()
        self.http_port = free_port()
        self.redis: subprocess.Popen[bytes] | None = None
        self.gunicorn: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the HTTP API."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def access_log(self) -> Path:
        """gunicorn's access log (one line per answered request)."""
        return self.workdir / "access.log"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ADDOK_", "REDIS_"))}
        env.update(
            REDIS_HOST="127.0.0.1",
            REDIS_PORT=str(self.redis_port),
            ADDOK_CONFIG_MODULE=str(CONFIG_PATH),
            ADDOK_LOG_DIR=str(self.workdir),
            CARTE_GEN_ADDOK_CSV_FILTER_FIX="1" if self.csv_filter_fix else "0",
            PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        )
        return env

    def _log(self, name: str) -> Any:
        return (self.workdir / f"{name}.log").open("ab")

    def start(self, documents: Iterable[Mapping[str, Any]]) -> AddokServer:
        """Start Redis, import ``documents`` with ``addok batch`` + ``ngrams``, then serve."""
        if not (self.venv / "bin" / "addok").exists():
            raise AddokUnavailable(f"no addok in {self.venv}: run scripts/install-addok.sh")
        redis_bin = shutil.which("redis-server")
        if redis_bin is None:
            raise AddokUnavailable("redis-server is not installed (apt-get install redis-server)")
        self.redis = subprocess.Popen(
            [redis_bin, "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
             "--daemonize", "no"],
            stdout=self._log("redis"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait_until(self._redis_ping, START_TIMEOUT_S, "redis-server", self.redis)
        self.load(documents)
        self.start_http()
        return self

    def _redis_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def load(self, documents: Iterable[Mapping[str, Any]]) -> None:
        """Import documents (addok's NDJSON shape) and build the autocomplete n-grams."""
        ndjson = self.workdir / "documents.ndjson"
        with ndjson.open("w", encoding="utf-8") as out:
            for document in documents:
                out.write(json.dumps(document, ensure_ascii=False) + "\n")
        addok = str(self.venv / "bin" / "addok")
        for args in ([addok, "batch", str(ndjson)], [addok, "ngrams"]):
            done = subprocess.run(
                args, env=self._env(), cwd=self.workdir, capture_output=True, timeout=300
            )
            if done.returncode != 0:
                raise AddokUnavailable(
                    f"{' '.join(args[1:])} failed: {done.stderr.decode(errors='replace')[-2000:]}"
                )

    def start_http(self) -> None:
        """Serve the addok WSGI app with gunicorn (the CSV plugin needs a real WSGI server)."""
        self.gunicorn = subprocess.Popen(
            [str(self.venv / "bin" / "gunicorn"), "addok.http.wsgi",
             "--bind", f"127.0.0.1:{self.http_port}", "--workers", str(self.workers),
             "--access-logfile", str(self.access_log), "--timeout", "60"],
            env=self._env(), cwd=self.workdir,
            stdout=self._log("gunicorn"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait_until(self._healthy, START_TIMEOUT_S, "gunicorn addok", self.gunicorn)
        self.reset_access_log()

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=1) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def reset_access_log(self) -> None:
        """Forget the requests logged so far (the health checks of the start-up, for one)."""
        deadline = time.monotonic() + 2
        # gunicorn writes the health check's line right after answering it: wait for it.
        while time.monotonic() < deadline and not self.access_log.exists():
            time.sleep(0.02)
        time.sleep(0.1)
        self._log_offset = self.access_log.stat().st_size if self.access_log.exists() else 0

    def requests_logged(self) -> list[str]:
        """Access-log lines written since the last :meth:`reset_access_log`."""
        if not self.access_log.exists():
            return []
        with self.access_log.open("rb") as log:
            log.seek(getattr(self, "_log_offset", 0))
            return [line.decode(errors="replace") for line in log.read().splitlines() if line]

    def stop_http(self) -> None:
        """Stop gunicorn (its port then refuses connections), leaving Redis up."""
        _terminate(self.gunicorn)

    def stop(self) -> None:
        """Stop everything and remove the working directory."""
        _terminate(self.gunicorn)
        _terminate(self.redis)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> AddokServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _terminate(proc: subprocess.Popen[bytes] | None) -> None:
    """Stop a child process we started: SIGTERM, then SIGKILL after 10 s."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
