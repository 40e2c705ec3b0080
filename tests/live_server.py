"""A real uvicorn serving ``create_app`` in a subprocess on a free loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A free TCP port on 127.0.0.1, chosen by the OS."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """``uvicorn app.main:create_app --factory`` on ``data_path``; ``env`` sets more settings."""

    def __init__(self, data_path: Path, log_dir: Path | None = None, **env: str) -> None:
        self.data_path = data_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (log_dir or data_path.parent) / f"uvicorn-{self.port}.log"
        environment = {**os.environ, "CARTE_GEN_DATA_PATH": str(data_path), **env}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"),
                    *("--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"),
                ],
                cwd=REPO_ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log_text(self) -> str:
        """What the server has logged so far."""
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60.0, need_data: bool = False) -> None:
        """Poll /healthz until it answers (with trainings loaded if ``need_data``), bounded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {self.log_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                    if not need_data or json.loads(answer.read()).get("count"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"uvicorn not ready in {timeout} s: {self.log_text()[-2000:]}")

    def stop(self) -> None:
        """Terminate the server (kill after a bounded wait)."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
