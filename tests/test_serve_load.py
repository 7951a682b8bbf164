"""The endpoint under load and under hostile queries, over loopback.

The load test builds a generated corpus with `kg build`, serves it with `kg serve` in its own
process (so that the clients do not share its interpreter), and runs 50 concurrent clients for
30 s; it prints throughput and latency percentiles (see them with `pytest -s` or in CI's log).
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from serve_live import DKG, LAYOUTS, LiveServer, ServedProcess, build_store, kg_serve, serving

from kg.build import build
from kg.queries import QUERIES_DIR, load_canned
from kg.serving.local import ISOLATE_CHARS, ISOLATE_NESTING, nesting
from kg.store import GraphStore

Server = LiveServer | ServedProcess

ROOT = Path(__file__).resolve().parent.parent
SMALL = f"SELECT ?d WHERE {{ ?d a <{DKG}Diplomat> }} ORDER BY ?d LIMIT 5"

# --- pathological queries -------------------------------------------------------------------

# Against the fixture graph (~90 triples per article graph, two graphs, read as their union).
ALL = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i"
PATH = "(!<x:n>|^!<x:n>)"
PATHOLOGICAL = {
    "cartesian product": f"SELECT * WHERE {{ {ALL} }}",
    "cartesian product, counted": f"SELECT (COUNT(*) AS ?n) WHERE {{ {ALL} . ?j ?k ?l }}",
    "huge OFFSET": f"SELECT * WHERE {{ {ALL} . ?j ?k ?l }} OFFSET 100000000000 LIMIT 1",
    "catastrophic regex": (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {ALL} "
        'FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i)), "^(a+)+$|(x*)*y|((a{50}){50}){50}")) }'
    ),
    "unbounded property path": f"SELECT * WHERE {{ ?a {PATH}* ?b }}",
    "chained unbounded paths": (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a {PATH}* ?b . ?b {PATH}* ?c . ?c {PATH}+ ?d }}"
    ),
    "deeply nested path": "SELECT * WHERE { ?a " + "(" * 40 + PATH + ")*" * 40 + " ?b }",
    "sorting a cartesian product": f"SELECT * WHERE {{ {ALL} . ?j ?k ?l }} ORDER BY ?c ?f ?i ?l",
    # pyoxigraph parses this holding the GIL, for many seconds (kg.serving.local).
    "nested collections in a template": (
        "CONSTRUCT { " + "(" * 5000 + "1" + ")" * 5000 + " ?s ?p ?o } WHERE { ?s ?p ?o }"
    ),
}
# What each refusal must say, so that the client knows which limit it hit and what to do.
MESSAGES = {503: ("--timeout",), 422: ("--max-rows", "--max-memory")}


@pytest.fixture(scope="module")
def pathological_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("pathological") / "store")


@pytest.fixture(scope="module", params=LAYOUTS)
def hostile_target(pathological_store: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    options = {"timeout": 2.0, "max_rows": 1000, "workers": 3, "max_memory_mib": 512}
    with serving(request.param, pathological_store, **options) as live:
        yield live


@dataclass
class _Probe:
    """Small queries sent one after another while something else runs."""

    url: str
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as client:
            while True:  # at least once, however quickly the other query ends
                started = time.monotonic()
                try:
                    response = client.get("/sparql", params={"query": SMALL})
                except httpx.RemoteProtocolError:
                    # The process stopping the runaway query closes the connections idle on
                    # it; a request sent as one closes finds it gone before any response, and
                    # HTTP clients retry such an idempotent request (RFC 9112, 9.3.1).
                    response = client.get("/sparql", params={"query": SMALL})
                self.latencies.append(time.monotonic() - started)
                if response.status_code != 200 or "gennady-gatilov" not in response.text:
                    self.failures.append(f"{response.status_code} {response.text[:100]}")
                if self.stop.wait(0.05):
                    return


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_query_is_stopped_and_others_are_served(
    hostile_target: Server, name: str
) -> None:
    probe = _Probe(hostile_target.url)
    prober = threading.Thread(target=probe.run)
    prober.start()
    try:
        started = time.monotonic()
        with httpx.Client(base_url=hostile_target.url, timeout=60) as client:
            response = client.post("/sparql", data={"query": PATHOLOGICAL[name]})
        seconds = time.monotonic() - started
    finally:
        probe.stop.set()
        prober.join(60)
    assert response.status_code in MESSAGES, (response.status_code, response.text[:300])
    assert any(flag in response.text for flag in MESSAGES[response.status_code])
    assert seconds < 2.0 + 10  # the limit, and slack for a loaded machine
    assert probe.failures == []
    assert probe.latencies, "no small query was sent meanwhile"
    print(
        f"\n{name}: {response.status_code} after {seconds:.2f} s; meanwhile "
        f"{len(probe.latencies)} small queries, slowest {max(probe.latencies) * 1000:.0f} ms"
    )
    assert max(probe.latencies) < 2.0


@pytest.mark.slow
@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_query_that_needs_too_much_memory_is_refused(tmp_path: Path, layout: str) -> None:
    """Sorting a billion rows would take gigabytes; the worker's cap stops it first (under
    `kg serve`, the watch on the serving process's memory, which then leaves)."""
    store = build_store(tmp_path / "store")
    query = PATHOLOGICAL["sorting a cartesian product"]
    with (
        serving(layout, store, timeout=60.0, workers=2, max_memory_mib=600) as server,
        httpx.Client(base_url=server.url, timeout=120) as client,
    ):
        before = server.pids
        response = client.post("/sparql", data={"query": query})
        assert response.status_code == 422, response.text[:300]
        assert "--max-memory" in response.text and "600 MiB" in response.text
        with httpx.Client(base_url=server.url, timeout=60) as other:
            assert other.get("/sparql", params={"query": SMALL}).status_code == 200
        if isinstance(server, ServedProcess):
            # The serving process that ran it was replaced, which ended the query.
            deadline = time.monotonic() + 30
            while len(before & server.pids) != 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(before & server.pids) == 1
            server.wait_for_processes(2)
        assert client.get("/sparql", params={"query": SMALL}).status_code == 200


