"""Size limits on what a client may send, checked before any route sees the request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Refusal = tuple[int, str]

# On every response, so that a browser never reads an error message that quotes the request
# (or a query result) as HTML.
NOSNIFF = (b"x-content-type-options", b"nosniff")
_IDENTITY = (b"", b"identity")


class Limits:
    """414 for an over-long URL, 413 for an over-large body, 415 for a compressed body."""

    def __init__(self, *, max_url_bytes: int, max_body_bytes: int) -> None:
        self.max_url = max_url_bytes
        self.max_body = max_body_bytes

    async def admit(self, scope: Scope, receive: Receive) -> tuple[Refusal | None, Receive]:
        """(a refusal or None, the receive to use): a body is read here, whole, and replayed."""
        refusal, has_body = self._check_head(scope)
        if refusal is None and has_body:
            body, refusal = await self._read_body(receive)
            if refusal is None:
                receive = _replay(body, receive)
        return refusal, receive

    def _check_head(self, scope: Scope) -> tuple[Refusal | None, bool]:
        """(a refusal or None, whether a body follows), from the request line and headers."""
        path, query = scope.get("raw_path") or scope["path"].encode(), scope["query_string"]
        if len(path) + len(query) + (1 if query else 0) > self.max_url:
            return (414, url_too_long(self.max_url)), False
        has_body, encoding = False, b""
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value.strip()
                if declared.isdigit() and int(declared) > self.max_body:
                    return (413, self._too_large()), True
                has_body = has_body or declared != b"0"
            elif name == b"transfer-encoding":
                has_body = True
            elif name == b"content-encoding":
                encoding = value.strip()
        if has_body and encoding.lower() not in _IDENTITY:
            return (
                415,
                f"the request body is compressed (Content-Encoding: {encoding.decode('latin-1')}); "
                "this server reads only uncompressed bodies",
            ), True
        return None, has_body

    async def _read_body(self, receive: Receive) -> tuple[bytes, Refusal | None]:
        """The whole body, read here so that a chunked one without a length is limited too."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"", None  # the client left; the app will see the disconnect itself
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return b"", (413, self._too_large())
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), None

    def _too_large(self) -> str:
        return (
            f"the request body is larger than this server's limit of {self.max_body} bytes "
            "(--max-body-bytes)"
        )


class RequestLimits:
    """ASGI middleware: `Limits` on every request, and `NOSNIFF` on every response.

    `kg.serving.app.SparqlFastPath` applies the same `Limits` to the requests it takes.
    """

    def __init__(self, app: ASGIApp, *, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal, receive = await self.limits.admit(scope, receive)
        if refusal is not None:
            await refuse(send, refusal)
            return

        async def send_nosniff(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), NOSNIFF]
            await send(message)

        await self.app(scope, receive, send_nosniff)


def url_too_long(limit: int) -> str:
    return (
        f"the request URL is longer than this server's limit of {limit} bytes "
        "(--max-url-bytes); send a long query by POST instead "
        "(Content-Type: application/sparql-query)"
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # after the body: the disconnect, when it comes
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def refuse(
    send: Send, refusal: Refusal, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Answer a refused request with its status and message, and close the connection."""
    status, message = refusal
    body = (message + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                NOSNIFF,
                *(extra or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
