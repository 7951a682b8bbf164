"""A seeded fuzz run of the HTTP endpoint: mutated SPARQL, random headers, encodings, methods.

Reads go to `kg serve` as users run it (serving processes that run the queries themselves),
writes to `create_app` with updates allowed (a pool with a writable worker, as under
`kg serve --allow-updates`).

The only 5xx the server may answer is the documented 503 of its time limit (a query that ran, or
waited for a worker, longer than --timeout). Every case is reproducible from SEED and its index;
a failure names both.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from serve_live import BASE, LiveServer, ServedProcess, build_store, live_server, serving
from serve_raw import RawResponse, raw_request

from kg.queries import QUERIES_DIR, load_canned

SEED = 20_260_611
CASES = 3000
THREADS = 4
TOKEN = "fuzz-t0ken"

CANNED = [q.text for q in load_canned(QUERIES_DIR)]
SEEDS = [
    *CANNED,
    "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
    "ASK { ?s a ?t }",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 20",
    "DESCRIBE <https://w3id.org/diplomacy-kg/id/person/sergey-lavrov>",
    'SELECT ?x WHERE { BIND("a\\u00e9" AS ?x) FILTER(REGEX(?x, "^a", "i")) }',
    "PREFIX x: <http://e/> SELECT (COUNT(*) AS ?n) WHERE { ?s x:p* ?o } GROUP BY ?s",
]
UPDATES = [
    "INSERT DATA { GRAPH <http://e/g> { <http://e/s> <http://e/p> 1 } }",
    "DELETE WHERE { GRAPH <http://e/g> { ?s ?p ?o } }",
    "CLEAR SILENT GRAPH <http://e/g> ; CREATE SILENT GRAPH <http://e/h>",
    "WITH <http://e/g> DELETE { ?s ?p ?o } INSERT { ?s ?p 2 } WHERE { ?s ?p ?o }",
    "COPY DEFAULT TO <http://e/c> ; DROP SILENT GRAPH <http://e/c>",
]
_VOCABULARY = """SELECT ASK CONSTRUCT DESCRIBE WHERE FILTER OPTIONAL UNION MINUS GRAPH SERVICE
SILENT BIND VALUES GROUP BY ORDER HAVING LIMIT OFFSET DISTINCT REDUCED FROM NAMED PREFIX BASE
INSERT DELETE DATA LOAD CLEAR DROP CREATE ADD MOVE COPY WITH USING DEFAULT ALL EXISTS NOT IN AS
a true false COUNT SUM AVG MIN MAX GROUP_CONCAT SAMPLE SEPARATOR REGEX REPLACE SUBSTR STRLEN
CONCAT LANG LANGMATCHES DATATYPE IRI URI BNODE RAND NOW UUID STRUUID MD5 SHA512 COALESCE IF STRDT
STRLANG isIRI isLiteral TRIPLE SUBJECT ABS CEIL TZ TIMEZONE ENCODE_FOR_URI { } ( ) [ ] . ; , *
/ | ^ + ? ! = != < > <= >= && || - ?s ?p ?o $x ?_ _:b [] () <> <#x> <http://e/x>
<file:///etc/passwd> <http://127.0.0.1:1/> x: x:y rdfs:label dkg:Diplomat "x" 'y' '''z'''
\"\"\"w\"\"\" "x"@en "x"@ "1"^^xsd:integer "x"^^<http://www.w3.org/2001/XMLSchema#dateTime>
1 -0 1e308 1e-400 .5 1. 99999999999999999999999999 0x1 <<( ?s ?p ?o )>> << ?s ?p ?o >> {| |}
# \\ \\u0041 \\U0001F600 \\uD800 @en-US ^^ :"""
VOCABULARY = _VOCABULARY.split()  # tokens to insert: keywords, operators, terms, oddities
ACCEPTS = [
    None,
    "*/*",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "text/html",
    "text/html,application/xhtml+xml,*/*;q=0.8",
    "image/png",
    "text/*;q=0.5, application/*;q=abc",
    "application/json;q=1e999, text/plain;q=nan",
    ";;;,,,",
    "*/*;q=0",
    "text/html;q=0, */*;q=0",
    "a" * 3000,
]
CONTENT_TYPES = [
    None,
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/sparql-query",
    "application/sparql-query; charset=UTF-8",
    "application/sparql-query; charset=utf-16",
    'application/sparql-query; charset="',
    "application/sparql-query;;;charset",
    "application/sparql-update",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "text/plain",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "multipart/mixed; boundary=",
    "application/octet-stream",
    "\u00e9/\u00e8",
    "",
]
ENCODINGS = [None, "identity", "gzip", "deflate", "br", "gzip, identity", "x-junk", ""]
FORMATS = [None, "json", "xml", "csv", "tsv", "html", "turtle", "ttl", "nt", "jsonld", "rdf", "x"]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "PROPFIND", "FOO"]
PAGES = ["/", "/network", "/timeline", "/query", "/queries", "/static/kg.css", "/favicon.ico"]
KINDS = ["article", "person", "org", "place", "process", "round", "meeting"]


