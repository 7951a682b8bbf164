"""A query worker: a process that owns one store handle and runs one request at a time.

pyoxigraph cannot cancel a running query, so the server runs queries here and kills the whole
process when one overruns. The parent talks to it over stdin/stdout in frames: an 8-byte header
(two big-endian lengths), a JSON header, then a body of raw bytes.

Run as `python -m kg.serving.worker STORE [--writable]`; it imports pyoxigraph only (no rdflib),
so a replacement starts in a few tens of milliseconds.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

import pyoxigraph as ox

from kg.serving import negotiation, sandbox

FRAME = struct.Struct(">II")
_PR_SET_PDEATHSIG = 1
_R = ox.QueryResultsFormat
_G = ox.RdfFormat
# How often a read-only worker looks for a rebuilt store on disk.
_FRESHNESS_INTERVAL = 1.0
# The stack of a thread that runs queries: Oxigraph's parser and evaluator recurse once per
# nesting level, and on the usual 8 MiB a query of a few thousand nested groups or BINDs
# overflows it. Only the pages a query touches are committed.
QUERY_STACK_BYTES = 256 * 1024 * 1024

Reply = tuple[dict[str, Any], bytes]


def write_frame(out: IO[bytes], header: dict[str, Any], body: bytes = b"") -> None:
    data = json.dumps(header).encode()
    out.write(FRAME.pack(len(data), len(body)) + data + body)
    out.flush()


def read_frame(stream: IO[bytes]) -> tuple[dict[str, Any], bytes] | None:
    prefix = stream.read(FRAME.size)
    if len(prefix) < FRAME.size:
        return None
    header_len, body_len = FRAME.unpack(prefix)
    return json.loads(stream.read(header_len)), stream.read(body_len)


class RowCapExceeded(Exception):
    """Raised from inside pyoxigraph's serializer, which stops evaluating the query."""


