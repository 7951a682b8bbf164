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
# 64 KiB less a byte is the longest URL that `kg serve`'s HTTP parser reads (kg.serving.http).
DEFAULT_MAX_URL_BYTES = 64 * 1024 - 1
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
MIN_WORKER_MEMORY_MIB = 512


def default_worker_memory(workers: int) -> int:
    """MiB: RAM / (workers + 1), so all workers at their limit still leave the server a share."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        ram = 8 * 2**30  # a system that does not say: a modest machine's worth
    return max(ram // (workers + 1) // 2**20, MIN_WORKER_MEMORY_MIB)


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
    # MiB of memory each process that runs queries may use; None: an equal share of the RAM.
    max_memory_mib: int | None = None

    def __post_init__(self) -> None:
        if self.allow_updates and not self.token:
            raise ValueError(
                "updates need a token: pass --token SECRET or set KG_TOKEN "
                "(clients then send 'Authorization: Bearer SECRET')"
            )
        if self.max_memory_mib is not None and self.max_memory_mib < MIN_WORKER_MEMORY_MIB:
            raise ValueError(
                f"--max-memory must be at least {MIN_WORKER_MEMORY_MIB} (MiB): a query worker "
                "needs that much to open the store and run small queries"
            )
        if min(self.timeout, self.max_rows, self.max_url_bytes, self.max_body_bytes) <= 0:
            raise ValueError(
                "--timeout, --max-rows, --max-url-bytes and --max-body-bytes must be positive"
            )

    @property
    def worker_memory_bytes(self) -> int:
        """The memory cap of each process that runs queries (serving process or query worker)."""
        return (self.max_memory_mib or default_worker_memory(self.workers)) * 2**20
