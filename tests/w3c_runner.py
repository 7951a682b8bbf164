"""Replays the W3C SPARQL 1.1 Protocol and Graph Store Protocol test manifests over HTTP.

The manifests live in `../shared/w3c/` beside the repository. The protocol manifest encodes each
request as RDF (ht:Request); the Graph Store Protocol one writes them as HTTP text in Markdown
comments. Both are turned into `Exchange`s here and sent to a live server with httpx.

Run it on its own against a running `kg serve --allow-updates` to print pass counts:
    python tests/w3c_runner.py http://127.0.0.1:7878 TOKEN
"""

from __future__ import annotations

import contextlib
import json
import sys
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "w3c"
PROTOCOL = SHARED / "protocol"
GRAPH_STORE = SHARED / "graph-store-protocol"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")

_RESULT_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
_RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


@dataclass
class Exchange:
    """One HTTP request and what its response must look like."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    statuses: set[str] = field(default_factory=set)  # "2xx" classes or exact codes "201"
    result_format: str | None = None  # protocol: "boolean", "tabular" or "RDF"
    boolean: bool | None = None
    content_type: str | None = None  # GSP: expected media type
    graph: str | None = None  # GSP: expected Turtle body


@dataclass
class Case:
    name: str
    title: str
    exchanges: list[Exchange]
    graph_data: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        """Whether the test sends SPARQL Update (so it needs a writable server and the token)."""
        return any(
            "sparql-update" in e.headers.get("content-type", "")
            or (e.body or b"").startswith(b"update=")
            or "update=" in e.path
            for e in self.exchanges
        )


# --- the SPARQL Protocol manifest (RDF) -----------------------------------------------------


def protocol_cases(directory: Path = PROTOCOL) -> list[Case]:
    manifest = directory / "manifest.ttl"
    graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    root = next(graph.subjects(RDF.type, MF.Manifest))
    cases = []
    for test in Collection(graph, graph.value(root, MF.entries)):
        action = graph.value(test, MF.action)
        exchanges = [
            _protocol_exchange(graph, request)
            for request in Collection(graph, graph.value(action, HT.requests))
        ]
        data = [
            (directory / Path(str(graph.value(d, UT.graph))).name, str(graph.value(d, RDFS.label)))
            for d in graph.objects(test, UT.graphData)
        ]
        cases.append(
            Case(str(test).rsplit("#", 1)[-1], str(graph.value(test, MF.name)), exchanges, data)
        )
    return cases


def _protocol_exchange(graph: Graph, request: URIRef) -> Exchange:
    path = str(graph.value(request, HT.absolutePath))
    # The manifest's paths start with /sparql/; ours is /sparql.
    path = "/sparql" + path[len("/sparql/") :] if path.startswith("/sparql/") else path
    headers = {}
    header_list = graph.value(request, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            name = str(graph.value(header, HT.fieldName)).lower()
            headers[name] = str(graph.value(header, HT.fieldValue))
    body = None
    content = graph.value(request, HT.body)
    if content is not None:
        encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(content, CNT.chars)).encode(encoding)
    response = graph.value(request, HT.resp)
    statuses = {
        str(s).rsplit("StatusCode", 1)[-1] for s in graph.objects(response, MF.expectedStatus)
    }
    expected_boolean = graph.value(response, MF.expectedBoolean)
    fmt = graph.value(response, MF.expectedFormat)
    return Exchange(
        method=str(graph.value(request, HT.methodName)),
        path=path,
        headers=headers,
        body=body,
        statuses=statuses,
        result_format=str(fmt) if fmt is not None else None,
        boolean=bool(expected_boolean.toPython()) if expected_boolean is not None else None,
    )


# --- the Graph Store Protocol manifest (HTTP text in Markdown) ------------------------------


def graph_store_cases(directory: Path = GRAPH_STORE) -> list[Case]:
    manifest = directory / "manifest.ttl"
    graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    root = next(graph.subjects(RDF.type, MF.Manifest))
    cases = []
    for test in Collection(graph, graph.value(root, MF.entries)):
        text = next(str(c) for c in graph.objects(test, RDFS.comment) if "#### Request" in str(c))
        request_text, _, response_text = text.partition("#### Response")
        cases.append(
            Case(
                str(test).rsplit("#", 1)[-1],
                str(graph.value(test, MF.name)),
                [_gsp_exchange(request_text.split("#### Request", 1)[1], response_text)],
            )
        )
    return cases


def _http_blocks(text: str) -> tuple[list[str], str]:
    """(start line and header lines, body) of an indented HTTP message."""
    block = textwrap.dedent(text.strip("\n")).strip("\n")
    head, _, body = block.partition("\n\n")
    return [line.strip() for line in head.splitlines() if line.strip()], body.strip("\n")


def _gsp_exchange(request_text: str, response_text: str) -> Exchange:
    head, body = _http_blocks(request_text)
    method, target, _ = head[0].split(" ")
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    headers.pop("host", None)
    if headers.get("content-type", "").startswith("multipart/"):
        body = body.replace("\n", "\r\n") + "\r\n"
    response_head, response_body = _http_blocks(response_text.strip().rstrip('"').rstrip())
    status = response_head[0].split(" ")[0]
    content_type = None
    for line in response_head[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type":
            content_type = value.split(";")[0].strip()
    return Exchange(
        method=method,
        path=target if target.startswith("/") else "/" + target,
        headers=headers,
        body=body.encode() if body else None,
        statuses={status},
        content_type=content_type,
        graph=response_body or None,
    )


# --- running --------------------------------------------------------------------------------


class Runner:
    """Sends exchanges to one server, filling in $HOST$, $GRAPHSTORE$ and $NEWPATH$."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.host = self.base_url.split("://", 1)[1]
        self.token = token
        self.new_path: str | None = None
        self.client = httpx.Client(timeout=30)

    def close(self) -> None:
        self.client.close()

    def fill(self, text: str) -> str:
        text = text.replace("$HOST$", self.host).replace("$GRAPHSTORE$", "store")
        return text.replace("$NEWPATH$", self.new_path or "$NEWPATH$")

    def run(self, case: Case) -> list[str]:
        """The problems found; an empty list means the test passed."""
        problems = []
        for exchange in case.exchanges:
            problems += self.send(exchange)
        return problems

    def send(self, exchange: Exchange) -> list[str]:
        path = self.fill(exchange.path)
        if path.startswith("/http"):
            path = "/" + path.split("/", 4)[-1]  # $NEWPATH$ is an absolute URL
        headers = dict(exchange.headers)
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        body = exchange.body
        # The non-UTF-8 tests must keep their bytes as they are.
        with contextlib.suppress(UnicodeDecodeError):
            body = self.fill(body.decode("utf-8")).encode() if body is not None else None
        response = self.client.request(
            exchange.method, self.base_url + path, headers=headers, content=body
        )
        if "location" in response.headers and response.status_code == 201:
            self.new_path = response.headers["location"]
        return self.check(exchange, response)

    def check(self, exchange: Exchange, response: httpx.Response) -> list[str]:
        status = str(response.status_code)
        where = f"{exchange.method} {exchange.path[:60]}"
        if not any(
            s == status or (s.endswith("xx") and s[0] == status[0]) for s in exchange.statuses
        ):
            expected = sorted(exchange.statuses)
            return [f"{where}: status {status}, expected {expected}: {response.text[:200]}"]
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        problems = []
        if exchange.result_format == "boolean":
            found = _boolean(media_type, response.content)
            if found is None:
                problems.append(f"{where}: not a boolean result ({media_type})")
            elif exchange.boolean is not None and found != exchange.boolean:
                problems.append(f"{where}: answered {found}, expected {exchange.boolean}")
        elif exchange.result_format == "tabular" and media_type not in _RESULT_TYPES:
            problems.append(f"{where}: {media_type} is not a tabular result format")
        elif exchange.result_format == "RDF":
            if media_type not in _RDF_TYPES:
                problems.append(f"{where}: {media_type} is not an RDF format")
            else:
                Graph().parse(data=response.content, format=_RDF_TYPES[media_type])
        if exchange.content_type and media_type != exchange.content_type:
            problems.append(f"{where}: content type {media_type}, expected {exchange.content_type}")
        if exchange.graph and exchange.method == "GET":
            expected = Graph().parse(data=self.fill(exchange.graph), format="turtle")
            found = Graph().parse(
                data=response.content, format=_RDF_TYPES.get(media_type, "turtle")
            )
            if not isomorphic(expected, found):
                problems.append(
                    f"{where}: the graph differs from the expected one:\n"
                    f"{found.serialize(format='nt')}"
                )
        return problems


def _boolean(media_type: str, body: bytes) -> bool | None:
    if media_type in ("application/sparql-results+json", "application/json"):
        value = json.loads(body).get("boolean")
        return value if isinstance(value, bool) else None
    if media_type in ("application/sparql-results+xml", "application/xml"):
        element = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
        return None if element is None else element.text.strip() == "true"
    return None


def main(argv: list[str]) -> int:
    runner = Runner(argv[0], argv[1] if len(argv) > 1 else None)
    passed = failed = 0
    for case in protocol_cases() + graph_store_cases():
        problems = runner.run(case)
        passed, failed = passed + (not problems), failed + bool(problems)
        print(("PASS " if not problems else "FAIL ") + case.name)
        for problem in problems:
            print("    " + problem)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