# --- mutation -------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    out, word = [], ""
    for char in text:
        if char.isspace() or char in "{}()[].;,":
            if word:
                out.append(word)
                word = ""
            if not char.isspace():
                out.append(char)
        else:
            word += char
    return [*out, word] if word else out


def _random_text(rng: random.Random, size: int) -> str:
    alphabet = "abc?${}()<>\"'#\\:;.,*/|^+!=&- \n\r\t\u00e9\u2028\U0001f600\x00\x7f"
    return "".join(rng.choice(alphabet) for _ in range(size))


def mutate(rng: random.Random, text: str) -> str:
    """Up to six token- or character-level edits of a SPARQL text (none: it runs as it is)."""
    tokens = _tokens(text) or [""]
    for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 3, 6])):
        op = rng.randrange(11)
        i = rng.randrange(len(tokens))
        if op == 0 and len(tokens) > 1:
            del tokens[i]
        elif op == 1:
            tokens.insert(i, tokens[i])
        elif op == 2:
            j = rng.randrange(len(tokens))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif op in (3, 4):
            tokens.insert(i, rng.choice(VOCABULARY))
        elif op == 5:
            tokens[i] = rng.choice(VOCABULARY)
        elif op == 6:
            tokens = tokens[: rng.randrange(len(tokens) + 1)] or [""]
        elif op == 7:
            tokens.insert(i, _random_text(rng, rng.randint(1, 40)))
        elif op == 8:  # a huge literal
            tokens.insert(i, '"' + "x" * rng.choice([1000, 100_000, 600_000]) + '"')
        elif op == 9:  # deep nesting
            depth = rng.choice([10, 500, 5000])
            opener, closer = rng.choice([("{", "}"), ("(", ")"), ("[", "]")])
            tokens.insert(i, opener * depth + closer * depth)
        else:  # repeat a span
            j = min(len(tokens), i + rng.randint(1, 8))
            tokens[i:j] = tokens[i:j] * rng.randint(2, 30)
    return " ".join(tokens) if rng.random() < 0.8 else "".join(tokens)


def to_bytes(rng: random.Random, text: str) -> bytes:
    """The text as UTF-8, sometimes with invalid sequences or NULs spliced in."""
    data = text.encode("utf-8", errors="surrogatepass")
    if rng.random() < 0.15:
        junk = rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x00"])
        at = rng.randrange(len(data) + 1)
        data = data[:at] + junk + data[at:]
    return data


# --- cases ----------------------------------------------------------------------------------


@dataclass
class Case:
    """One request; `raw` bytes are sent over a socket as they are, else through httpx."""

    method: str
    path: str
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str | bytes] = field(default_factory=dict)
    body: bytes | None = None
    raw: bytes | None = None
    writable: bool = False


