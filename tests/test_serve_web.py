"""The web interface over HTTP: pages, canned queries, entity pages, pictures, escaping."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serve_live import BASE, build_store, live_server

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("web") / "store")


@pytest.fixture(scope="module")
def client(store: Path) -> Iterator[httpx.Client]:
    with live_server(store) as server, httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def test_home_counts_and_lists_diplomats(client: httpx.Client) -> None:
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert "<strong>3</strong> diplomats" in page.text
    assert 'href="/person/sergey-lavrov"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_query_page_ships_its_editor(client: httpx.Client) -> None:
    page = client.get("/query", headers=HTML)
    assert page.status_code == 200
    for asset in (
        "/static/yasgui/yasgui.min.js",
        "/static/yasgui/yasgui.min.css",
        "/static/query.js",
    ):
        assert asset in page.text
        assert client.get(asset).status_code == 200
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)  # nothing loads from elsewhere
    assert "Meetings of a diplomat" in page.text
    assert client.get("/static/yasgui/LICENSE").status_code == 200


def test_canned_queries_listed_with_descriptions(client: httpx.Client) -> None:
    page = client.get("/queries", headers=HTML)
    assert "Every diplomat with title and affiliation." in page.text
    assert 'href="/queries/diplomats"' in page.text
    listing = client.get("/queries", headers={"Accept": "application/json"}).json()
    assert {q["name"] for q in listing} == {"diplomats", "meetings-of"}


def test_canned_query_as_html_json_and_csv(client: httpx.Client) -> None:
    page = client.get("/queries/diplomats", headers=HTML)
    assert page.status_code == 200
    assert '<table class="results">' in page.text and "Gennady Gatilov" in page.text
    data = client.get("/queries/diplomats", params={"format": "json"}).json()
    assert len(data["results"]["bindings"]) >= 3
    table = client.get("/queries/diplomats.csv")
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert {"diplomat", "name", "title", "affiliation"} <= set(rows[0])


def test_canned_query_parameters_come_from_the_url(client: httpx.Client) -> None:
    default = client.get("/queries/meetings-of", params={"format": "json"}).json()
    labels = {b["label"]["value"] for b in default["results"]["bindings"]}
    assert "8th round of the Geneva talks" in labels
    lavrov = client.get(
        "/queries/meetings-of", params={"name": "Sergey Lavrov", "format": "json"}
    ).json()
    assert {b["label"]["value"] for b in lavrov["results"]["bindings"]} == {
        "de Mistura \u2013 Lavrov talks"
    }
    bad = client.get("/queries/meetings-of", params={"who": "x", "format": "json"})
    assert bad.status_code == 400
    assert "no parameter who" in bad.text
    assert client.get("/queries/nothing", headers=HTML).status_code == 404


def test_canned_query_page_size_comes_from_the_url(client: httpx.Client) -> None:
    one = client.get("/queries/meetings-of", params={"limit": "1", "format": "json"}).json()
    assert len(one["results"]["bindings"]) == 1
    page = client.get("/queries/meetings-of", params={"limit": "1"}, headers=HTML)
    assert '<input name="limit" value="1"' in page.text and "LIMIT 1\n" in page.text
    bad = client.get("/queries/meetings-of", params={"limit": "all", "format": "json"})
    assert bad.status_code == 400
    assert "limit must be a whole number" in bad.text
    # the editor gets the query with the defaults written in, parameters and page size alike
    editor = client.get("/query", headers=HTML).text
    assert '(\\"Staffan de Mistura\\" AS ?name)' in editor and "LIMIT 10" in editor


def test_entity_page_in_html_for_browsers(client: httpx.Client) -> None:
    page = client.get("/person/staffan-de-mistura", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert "<h1>Staffan de Mistura</h1>" in text
    assert "UN Special Envoy for Syria" in text and "de Mistura" in text
    assert 'href="/org/united-nations"' in text
    # Meetings and rounds in date order: October (Moscow) before the 14th and the 28th of November.
    assert text.index("2017-10") < text.index("2017-11-14") < text.index("2017-11-28")
    assert "Evidence" in text and 'href="/article/tass-2017-11-14#s1"' in text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="network"' in text
    assert 'class="timeline"' in text


def test_entity_page_in_turtle_for_rdf_clients(client: httpx.Client) -> None:
    response = client.get("/person/staffan-de-mistura", headers={"Accept": "text/turtle"})
    assert response.headers["content-type"].startswith("text/turtle")
    assert "dkg:title" in response.text
    response = client.get(
        "/resource",
        params={"iri": f"{BASE}org/russia"},
        headers={"Accept": "application/n-triples"},
    )
    assert f"<{BASE}org/russia>" in response.text
    assert client.get("/person/nobody", headers=HTML).status_code == 404
    assert client.get("/person/nobody", headers={"Accept": "text/turtle"}).status_code == 404


def test_article_text_is_escaped(client: httpx.Client) -> None:
    page = client.get("/article/tass-2017-11-14", headers=HTML)
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page.text
    assert "<b>today</b>" not in page.text
    evidence = client.get("/round/geneva-talks-on-syria/8", headers=HTML)
    assert "<script>alert" not in evidence.text and "&lt;script&gt;" in evidence.text


def test_network_and_timeline_pictures(client: httpx.Client) -> None:
    network = client.get("/network", headers=HTML)
    assert network.text.count("<circle") == 3  # three diplomats took part in meetings
    assert network.text.count("<line") >= 2
    timeline = client.get("/timeline", headers=HTML)
    assert timeline.text.count("<circle") == 3  # two meetings and one round
    assert "Geneva talks on Syria" in timeline.text


def test_canned_only_serves_nothing_else(store: Path) -> None:
    with (
        live_server(store, canned_only=True) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        refused = client.get("/sparql", params={"query": "ASK {}"})
        assert refused.status_code == 403
        assert "canned" in refused.text
        assert client.get("/query", headers=HTML).status_code == 404
        assert client.get("/queries/diplomats", params={"format": "json"}).status_code == 200
        assert "Query editor" not in client.get("/queries", headers=HTML).text


def test_html_served_as_results_to_browsers(client: httpx.Client) -> None:
    page = client.get(
        "/sparql", params={"query": "SELECT ?x WHERE { BIND('<i>x</i>' AS ?x) }"}, headers=HTML
    )
    assert page.headers["content-type"].startswith("text/html")
    assert "&lt;i&gt;x&lt;/i&gt;" in page.text


def test_server_rejects_bad_iri(client: httpx.Client) -> None:
    assert client.get("/resource", params={"iri": "not an iri"}, headers=HTML).status_code == 400


def test_live_server_helper_is_loopback(client: httpx.Client) -> None:
    assert str(client.base_url).startswith("http://127.0.0.1:")
