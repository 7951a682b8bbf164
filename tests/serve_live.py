"""Helpers for the server's tests: a store built from a fixture, and a live server on loopback."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
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

    @property
    def pids(self) -> set[int]:
        """The processes that run queries: the pool's workers."""
        return self.pool.pids


@contextmanager
def live_server(store: Path, **options: Any) -> Iterator[LiveServer]:
    options.setdefault("queries_dir", QUERIES)
    options.setdefault("workers", 2)
    server = LiveServer(create_app(store, **options)).start()
    try:
        yield server
    finally:
        server.stop()


_SERVE = "import sys; from kg.serve import serve_command; serve_command(sys.argv[1:])"


class ServedProcess:
    """`kg serve` as users run it, in a process of its own: the supervisor, which binds a free
    loopback port, and its serving processes, which run the queries."""

    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url

    @property
    def pids(self) -> set[int]:
        """The processes that run queries: the supervisor's live children."""
        children: set[int] = set()
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            children |= {int(pid) for pid in (task / "children").read_text().split()}
        return {pid for pid in children if alive(pid)}

    def wait_for_processes(self, count: int, seconds: float = 30) -> set[int]:
        """The serving processes once there are `count` of them (a replacement takes a moment)."""
        deadline = time.monotonic() + seconds
        while len(pids := self.pids) != count:
            assert time.monotonic() < deadline, f"{len(pids)} serving processes, not {count}"
            time.sleep(0.1)
        return pids


def alive(pid: int) -> bool:
    """False once the process is gone or a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@contextmanager
def kg_serve(
    store: Path, *flags: str, workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[ServedProcess]:
    """`kg serve --store STORE FLAGS...` on a free port, until the block ends."""
    environment = {k: v for k, v in os.environ.items() if k not in ("KG_TOKEN", "KG_STORE")}
    proc = subprocess.Popen(
        [
            *(sys.executable, "-c", _SERVE, "--store", str(store), "--port", "0"),
            *("--workers", str(workers), *flags),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**environment, **(env or {})},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Serving "), line
        served = ServedProcess(proc, line.split(" at ", 1)[1].split(" ", 1)[0].rstrip("/"))
        served.wait_for_processes(workers)
        _wait_ready(served.url)
        yield served
    finally:
        proc.terminate()
        proc.wait(30)


def _wait_ready(url: str) -> None:
    """Until a serving process answers: they open the store after the port is bound, and until
    then the connection waits in the listening socket's queue."""
    try:
        with urllib.request.urlopen(f"{url}/sparql?query=ASK%7B%7D", timeout=60):
            pass
    except urllib.error.HTTPError:
        pass  # an answer all the same (e.g. 403 from a server started with --canned-only)


# The two ways the app is served: `kg serve` (a supervisor, and serving processes that run the
# queries themselves) and `create_app` embedded in an ASGI server (a pool of query workers).
LAYOUTS = ["kg serve", "create_app"]
_FLAGS = {
    "timeout": "--timeout",
    "max_rows": "--max-rows",
    "max_url_bytes": "--max-url-bytes",
    "max_body_bytes": "--max-body-bytes",
    "max_memory_mib": "--max-memory",
}


@contextmanager
def serving(layout: str, store: Path, **options: Any) -> Iterator[LiveServer | ServedProcess]:
    """A live server in `layout` (one of LAYOUTS); options are those of `create_app`.

    `kg serve` always has the package's canned queries, whatever `queries_dir` says.
    """
    if layout == "create_app":
        with live_server(store, **options) as server:
            yield server
        return
    flags = ["--allow-service"] if options.pop("allow_service", False) else []
    workers = options.pop("workers", 2)
    options.pop("queries_dir", None)
    for name, value in options.items():
        flags += [_FLAGS[name], str(value)]
    with kg_serve(store, *flags, workers=workers) as served:
        yield served
