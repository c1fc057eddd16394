"""ASGI middleware: correlation id on every response; size and media-type limits on bodies.

Written as plain ASGI (not ``BaseHTTPMiddleware``) to keep lodgement latency low. A body larger
than the configured limit is refused with 413 before the application reads it, and a body that
is not JSON with 415, so nothing downstream ever sees it.
"""

from __future__ import annotations

import json
import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opencustoms.api.problems import problem_body

HEADER = b"x-correlation-id"
_SAFE_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_JSON_TYPES = (b"application/json", b"application/problem+json")


def _problem(status: int, code: str, title: str, detail: str, correlation_id: bytes,
             path: str) -> bytes:
    return json.dumps(problem_body(status, title, code, detail, instance=path,
                                   correlation_id=correlation_id.decode())).encode()


class CorrelationAndLimits:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(HEADER, b"")
        correlation_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex.encode()
        scope.setdefault("state", {})["correlation_id"] = correlation_id.decode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (HEADER, correlation_id)]
            await send(message)

        if scope["method"] in _BODY_METHODS and scope["path"].startswith("/api/"):
            path = scope["path"]
            refusal = self._refusal(headers, correlation_id, path)
            if refusal is None:
                body, too_large = await self._read(receive)
                if too_large:
                    refusal = self._too_large(correlation_id, path)
                else:
                    receive = _replay(body)
            if refusal is not None:
                await _respond(send_with_id, *refusal)
                return
        await self.app(scope, receive, send_with_id)

    def _refusal(self, headers: dict[bytes, bytes], correlation_id: bytes,
                 path: str) -> tuple[int, bytes] | None:
        media_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if media_type not in _JSON_TYPES:
            return 415, _problem(415, "request.unsupported-media-type", "Unsupported media type",
                                 "send the body as application/json", correlation_id, path)
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return self._too_large(correlation_id, path)
        return None

    def _too_large(self, correlation_id: bytes, path: str) -> tuple[int, bytes]:
        return 413, _problem(413, "request.too-large", "Payload too large",
                             f"the body exceeds {self.max_body_bytes} bytes", correlation_id,
                             path)

    async def _read(self, receive: Receive) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return b"", True
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), False


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _respond(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})
