"""Helpers for the server's tests: a store built from a fixture, and a live server on loopback."""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import uvicorn

from kg.serve import create_app

FIXTURES = Path(__file__).resolve().parent / "serve_fixtures"
GRAPH = FIXTURES / "graph.trig"
QUERIES = FIXTURES / "queries"
BASE = "https://w3id.org/diplomacy-kg/id/"
DKG = "https://w3id.org/diplomacy-kg/ontology#"


def build_store(path: Path, *sources: tuple[Path, str | None]) -> Path:
    """A store at `path` loaded from (file, graph IRI or None for TriG/N-Quads) pairs."""
    store = ox.Store(str(path))
    for source, graph in sources or ((GRAPH, None),):
        fmt = ox.RdfFormat.from_extension(source.suffix.lstrip("."))
        target = ox.NamedNode(graph) if graph else None
        store.load(path=str(source), format=fmt, to_graph=target)
    store.flush()
    del store
    gc.collect()  # the writer's lock must be gone before a writable server opens the store
    return path


class LiveServer:
    """An app served by uvicorn in a thread, on a free loopback port."""

    def __init__(self, app: Any) -> None:
        self.app = app
        # IPPROTO_TCP so that asyncio sets TCP_NODELAY (else ~40 ms per response).
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, timeout_graceful_shutdown=3
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()

    @property
    def pool(self) -> Any:
        return self.app.state.pool


@contextmanager
def live_server(store: Path, **options: Any) -> Iterator[LiveServer]:
    options.setdefault("queries_dir", QUERIES)
    options.setdefault("workers", 2)
    server = LiveServer(create_app(store, **options)).start()
    try:
        yield server
    finally:
        server.stop()
