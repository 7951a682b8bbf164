"""Raw HTTP/1.1 over a socket, for requests that HTTP clients normalise or refuse to send."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def raw_request(url: str, request: bytes, timeout: float = 30.0) -> RawResponse:
    """Send `request` as is to the server at `url`; status 0 if it closed without answering."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        # The server may answer (e.g. 400) and close before reading everything.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/"):
        return RawResponse(0, body=data)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawResponse(int(lines[0].split()[1]), headers, body)


def get(url: str, target: str, headers: dict[str, str] | None = None) -> RawResponse:
    """A GET of `target` exactly as written (no normalisation of `..` or escapes)."""
    lines = [f"GET {target} HTTP/1.1", f"Host: {urlsplit(url).netloc}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return raw_request(url, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
