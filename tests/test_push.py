"""`kg push` against real triple stores started here on loopback: `oxigraph serve` (PyPI
`oxigraph`) and Virtuoso (Debian's `virtuoso-opensource`, a private instance in a temporary
directory). The store pushed is built by `kg build` from seeds/ and a small synthetic corpus.

Results are compared as multisets of rows, with two normalisations, both for what SPARQL or RDF
leave open rather than for differences in content:
- GROUP_CONCAT's order is unspecified, so its " ; "-joined parts are compared sorted;
- integer types: Oxigraph stores xsd:positiveInteger as xsd:integer and Virtuoso keeps the
  declared xsd:positiveInteger (the same values), so integer types compare as xsd:integer.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.push import Credentials, PushError, push, state_path
from kg.queries import load_canned
from kg.serving.sparql_text import tokens
from kg.store import GraphStore

ROOT = Path(__file__).resolve().parent.parent
XSD = "http://www.w3.org/2001/XMLSchema#"
DKG = "https://w3id.org/diplomacy-kg/ontology#"
# the integer types of XML Schema, all xsd:integer in value
_INTEGERS = {
    XSD + t
    for t in [
        "integer",
        "positiveInteger",
        "nonNegativeInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    ]
}
OXIGRAPH = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which(
    "oxigraph"
)
VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")
needs_virtuoso = pytest.mark.skipif(
    not (VIRTUOSO and ISQL),
    reason="needs Debian's virtuoso-opensource: run 'bash tests/ci-setup.sh'",
)

Term = tuple[str, str, str | None, str | None] | None


@dataclass(frozen=True)
class Server:
    name: str
    gsp: str  # Graph Store Protocol endpoint
    sparql: str  # query endpoint
    args: tuple[str, ...]  # `kg push` authentication options
    env: dict[str, str]
    credentials: Credentials


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server at {url} did not come up in {limit} s: {log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """seeds/ and 12 synthetic articles (entities recur across them), built by `kg build`."""
    tmp = tmp_path_factory.mktemp("push-build")
    corpus = tmp / "corpus.jsonl"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "corpus.py"), "12", str(corpus), "--seed", "3"],
        check=True,
        capture_output=True,
    )
    store = tmp / "store"
    result = CliRunner().invoke(
        main, ["build", str(ROOT / "seeds"), str(corpus), "--store", str(store), "-q"]
    )
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if OXIGRAPH is None:
        pytest.fail(
            "the oxigraph CLI is missing; it comes with the dev extra: make .venv/.installed"
        )
    tmp = tmp_path_factory.mktemp("oxigraph")
    port = _free_port()
    log = tmp / "server.log"
    with log.open("wb") as out:
        # the union default graph is what our own store queries
        command = [OXIGRAPH, "serve", "--location", str(tmp / "data"), "--union-default-graph"]
        process = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/query", process, log, limit=60)
        yield Server("oxigraph", f"{base}/store", f"{base}/query", (), {}, Credentials())
    finally:
        _stop(process)


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = {sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {dir}
[HTTPServer]
ServerPort = {http_port}
ServerRoot = {dir}
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 300
"""
PUSH_USER, PUSH_PASSWORD = "kgpush", "push-secret"