def test_a_query_that_crashes_the_engine_is_refused_clearly(hostile_target: Server) -> None:
    """100,000 nested groups overflow even the worker's large stack: a 422, and a new worker.

    Under `kg serve` a query text that long runs in a worker process the serving process keeps
    for those: the serving processes themselves (and what else they are doing) live on.
    """
    nested = "SELECT * WHERE " + "{" * 100_000 + "}" * 100_000
    headers = {"Content-Type": "application/sparql-query"}
    before = hostile_target.pids
    with httpx.Client(base_url=hostile_target.url, timeout=60) as client:
        response = client.post("/sparql", content=nested, headers=headers)
        assert response.status_code == 422, response.text[:300]
        assert "nested too deeply" in response.text
        # A few thousand levels, which overflowed the default 8 MiB stack, now simply run (under
        # `kg serve`, the shorter of these in the serving process itself).
        for depth in (2_000, 6_000, 20_000):
            deep = "SELECT * WHERE " + "{" * depth + "}" * depth
            assert (len(deep) <= ISOLATE_CHARS) == (depth < 20_000)
            assert client.post("/sparql", content=deep, headers=headers).status_code == 200
        minus = " ".join(["MINUS { ?a <x:p> ?b }"] * 5000)
        many = client.post(
            "/sparql", content=f"SELECT * WHERE {{ ?a ?b ?c {minus} }} LIMIT 1", headers=headers
        )
        assert many.status_code == 200, many.text[:300]
        deadline = time.monotonic() + 30
        while len(hostile_target.pids) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(hostile_target.pids) == 3
        if isinstance(hostile_target, ServedProcess):
            assert hostile_target.pids == before
        assert client.get("/sparql", params={"query": SMALL}).status_code == 200


_NO_ISOLATION = "import kg.serving.local as local\nlocal.ISOLATE_NESTING = 10**9\n"


