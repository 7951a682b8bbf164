"""uvicorn's httptools protocol, with limits on the request head as it arrives.

httptools (which `kg serve` uses for its speed) keeps the whole request line and headers in
memory however long they are, where h11 stops at a limit; and it cannot parse a URL longer than
MAX_URL_BYTES at all, which uvicorn then answers with a bare 400. This protocol refuses an
over-long URL with the app's own 414 as soon as it is longer than --max-url-bytes, and a request
head that goes on for HEAD_BYTES more with 431, before holding more of either. It then reads and
drops what the client still sends for up to LINGER_SECONDS before closing: a connection closed
with data unread is reset, and the client could lose the answer before reading it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kg.serving.limits import NOSNIFF, url_too_long

# httptools keeps a URL's offsets in 16 bits.
MAX_URL_BYTES = 65_535
# Bytes read while a request head is incomplete, besides its URL: room for its headers (h11,
# uvicorn's other parser, allows 16 KiB in all) and for the rest of the read in which it began
# (uvloop reads up to 256 KiB at a time), since reads are counted whole.
HEAD_BYTES = 512 * 1024
LINGER_SECONDS = 2.0
_REASONS = {414: b"URI Too Long", 431: b"Request Header Fields Too Large"}


class _Refused(Exception):
    """Stops the parser at a request it has seen enough of."""


def limited_protocol(max_url_bytes: int) -> type[HttpToolsProtocol]:
    """The protocol class for uvicorn's `http` setting, refusing URLs over `max_url_bytes`."""
    max_url = min(max_url_bytes, MAX_URL_BYTES)
    max_head = max_url + HEAD_BYTES

    class LimitedHttpToolsProtocol(HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head = False
            self._head_bytes = 0  # read since the request head now arriving began
            self._refusal: tuple[int, str] | None = None
            self._refused = False

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return  # the rest of a refused request, dropped
            super().data_received(data)
            if self._in_head:
                self._head_bytes += len(data)
                if self._head_bytes > max_head and not self._refused:
                    self._refuse_now(431, f"the request head is longer than {max_head} bytes")

        def on_url(self, url: bytes) -> None:
            super().on_url(url)
            if len(self.url) > max_url:
                self._refusal = (414, url_too_long(max_url))
                raise _Refused  # the parser stops; uvicorn answers with send_400_response

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head, self._head_bytes = True, 0

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def send_400_response(self, msg: str) -> None:
            if self._refusal is None:
                super().send_400_response(msg)
            else:
                self._refuse_now(*self._refusal)

        def _refuse_now(self, status: int, message: str) -> None:
            body = (message + "\n").encode()
            head = [
                b"HTTP/1.1 %d %s" % (status, _REASONS[status]),
                b"content-type: text/plain; charset=utf-8",
                b"content-length: %d" % len(body),
                b"connection: close",
                b"%s: %s" % NOSNIFF,
                # Sent before the headers are read: as the app answers a request with an Origin.
                b"access-control-allow-origin: *",
            ]
            self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
            self._refused = True
            if self.transport.can_write_eof():
                self.transport.write_eof()
            asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.close)

    return LimitedHttpToolsProtocol
