"""The W3C SPARQL 1.1 Protocol, Graph Store Protocol and Service Description, over the pool."""

from __future__ import annotations

import hmac
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from kg.serving import negotiation, sparql_text, web
from kg.serving.pool import Reply, Runner
from kg.serving.settings import Settings

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"
_DATASET = ("default-graph-uri", "named-graph-uri")
_USING = ("using-graph-uri", "using-named-graph-uri")


class ProtocolError(Exception):
    """A request the protocol refuses; carries the status and a message for the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def pool_of(request: Request) -> Runner:
    return request.app.state.pool


def error_response(exc: ProtocolError) -> Response:
    return PlainTextResponse(str(exc) + "\n", exc.status, headers=exc.headers)


async def sparql(request: Request) -> Response:
    """The endpoint: queries by GET or POST, updates by POST, the service description otherwise."""
    try:
        operation, text, params = await _read_operation(request)
        if operation is None:
            return await service_description(request)
        if operation == "update":
            return await _update(request, text, params)
        return await _query(request, text, params)
    except ProtocolError as exc:
        return error_response(exc)


async def _read_operation(request: Request) -> tuple[str | None, str, dict[str, list[str]]]:
    """('query' | 'update' | None, its text, every parameter) from any allowed request shape."""
    params = _multi(request.query_params.multi_items())
    if request.method == "GET":
        if "update" in params:
            raise ProtocolError(405, "updates must be sent by POST", {"Allow": "POST"})
        if "query" not in params:
            return None, "", params
        return "query", _single(params, "query"), params
    media_type, charset = _content_type(request)
    body = await request.body()
    if media_type == _FORM:
        params.update(_multi(parse_qsl(_decode(body, charset), keep_blank_values=True)))
        has_query, has_update = "query" in params, "update" in params
        if has_query == has_update:
            raise ProtocolError(400, "send exactly one 'query' or one 'update' parameter")
        operation = "query" if has_query else "update"
        return operation, _single(params, operation), params
    if media_type in (_QUERY, _UPDATE):
        operation = "query" if media_type == _QUERY else "update"
        return operation, _decode(body, charset), params
    raise ProtocolError(
        415,
        f"cannot read a POST body of type '{media_type or 'none'}'; use {_FORM} "
        f"(query=... or update=...), {_QUERY} or {_UPDATE}",
    )


async def _query(request: Request, text: str, params: dict[str, list[str]]) -> Response:
    settings = settings_of(request)
    if settings.canned_only:
        raise ProtocolError(
            403,
            "this server answers only its canned queries (started with --canned-only); "
            "see /queries",
        )
    _refuse_network(text, settings)
    header: dict[str, Any] = {
        "op": "query",
        "query": text,
        "accept": request.headers.get("accept"),
        "format": _optional(params, "format"),
        "max_rows": settings.max_rows,
        "base_iri": _endpoint(request),
        "truncate": True,
    }
    if any(name in params for name in _DATASET):
        # A protocol dataset replaces the query's own FROM / FROM NAMED entirely.
        header["default_graph"] = _iris(params, "default-graph-uri")
        header["named_graphs"] = _iris(params, "named-graph-uri")
    reply = await pool_of(request).call(header)
    return web.reply_response(request, reply, text, title="Query results")


async def _update(request: Request, text: str, params: dict[str, list[str]]) -> Response:
    settings = settings_of(request)
    _authorize(request, settings)
    _refuse_network(text, settings)
    try:
        text = sparql_text.add_using(
            text, _iris(params, "using-graph-uri"), _iris(params, "using-named-graph-uri")
        )
    except sparql_text.DatasetConflict as exc:
        raise ProtocolError(400, str(exc)) from exc
    reply = await pool_of(request).call(
        {"op": "update", "update": text, "base_iri": _endpoint(request)}
    )
    if reply.status == 204:
        return Response(status_code=204)
    return web.reply_response(request, reply, text, title="Update")


async def service_description(request: Request) -> Response:
    """The SPARQL Service Description, or the query page for a browser."""
    settings = settings_of(request)
    accept = request.headers.get("accept")
    if negotiation.prefers_html(accept) and "format" not in request.query_params:
        return RedirectResponse("/queries" if settings.canned_only else "/query", 303)
    fmt = negotiation.choose("graph", accept, request.query_params.get("format"))
    if fmt is None or fmt.html:
        fmt = negotiation.GRAPH[0]
    data = ox.parse(_description(request, settings).encode(), format=ox.RdfFormat.TURTLE)
    body = ox.serialize(data, format=fmt.rdf, prefixes={"sd": _SD})
    return Response(body, headers={"Vary": "Accept"}, media_type=fmt.content_type)


_SD = "http://www.w3.org/ns/sparql-service-description#"


def _description(request: Request, settings: Settings) -> str:
    endpoint = _endpoint(request)
    formats = " , ".join(
        f"<http://www.w3.org/ns/formats/{name}>"
        for name in (
            "SPARQL_Results_JSON",
            "SPARQL_Results_XML",
            "SPARQL_Results_CSV",
            "SPARQL_Results_TSV",
            "Turtle",
            "N-Triples",
            "JSON-LD",
            "RDF_XML",
        )
    )
    languages = ["sd:SPARQL11Query"] + (["sd:SPARQL11Update"] if settings.allow_updates else [])
    features = ["sd:UnionDefaultGraph"] + (
        ["sd:BasicFederatedQuery"] if settings.allow_service else []
    )
    return f"""@prefix sd: <{_SD}> .
