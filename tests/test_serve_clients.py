"""Real SPARQL clients against a live server: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from serve_live import BASE, DKG, LiveServer, build_store, live_server
from SPARQLWrapper import CSV, JSON, POST, RDFXML, XML, SPARQLWrapper

TOKEN = "client-token"
DIPLOMATS = f"""PREFIX dkg: <{DKG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?d ?name WHERE {{ ?d a dkg:Diplomat ; rdfs:label ?name }} ORDER BY ?name"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = build_store(tmp_path_factory.mktemp("clients") / "store")
    with live_server(store, allow_updates=True, token=TOKEN) as live:
        yield live


def _wrapper(server: LiveServer) -> SPARQLWrapper:
    return SPARQLWrapper(f"{server.url}/sparql")


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_json(server: LiveServer, method: str) -> None:
    sparql = _wrapper(server)
    sparql.setMethod(method)
    sparql.setQuery(DIPLOMATS)
    sparql.setReturnFormat(JSON)
    names = [b["name"]["value"] for b in sparql.query().convert()["results"]["bindings"]]
    assert names == ["Gennady Gatilov", "Sergey Lavrov", "Staffan de Mistura"]


def test_sparqlwrapper_xml_csv_ask_construct(server: LiveServer) -> None:
    sparql = _wrapper(server)
    sparql.setQuery(DIPLOMATS)
    sparql.setReturnFormat(XML)
    document = sparql.query().convert()
    assert "Sergey Lavrov" in document.toxml()
    sparql.setReturnFormat(CSV)
    assert b"Staffan de Mistura" in sparql.query().convert()
    sparql.setQuery(f"ASK {{ <{BASE}person/sergey-lavrov> a <{DKG}Diplomat> }}")
    sparql.setReturnFormat(JSON)
    assert sparql.query().convert()["boolean"] is True
    sparql.setQuery(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ BIND(<{BASE}org/russia> AS ?s) ?s ?p ?o }}")
    sparql.setReturnFormat(RDFXML)
    graph = sparql.query().convert()
    assert isinstance(graph, Graph)
    assert (URIRef(f"{BASE}org/russia"), None, Literal("Russia")) in graph


def test_sparqlwrapper_update_with_token(server: LiveServer) -> None:
    sparql = _wrapper(server)
    sparql.setMethod(POST)
    sparql.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    sparql.setQuery(
        f"INSERT DATA {{ GRAPH <{BASE}article/client> {{ <{BASE}org/client-test> "
        f'<http://www.w3.org/2000/01/rdf-schema#label> "Client test" }} }}'
    )
    sparql.query()
    check = _wrapper(server)
    check.setQuery(f"ASK {{ <{BASE}org/client-test> ?p ?o }}")
    check.setReturnFormat(JSON)
    assert check.query().convert()["boolean"] is True


def test_rdflib_sparqlstore(server: LiveServer) -> None:
    graph = Graph(store=SPARQLStore(query_endpoint=f"{server.url}/sparql"))
    names = {str(row.name) for row in graph.query(DIPLOMATS)}
    assert names == {"Gennady Gatilov", "Sergey Lavrov", "Staffan de Mistura"}
    lavrov = URIRef(f"{BASE}person/sergey-lavrov")
    titles = {str(o) for o in graph.objects(lavrov, URIRef(f"{DKG}title"))}
    assert titles == {"Foreign Minister"}
    asked = graph.query(f"ASK {{ <{lavrov}> ?p ?o }}")
    assert asked.askAnswer is True


def test_rdflib_reads_entity_pages_as_linked_data(server: LiveServer) -> None:
    graph = Graph().parse(f"{server.url}/person/staffan-de-mistura", format="turtle")
    mistura = URIRef(f"{BASE}person/staffan-de-mistura")
    assert (mistura, URIRef(f"{DKG}title"), Literal("UN Special Envoy for Syria")) in graph
    # Incoming links come along, so the meetings are reachable from the person.
    assert (None, URIRef(f"{DKG}participant"), mistura) in graph


def test_store_files_are_untouched_by_a_read_only_server(tmp_path: Path) -> None:
    store = build_store(tmp_path / "store")
    before = sorted((p.name, p.stat().st_size) for p in store.iterdir())
    with live_server(store) as server:
        graph = Graph(store=SPARQLStore(query_endpoint=f"{server.url}/sparql"))
        assert len(list(graph.query(DIPLOMATS))) == 3
    assert sorted((p.name, p.stat().st_size) for p in store.iterdir()) == before


def test_a_build_meanwhile_is_seen_without_a_restart(tmp_path: Path) -> None:
    """The server holds the store read-only, so `kg build` can write it, and readers catch up."""
    store = build_store(tmp_path / "store")
    new = f"{BASE}person/new-envoy"
    ask = f"ASK {{ <{new}> a <{DKG}Diplomat> }}"
    with live_server(store) as server:
        sparql = _wrapper(server)
        sparql.setQuery(ask)
        sparql.setReturnFormat(JSON)
        assert sparql.query().convert()["boolean"] is False
        writer = ox.Store(str(store))  # what `kg build` does while the server runs
        writer.add(
            ox.Quad(
                ox.NamedNode(new),
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode(f"{DKG}Diplomat"),
                ox.NamedNode(f"{BASE}article/new"),
            )
        )
        writer.flush()
        del writer
        deadline = time.monotonic() + 10
        while not sparql.query().convert()["boolean"]:
            assert time.monotonic() < deadline, "the server never saw the new article"
            time.sleep(0.2)
