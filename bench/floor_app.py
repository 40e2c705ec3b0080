"""The Python floor: a minimal ASGI app serving prepared bytes, to compare Carte GEN against.

It answers each path of a manifest with the bytes Carte GEN sent for it, in the encoding the
request accepts (br, then gzip, then identity: a substring test, no parsing), with fixed
headers: the least work an ASGI app on the same uvicorn can do for the same answer. Run with
``uvicorn bench.floor_app:create_app --factory`` and ``CARTE_GEN_FLOOR_DIR`` naming a folder
holding ``manifest.json`` (written by :func:`write_floor`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
NOT_FOUND = {"type": "http.response.start", "status": 404, "headers": []}


def write_floor(folder: Path, answers: Mapping[str, Mapping[str, tuple[str, bytes]]]) -> None:
    """Write ``answers`` (path → encoding → (content type, bytes)) for :func:`create_app`."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, list[str]]] = {}
    for number, (path, variants) in enumerate(answers.items()):
        manifest[path] = {}
        for encoding, (content_type, body) in variants.items():
            name = f"{number}.{encoding}"
            (folder / name).write_bytes(body)
            manifest[path][encoding] = [content_type, name]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def create_app() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """Build the floor app from ``$CARTE_GEN_FLOOR_DIR/manifest.json``."""
    folder = Path(os.environ["CARTE_GEN_FLOOR_DIR"])
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    prepared: dict[str, dict[str, tuple[list[tuple[bytes, bytes]], bytes]]] = {}
    for path, variants in manifest.items():
        prepared[path] = {}
        for encoding, (content_type, name) in variants.items():
            body = (folder / name).read_bytes()
            headers = [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"vary", b"Accept-Encoding"),
            ]
            if encoding != "identity":
                headers.append((b"content-encoding", encoding.encode()))
            prepared[path][encoding] = (headers, body)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        variants = prepared.get(scope["path"])
        if variants is None:
            await send(NOT_FOUND)
            await send({"type": "http.response.body", "body": b""})
            return
        accept = b""
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept = value
        encoding = "identity"
        if b"br" in accept and "br" in variants:
            encoding = "br"
        elif b"gzip" in accept and "gzip" in variants:
            encoding = "gzip"
        headers, body = variants[encoding]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app
