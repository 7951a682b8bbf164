"""The SPARQL endpoint over real HTTP: negotiation, errors, limits, CORS, gzip and writes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from serve_live import BASE, DKG, LiveServer, alive, build_store, live_server

DIPLOMATS = f"SELECT ?d WHERE {{ ?d a <{DKG}Diplomat> }} ORDER BY ?d"
# Four-way cross product of the fixture's ~90 triples: tens of millions of rows to count.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("protocol") / "store")


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[LiveServer]:
    with live_server(store, max_rows=5, timeout=2.0) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ],
)
def test_select_negotiates_its_format(client: httpx.Client, accept: str, media_type: str) -> None:
    response = client.get("/sparql", params={"query": DIPLOMATS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "gennady-gatilov" in response.text
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    ("fmt", "rdf_format"),
    [
        ("turtle", ox.RdfFormat.TURTLE),
        ("ntriples", ox.RdfFormat.N_TRIPLES),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("rdfxml", ox.RdfFormat.RDF_XML),
    ],
)
def test_construct_in_every_rdf_format(
    client: httpx.Client, fmt: str, rdf_format: ox.RdfFormat
) -> None:
    query = f"CONSTRUCT {{ <{BASE}org/russia> ?p ?o }} WHERE {{ <{BASE}org/russia> ?p ?o }}"
    response = client.post("/sparql", data={"query": query, "format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == rdf_format.media_type
    triples = list(ox.parse(response.content, format=rdf_format))
    assert ox.Literal("Russia") in {t.object for t in triples}


def test_direct_post_and_ask(client: httpx.Client) -> None:
    response = client.post(
        "/sparql",
        content=f"ASK {{ <{BASE}person/sergey-lavrov> ?p ?o }}",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["boolean"] is True


def test_named_graphs_stay_addressable(client: httpx.Client) -> None:
    article = f"{BASE}article/reuters-2017-10-20"
    query = f"SELECT DISTINCT ?d WHERE {{ GRAPH ?g {{ ?d a <{DKG}Diplomat> }} }}"
    everything = client.get("/sparql", params={"query": query}).json()
    one = client.get("/sparql", params={"query": query, "named-graph-uri": article}).json()
    assert len(one["results"]["bindings"]) < len(everything["results"]["bindings"])
    default = client.get(
        "/sparql",
        params={"query": DIPLOMATS.replace("ORDER BY ?d", ""), "default-graph-uri": article},
    ).json()
    assert {b["d"]["value"] for b in default["results"]["bindings"]} == {
        f"{BASE}person/staffan-de-mistura",
        f"{BASE}person/sergey-lavrov",
    }


def test_malformed_query_is_400_saying_where(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?x WHERE {\n  ?x ?y \n"})
    assert response.status_code == 400
    assert "does not parse" in response.text
    assert "^" in response.text
    assert "3:1" in response.text or "2:" in response.text


def test_unacceptable_and_unsupported_media_types(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": DIPLOMATS}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text
    response = client.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert client.put("/sparql", params={"query": "ASK {}"}).status_code == 405


def test_row_cap_is_an_error_not_a_silent_cut(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 422
    assert "more than 5 rows" in response.text
    exact = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
    assert exact.status_code == 200
    assert len(exact.json()["results"]["bindings"]) == 5


def test_html_results_mark_truncation(client: httpx.Client) -> None:
    response = client.get(
        "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 200
    assert "TRUNCATED" in response.text
    assert response.text.count("<tr>") == 6  # the header row and five rows


def test_cors_without_credentials(client: httpx.Client) -> None:
    origin = {"Origin": "https://elsewhere.example"}
    response = client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    preflight = client.options(
        "/sparql",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_large_results_are_gzipped(client: httpx.Client) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    response = client.get(
        "/sparql",
        params={"query": query, "format": "rdfxml"},
        headers={"Accept-Encoding": "gzip"},
    )
    assert response.status_code == 200
    small = "ASK {}"
    plain = client.get("/sparql", params={"query": small}, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    page = client.get("/query", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("content-encoding") == "gzip"


def test_service_description(client: httpx.Client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert ox.NamedNode(sd + "UnionDefaultGraph") in {t.object for t in triples}
    assert ox.NamedNode(sd + "SPARQL11Update") not in {t.object for t in triples}
    browser = client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=False)
    assert browser.status_code == 303


def test_read_only_refuses_updates_and_network(client: httpx.Client) -> None:
    update = client.post(
        "/sparql", content="CLEAR ALL", headers={"Content-Type": "application/sparql-update"}
    )
    assert update.status_code == 403
    assert "--allow-updates" in update.text
    put = client.put(
        "/store?default",
        content="<a:b> <a:c> <a:d> .",
        headers={"Content-Type": "application/n-triples"},
    )
    assert put.status_code == 403
    service = client.get(
        "/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}
    )
    assert service.status_code == 403
    assert "--allow-service" in service.text
    assert client.get("/sparql", params={"query": DIPLOMATS}).status_code == 200


def test_timeout_kills_the_query_and_spares_other_clients(
    server: LiveServer, client: httpx.Client
) -> None:
    before = server.pool.pids
    slow: dict[str, object] = {}

    def run_slow() -> None:
        started = time.monotonic()
        with httpx.Client(base_url=server.url, timeout=60) as other:
            slow["response"] = other.get("/sparql", params={"query": SLOW})
        slow["done"] = time.monotonic()
        slow["seconds"] = slow["done"] - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.3)
    fast = client.get("/sparql", params={"query": DIPLOMATS})
    fast_done = time.monotonic()
    assert fast.status_code == 200
    thread.join(60)
    response = slow["response"]
    assert isinstance(response, httpx.Response)
    assert response.status_code == 503
    assert "--timeout" in response.text
    # The other client was answered while the slow query still ran on its own worker.
    assert fast_done < slow["done"]
    assert slow["seconds"] < 2.0 + 8  # the limit, plus slack for a loaded machine
    killed = before - server.pool.pids
    assert len(killed) == 1
    (pid,) = killed
    deadline = time.monotonic() + 5  # SIGKILL lands at the process's next time slice
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)  # gone, or a zombie: killed, its CPU freed, not yet reaped
    deadline = time.monotonic() + 20
    while len(server.pool.pids) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(server.pool.pids) == 2
    assert client.get("/sparql", params={"query": DIPLOMATS}).status_code == 200


def test_updates_need_the_token(tmp_path: Path) -> None:
    store = build_store(tmp_path / "store")
    with (
        live_server(store, allow_updates=True, token="s3cret") as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        insert = (
            f"INSERT DATA {{ GRAPH <{BASE}article/x> {{ <{BASE}person/x> a <{DKG}Diplomat> }} }}"
        )
        headers = {"Content-Type": "application/sparql-update"}
        assert client.post("/sparql", content=insert, headers=headers).status_code == 401
        wrong = {**headers, "Authorization": "Bearer nope"}
        assert client.post("/sparql", content=insert, headers=wrong).status_code == 401
        right = {**headers, "Authorization": "Bearer s3cret"}
        assert client.post("/sparql", content=insert, headers=right).status_code == 204
        ask = client.get("/sparql", params={"query": f"ASK {{ <{BASE}person/x> ?p ?o }}"})
        assert ask.json()["boolean"] is True
        load = client.post("/sparql", content="LOAD <http://127.0.0.1:9/x.ttl>", headers=right)
        assert load.status_code == 403
        graph = client.get(
            "/store",
            params={"graph": f"{BASE}article/x"},
            headers={"Accept": "application/n-triples"},
        )
        assert graph.status_code == 200
        assert f"<{BASE}person/x>" in graph.text
        deleted = client.delete(
            "/store",
            params={"graph": f"{BASE}article/x"},
            headers={"Authorization": "Bearer s3cret"},
        )
        assert deleted.status_code == 200
        gone = client.get("/sparql", params={"query": f"ASK {{ <{BASE}person/x> ?p ?o }}"})
        assert json.loads(gone.text)["boolean"] is False
