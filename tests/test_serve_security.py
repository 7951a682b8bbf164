"""The endpoint against attack: SSRF, write tokens, XSS, path traversal, size limits, CORS, bind.

Every test talks to a live server over loopback, in both layouts (serve_live.LAYOUTS): `kg serve`
as users run it, whose serving processes run the queries, and `create_app` with its pool of query
workers (the layout of `kg serve --allow-updates` too). The hostile store is built by the real
pipeline from an article whose title, source, url and text carry markup, plus a graph whose
labels do.
"""

from __future__ import annotations

import gc
import hmac
import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest
from click.testing import CliRunner
from serve_live import (
    BASE,
    DKG,
    LAYOUTS,
    LiveServer,
    ServedProcess,
    build_store,
    kg_serve,
    live_server,
    serving,
)
from serve_raw import get, raw_request

from kg.build import build
from kg.queries import QUERIES_DIR
from kg.serve import serve_command
from kg.serving import protocol
from kg.serving.local import ISOLATE_CHARS
from kg.store import GraphStore

Server = LiveServer | ServedProcess

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
SEED = Path(__file__).resolve().parent.parent / "seeds" / "tass-2017-11-14-gatilov-de-mistura.txt"

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
SVG = "</title><svg onload=alert(3)>"
QUOTE = "' onmouseover='alert(4)"
PAYLOADS = (SCRIPT, IMG, SVG, QUOTE)


# --- a listener that records who connects ---------------------------------------------------


