"""The ASGI application: routes, middleware, and the worker pool's lifetime."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
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

from kg.queries import load_canned
from kg.serving import protocol, web
from kg.serving.limits import RequestLimits
from kg.serving.pool import WorkerPool
from kg.serving.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
_GRAPH_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]


def create_app(store: Path | str, **options: Any) -> Starlette:
    """The server as an ASGI app; options are the fields of `Settings` (timeout, max_rows, ...).

    Run it with any ASGI server, e.g. `uvicorn.run(create_app("kg-store"))`; its lifespan starts
    and stops the query workers.
    """
    settings = Settings(store=Path(store), **options)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.canned = {q.name: q for q in load_canned(settings.queries_dir)}
        app.state.pool = WorkerPool(
            settings.store,
            size=settings.workers,
            writable=settings.allow_updates,
            timeout=settings.timeout,
            network=settings.allow_service,
            memory=settings.worker_memory_bytes,
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
    middleware = [
        # Anyone may query from a page elsewhere; credentials (cookies) are never allowed.
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "HEAD", "OPTIONS", *write_methods],
            allow_headers=["Accept", "Content-Type", "Authorization"],
            allow_credentials=False,
            max_age=600,
        ),
        Middleware(
            RequestLimits,
            max_url_bytes=settings.max_url_bytes,
            max_body_bytes=settings.max_body_bytes,
        ),
        Middleware(GZipMiddleware, minimum_size=1024, compresslevel=5),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.settings = settings
    return app


def _page(handler: Any) -> Any:
    """A page handler that shows a failed query as an error page rather than a traceback."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except web.PageError as exc:
            return web.error_page(request, exc.status, str(exc))

    return run