def _headers(rng: random.Random, content_type: str | None = None) -> dict[str, str | bytes]:
    headers: dict[str, str | bytes] = {}
    accept = rng.choice(ACCEPTS)
    if accept is not None:
        headers["Accept"] = accept
    if content_type is not None:
        headers["Content-Type"] = content_type.encode("utf-8")
    if rng.random() < 0.1:
        encoding = rng.choice(ENCODINGS)
        if encoding is not None:
            headers["Content-Encoding"] = encoding
    if rng.random() < 0.2:
        headers["Accept-Encoding"] = rng.choice(["gzip", "br", "identity;q=0", "*;q=0", "x"])
    if rng.random() < 0.1:
        headers["Origin"] = rng.choice(["https://e.example", "null", "*"])
    if rng.random() < 0.1:
        headers["Authorization"] = rng.choice([f"Bearer {TOKEN}", "Bearer x", "Basic Og==", ""])
    if rng.random() < 0.05:
        headers["Cookie"] = "a=b; c"
    if rng.random() < 0.05:
        headers["Range"] = "bytes=0-1,5-"
    if rng.random() < 0.05:
        junk = bytes(rng.randrange(0x21, 0x100) for _ in range(50))
        headers["X-Junk"] = junk.replace(b"\x7f", b"!")
    return headers


def _query(rng: random.Random) -> str:
    return mutate(rng, rng.choice(SEEDS)) if rng.random() < 0.9 else _random_text(rng, 200)


