"""ASGI middleware of the service: HEAD answered as GET without its body (RFC 9110 § 9.3.2)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    """Answer ``HEAD`` like ``GET``, with the same status and headers and no body.

    FastAPI routes declared with ``@router.get`` answer ``HEAD`` with 405, while link checkers,
    caches and ``curl -I`` expect the headers of the GET answer (size, type, ETag).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass other requests through; run HEAD as GET and drop the body bytes."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