[] a sd:Service ;
   sd:endpoint <{endpoint}> ;
   sd:supportedLanguage {", ".join(languages)} ;
   sd:feature {", ".join(features)} ;
   sd:resultFormat {formats} ;
   sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""


# --- Graph Store Protocol -------------------------------------------------------------------


async def graph_store(request: Request) -> Response:
    """GET/HEAD/PUT/POST/DELETE a graph: by ?graph=IRI or ?default, or by its own URL."""
    settings = settings_of(request)
    try:
        graph, create = _target_graph(request)
        if request.method in ("GET", "HEAD"):
            if settings.canned_only:
                raise ProtocolError(403, "this server answers only its canned queries")
            reply = await pool_of(request).call(
                {
                    "op": "graph_get",
                    "graph": graph,
                    "accept": request.headers.get("accept"),
                    "format": request.query_params.get("format"),
                    "max_rows": settings.max_rows,
                    "prefixes": web.PREFIXES,
                }
            )
            return Response(reply.body, reply.status, media_type=reply.content_type)
        _authorize(request, settings)
        if request.method == "DELETE":
            reply = await pool_of(request).call({"op": "graph_delete", "graph": graph})
            return _write_response(reply)
        parts, body = await _rdf_parts(request)
        if create:
            graph = f"{_graph_url(request).rstrip('/')}/{uuid.uuid4().hex}"
        header = {
            "op": "graph_write",
            "graph": graph,
            "replace": request.method == "PUT",
            "parts": parts,
            "base_iri": graph or str(request.url),
        }
        reply = await pool_of(request).call(header, body)
        response = _write_response(reply)
        if create and reply.status < 300:
            response.status_code = 201
            response.headers["Location"] = graph
        elif request.method == "POST" and reply.status == 204:
            response.status_code = 200
        return response
    except ProtocolError as exc:
        return error_response(exc)


def _write_response(reply: Reply) -> Response:
    if reply.status >= 300:
        return Response(reply.body, reply.status, media_type=reply.content_type)
    return Response(status_code=reply.status)