class Listener:
    """A TCP listener on loopback that counts connections (and answers nothing useful)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.requests: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(2)
                try:
                    self.requests.append(conn.recv(4096))
                    conn.sendall(b"HTTP/1.1 500 Nope\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("security") / "store")


@pytest.fixture(scope="module", params=LAYOUTS)
def server(store: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    with serving(request.param, store, timeout=5.0) as live:
        yield live


def _sandboxed(pids: set[int], mode: int, seconds: float = 30) -> None:
    """Each process's seccomp mode: 2 with a filter, 0 without. The server answers once one
    serving process is ready; another may still be starting, and installs its filter before
    it accepts a connection, so this waits for it."""
    assert pids
    deadline = time.monotonic() + seconds
    for pid in pids:
        while not re.search(
            rf"^Seccomp:\s+{mode}$", Path(f"/proc/{pid}/status").read_text(), re.MULTILINE
        ):
            assert time.monotonic() < deadline, (pid, mode)
            time.sleep(0.05)


def _network_queries(url: str) -> dict[str, str]:
    """SERVICE in the forms a lexical check can miss (each one fetched before the fix)."""
    target = f"<{url}>"
    return {
        "plain": f"SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}",
        "lower case, silent": f"select * where {{ service silent {target} {{ ?s ?p ?o }} }}",
        "after a CR-ended comment": (
            f"SELECT * WHERE {{ ?s ?p ?o #\rSERVICE {target} {{ ?a ?b ?c }} }}"
        ),
        "after an escaped # in a name": (
            f"PREFIX x: <http://e/> SELECT * WHERE {{ ?s x:p\\# ?o . SERVICE {target} "
            "{ ?a ?b ?c } }"
        ),
        "glued to a number": f"SELECT * WHERE {{ ?s ?p 1e5SERVICE {target} {{ ?a ?b ?c }} }}",
        "glued to true": f"SELECT * WHERE {{ ?s ?p trueSERVICE {target} {{ ?a ?b ?c }} }}",
    }


def test_service_never_reaches_the_network_by_default(server: Server, listener: Listener) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        queries = _network_queries(f"http://127.0.0.1:{listener.port}/sparql")
        # Long enough to run in a worker process of its own under `kg serve`.
        queries["long"] = queries["plain"] + "#" * ISOLATE_CHARS
        for name, query in queries.items():
            for response in (
                *([client.get("/sparql", params={"query": query})] if name != "long" else []),
                client.post("/sparql", data={"query": query}),
                client.post(
                    "/sparql",
                    content=query,
                    headers={"Content-Type": "application/sparql-query"},
                ),
            ):
                assert response.status_code == 403, (name, response.text)
                assert "--allow-service" in response.text
    time.sleep(0.5)
    assert listener.connections == 0


_NO_CHECK = (
    "import kg.serving.sparql_text as text\n"
    "text.uses_network = lambda query: None  # the lexical check, switched off\n"
)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_query_processes_cannot_open_sockets_even_past_the_check(
    store: Path,
    listener: Listener,
    layout: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The second line: with the lexical check switched off, the sandbox still refuses.

    Under `kg serve` the check is switched off in every process it starts (sitecustomize), and
    a long query runs in the worker process that `kg serve` keeps for those.
    """
    monkeypatch.setattr(protocol.sparql_text, "uses_network", lambda text: None)
    (tmp_path / "sitecustomize.py").write_text(_NO_CHECK)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    )
    query = f"SELECT * WHERE {{ ?s ?p ?o SERVICE <http://127.0.0.1:{listener.port}/s> {{}} }}"
    with (
        serving(layout, store, timeout=5.0) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        _sandboxed(server.pids, 2)
        for text in (query, query + "#" * ISOLATE_CHARS):
            response = client.post("/sparql", data={"query": text})
            assert response.status_code == 403, response.text
            assert "SERVICE is disabled" in response.text
    time.sleep(0.5)
    assert listener.connections == 0


@pytest.mark.parametrize("layout", LAYOUTS)
def test_allow_service_does_fetch(store: Path, listener: Listener, layout: str) -> None:
    """The listener and the queries work: with --allow-service the same query reaches it."""
    with (
        serving(layout, store, allow_service=True, timeout=5.0) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        _sandboxed(server.pids, 0)
        query = _network_queries(f"http://127.0.0.1:{listener.port}/sparql")["plain"]
        response = client.get("/sparql", params={"query": query})
        assert response.status_code != 403
        deadline = time.monotonic() + 10
        while not listener.connections and time.monotonic() < deadline:
            time.sleep(0.05)
    assert listener.connections >= 1
    assert listener.requests[0].startswith(b"POST /sparql")


def test_load_never_reaches_the_network(tmp_path: Path, listener: Listener) -> None:
    store = build_store(tmp_path / "store")
    load = f"LOAD <http://127.0.0.1:{listener.port}/data.ttl>"
    headers = {"Content-Type": "application/sparql-update", "Authorization": "Bearer s3cret"}
    with (
        live_server(store, allow_updates=True, token="s3cret") as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        for update in (
            load,
            load.lower(),
            f"# x\r{load}",
            f"INSERT DATA {{}} ;{load} INTO GRAPH <http://g/>",
        ):
            response = client.post("/sparql", content=update, headers=headers)
            assert response.status_code == 403, (update, response.text)
            assert "LOAD is disabled" in response.text
    time.sleep(0.5)
    assert listener.connections == 0


# --- writes and the token -------------------------------------------------------------------

INSERT = f"INSERT DATA {{ GRAPH <{BASE}article/x> {{ <{BASE}person/x> a <{DKG}Diplomat> }} }}"


def test_a_read_only_server_refuses_every_write(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        attempts = [
            client.post(
                "/sparql",
                content=INSERT,
                headers={"Content-Type": "application/sparql-update"},
            ),
            client.post("/sparql", data={"update": INSERT}),
            client.put(
                "/store",
                params={"graph": f"{BASE}article/x"},
                content="<http://a/> <http://b/> <http://c/> .",
                headers={"Content-Type": "text/turtle", "Authorization": "Bearer anything"},
            ),
            client.delete("/store", params={"graph": f"{BASE}article/tass-2017-11-14"}),
        ]
        for response in attempts:
            assert response.status_code == 403, response.text
            assert "read-only" in response.text
        ask = client.get("/sparql", params={"query": f"ASK {{ <{BASE}person/x> ?p ?o }}"})
        assert ask.json()["boolean"] is False


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = build_store(tmp_path_factory.mktemp("writable") / "store")
    with live_server(store, allow_updates=True, token="s3cret-Tok3n") as live:
        yield live


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong",
        "Bearer s3cret-Tok3",  # a prefix of the token
        "Bearer s3cret-Tok3nX",  # the token and more
        "Bearer S3CRET-TOK3N",
        "Basic s3cret-Tok3n",
        "s3cret-Tok3n",
        "Bearer s3cret-Tok3n\u00e9",
    ],
)
def test_updates_need_exactly_the_token(writable: LiveServer, authorization: str | None) -> None:
    headers: dict[str, str | bytes] = {}
    if authorization is not None:
        headers["Authorization"] = authorization.encode()  # non-ASCII goes as UTF-8 bytes
    with httpx.Client(base_url=writable.url, timeout=30) as client:
        for response in (
            client.post(
                "/sparql",
                content=INSERT,
                headers={**headers, "Content-Type": "application/sparql-update"},
            ),
            client.post("/sparql", data={"update": INSERT}, headers=headers),
            client.put(
                "/store",
                params={"graph": f"{BASE}article/x"},
                content="<http://a/> <http://b/> <http://c/> .",
                headers={**headers, "Content-Type": "text/turtle"},
            ),
            client.post(
                "/store",
                params={"graph": f"{BASE}article/x"},
                content="<http://a/> <http://b/> <http://c/> .",
                headers={**headers, "Content-Type": "text/turtle"},
            ),
            client.delete("/store", params={"graph": f"{BASE}article/x"}, headers=headers),
        ):
            assert response.status_code == 401, response.text
            assert response.headers["www-authenticate"].startswith("Bearer")
        ask = client.get("/sparql", params={"query": f"ASK {{ <{BASE}person/x> ?p ?o }}"})
        assert ask.json()["boolean"] is False


def test_the_token_is_compared_in_constant_time(
    writable: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every decision goes through hmac.compare_digest: spy on it, then overrule it."""
    real = hmac.compare_digest
    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(protocol.hmac, "compare_digest", spy)
    headers = {"Content-Type": "application/sparql-update"}
    with httpx.Client(base_url=writable.url, timeout=30) as client:
        wrong = client.post(
            "/sparql", content=INSERT, headers={**headers, "Authorization": "Bearer nope"}
        )
        assert wrong.status_code == 401
        assert calls == [(b"nope", b"s3cret-Tok3n")]
        right = client.post(
            "/sparql", content=INSERT, headers={**headers, "Authorization": "Bearer s3cret-Tok3n"}
        )
        assert right.status_code == 204
        assert calls[-1] == (b"s3cret-Tok3n", b"s3cret-Tok3n")
        # Overruled, compare_digest alone decides: no other comparison guards the door.
        monkeypatch.setattr(protocol.hmac, "compare_digest", lambda a, b: True)
        overruled = client.post(
            "/sparql",
            content=f"DROP SILENT GRAPH <{BASE}article/x>",
            headers={**headers, "Authorization": "Bearer nope"},
        )
        assert overruled.status_code == 204


# --- XSS ------------------------------------------------------------------------------------

HOSTILE_GRAPH = f"""
@prefix dkg: <{DKG}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix schema: <https://schema.org/> .
@prefix id: <{BASE}> .
id:article\\/hostile-hand {{
  id:article\\/hostile-hand a dkg:Article ; rdfs:label {json.dumps("Label " + SCRIPT)} ;
    schema:headline {json.dumps("Headline " + IMG)} ; schema:url <javascript:alert(5)> ;
    schema:datePublished "2017-11-20"^^xsd:date ; dkg:sourceName {json.dumps(SVG)} .
  id:article\\/hostile-hand\\/sentence\\/1 a dkg:Sentence ;
    dkg:inArticle id:article\\/hostile-hand ; dkg:position 1 ;
    dkg:text {json.dumps(f"Said {SCRIPT} and {IMG} and {QUOTE}.")} .
  id:person\\/evil a dkg:Diplomat ; rdfs:label {json.dumps(f"Ivan {SCRIPT} Petrov")} ;
    skos:altLabel {json.dumps(IMG)} ; dkg:title {json.dumps(SVG)} ;
    dkg:affiliation id:org\\/evil ; dkg:evidence id:article\\/hostile-hand\\/sentence\\/1 .
  <{BASE}person/o'neil(onmouseover=alert(6))> a dkg:Diplomat ; rdfs:label {json.dumps(QUOTE)} .
  id:org\\/evil a dkg:Organisation ; rdfs:label {json.dumps("Org " + IMG)} .
  id:place\\/evil a dkg:Place ; rdfs:label {json.dumps("Place " + SCRIPT)} .
  id:process\\/evil a dkg:NegotiationProcess ; rdfs:label {json.dumps("Process " + SVG)} .
  id:meeting\\/evil a dkg:Meeting ; rdfs:label {json.dumps("Meeting " + IMG)} ;
    dkg:participant id:person\\/evil, <{BASE}person/o'neil(onmouseover=alert(6))> ;
    dkg:startDate "2017-11-14"^^xsd:date ; dkg:dateText {json.dumps(QUOTE)} ;
    dkg:location id:place\\/evil ; dkg:status dkg:Held ;
    dkg:evidence id:article\\/hostile-hand\\/sentence\\/1 .
  id:round\\/evil\\/1 a dkg:NegotiationRound ; rdfs:label {json.dumps("Round " + SCRIPT)} ;
    dkg:process id:process\\/evil ; dkg:roundNumber {json.dumps("1" + IMG)} ;
    dkg:startDate "2017-11-20"^^xsd:date ; dkg:participant id:person\\/evil ;
    dkg:location id:place\\/evil .
}}
"""


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built by `kg build` from a hostile article, plus a graph with hostile labels."""
    root = tmp_path_factory.mktemp("hostile")
    text = SEED.read_text().replace(" date 2017-11-14 ", "")
    text = text.replace("Staffan de Mistura.", f"Staffan de Mistura {SCRIPT}.", 1)
    text = text.replace("Sergey Lavrov and", f"Sergey Lavrov {IMG} and", 1)
    record = {
        "id": "hostile-1",
        "title": f"{SCRIPT} talks",
        "date": "2017-11-14",
        "source": IMG,
        "url": "javascript:alert(3)",
        "text": text,
    }
    corpus = root / "hostile.jsonl"
    corpus.write_text(json.dumps(record) + "\n")
    with GraphStore(root / "store") as graph_store:
        report = build([corpus], graph_store)
    assert report.count("built") == 1
    gc.collect()
    trig = root / "hand.trig"
    trig.write_text(HOSTILE_GRAPH)
    return build_store(root / "store", (trig, None))


@pytest.fixture(scope="module", params=LAYOUTS)
def hostile(hostile_store: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    with serving(request.param, hostile_store, queries_dir=QUERIES_DIR) as live:
        yield live


class _Audit(HTMLParser):
    """Collects everything in a page that could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "xlink:href", "formaction") and value:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            src, kind = values.get("src") or "", values.get("type") or ""
            if not src.startswith("/static/") and kind != "application/json":
                self.problems.append("inline <script>")
        if tag in ("img", "iframe", "object", "embed", "base", "frame"):
            self.problems.append(f"<{tag}>")


def _audit(response: httpx.Response) -> None:
    content_type = response.headers.get("content-type", "")
    assert response.headers.get("x-content-type-options") == "nosniff", response.url
    if not content_type.startswith("text/html"):
        assert not content_type.startswith(("image/svg", "application/xhtml")), response.url
        return
    audit = _Audit()
    audit.feed(response.text)
    assert audit.problems == [], (str(response.url), audit.problems)
    for payload in PAYLOADS:
        assert payload not in response.text, (str(response.url), payload)
    assert "default-src 'self'" in response.headers["content-security-policy"]


def _hostile_pages(client: httpx.Client) -> list[str]:
    iris = client.get(
        "/sparql",
        params={"query": "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    pages = ["/", "/network", "/timeline", "/queries", "/query"]
    for row in iris:
        iri = row["s"]["value"]
        if iri.startswith(BASE) and iri[len(BASE) :].split("/")[0] in ("person", "org", "place"):
            pages.append("/" + quote(iri[len(BASE) :], safe="/"))
        pages.append("/resource?" + urlencode({"iri": iri}))
    canned = client.get("/queries", headers={"Accept": "application/json"}).json()
    for query in canned:
        pages.append(query["url"])
        for param in query["params"]:
            for payload in PAYLOADS:
                pages.append(f"{query['url']}?{urlencode({param['name']: payload})}")
    for payload in PAYLOADS:
        literal = json.dumps(payload)
        queries = (
            f"SELECT ?x WHERE {{ BIND({literal} AS ?x) }}",
            f"SELECT ?x WHERE {{ {payload} }}",  # a syntax error page quotes the query
            f"CONSTRUCT {{ <http://e/s> <http://e/p> {literal} }} WHERE {{}}",
        )
        pages += [
            "/queries/" + quote(payload, safe=""),
            "/person/" + quote(payload, safe=""),
            "/resource?" + urlencode({"iri": payload}),
            "/resource?" + urlencode({"iri": "http://e/" + quote(payload)}),
            *("/sparql?" + urlencode({"query": q}) for q in queries),
        ]
    return pages


def test_no_page_runs_article_markup(hostile: Server) -> None:
    with httpx.Client(base_url=hostile.url, timeout=60) as client:
        pages = _hostile_pages(client)
        assert len(pages) > 60
        seen_html = 0
        for page in pages:
            response = client.get(page, headers=HTML)
            assert response.status_code < 500, (page, response.text)
            _audit(response)
            seen_html += response.headers["content-type"].startswith("text/html")
        assert seen_html > 50
        # The hostile text is shown, as text, where it belongs (so the audit saw it).
        evil = client.get("/person/evil", headers=HTML).text
        assert "Ivan &lt;script&gt;alert(1)&lt;/script&gt; Petrov" in evil
        assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in evil
        assert "Said &lt;script&gt;" in evil  # the evidence sentence
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="network"' in evil
        article = client.get("/article/hostile-1", headers=HTML).text
        assert "Staffan de Mistura &lt;script&gt;alert(1)&lt;/script&gt;." in article
        assert "javascript:" not in client.get("/person/staffan-de-mistura", headers=HTML).text
        timeline = client.get("/timeline", headers=HTML).text
        assert "Process &lt;/title&gt;&lt;svg" in timeline
        network = client.get("/network", headers=HTML).text
        assert "Ivan &lt;script&gt;" in network


# --- path traversal -------------------------------------------------------------------------

TRAVERSALS = [
    "/static/../serve.py",
    "/static/../../serve.py",
    "/static/../../../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/serve.py",
    "/static/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/static/..%2f..%2fserve.py",
    "/static/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/static/%252e%252e/%252e%252e/serve.py",
    "/static/..\\..\\serve.py",
    "/static/..%5c..%5cserve.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/kg.css%00.py",
    "/static/yasgui/../../../serve.py",
    "/static/./../../serve.py",
    "/person/../../../etc/passwd",
    "/person/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/person/..%2f..%2f..%2fetc%2fpasswd",
    "/article/..%2f..%2fkg%2fserve.py",
    "/resource?iri=file:///etc/passwd",
    "/resource?iri=file:///proc/self/environ",
    "/queries/..%2f..%2fpyproject.toml",
    "/queries/../../pyproject.toml",
    "/store/../../etc/passwd",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_route_serves_files_outside_its_directory(server: Server, target: str) -> None:
    for accept in ("*/*", "text/html"):
        response = get(server.url, target, {"Accept": accept})
        assert 400 <= response.status < 500, (target, response.status, response.text[:300])
        for secret in ("root:", "import ", "click", "[project]", "PATH="):
            assert secret not in response.text, (target, secret)
    assert get(server.url, "/static/kg.css").status == 200  # the files it should serve


# --- size limits ----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=LAYOUTS)
def limited(store: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    with serving(request.param, store, max_url_bytes=2048, max_body_bytes=4096) as live:
        yield live


def _refused(response: httpx.Response, status: int, flag: str) -> None:
    """A refusal that names its limit, which the browser reads as text, and a page elsewhere
    may read (an Origin was sent)."""
    assert response.status_code == status, response.text
    assert flag in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["access-control-allow-origin"] == "*"


ORIGIN = {"Origin": "https://elsewhere.example"}


def test_long_urls_are_refused_with_414(limited: Server) -> None:
    with httpx.Client(base_url=limited.url, timeout=30, headers=ORIGIN) as client:
        short = "SELECT * WHERE { ?s ?p ?o } LIMIT 1" + " " * 1000
        assert client.get("/sparql", params={"query": short}).status_code == 200
        for response in (
            client.get("/sparql", params={"query": short + "#" * 2000}),
            client.post("/sparql", params={"query": short + "#" * 2000}),
            client.get("/person/" + "x" * 3000, headers=HTML),
            client.get("/queries/diplomats", params={"x": "y" * 3000}),
        ):
            _refused(response, 414, "--max-url-bytes")
            assert "POST" in response.text
        # Exactly at the limit is not over it.
        target = "/sparql?query=" + "ASK%7B%7D" + "+" * (2048 - 23)
        assert len(target) == 2048
        assert client.get(target).status_code == 200


def test_large_bodies_are_refused_with_413(limited: Server) -> None:
    headers = {"Content-Type": "application/sparql-query"}
    small = "SELECT * WHERE { ?s ?p ?o } LIMIT 1" + " " * 3000
    with httpx.Client(base_url=limited.url, timeout=30, headers=ORIGIN) as client:
        assert client.post("/sparql", content=small, headers=headers).status_code == 200
        response = client.post("/sparql", content=small + " " * 2000, headers=headers)
        _refused(response, 413, "--max-body-bytes")
        form = client.post("/sparql", data={"query": small + " " * 2000})
        _refused(form, 413, "--max-body-bytes")
        upload = client.put("/store", params={"default": ""}, content=b" " * 5000)
        _refused(upload, 413, "--max-body-bytes")

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for _ in range(10):
                yield b" " * 1000

        chunked = client.post("/sparql", content=chunks(), headers=headers)
        _refused(chunked, 413, "--max-body-bytes")
        assert client.post("/sparql", content=small, headers=headers).status_code == 200


def test_compressed_bodies_are_refused_with_415(limited: Server) -> None:
    with httpx.Client(base_url=limited.url, timeout=30, headers=ORIGIN) as client:
        for path in ("/sparql", "/store?default"):
            response = client.post(
                path,
                content=b"\x1f\x8b\x08\x00",
                headers={"Content-Type": "application/sparql-query", "Content-Encoding": "gzip"},
            )
            _refused(response, 415, "Content-Encoding: gzip")


def test_every_answer_says_nosniff(server: Server) -> None:
    """On the /sparql fast path as on every other route, whatever the answer."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for response in (
            client.get("/sparql", params={"query": "ASK {}"}),
            client.get("/sparql", params={"query": "ASK {"}, headers=HTML),
            client.post("/sparql", data={"query": "ASK {}"}),
            client.post("/sparql", content=b"x", headers={"Content-Type": "text/x"}),
            client.get("/sparql", headers=HTML),
            client.get("/"),
            client.get("/nowhere"),
            client.get("/static/kg.css"),
        ):
            assert response.headers["x-content-type-options"] == "nosniff", response.url


# --- CORS -----------------------------------------------------------------------------------


def test_cors_never_allows_credentials(server: Server) -> None:
    origin = {"Origin": "https://elsewhere.example"}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        preflight = client.options(
            "/sparql",
            headers={
                **origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, authorization",
            },
        )
        assert preflight.status_code == 200
        simple = client.get(
            "/sparql", params={"query": "ASK {}"}, headers={**origin, "Cookie": "session=1"}
        )
        plain = client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
        for response in (preflight, simple, plain):
            assert "access-control-allow-credentials" not in response.headers
        assert plain.headers["access-control-allow-origin"] == "*"
        assert "PUT" not in preflight.headers["access-control-allow-methods"]


# --- where it listens -----------------------------------------------------------------------


def test_default_bind_address_is_loopback() -> None:
    host = next(p for p in serve_command.params if p.name == "host")
    assert host.default == "127.0.0.1"


def _listening(pid: int, port: int) -> set[str]:
    """Local addresses on which the process `pid` listens on `port` (from /proc/PID/net)."""
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_kg_serve_listens_on_loopback_only_and_limits_urls(store: Path) -> None:
    """Also: the default URL limit, and a request head without end, are refused with a clear
    answer by the HTTP layer itself (httptools, unlike h11, has no limit of its own)."""
    with kg_serve(store, workers=1) as server:
        url = server.url
        port = int(url.rsplit(":", 1)[1])
        assert _listening(server.proc.pid, port) == {"0100007F"}  # 127.0.0.1, nothing else
        assert get(url, "/sparql?query=" + "ASK%7B%7D" + "+" * 65_000).status == 200
        for plus in (66_000, 1_000_000):
            long_get = get(url, "/sparql?query=" + "ASK%7B%7D" + "+" * plus)
            assert long_get.status == 414, long_get.text[:200]
            assert "--max-url-bytes" in long_get.text
            assert long_get.headers["x-content-type-options"] == "nosniff"
        huge_head = get(url, "/sparql?query=ASK%7B%7D", {"X-Filler": "x" * 2_000_000})
        assert huge_head.status == 431, huge_head.text[:200]
        assert get(url, "/sparql?query=ASK%7B%7D", {"X-Filler": "x" * 50_000}).status == 200


def test_pipelined_requests_are_no_over_long_head(store: Path) -> None:
    """The head limit counts what arrives while a request head is incomplete: thousands of
    small requests sent at once, read by the server in large pieces, are each answered."""
    with serving("kg serve", store) as server:
        one = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 2000
        one += b"\r\n\r\n"
        last = one.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
        assert len(one) * 600 > 2 * 512 * 1024  # twice the head limit, read in a few pieces
        response = raw_request(server.url, one * 600 + last, timeout=120)
        assert response.status == 200
        assert response.body.count(b"HTTP/1.1 200 OK") == 600  # the others, after the first


def test_limits_are_flags_of_kg_serve() -> None:
    result = CliRunner().invoke(serve_command, ["--help"])
    assert "--max-url-bytes" in result.output and "--max-body-bytes" in result.output
    assert "127.0.0.1" in result.output
    # The HTTP parser reads no longer URL: a larger limit is a clear error, not a broken promise.
    too_long = CliRunner().invoke(serve_command, ["--max-url-bytes", "70000"])
    assert too_long.exit_code == 2
    assert "--max-url-bytes" in too_long.output and "65535" in too_long.output