@pytest.mark.slow
def test_a_serving_process_whose_event_loop_stalls_is_replaced(
    pathological_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The backstop behind the isolation of deeply nested queries: with that switched off (in
    every process `kg serve` starts, by sitecustomize), a query that pyoxigraph parses holding
    the GIL stalls its serving process, whose GIL-free timer then ends it; its replacement and
    the other process serve on."""
    (tmp_path / "sitecustomize.py").write_text(_NO_ISOLATION)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    )
    query = "CONSTRUCT { " + "(" * 7000 + "1" + ")" * 7000 + " ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert len(query) < ISOLATE_CHARS
    with serving("kg serve", pathological_store, timeout=1.0) as server:
        assert isinstance(server, ServedProcess)
        before = server.pids
        started = time.monotonic()
        with (
            httpx.Client(base_url=server.url, timeout=60) as client,
            pytest.raises(httpx.TransportError),
        ):
            client.post("/sparql", data={"query": query})
        assert time.monotonic() - started < 1 + 5 + 10  # the limit, the grace, and slack
        deadline = time.monotonic() + 30
        while len(before & server.pids) != 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(before & server.pids) == 1
        server.wait_for_processes(2)
        with httpx.Client(base_url=server.url, timeout=60) as client:
            assert client.get("/sparql", params={"query": SMALL}).status_code == 200


def test_only_unusual_queries_leave_the_serving_process() -> None:
    """What `kg serve` sends to a worker process of its own, besides texts over 16 KiB."""
    assert nesting(SMALL) == 0
    assert nesting(PATHOLOGICAL["deeply nested path"]) == 0  # 81 brackets, 41 deep
    assert nesting("{" * 70 + "}" * 70) == 70 > ISOLATE_NESTING
    assert nesting('"' + "(" * 100 + '"') == 100  # in a string too: it errs on the safe side
    assert nesting("SELECT * { VALUES (?a ?b) { " + "(1 2) " * 500 + "} }") == 3


# --- load -----------------------------------------------------------------------------------

CLIENTS = 50
DURATION = 30.0
ARTICLES = 20
SMALL_SELECTS = [
    SMALL,
    f"SELECT (COUNT(*) AS ?n) WHERE {{ ?m a <{DKG}Meeting> }}",
    f"ASK {{ ?d a <{DKG}Diplomat> }}",
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10",
    f"SELECT ?d ?l WHERE {{ ?d a <{DKG}Diplomat> ; <http://www.w3.org/2000/01/rdf-schema#label> "
    "?l } ORDER BY ?l LIMIT 20",
]


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built by the pipeline from generated articles (bench/corpus.py)."""
    root = tmp_path_factory.mktemp("load")
    corpus = root / "corpus.jsonl"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "corpus.py"), str(ARTICLES), str(corpus)],
        check=True,
        capture_output=True,
    )
    with GraphStore(root / "store") as store:
        report = build([corpus], store)
    assert report.count("built") == ARTICLES
    gc.collect()
    return root / "store"


@pytest.fixture(scope="module")
def served_corpus(corpus_store: Path) -> Iterator[str]:
    with kg_serve(corpus_store) as server:
        yield server.url


@dataclass
class _Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _requests() -> list[tuple[str, str, dict[str, str]]]:
    """(kind, path, params): every canned query at its URL, then the small SELECTs."""
    mix = [
        (f"canned {q.name}", f"/queries/{q.name}", {"format": "json"})
        for q in load_canned(QUERIES_DIR)
    ]
    mix += [("small select", "/sparql", {"query": query}) for query in SMALL_SELECTS]
    return mix


async def _client(
    number: int, client: httpx.AsyncClient, deadline: float, mix: list, tally: _Tally
) -> None:
    index = number  # clients start at different places in the mix
    while time.monotonic() < deadline:
        kind, path, params = mix[index % len(mix)]
        index += 1
        started = time.monotonic()
        try:
            response = await client.get(path, params=params)
        except httpx.HTTPError as exc:
            elapsed = time.monotonic() - started
            tally.errors.append(f"{kind}: {exc!r} after {elapsed:.2f} s")
            continue
        elapsed = time.monotonic() - started
        if response.status_code != 200 or not response.content:
            tally.errors.append(f"{kind}: {response.status_code} {response.text[:100]}")
            continue
        tally.latencies.setdefault(kind, []).append(elapsed)


async def _load(url: str) -> tuple[_Tally, float]:
    mix = _requests()
    tally = _Tally()
    # Idle connections are dropped after 2 s, before the server's 5 s keep-alive timeout: a
    # request sent on a connection the server is closing at that moment would fail in transit
    # (the usual keep-alive race, on the client's side of it).
    limits = httpx.Limits(
        max_connections=CLIENTS, max_keepalive_connections=CLIENTS, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        started = time.monotonic()
        await asyncio.gather(
            *(_client(n, client, started + DURATION, mix, tally) for n in range(CLIENTS))
        )
        return tally, time.monotonic() - started


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@pytest.mark.slow
def test_fifty_clients_for_thirty_seconds_without_an_error(
    served_corpus: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tally, seconds = asyncio.run(_load(served_corpus))
    everything = [t for times in tally.latencies.values() for t in times]
    lines = [
        f"load: {CLIENTS} clients, {seconds:.1f} s, {ARTICLES}-article generated corpus, "
        f"{len(everything)} requests, {len(tally.errors)} errors, "
        f"{len(everything) / seconds:.1f} requests/s, "
        f"p50 {statistics.median(everything) * 1000:.0f} ms, "
        f"p99 {_percentile(everything, 0.99) * 1000:.0f} ms"
    ]
    for kind, times in sorted(tally.latencies.items()):
        lines.append(
            f"  {kind:32} {len(times):6} requests  p50 {statistics.median(times) * 1000:7.0f} ms"
            f"  p99 {_percentile(times, 0.99) * 1000:7.0f} ms"
        )
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert tally.errors == [], tally.errors[:10]
    assert set(tally.latencies) == {kind for kind, _, _ in _requests()}  # each was answered
    assert len(everything) >= CLIENTS