def _target_graph(request: Request) -> tuple[str | None, bool]:
    """(graph IRI or None for the default graph, whether a POST should mint a new graph)."""
    query = request.query_params
    if request.url.path.rstrip("/") != "/store":
        iri = _graph_url(request)
        _check_iri(iri)
        return iri, False
    if "default" in query and "graph" in query:
        raise ProtocolError(400, "name either ?graph=IRI or ?default, not both")
    if "default" in query:
        return None, False
    if "graph" in query:
        iri = query["graph"]
        _check_iri(iri)
        return iri, False
    if request.method == "POST":
        return None, True
    raise ProtocolError(400, "name a graph: /store?graph=IRI, /store?default, or /store/PATH")


def _graph_url(request: Request) -> str:
    """The URL a graph is named by, as the client wrote it: `/store/a%20b` stays encoded (the
    decoded path, with its space, would not be an IRI)."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    return f"{request.url.scheme}://{request.url.netloc}{raw_path.decode('latin-1')}"


async def _rdf_parts(request: Request) -> tuple[list[dict[str, Any]], bytes]:
    """The RDF payload(s) of a PUT/POST: one body, or each file of a multipart/form-data body."""
    media_type, _ = _content_type(request)
    body = await request.body()
    if media_type != "multipart/form-data":
        if not media_type or ox.RdfFormat.from_media_type(media_type) is None:
            raise ProtocolError(
                415,
                f"cannot read RDF of type '{media_type or 'none'}'; send text/turtle, "
                "application/n-triples, application/ld+json or application/rdf+xml",
            )
        return [{"media_type": media_type, "start": 0, "end": len(body)}], body
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    parts, chunks, offset = [], [], 0
    for part in message.iter_parts():
        payload = part.get_payload(decode=True) or b""
        part_type = part.get_content_type()
        if part_type in ("text/plain", "application/octet-stream"):
            guessed = ox.RdfFormat.from_extension((part.get_filename() or "").rpartition(".")[2])
            part_type = guessed.media_type if guessed else part_type
        parts.append({"media_type": part_type, "start": offset, "end": offset + len(payload)})
        chunks.append(payload)
        offset += len(payload)
    return parts, b"".join(chunks)


# --- shared checks --------------------------------------------------------------------------


def _authorize(request: Request, settings: Settings) -> None:
    if not settings.allow_updates:
        raise ProtocolError(
            403, "this server is read-only; start it with --allow-updates and a --token to write"
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = (settings.token or "").encode()
    # compare_digest takes the same time wherever the strings differ.
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise ProtocolError(
            401,
            "writing needs the server's token: send 'Authorization: Bearer TOKEN'",
            {"WWW-Authenticate": 'Bearer realm="kg"'},
        )


def _refuse_network(text: str, settings: Settings) -> None:
    keyword = None if settings.allow_service else sparql_text.uses_network(text)
    if keyword:
        raise ProtocolError(
            403,
            f"{keyword} is disabled: this server does not fetch from other servers; start it "
            "with --allow-service to allow SERVICE and LOAD",
        )


def _content_type(request: Request) -> tuple[str, str | None]:
    fields = [f.strip() for f in request.headers.get("content-type", "").split(";")]
    charset = None
    for field in fields[1:]:
        key, _, value = field.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return fields[0].lower(), charset


def _decode(body: bytes, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise ProtocolError(415, f"the body must be UTF-8, not {charset}")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            400, f"the body is not valid UTF-8 ({exc.reason} at byte {exc.start})"
        ) from exc


def _multi(items: Any) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in items:
        params.setdefault(key, []).append(value)
    return params


def _single(params: dict[str, list[str]], name: str) -> str:
    values = params[name]
    if len(values) != 1:
        raise ProtocolError(400, f"send one '{name}' parameter, not {len(values)}")
    return values[0]


def _optional(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def _iris(params: dict[str, list[str]], name: str) -> list[str]:
    values = params.get(name, [])
    for value in values:
        _check_iri(value)
    return values


def _check_iri(value: str) -> None:
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise ProtocolError(400, f"'{value}' is not an absolute IRI: {exc}") from exc


def _endpoint(request: Request) -> str:
    return str(request.url).split("?")[0]