class _LineCounter:
    """A binary sink that counts lines (one per row in TSV and N-Triples) and stops at a cap."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.lines = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.lines += data.count(b"\n")
        if self.lines > self.cap:
            raise RowCapExceeded
        return len(data)

    def flush(self) -> None:
        pass

    def first_lines(self, count: int) -> bytes:
        """The output up to and including its first `count` lines."""
        data = b"".join(self.parts)
        end = -1
        for _ in range(count):
            end = data.find(b"\n", end + 1)
            if end < 0:
                return data
        return data[: end + 1]


def error(status: int, message: str) -> Reply:
    return {"status": status, "content_type": "text/plain; charset=utf-8"}, message.encode()


class Worker:
    """Runs the requests the server sends, against one open store."""

    def __init__(self, path: str, writable: bool) -> None:
        self.path = path
        self.writable = writable
        self.store = ox.Store(path) if writable else ox.Store.read_only(path)
        self.signature = self._signature()
        self.checked = time.monotonic()
        self.ops: dict[str, Callable[[dict[str, Any], bytes], Reply]] = {
            "query": self.query,
            "update": self.update,
            "graph_get": self.graph_get,
            "graph_write": self.graph_write,
            "graph_delete": self.graph_delete,
        }

    def handle(self, header: dict[str, Any], body: bytes) -> Reply:
        if not self.writable:
            self._refresh()
        return self.ops[header["op"]](header, body)

    def query(self, req: dict[str, Any], _body: bytes) -> Reply:
        kwargs: dict[str, Any] = {"base_iri": req.get("base_iri")}
        if req.get("default_graph") is not None:
            kwargs["default_graph"] = [_graph(g) for g in req["default_graph"]]
        else:
            kwargs["use_default_graph_as_union"] = True
        if req.get("named_graphs") is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in req["named_graphs"]]
        if req.get("substitutions"):
            # Bound as plain literals, as GraphStore.query does, so URLs and `kg query` agree.
            kwargs["substitutions"] = {
                ox.Variable(k): ox.Literal(v) for k, v in req["substitutions"].items()
            }
        try:
            result = self.store.query(req["query"], **kwargs)
        except SyntaxError as exc:
            return {"status": 400, "syntax": str(exc)}, b""
        except (ValueError, RuntimeError) as exc:
            # e.g. a parameter bound to a variable the query does not project
            return error(400, f"the query cannot run: {exc}")
        if isinstance(result, ox.QueryBoolean):
            form = "boolean"
        elif isinstance(result, ox.QuerySolutions):
            form = "solutions"
        else:
            form = "graph"
        fmt = negotiation.choose(form, req.get("accept"), req.get("format"))
        if fmt is None:
            names = ", ".join(f.media_type for f in negotiation.offered(form))
            return error(406, f"cannot write a {form} result in the requested format; use {names}")
        try:
            return self._serialize(result, form, fmt, req)
        except RowCapExceeded:
            cap = req["max_rows"]
            return error(
                422,
                f"the result has more than {cap} rows, the server's limit (--max-rows); "
                f"add LIMIT {cap} (and OFFSET to page) to the query",
            )
        except PermissionError:
            # Only a sandboxed worker (kg.serving.sandbox) refuses a socket: SERVICE got past
            # the server's lexical check and was stopped here.
            return error(403, "SERVICE is disabled: this server does not fetch from other servers")
        except (OSError, ValueError, TypeError) as exc:
            return error(500, f"the query failed while running: {exc}")

    def _serialize(self, result: Any, form: str, fmt: negotiation.Format, req: dict) -> Reply:
        header: dict[str, Any] = {"status": 200, "content_type": fmt.content_type, "form": form}
        if form == "boolean":
            target = negotiation.SOLUTIONS[0] if fmt.html else fmt
            header["format"] = target.name
            return header, result.serialize(format=target.results)
        cap = req["max_rows"]
        # HTML pages show the first rows with a marker; machine formats get all rows or an error.
        truncate = fmt.html and req.get("truncate", False)
        # TSV has a header line, then one line per row; N-Triples one line per triple.
        counter = _LineCounter(cap + 1 if form == "solutions" else cap)
        line_format = _R.TSV if form == "solutions" else _G.N_TRIPLES
        try:
            result.serialize(counter, format=line_format)
            data = b"".join(counter.parts)
        except RowCapExceeded:
            if not truncate:
                raise
            header["truncated"] = True
            data = counter.first_lines(counter.cap)
        if form == "solutions":
            header["rows"] = max(data.count(b"\n") - 1, 0)
            target = negotiation.SOLUTIONS[0] if fmt.html else fmt
            header["format"] = target.name
            if target.results == _R.TSV:
                return header, data
            parsed = ox.parse_query_results(data, format=_R.TSV)
            return header, parsed.serialize(format=target.results)
        header["rows"] = data.count(b"\n")
        target = negotiation.GRAPH[1] if fmt.html else fmt
        header["format"] = target.name
        if target.rdf == _G.N_TRIPLES:
            return header, data
        triples = ox.parse(data, format=_G.N_TRIPLES)
        prefixes = req.get("prefixes") if target.rdf == _G.TURTLE else None
        return header, ox.serialize(triples, format=target.rdf, prefixes=prefixes)

    def update(self, req: dict[str, Any], _body: bytes) -> Reply:
        try:
            self.store.update(req["update"], base_iri=req.get("base_iri"))
        except SyntaxError as exc:
            return {"status": 400, "syntax": str(exc)}, b""
        except PermissionError:  # a sandboxed worker refused LOAD's or SERVICE's socket
            return error(403, "LOAD and SERVICE are disabled: this server fetches from nowhere")
        except (OSError, ValueError) as exc:
            return error(500, f"the update failed: {exc}")
        return {"status": 204}, b""

    def graph_get(self, req: dict[str, Any], _body: bytes) -> Reply:
        graph = _graph(req["graph"])
        if isinstance(graph, ox.NamedNode) and not self.store.contains_named_graph(graph):
            return error(404, f"there is no graph <{graph.value}> in the store")
        fmt = negotiation.choose("graph", req.get("accept"), req.get("format"))
        if fmt is None or fmt.html:
            fmt = negotiation.GRAPH[0]
        quads = self.store.quads_for_pattern(None, None, None, graph)
        counter = _LineCounter(req["max_rows"])
        try:
            ox.serialize((q.triple for q in quads), counter, format=_G.N_TRIPLES)
        except RowCapExceeded:
            return error(
                422,
                f"the graph has more than {req['max_rows']} triples, the server's limit "
                "(--max-rows); query parts of it with SPARQL instead",
            )
        data = b"".join(counter.parts)
        header = {"status": 200, "content_type": fmt.content_type, "rows": counter.lines}
        if fmt.rdf == _G.N_TRIPLES:
            return header, data
        triples = ox.parse(data, format=_G.N_TRIPLES)
        return header, ox.serialize(triples, format=fmt.rdf, prefixes=req.get("prefixes"))

    def graph_write(self, req: dict[str, Any], body: bytes) -> Reply:
        """PUT (replace) or POST (merge) RDF into a graph, in one transaction."""
        graph = _graph(req["graph"])
        if isinstance(graph, ox.DefaultGraph):
            quads = self.store.quads_for_pattern(None, None, None, graph)
            existed = next(iter(quads), None) is not None
        else:
            existed = self.store.contains_named_graph(graph)
        triples: list[ox.Triple] = []
        try:
            for part in req["parts"]:
                chunk = body[part["start"] : part["end"]]
                fmt = ox.RdfFormat.from_media_type(part["media_type"])
                if fmt is None:
                    return error(415, f"cannot read RDF of type {part['media_type']}")
                triples += _parse_payload(chunk, fmt, req["base_iri"])
        except SyntaxError as exc:
            return error(400, f"the RDF payload does not parse: {exc}")
        data = ox.serialize(triples, format=_G.N_TRIPLES).decode()
        if isinstance(graph, ox.DefaultGraph):
            target, block = "DEFAULT", data
        else:
            target, block = f"GRAPH <{graph.value}>", f"GRAPH <{graph.value}> {{\n{data}}}"
        operations = [f"CLEAR SILENT {target}"] if req["replace"] else []
        if triples:
            operations.append(f"INSERT DATA {{ {block} }}")
        if operations:
            # One update, so a replace is a single transaction.
            self.store.update(" ;\n".join(operations))
        if not existed and isinstance(graph, ox.NamedNode) and not triples:
            self.store.add_graph(graph)
        return {"status": 204 if existed else 201}, b""

    def graph_delete(self, req: dict[str, Any], _body: bytes) -> Reply:
        graph = _graph(req["graph"])
        if isinstance(graph, ox.DefaultGraph):
            self.store.clear_graph(graph)
        elif self.store.contains_named_graph(graph):
            self.store.remove_graph(graph)
        else:
            return error(404, f"there is no graph <{graph.value}> in the store")
        return {"status": 200}, b""

    def _refresh(self) -> None:
        """Reopen the store when `kg build` has changed it, so readers see the new graph."""
        now = time.monotonic()
        if now - self.checked < _FRESHNESS_INTERVAL:
            return
        self.checked = now
        signature = self._signature()
        if signature == self.signature:
            return
        try:
            self.store = ox.Store.read_only(self.path)
            self.signature = signature
        except OSError:
            pass  # caught mid-write; the old snapshot serves until the next look

    def _signature(self) -> int:
        try:
            entries = [
                (e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(self.path)
            ]
        except OSError:
            return 0
        return hash(tuple(sorted(entries)))


def _parse_payload(data: bytes, fmt: ox.RdfFormat, base_iri: str) -> list[ox.Triple]:
    try:
        return [q.triple for q in ox.parse(data, format=fmt, base_iri=base_iri)]
    except SyntaxError:
        # Hand-written Turtle often drops the final '.'; accept that one slip, nothing else.
        if fmt != ox.RdfFormat.TURTLE or data.rstrip().endswith(b"."):
            raise
        return [q.triple for q in ox.parse(data + b"\n.", format=fmt, base_iri=base_iri)]


def _graph(name: str | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if name is None else ox.NamedNode(name)


def die_with_parent() -> None:
    """Ask Linux to kill this worker when the server dies, even in the middle of a query."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the worker still ends when its stdin closes, after the query


