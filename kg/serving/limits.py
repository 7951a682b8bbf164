"""Size limits on what a client may send, checked before any route sees the request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_IDENTITY = (b"", b"identity")


class RequestLimits:
    """ASGI middleware: 414 for an over-long URL, 413 for an over-large body, 415 for a
    compressed body; and `X-Content-Type-Options: nosniff` on every response, so that a browser
    never reads an error message that quotes the request as HTML."""

    def __init__(self, app: ASGIApp, *, max_url_bytes: int, max_body_bytes: int) -> None:
        self.app = app
        self.max_url = max_url_bytes
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal, has_body = self._check_head(scope)
        if refusal is None and has_body:
            body, refusal = await self._read_body(receive)
            if refusal is None:
                receive = _replay(body, receive)
        if refusal is not None:
            status, message = refusal
            await _plain(send, status, message)
            return

        async def send_nosniff(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), _NOSNIFF]
            await send(message)

        await self.app(scope, receive, send_nosniff)

    def _check_head(self, scope: Scope) -> tuple[tuple[int, str] | None, bool]:
        """(a refusal or None, whether a body follows), from the request line and headers."""
        length = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"])
        if length > self.max_url:
            return (
                414,
                f"the request URL is {length} bytes long, more than this server's limit of "
                f"{self.max_url} (--max-url-bytes); send a long query by POST instead "
                "(Content-Type: application/sparql-query)",
            ), False
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

    async def _read_body(self, receive: Receive) -> tuple[bytes, tuple[int, str] | None]:
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


_NOSNIFF = (b"x-content-type-options", b"nosniff")


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # after the body: the disconnect, when it comes
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _plain(send: Send, status: int, message: str) -> None:
    body = (message + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                _NOSNIFF,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
