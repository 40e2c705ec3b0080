"""nginx in front of uvicorn workers (``deploy/``): answers pass through, the cache follows our
Cache-Control and ETag per encoding, and hostile or slow clients are cut off by nginx."""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading
from pathlib import Path

import brotli
import httpx
import pytest

from tests.serving.conftest import Proxy

LIST = "/api/formations?region=84&limit=50"
HEADER_40_MB = 40 * 1024 * 1024


def via_worker(proxy: Proxy, path: str, **headers: str) -> httpx.Response:
    """The same request sent straight to one uvicorn worker, on its unix socket."""
    transport = httpx.HTTPTransport(uds=str(proxy.worker_socket(0)))
    with httpx.Client(transport=transport, base_url=f"http://{proxy.public_host}") as client:
        return client.get(path, headers=headers)


def fetch(proxy: Proxy, path: str, accept_encoding: str) -> tuple[httpx.Response, bytes]:
    """GET through nginx with this Accept-Encoding: the answer and its raw (encoded) body."""
    with httpx.Client(base_url=proxy.url, timeout=30) as client:
        request = client.build_request("GET", path, headers={"Accept-Encoding": accept_encoding})
        answer = client.send(request, stream=True)
        try:
            raw = b"".join(answer.iter_raw())
        finally:
            answer.close()
    return answer, raw


def body_of(answer: httpx.Response, raw: bytes) -> bytes:
    """Decode ``raw`` by the answer's Content-Encoding."""
    encoding = answer.headers.get("content-encoding")
    if encoding == "br":
        return bytes(brotli.decompress(raw))
    if encoding == "gzip":
        return gzip.decompress(raw)
    assert encoding is None, encoding
    return raw


def test_answers_and_headers_pass_through_unchanged(proxy: Proxy) -> None:
    direct = via_worker(proxy, LIST, **{"Accept-Encoding": "identity"})
    answer, raw = fetch(proxy, LIST, "identity")
    assert answer.status_code == direct.status_code == 200
    assert raw == direct.content
    for name in ("content-type", "cache-control", "etag", "vary"):
        assert answer.headers[name] == direct.headers[name], name
    assert json.loads(raw)["features"]


def test_cache_misses_then_hits_and_answers_304_to_a_known_etag(proxy: Proxy) -> None:
    path = "/api/formations?region=11&limit=7"
    first, first_raw = fetch(proxy, path, "gzip")
    second, second_raw = fetch(proxy, path, "gzip")
    assert first.headers["x-cache-status"] == "MISS"
    assert second.headers["x-cache-status"] == "HIT"
    assert second_raw == first_raw and second.headers["etag"] == first.headers["etag"]
    with httpx.Client(base_url=proxy.url) as client:
        again = client.get(
            path,
            headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["etag"]},
        )
    assert again.status_code == 304
    assert again.headers["x-cache-status"] == "HIT"
    assert again.content == b""


def test_each_encoding_is_cached_apart_and_q0_is_honoured(proxy: Proxy) -> None:
    path = "/api/formations?departement=75&limit=40"
    seen: dict[str | None, str] = {}
    bodies = set()
    for accept, expected in [
        ("br, gzip", "br"),
        ("gzip", "gzip"),
        ("identity", None),
        ("gzip;q=0, br;q=0", None),
        ("br;q=0, gzip", "gzip"),
        ("gzip; q=0.000", None),
    ]:
        answer, raw = fetch(proxy, path, accept)
        assert answer.headers.get("content-encoding") == expected, accept
        bodies.add(body_of(answer, raw))
        etag = answer.headers["etag"]
        assert seen.setdefault(expected, etag) == etag  # one ETag per encoding
        assert "accept-encoding" in answer.headers["vary"].lower()
    assert len(bodies) == 1  # the same document in every encoding
    assert len(set(seen.values())) == 3  # br, gzip and identity each have their own ETag
    hit, _ = fetch(proxy, path, "br")
    assert hit.headers["x-cache-status"] == "HIT"
    assert hit.headers["content-encoding"] == "br"


def test_an_expired_entry_is_revalidated_with_the_app(start_proxy, proxy_data: Path) -> None:
    short = start_proxy(proxy_data, workers=1, CARTE_GEN_CACHE_MAX_AGE_S="1")
    path = "/api/formations?limit=3"
    first, _ = fetch(short, path, "gzip")
    assert first.headers["x-cache-status"] == "MISS"
    statuses = set()
    with httpx.Client(base_url=short.url) as client:
        for _ in range(200):  # until the entry has expired once (max-age=1)
            answer = client.get(path, headers={"Accept-Encoding": "gzip"})
            statuses.add(answer.headers["x-cache-status"])
            assert answer.headers["etag"] == first.headers["etag"]
            if "REVALIDATED" in statuses:
                break
            threading.Event().wait(0.05)
    assert "REVALIDATED" in statuses  # the app answered 304 to nginx's If-None-Match