def main(argv: list[str]) -> int:
    die_with_parent()
    if "--no-network" in argv[1:]:
        # Before any other thread starts, so that every thread inherits the filter.
        sandbox.deny_network_or_warn("kg worker")
    # The requests are served on a thread with a stack large enough for deeply nested queries.
    threading.stack_size(QUERY_STACK_BYTES)
    status = [1]
    thread = threading.Thread(target=lambda: status.__setitem__(0, _serve(argv)), name="serve")
    thread.start()
    thread.join()
    return status[0]


def _serve(argv: list[str]) -> int:
    # Frames go to the real stdout; anything else a library prints lands on stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    stream = sys.stdin.buffer
    try:
        worker = Worker(argv[0], writable="--writable" in argv[1:])
    except OSError as exc:
        write_frame(out, {"ready": False, "error": str(exc)})
        return 1
    if "--max-memory" in argv:
        # Past this, an allocation fails and the worker aborts, which the server reports as the
        # query's problem (kg.serving.pool).
        sandbox.cap_memory(int(argv[argv.index("--max-memory") + 1]))
    write_frame(out, {"ready": True})
    while (frame := read_frame(stream)) is not None:
        header, body = frame
        try:
            reply, data = worker.handle(header, body)
        except MemoryError:
            reply, data = error(422, "the query needed more memory than a query worker may use")
        except Exception as exc:
            reply, data = error(500, f"internal error in the query worker: {exc!r}")
        write_frame(out, reply, data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
