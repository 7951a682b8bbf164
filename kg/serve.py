"""`kg serve`: the bundled SPARQL endpoint and web interface, and `create_app` for Python use."""

from __future__ import annotations

import dataclasses
import errno
import os
import socket
from pathlib import Path
from typing import Any

import click

from kg.namespaces import DEFAULT_BASE
from kg.serving.settings import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_ROWS,
    DEFAULT_MAX_URL_BYTES,
    DEFAULT_TIMEOUT,
    MIN_WORKER_MEMORY_MIB,
    Settings,
)
from kg.store import GraphStore, StoreError, default_store_path

__all__ = ["create_app", "serve_command"]


def create_app(store: Path | str, **options: Any) -> Any:
    """The server as an ASGI app (a Starlette app); see `kg.serving.app.create_app`.

    Options are the fields of `kg.serving.settings.Settings`: timeout, max_rows, workers,
    canned_only, allow_updates, token, allow_service, base_iri, queries_dir, max_url_bytes,
    max_body_bytes, max_memory_mib.
    """
    # Imported here so that the other kg commands start without loading the web stack.
    from kg.serving.app import create_app as build

    return build(store, **options)


_EPILOG = """\b
Examples:
  kg serve --store kg-store
  curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * { ?s ?p ?o } LIMIT 5' \\
       http://127.0.0.1:7878/sparql
  KG_TOKEN=s3cret kg serve --allow-updates      # SPARQL Update and Graph Store writes
"""


@click.command("serve", epilog=_EPILOG)
@click.option(
    "--store",
    type=click.Path(path_type=Path, file_okay=False),
    default=default_store_path,
    show_default="KG_STORE or kg-store",
    help="The graph store directory built by 'kg build'.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=7878, show_default=True, help="Port (0: any free one).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds a query may run before it is stopped (answered with 503).",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_ROWS,
    show_default=True,
    help="Most rows (or triples) a result may have; larger ones are refused with 422.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=max(os.cpu_count() or 1, 2),
    show_default="CPU count, at least 2",
    help="Serving processes; each answers HTTP and runs queries on its own threads (with "
    "--allow-updates: query worker processes behind one front process).",
)
@click.option("--canned-only", is_flag=True, help="Answer only the canned queries of queries/.")
@click.option(
    "--allow-updates",
    is_flag=True,
    help="Accept SPARQL Update and Graph Store writes (each needs the --token). The store is "
    "then opened for writing by a single worker, so 'kg build' must wait.",
)
@click.option(
    "--token",
    envvar="KG_TOKEN",
    help="Secret that writes must send as 'Authorization: Bearer TOKEN' (env KG_TOKEN).",
)
@click.option("--allow-service", is_flag=True, help="Let SERVICE and LOAD fetch from the network.")
@click.option(
    "--max-url-bytes",
    type=click.IntRange(min=256, max=DEFAULT_MAX_URL_BYTES),
    default=DEFAULT_MAX_URL_BYTES,
    show_default=True,
    help="Longest request URL (path and query string); longer ones are refused with 414.",
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BODY_BYTES,
    show_default=True,
    help="Largest request body (query, update or upload); larger ones are refused with 413.",
)
@click.option(
    "--max-memory",
    type=click.IntRange(min=MIN_WORKER_MEMORY_MIB),
    default=None,
    show_default="RAM / (workers + 1)",
    help="MiB of memory each serving process (or query worker) may use; a query needing more "
    "is refused with 422.",
)
@click.option(
    "--base-iri",
    default=DEFAULT_BASE,
    show_default=True,
    help="Base of the entity IRIs; {base}person/x is served at /person/x.",
)
def serve_command(
    store: Path,
    host: str,
    port: int,
    timeout: float,
    max_rows: int,
    workers: int,
    canned_only: bool,
    allow_updates: bool,
    token: str | None,
    allow_service: bool,
    base_iri: str,
    max_url_bytes: int,
    max_body_bytes: int,
    max_memory: int | None,
) -> None:
    """Serve the graph over HTTP: a SPARQL 1.1 endpoint at /sparql and a web interface at /."""
    if not allow_updates:
        try:
            # Checked here so a missing store is one clear line, not a worker's traceback.
            GraphStore(store, read_only=True)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc
    try:
        settings = Settings(
            store=store,
            timeout=timeout,
            max_rows=max_rows,
            workers=workers,
            canned_only=canned_only,
            allow_updates=allow_updates,
            token=token,
            allow_service=allow_service,
            base_iri=base_iri,
            max_url_bytes=max_url_bytes,
            max_body_bytes=max_body_bytes,
            max_memory_mib=max_memory,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    sock = _bind(host, port)
    url = f"http://{_url_host(host)}:{sock.getsockname()[1]}/"
    click.echo(f"Serving {store} at {url} (SPARQL endpoint {url}sparql); Ctrl+C stops.")
    if allow_updates:
        click.echo("Updates are enabled: writes need 'Authorization: Bearer <token>'.")
        _serve_one_process(settings, sock)
        return
    # Imported here, like create_app, so that the other kg commands start faster.
    from kg.serving.supervisor import Supervisor

    if Supervisor(settings, sock, processes=workers).run() != 0:
        raise click.ClickException("the server processes could not start (see above)")


def _serve_one_process(settings: Settings, sock: socket.socket) -> None:
    """One process with a pool of query workers: the layout a writable store needs."""
    import uvicorn

    from kg.serving.app import uvicorn_config

    options = {k: v for k, v in dataclasses.asdict(settings).items() if k != "store"}
    app = create_app(settings.store, **options)
    uvicorn.Server(uvicorn_config(app, settings)).run(sockets=[sock])


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY on accepted connections only then,
    # and without it every response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"port {port} on {host} is already in use; stop the other server or pass "
                "--port N (--port 0 picks a free one)"
            ) from exc
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
