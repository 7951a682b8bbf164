"""The ASGI application: routes, middleware, and the worker pool's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from kg.queries import load_canned
from kg.serving import protocol, web
from kg.serving.limits import NOSNIFF, Limits, RequestLimits, refuse
from kg.serving.pool import Runner, WorkerPool
from kg.serving.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
GZIP_MIN_SIZE = 1024
GZIP_LEVEL = 5
# Larger bodies are compressed off the event loop, as Starlette's GZipMiddleware does.
_GZIP_THREAD_SIZE = 128 * 1024
_GRAPH_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]


def create_app(
    store: Path | str, *, runner: Callable[[Settings], Runner] | None = None, **options: Any
) -> Starlette:
    """The server as an ASGI app; options are the fields of `Settings` (timeout, max_rows, ...).

    Run it with any ASGI server, e.g. `uvicorn.run(create_app("kg-store"))`; its lifespan starts
    and stops the query workers. `runner` makes what runs the queries instead of a `WorkerPool`
    (`kg serve` passes a `LocalRunner`, see `kg.serving.supervisor`).
    """
    settings = Settings(store=Path(store), **options)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.canned = {q.name: q for q in load_canned(settings.queries_dir)}
        app.state.pool = (
            runner(settings)
            if runner is not None
            else WorkerPool(
                settings.store,
                size=settings.workers,
                writable=settings.allow_updates,
                timeout=settings.timeout,
                network=settings.allow_service,
                memory=settings.worker_memory_bytes,
            )
        )
        await app.state.pool.start()
        try:
            yield
        finally:
            await app.state.pool.close()

    routes = [
        Route("/", _page(web.home)),
        Route("/sparql", protocol.sparql, methods=["GET", "POST"]),
        Route("/store", protocol.graph_store, methods=_GRAPH_METHODS),
        Route("/store/{path:path}", protocol.graph_store, methods=_GRAPH_METHODS),
        Route("/query", web.query_editor),
        Route("/queries", web.canned_list),
        Route("/queries/{name}", web.canned_run),
        Route("/network", _page(web.network)),
        Route("/timeline", _page(web.timeline)),
        Route("/resource", web.entity_by_iri),
        *(Route(f"/{kind}/{{rest:path}}", web.entity_by_path) for kind in web.KINDS),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    write_methods = ["PUT", "DELETE"] if settings.allow_updates else []
    limits = Limits(max_url_bytes=settings.max_url_bytes, max_body_bytes=settings.max_body_bytes)
    middleware = [
        # Before CORS and GZip: the endpoint does what they do itself, for less.
        Middleware(SparqlFastPath, limits=limits),
        # Anyone may query from a page elsewhere; credentials (cookies) are never allowed.
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "HEAD", "OPTIONS", *write_methods],
            allow_headers=["Accept", "Content-Type", "Authorization"],
            allow_credentials=False,
            max_age=600,
        ),
        Middleware(RequestLimits, limits=limits),
        Middleware(GZipMiddleware, minimum_size=GZIP_MIN_SIZE, compresslevel=GZIP_LEVEL),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.settings = settings
    return app


def uvicorn_config(app: Any, settings: Settings) -> Any:
    """How `kg serve` runs the app in uvicorn (a `uvicorn.Config`)."""
    import uvicorn

    from kg.serving.http import limited_protocol

    return uvicorn.Config(
        app,
        http=limited_protocol(settings.max_url_bytes),
        log_level="warning",
        access_log=False,
        # A bounded graceful shutdown: a request stuck on a long query must not keep Ctrl+C
        # waiting.
        timeout_graceful_shutdown=3,
    )


def _page(handler: Any) -> Any:
    """A page handler that shows a failed query as an error page rather than a traceback."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except web.PageError as exc:
            return web.error_page(request, exc.status, str(exc))

    return run


class SparqlFastPath:
    """GET and POST /sparql straight to the protocol handler, adding CORS and gzip itself.

    Every SPARQL client comes this way, and Starlette's routing and its CORS and GZip
    middleware cost about as much CPU per request as a small query does. The headers are those
    the middleware would add: `Access-Control-Allow-Origin: *` when the request has an Origin,
    `Vary` with Origin (and Accept-Encoding for a body that may be compressed), and gzip for a
    body of GZIP_MIN_SIZE bytes or more when the client accepts it. It applies the request
    `Limits` and adds `NOSNIFF` as `RequestLimits` does for every other request.
    """

    def __init__(self, app: ASGIApp, *, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != "/sparql"
            or scope["method"] not in ("GET", "POST")
        ):
            await self.app(scope, receive, send)
            return
        origin = gzip_ok = False
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = True
            elif name == b"accept-encoding" and b"gzip" in value:
                gzip_ok = True
        cors = [_ANY_ORIGIN] if origin else []
        refusal, receive = await self.limits.admit(scope, receive)
        if refusal is not None:
            await refuse(send, refusal, cors)
            return
        response = await protocol.sparql(Request(scope, receive))
        body = bytes(response.body)
        vary = [b"Origin"]
        headers = []
        for name, value in response.raw_headers:
            if name == b"vary":
                vary.insert(-1, value)
            elif name != b"content-length":
                headers.append((name, value))
        if len(body) >= GZIP_MIN_SIZE:
            vary.insert(-1, b"Accept-Encoding")
            if gzip_ok and response.status_code != 206:
                body = await _gzip(body)
                headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        headers.append((b"vary", b", ".join(vary)))
        headers.append(NOSNIFF)
        headers += cors
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": headers}
        )
        await send({"type": "http.response.body", "body": body})


_ANY_ORIGIN = (b"access-control-allow-origin", b"*")


async def _gzip(body: bytes) -> bytes:
    if len(body) < _GZIP_THREAD_SIZE:
        return gzip.compress(body, GZIP_LEVEL, mtime=0)
    return await asyncio.to_thread(gzip.compress, body, GZIP_LEVEL, mtime=0)