@pytest.fixture(scope="module")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A private Virtuoso with a user allowed to write graphs (role SPARQL_UPDATE)."""
    assert VIRTUOSO and ISQL
    tmp = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = _free_port(), _free_port()
    ini = tmp / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(dir=tmp, sql_port=sql_port, http_port=http_port))
    log = tmp / "stdout.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(ini)],
            cwd=tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        # a new database is created on first start: generous, the machine may be loaded
        _wait_until_up(f"{base}/sparql", process, log, limit=300)
        sql = (
            f"DB.DBA.USER_CREATE('{PUSH_USER}', '{PUSH_PASSWORD}'); "
            f'GRANT SPARQL_UPDATE TO "{PUSH_USER}";'
        )
        # a fresh database's dba password is "dba"
        subprocess.run(
            [ISQL, str(sql_port), "dba", "dba", f"exec={sql}"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield Server(
            "virtuoso",
            # the anonymous /sparql-graph-crud cannot write; this one takes digest auth
            f"{base}/sparql-graph-crud-auth",
            f"{base}/sparql",
            ("--user", PUSH_USER, "--auth", "digest"),
            {"KG_PUSH_PASSWORD": PUSH_PASSWORD},
            Credentials("digest", PUSH_USER, PUSH_PASSWORD),
        )
    finally:
        _stop(process)


@pytest.fixture(params=["oxigraph", pytest.param("virtuoso", marks=needs_virtuoso)])
def server(request: pytest.FixtureRequest) -> Server:
    return request.getfixturevalue(f"{request.param}_server")


def _kg_push(server: Server, store: Path, *more: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["push", "--store", str(store), "--endpoint", server.gsp, *server.args, *more],
        env=server.env,
    )
    return result.exit_code, result.output


# --- comparing results -------------------------------------------------------------------------


def _term(binding: dict[str, str] | None, concat: bool = False) -> Term:
    if binding is None:
        return None
    kind = "literal" if binding["type"] in ("literal", "typed-literal") else binding["type"]
    datatype = binding.get("datatype")
    if datatype in _INTEGERS:
        datatype = XSD + "integer"
    if datatype == XSD + "string":
        datatype = None
    value = binding["value"]
    if concat:
        value = " ; ".join(sorted(value.split(" ; ")))
    return (kind, value, datatype, binding.get("xml:lang"))


def _local_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | None, concat: bool) -> Term:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return _term({"type": "uri", "value": term.value})
    if isinstance(term, ox.BlankNode):
        return _term({"type": "bnode", "value": term.value})
    binding = {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    if term.language:
        binding["xml:lang"] = term.language
    return _term(binding, concat)


def _bind(text: str, values: dict[str, str]) -> str:
    """The query with its parameters replaced by their values, as pyoxigraph's substitution
    does, for endpoints that take only text: a constant wherever the variable is used, and
    `("value" AS ?name)` in the outermost projection (inner projections just drop it)."""
    out: list[str] = []
    last = 0
    in_projection = False
    for token in tokens(text):
        word = token.text.upper() if token.kind == "word" else ""
        if word == "SELECT":
            in_projection = True
        elif token.kind == "open" or word == "WHERE":
            in_projection = False
        name = token.text[1:]
        if token.kind == "var" and name in values:
            literal = json.dumps(values[name], ensure_ascii=False)
            if in_projection:
                literal = f"({literal} AS ?{name})" if token.depth == 0 else ""
            out += [text[last : token.start], literal]
            last = token.start + len(token.text)
    return "".join(out) + text[last:]


def _select(url: str, query: str) -> tuple[list[str], list[dict[str, dict[str, str]]]]:
    reply = httpx.post(
        url,
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=300,
    )
    assert reply.status_code == 200, f"{url}: {reply.status_code} {reply.text[:2000]}"
    data = reply.json()
    return data["head"]["vars"], data["results"]["bindings"]


def _graph_sizes(server: Server, graphs: set[str]) -> dict[str, int]:
    _, rows = _select(
        server.sparql,
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    )
    # Virtuoso holds graphs of its own too
    sizes = {row["g"]["value"]: int(row["n"]["value"]) for row in rows}
    return {g: n for g, n in sizes.items() if g in graphs}


def _server_graph(server: Server, graph: str) -> collections.Counter[tuple[Term, ...]]:
    _, rows = _select(server.sparql, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return collections.Counter(tuple(_term(row[v]) for v in ("s", "p", "o")) for row in rows)


def _local_graph(store: Path, graph: str) -> collections.Counter[tuple[Term, ...]]:
    with GraphStore(store, read_only=True) as gs:
        data = gs.article_ntriples(graph)
    triples = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    return collections.Counter(
        tuple(_local_term(t, False) for t in (q.subject, q.predicate, q.object)) for q in triples
    )


def _local_sizes(store: Path) -> dict[str, int]:
    with GraphStore(store, read_only=True) as gs:
        return {r.graph: gs.article_ntriples(r.graph).count(b"\n") for r in gs.articles()}


# --- against real servers ----------------------------------------------------------------------


def test_push_replaces_graphs_and_repeats_idempotently(
    server: Server, built_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_store, store)
    local = _local_sizes(store)
    assert len(local) == 13

    code, output = _kg_push(server, store, "--changed-only")
    assert code == 0, output
    assert f"pushed 13 article graph(s) ({sum(local.values())} triples)" in output
    assert _graph_sizes(server, set(local)) == local

    # again, everything: each graph replaced by itself, nothing duplicated
    code, output = _kg_push(server, store)
    assert code == 0, output
    assert "pushed 13 article graph(s)" in output
    assert _graph_sizes(server, set(local)) == local

    # change one article: drop its sentences' positions and add a statement
    changed = sorted(local)[0]
    with GraphStore(store) as gs:
        positions = list(
            gs.oxigraph.quads_for_pattern(
                None, ox.NamedNode(DKG + "position"), None, ox.NamedNode(changed)
            )
        )
        assert positions
        for quad in positions:
            gs.oxigraph.remove(quad)
        gs.oxigraph.add(
            ox.Quad(
                ox.NamedNode(changed),
                ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                ox.Literal("re-pushed"),
                ox.NamedNode(changed),
            )
        )
    code, output = _kg_push(server, store, "--changed-only")
    assert code == 0, output
    assert "pushed 1 article graph(s)" in output and "12 unchanged" in output
    after = _server_graph(server, changed)
    assert after == _local_graph(store, changed)
    assert not [t for t in after if t[1] == ("uri", DKG + "position", None, None)]
    assert len(after) == local[changed] - len(positions) + 1
    others = {g: n for g, n in local.items() if g != changed}
    assert _graph_sizes(server, set(others)) == others

    # the server's graph is the store's, term for term, for every other article too
    for graph in sorted(others)[:3]:
        assert _server_graph(server, graph) == _local_graph(store, graph)


def test_canned_queries_give_the_same_results_as_our_store(
    server: Server, built_store: Path
) -> None:
    # restores any graph another test changed: a push replaces
    code, output = _kg_push(server, built_store)
    assert code == 0, output
    compared = []
    mismatches = []
    with GraphStore(built_store, read_only=True) as gs:
        for query in load_canned():
            values = query.bindings({})
            result = gs.query(query.text, values)
            columns = [v.value for v in result.variables]
            concat = set(re.findall(r"GROUP_CONCAT\(.*?\)\s+AS\s+[?$](\w+)", query.text, re.S))
            ours = collections.Counter(
                tuple(_local_term(row[c], c in concat) for c in columns) for row in result
            )
            remote_columns, rows = _select(server.sparql, _bind(query.text, values))
            assert remote_columns == columns, query.name
            theirs = collections.Counter(
                tuple(_term(row.get(c), c in concat) for c in columns) for row in rows
            )
            compared.append((query.name, sum(ours.values())))
            if ours != theirs:
                mismatches.append(
                    f"{query.name}: only ours {list((ours - theirs).items())[:3]}, "
                    f"only {server.name}'s {list((theirs - ours).items())[:3]}"
                )
    assert not mismatches, "\n".join(mismatches)
    assert len(compared) == len(list((ROOT / "queries").glob("*.rq")))
    # the comparison means something only if the queries found things
    assert all(n > 0 for _, n in compared), compared


# --- errors from real servers ------------------------------------------------------------------


def test_unreachable_server_is_a_clear_error(built_store: Path) -> None:
    port = _free_port()  # nothing listens there
    with GraphStore(built_store, read_only=True) as gs, pytest.raises(PushError) as caught:
        push(gs, f"http://127.0.0.1:{port}/store", retries=1, backoff=0)
    assert f"cannot reach http://127.0.0.1:{port}/store" in str(caught.value)
    assert "tried 2 times" in str(caught.value)


def test_wrong_url_names_the_endpoints_to_use(oxigraph_server: Server, built_store: Path) -> None:
    wrong = dataclasses.replace(oxigraph_server, gsp=oxigraph_server.sparql)
    code, output = _kg_push(wrong, built_store)
    assert code == 1
    assert "is not a Graph Store endpoint that accepts PUT (404 Not Found" in output
    assert "Oxigraph http://HOST:7878/store" in output
    assert "Traceback" not in output


@needs_virtuoso
def test_virtuoso_refusals_say_what_to_do(virtuoso_server: Server, built_store: Path) -> None:
    base = virtuoso_server.gsp.rsplit("/", 1)[0]
    anonymous = dataclasses.replace(
        virtuoso_server, gsp=f"{base}/sparql-graph-crud", args=(), env={}
    )
    code, output = _kg_push(anonymous, built_store)
    assert code == 1
    assert "forbids writing graphs (403 Forbidden: Error 42000 SQ110:SECURITY" in output

    wrong = dataclasses.replace(virtuoso_server, env={"KG_PUSH_PASSWORD": "wrong"})
    code, output = _kg_push(wrong, built_store)
    assert code == 1
    assert "refused the credentials (401 Unauthorized); check the user name" in output

    basic = dataclasses.replace(virtuoso_server, args=("--user", PUSH_USER))
    code, output = _kg_push(basic, built_store)
    assert code == 1
    assert "the server may want --auth digest" in output

    no_credentials = dataclasses.replace(virtuoso_server, args=(), env={})
    code, output = _kg_push(no_credentials, built_store)
    assert code == 1
    assert "it needs credentials: --user NAME" in output


# --- the protocol, with a scripted server ------------------------------------------------------


class Script:
    """A transport answering PUTs from a list of (status, body) and recording the requests."""

    def __init__(self, *answers: tuple[int, str]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.answers.pop(0) if self.answers else (204, "")
        return httpx.Response(status, text=body)


def _scripted(store: Path, script: Script, **options: object) -> object:
    with GraphStore(store, read_only=True) as gs:
        return push(
            gs, "http://triples.test/store", transport=httpx.MockTransport(script), **options
        )


def test_each_graph_goes_in_one_put_to_its_graph_iri(built_store: Path) -> None:
    script = Script()
    report = _scripted(built_store, script)
    with GraphStore(built_store, read_only=True) as gs:
        graphs = sorted(r.graph for r in gs.articles())
        bodies = {g: gs.article_ntriples(g) for g in graphs}
    assert [r.method for r in script.requests] == ["PUT"] * len(graphs)
    assert [r.url.params["graph"] for r in script.requests] == graphs
    assert [r.content for r in script.requests] == [bodies[g] for g in graphs]
    assert script.requests[0].headers["content-type"].startswith("application/n-triples")
    # the datatypes the ontology declares, not the ones Oxigraph keeps
    assert b"#positiveInteger>" in b"".join(bodies.values())
    assert report.pushed == len(graphs) and report.ok


def test_passing_failures_are_retried_and_lasting_ones_reported(built_store: Path) -> None:
    script = Script((503, "busy"), (502, "proxy"), (201, ""), (400, "<h1>Bad</h1><p>line 3</p>"))
    report = _scripted(built_store, script, retries=2, backoff=0)
    assert len(script.requests) == 13 + 2  # two retries for the first graph, none for the 400
    assert report.pushed == 12
    assert len(report.failed) == 1
    graph, error = report.failed[0]
    assert graph == script.requests[3].url.params["graph"]
    assert error == "400 Bad Request: Bad line 3"
    assert "0 unchanged, 1 failed" in report.summary()


def test_a_server_that_keeps_failing_stops_the_push(built_store: Path) -> None:
    script = Script(*[(500, "down")] * 40)
    with pytest.raises(PushError, match="giving up after 10 failed graphs in a row"):
        _scripted(built_store, script, retries=1, backoff=0)


def test_authentication_headers(built_store: Path) -> None:
    for credentials, expected in [
        (Credentials("bearer", None, "t0ken"), "Bearer t0ken"),
        (Credentials("basic", "ann", "pw"), "Basic " + base64.b64encode(b"ann:pw").decode()),
        (Credentials(), None),
    ]:
        script = Script()
        _scripted(built_store, script, credentials=credentials)
        assert {r.headers.get("authorization") for r in script.requests} == {expected}


def test_changed_only_remembers_per_endpoint(built_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_store, store)
    first = Script()
    assert _scripted(store, first, changed_only=True).pushed == 13
    again = Script()
    report = _scripted(store, again, changed_only=True)
    assert (report.pushed, report.unchanged, again.requests) == (0, 13, [])
    assert json.loads(state_path(store).read_text()).keys() == {"http://triples.test/store"}
    # a graph the server failed to take is pushed next time
    with GraphStore(store) as gs:
        graph = sorted(r.graph for r in gs.articles())[5]
        gs.oxigraph.add(
            ox.Quad(
                ox.NamedNode(graph), ox.NamedNode(DKG + "x"), ox.Literal("y"), ox.NamedNode(graph)
            )
        )
    rejected = Script((400, "no"))
    assert _scripted(store, rejected, changed_only=True).failed[0][0] == graph
    retried = Script()
    assert _scripted(store, retried, changed_only=True).pushed == 1
    assert [r.url.params["graph"] for r in retried.requests] == [graph]


def test_cli_needs_a_secret_without_a_terminal(built_store: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["push", "--store", str(built_store), "--endpoint", "http://x.test/s", "--user", "a"],
        env={"KG_PUSH_PASSWORD": None},
    )
    assert result.exit_code == 1
    assert "set $KG_PUSH_PASSWORD" in result.output
    result = CliRunner().invoke(
        main, ["push", "--store", str(built_store), "--endpoint", "x.test", "--auth", "digest"]
    )
    assert result.exit_code == 2 and "digest authentication needs --user NAME" in result.output
    result = CliRunner().invoke(main, ["push", "--store", str(built_store), "--endpoint", "x.test"])
    assert result.exit_code == 1 and "is not an http(s) URL" in result.output