def _sparql_case(rng: random.Random) -> Case:
    query = _query(rng)
    params: list[tuple[str, str]] = []
    fmt = rng.choice(FORMATS)
    if fmt:
        params.append(("format", fmt))
    for name in ("default-graph-uri", "named-graph-uri"):
        if rng.random() < 0.1:
            params.append((name, rng.choice([f"{BASE}article/tass-2017-11-14", "x y", "", "<>"])))
    shape = rng.randrange(5)
    if shape == 0 and len(query) < 20_000:  # httpx refuses longer URL components
        return Case("GET", "/sparql", [("query", query), *params], _headers(rng))
    if shape == 1:
        form = [("query", query)] if rng.random() < 0.9 else [("update", query), ("query", "x")]
        body = "&".join(f"{k}={quote(v, safe='')}" for k, v in form).encode()
        if rng.random() < 0.1:
            body = to_bytes(rng, "query=" + query)
        content_type = rng.choice(CONTENT_TYPES[:4])
        return Case("POST", "/sparql", params, _headers(rng, content_type), body)
    if shape == 2:
        content_type = rng.choice(["application/sparql-query", *CONTENT_TYPES])
        return Case("POST", "/sparql", params, _headers(rng, content_type), to_bytes(rng, query))
    if shape == 3:  # updates, against the server that takes them
        update = mutate(rng, rng.choice(UPDATES))
        headers = _headers(rng, "application/sparql-update")
        headers["Authorization"] = f"Bearer {TOKEN}"
        return Case("POST", "/sparql", [], headers, to_bytes(rng, update), writable=True)
    # Sent as written: escapes broken on purpose, and URLs longer than httpx would send.
    raw_query = quote(query, safe="").replace("%25", rng.choice(["%", "%25", "%zz"]), 1)
    target = f"/sparql?query={raw_query}&{rng.choice(['', 'query=', 'update=x', '%ff=1'])}"
    lines = [f"GET {target} HTTP/1.1".encode(), b"Host: x"]
    lines += [
        k.encode() + b": " + (v if isinstance(v, bytes) else v.encode())
        for k, v in _headers(rng).items()
    ]
    return Case("GET", target[:40], raw=b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n")


def _page_case(rng: random.Random) -> Case:
    choice = rng.randrange(6)
    if choice == 0:
        name = rng.choice([*(Path(p).stem for p in QUERIES_DIR.glob("*.rq")), "x", "..", ""])
        suffix = rng.choice(["", ".json", ".csv", ".tsv", ".xml", ".html", ".x"])
        params = [(rng.choice(["entity", "name", "format", "x", ""]), _query(rng)[:200])]
        if rng.random() < 0.5:
            params.append(("format", rng.choice([f for f in FORMATS if f])))
        return Case("GET", f"/queries/{quote(name)}{suffix}", params, _headers(rng))
    if choice == 1:
        segment = quote(_random_text(rng, rng.randint(0, 30)), safe="/")
        return Case("GET", f"/{rng.choice(KINDS)}/{segment}", [], _headers(rng))
    if choice == 2:
        iri = rng.choice([f"{BASE}person/sergey-lavrov", _random_text(rng, 20), "http://e/x"])
        return Case("GET", "/resource", [("iri", iri)], _headers(rng))
    if choice == 3:
        return Case("GET", rng.choice(PAGES), [], _headers(rng))
    if choice == 4:
        path = "/static/" + quote(_random_text(rng, rng.randint(0, 20)), safe="/.")
        return Case(rng.choice(["GET", "HEAD"]), path, [], _headers(rng))
    method = rng.choice(METHODS)
    path = rng.choice(["/sparql", "/store", "/queries/diplomats", "/", "/person/x", "/nowhere"])
    return Case(method, path, [], _headers(rng, rng.choice(CONTENT_TYPES)), b"x" * 10)


def _store_case(rng: random.Random) -> Case:
    method = rng.choice(["GET", "HEAD", "PUT", "POST", "DELETE"])
    target = rng.randrange(4)
    params: list[tuple[str, str]] = []
    path = "/store"
    if target == 0:
        params.append(("graph", rng.choice([f"{BASE}article/tass-2017-11-14", "x", "http://e/g"])))
    elif target == 1:
        params.append(("default", ""))
    elif target == 2:
        path = "/store/" + quote(_random_text(rng, 10), safe="")
    if rng.random() < 0.1:
        params += [("graph", "http://e/g"), ("default", "")]
    content_type = rng.choice(CONTENT_TYPES)
    body = b""
    if method in ("PUT", "POST"):
        if content_type and content_type.startswith("multipart"):
            body = (
                b"--xyz\r\nContent-Disposition: form-data; name=a; filename=a.ttl\r\n"
                b"Content-Type: text/plain\r\n\r\n<http://e/s> <http://e/p> 1 .\r\n--xyz--\r\n"
            )
            if rng.random() < 0.5:
                body = to_bytes(rng, mutate(rng, body.decode()))
        else:
            body = to_bytes(
                rng, mutate(rng, "<http://e/s> <http://e/p> 1, 'x' ; <http://e/q> [] .")
            )
    headers = _headers(rng, content_type)
    headers["Authorization"] = f"Bearer {TOKEN}"
    return Case(method, path, params, headers, body, writable=method not in ("GET", "HEAD"))


RAW_LINES = [
    b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n",
    b"GET /sparql?query=ASK%7B%7D HTTP/1.0\r\n",
    b"GET http://elsewhere.example/sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n",
    b"GET /sparql?query=%zz%ff%00 HTTP/1.1\r\nHost: x\r\n",
    b"GET /person/\xff\xfe HTTP/1.1\r\nHost: x\r\n",
    b"GET /static/..%2f..%2f HTTP/1.1\r\nHost: x\r\n",
    b"GET * HTTP/1.1\r\nHost: x\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: x\r\n",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n",
    b"GET /sparql HTTP/1.1\r\nHost: a b>c\r\nAccept: text/turtle\r\n",
    b"GET /sparql HTTP/1.1\r\nHost: [::1\r\n",
    b"GET /sparql HTTP/1.1\r\nHost: x\r\n folded: header\r\n",
    b"GET /sparql HTTP/9.9\r\nHost: x\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n",
]


def _raw_case(rng: random.Random) -> Case:
    head = rng.choice(RAW_LINES)
    if rng.random() < 0.3:  # a flipped byte somewhere in the head
        at = rng.randrange(len(head))
        head = head[:at] + bytes([rng.randrange(256)]) + head[at + 1 :]
    body = to_bytes(rng, _query(rng))[:200] if b"POST" in head else b""
    return Case("RAW", head[:40].decode("latin-1"), raw=head + b"Connection: close\r\n\r\n" + body)


GENERATORS: list[tuple[float, Callable[[random.Random], Case]]] = [
    (0.55, _sparql_case),
    (0.2, _page_case),
    (0.15, _store_case),
    (0.1, _raw_case),
]


def make_case(index: int) -> Case:
    rng = random.Random(f"{SEED}-{index}")
    pick = rng.random()
    for weight, generator in GENERATORS:
        if pick < weight:
            return generator(rng)
        pick -= weight
    return GENERATORS[-1][1](rng)


# --- the run --------------------------------------------------------------------------------


def allowed(status: int, body: str) -> bool:
    """Any answer but a 5xx, except the time limit's documented 503."""
    if status < 500:
        return True
    return status == 503 and ("--timeout" in body or "stayed busy" in body)


Servers = tuple[LiveServer | ServedProcess, LiveServer]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    root = tmp_path_factory.mktemp("fuzz")
    limits = {"timeout": 3.0, "max_rows": 2000, "max_url_bytes": 8192, "max_body_bytes": 256_000}
    with (
        serving("kg serve", build_store(root / "read"), **limits) as read,
        live_server(
            build_store(root / "write"),
            queries_dir=QUERIES_DIR,
            allow_updates=True,
            token=TOKEN,
            **limits,
        ) as write,
    ):
        yield read, write


NOT_SENT = -2  # httpx refused to send the request as generated (a client-side check)
RETRIED = -3  # sent again on a new connection (see run_cases)


def send(case: Case, url: str, client: httpx.Client) -> tuple[int, str]:
    if case.raw is not None:
        try:
            response: RawResponse = raw_request(url, case.raw, timeout=10)
        except TimeoutError:
            # Fine for a head that promised more body than it sent, a hang otherwise.
            incomplete = b"Content-Length" in case.raw or b"Transfer-Encoding" in case.raw
            return (0 if incomplete else -1), "no answer within 10 s"
        return response.status, response.text
    try:
        http = client.request(
            case.method,
            case.path,
            params=case.params or None,
            headers=case.headers,
            content=case.body,
        )
    except httpx.RemoteProtocolError as exc:
        return 0, repr(exc)  # the server closed the connection on a request it rejected
    except (httpx.LocalProtocolError, httpx.InvalidURL) as exc:
        return NOT_SENT, repr(exc)
    return http.status_code, http.text


def run_cases(
    indices: range, read: LiveServer | ServedProcess, write: LiveServer
) -> tuple[Counter, list[str]]:
    """The statuses of the cases (and, under RETRIED, how many were sent twice), and failures."""
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    queue = list(indices)

    def worker() -> None:
        with (
            httpx.Client(base_url=read.url, timeout=60) as read_client,
            httpx.Client(base_url=write.url, timeout=60) as write_client,
        ):
            while True:
                with lock:
                    if not queue:
                        return
                    index = queue.pop()
                case = make_case(index)
                server, client = (write, write_client) if case.writable else (read, read_client)
                try:
                    status, body = send(case, server.url, client)
                except httpx.TransportError:
                    # A kept-alive connection that the server closed as the request went out:
                    # `kg serve` closes a serving process's idle connections when it replaces
                    # the process (after a query overran --timeout), as HTTP lets a server do,
                    # and a client then sends the request again on a new connection. A request
                    # that breaks the server fails the same way again.
                    with lock:
                        statuses[RETRIED] += 1
                    with httpx.Client(base_url=server.url, timeout=60) as fresh:
                        try:
                            status, body = send(case, server.url, fresh)
                        except httpx.TransportError as exc:
                            status, body = -1, repr(exc)
                with lock:
                    statuses[status] += 1
                    if not allowed(status, body) or status == -1:
                        failures.append(
                            f"case {index} ({case.method} {case.path}): {status} "
                            + re.sub(r"<[^>]*>", " ", body)[-400:]
                        )

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, failures


def test_cases_are_reproducible() -> None:
    assert make_case(7) == make_case(7)
    assert len({repr(make_case(i)) for i in range(50)}) == 50


def test_a_short_fuzz_run(servers: Servers) -> None:
    statuses, failures = run_cases(range(200), *servers)
    assert failures == []
    assert sum(statuses.values()) - statuses[RETRIED] == 200


@pytest.mark.slow
def test_fuzz_run_finds_no_5xx(servers: Servers, capsys: pytest.CaptureFixture[str]) -> None:
    read, write = servers
    started = time.monotonic()
    statuses, failures = run_cases(range(CASES), read, write)
    seconds = time.monotonic() - started
    with capsys.disabled():
        summary = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        print(f"\nfuzz: {CASES} cases (seed {SEED}) in {seconds:.0f} s; statuses {summary}")
    assert failures == [], "\n".join(failures[:20])
    assert sum(statuses.values()) - statuses[RETRIED] == CASES
    assert statuses[RETRIED] < CASES / 100
    assert statuses[NOT_SENT] < CASES / 100
    assert len(statuses) > 8  # the cases reach many different answers, not one error path
    for server in (read, write):  # and the servers still answer afterwards
        with httpx.Client(base_url=server.url, timeout=30) as client:
            assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