def send_huge_header(proxy: Proxy) -> tuple[bytes, int]:
    """Send a 40 MB header; return nginx's answer and how much was sent before it came."""
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as sock:
        sock.sendall(b"GET /api/formations HTTP/1.1\r\nHost: x\r\nX-Gros: ")
        chunk, sent, answer = b"a" * 65536, 0, b""
        try:
            while sent < HEADER_40_MB:
                sock.sendall(chunk)
                sent += len(chunk)
                sock.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    answer = sock.recv(65536)
                sock.setblocking(True)
                if answer:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(30)
        try:
            while b"\r\n\r\n" not in answer:
                more = sock.recv(65536)
                if not more:
                    break
                answer += more
        except ConnectionResetError:
            pass
    return answer, sent


def test_a_40_mb_header_is_refused_before_it_is_read(proxy: Proxy) -> None:
    answer, sent = send_huge_header(proxy)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert sent < HEADER_40_MB  # refused long before the client had sent it all
    body = answer.split(b"\r\n\r\n", 1)[1]
    assert "trop grands" in json.loads(body)["detail"][0]["message"]
    assert httpx.get(f"{proxy.url}/healthz").status_code == 200


def test_half_sent_requests_are_dropped_and_do_not_block_others(proxy: Proxy) -> None:
    held = []
    for _ in range(200):
        sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=30)
        sock.sendall(b"GET /api/formations HTTP/1.1\r\nHost: x\r\n")  # never finished
        held.append(sock)
    try:
        with httpx.Client(base_url=proxy.url) as client:
            for _ in range(20):
                assert client.get("/api/formations?limit=1").status_code == 200
        for sock in held:  # nginx closes each one (client_header_timeout), bounded
            with contextlib.suppress(ConnectionResetError):
                assert sock.recv(1024) == b""
    finally:
        for sock in held:
            sock.close()


def test_clients_that_do_not_read_do_not_stall_the_others(proxy: Proxy) -> None:
    slow = []
    for _ in range(16):  # each asks for every training and reads nothing
        sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=30)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(
            b"GET /api/formations HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n"
        )
        slow.append(sock)
    try:
        with httpx.Client(base_url=proxy.url) as client:
            for number in range(40):
                answer = client.get(f"/api/formations?limit={number + 1}")
                assert answer.status_code == 200
                assert len(answer.json()["features"]) == number + 1
    finally:
        for sock in slow:
            sock.close()


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"b" * 20_000 + b"\r\n\r\n",
        b"GET /api/formations HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n",
    ],
    ids=["malformed", "long-header-line", "body-too-large"],
)
def test_errors_from_nginx_are_french_json_without_internals(
    proxy: Proxy, request_bytes: bytes
) -> None:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as sock:
        sock.sendall(request_bytes)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    head, body = answer.split(b"\r\n\r\n", 1)
    assert int(head.split()[1]) in (400, 413, 431)
    assert json.loads(body)["detail"][0]["message"]
    lowered = answer.lower()
    assert b"nginx/" not in lowered and b"uvicorn" not in lowered and b"<html" not in lowered


def test_no_internal_detail_in_headers_health_or_links(proxy: Proxy, proxy_data: Path) -> None:
    with httpx.Client(base_url=proxy.url) as client:
        health = client.get("/healthz")
        page = client.get("/ogc/collections", headers={"Host": "piege.example"})
    assert health.headers["server"] == "nginx"  # no version, no uvicorn
    text = health.text
    assert str(proxy_data) not in text and str(proxy.prefix) not in text
    assert set(health.json()) <= {
        "status",
        "version",
        "count",
        "loaded_at",
        "generated_at",
        "reason",
        "refused_at",
        "gazetteer",
    }
    assert "piege.example" not in page.text  # Host is set by nginx, never the client's


def test_an_answer_that_depends_on_the_day_is_never_kept_by_nginx(proxy: Proxy) -> None:
    """``session_avant`` counts sessions from today: nginx must ask the app every time."""
    path = "/api/formations?session_avant=2030-01-01&limit=3"
    first, _ = fetch(proxy, path, "gzip")
    second, _ = fetch(proxy, path, "gzip")
    assert first.status_code == second.status_code == 200
    assert first.headers["cache-control"] == "no-cache"
    assert "HIT" not in (first.headers["x-cache-status"], second.headers["x-cache-status"])
    # the other searches are still kept
    fetch(proxy, "/api/formations?alternance=oui&limit=3", "gzip")
    kept, _ = fetch(proxy, "/api/formations?alternance=oui&limit=3", "gzip")
    assert kept.headers["x-cache-status"] == "HIT"
