"""How a server is set up: one value object shared by the protocol and the web pages."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kg.namespaces import DEFAULT_BASE
from kg.queries import QUERIES_DIR

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 100_000
# Longer queries go by POST; a POST body holds a query, an update or a Graph Store upload.
DEFAULT_MAX_URL_BYTES = 64 * 1024
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Everything `kg serve` can be told; `create_app` takes the same names."""

    store: Path
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    canned_only: bool = False
    allow_updates: bool = False
    token: str | None = None
    allow_service: bool = False
    base_iri: str = DEFAULT_BASE
    workers: int = field(default_factory=lambda: max(os.cpu_count() or 1, 2))
    queries_dir: Path = QUERIES_DIR
    max_url_bytes: int = DEFAULT_MAX_URL_BYTES
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    def __post_init__(self) -> None:
        if self.allow_updates and not self.token:
            raise ValueError(
                "updates need a token: pass --token SECRET or set KG_TOKEN "
                "(clients then send 'Authorization: Bearer SECRET')"
            )
        if min(self.timeout, self.max_rows, self.max_url_bytes, self.max_body_bytes) <= 0:
            raise ValueError(
                "--timeout, --max-rows, --max-url-bytes and --max-body-bytes must be positive"
            )
