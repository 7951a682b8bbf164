"""Benchmark `kg serve` against `oxigraph serve-read-only` on the same ≥1M-triple store.

    .venv/bin/python bench/endpoint.py [--triples 1000000] [--duration 5] [--concurrency 4]

Generates a graph shaped like docs/graph-model.md (one named graph per article: diplomats,
organisations, places, meetings, rounds, evidence sentences), loads it once with `oxigraph load`,
then serves that directory read-only with both servers side by side (Oxigraph with
--union-default-graph, the semantics `kg serve` gives the default graph, and the same time
limit). For a small SELECT, the same SELECT about a different person on every request, and each
canned query of queries/ (parameters bound by a VALUES clause, the same text to both) it sends
requests from keep-alive HTTP connections on loopback for a bounded time and count, and prints
requests per second, p50 and p99 latency, the servers' CPU time per request, and our throughput
as a fraction of Oxigraph's.

The machine may be shared: other processes' load changes from second to second. So each fast
query is measured in --rounds short turns, alternating between the two servers, and the totals
are compared; CPU time per request (all of a server's processes, from /proc) is the figure that
load disturbs least.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.queries import load_canned  # noqa: E402
from kg.serving.web import editor_text  # noqa: E402

BASE = "https://w3id.org/diplomacy-kg/id/"
DKG = "https://w3id.org/diplomacy-kg/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "https://schema.org/"
TRIPLES_PER_ARTICLE = 115  # what generate() writes per article, on average
_ACCEPT = "application/sparql-results+json"


# --- data -----------------------------------------------------------------------------------


def generate(path: Path, triples: int, seed: int = 7, world: float = 1.0) -> int:
    """Write N-Quads of about `triples` triples; returns how many it wrote. `world` scales the
    numbers of people, organisations, places and processes (3,000, 200, 150 and 40)."""
    rng = random.Random(seed)
    articles = triples // TRIPLES_PER_ARTICLE + 1
    people, orgs, places, processes = (round(n * world) for n in (3000, 200, 150, 40))
    statuses = ["Held", "Planned", "Postponed", "Cancelled"]
    written = 0

    def iri(kind: str, n: int | str) -> str:
        return f"<{BASE}{kind}/{n}>"

    def d(name: str) -> str:
        return f"<{DKG}{name}>"

    def lit(text: str, datatype: str | None = None) -> str:
        return f'"{text}"' + (f"^^<{XSD}{datatype}>" if datatype else "")

    with path.open("w", encoding="utf-8") as out:
        for a in range(articles):
            graph = iri("article", f"a{a}")
            day = f"20{10 + a % 14:02d}-{1 + a % 12:02d}-{1 + a % 28:02d}"
            lines = [
                (graph, RDF_TYPE, d("Article")),
                (graph, LABEL, lit(f"Article {a}")),
                (graph, f"<{SCHEMA}headline>", lit(f"Talks continue, report {a}")),
                (graph, f"<{SCHEMA}datePublished>", lit(day, "date")),
                (graph, f"<{SCHEMA}url>", f"<https://news.example/{a}>"),
                (graph, d("sourceName"), lit("Agency")),
                (graph, d("sourceFile"), lit(f"articles/{a}.txt")),
                (graph, d("contentHash"), lit(f"{rng.getrandbits(64):016x}")),
                (graph, d("extractorVersion"), lit("0.1.0")),
            ]
            sentences = []
            for s in range(1, 9):
                sentence = iri("article", f"a{a}/sentence/{s}")
                sentences.append(sentence)
                lines += [
                    (sentence, RDF_TYPE, d("Sentence")),
                    (sentence, d("text"), lit(f"Sentence {s} of article {a} about the talks.")),
                    (sentence, d("inArticle"), graph),
                    (sentence, d("position"), lit(str(s), "positiveInteger")),
                ]
            persons = rng.sample(range(people), 4)
            for p in persons:
                person, org = iri("person", f"p{p}"), iri("org", f"o{p % orgs}")
                lines += [
                    (person, RDF_TYPE, d("Diplomat")),
                    (person, LABEL, lit(f"Person {p}")),
                    (person, ALT, lit(f"P{p}")),
                    (person, d("title"), lit(["Minister", "Envoy", "Ambassador"][p % 3])),
                    (person, d("affiliation"), org),
                    (person, d("mentionedIn"), graph),
                    (person, d("evidence"), rng.choice(sentences)),
                    (org, RDF_TYPE, d("Organisation")),
                    (org, LABEL, lit(f"Organisation {p % orgs}")),
                    (org, d("mentionedIn"), graph),
                ]
            for m in range(2):
                meeting = iri("meeting", f"{a:06x}{m:06x}")
                place = iri("place", f"pl{rng.randrange(places)}")
                status = statuses[(a + m) % 4]
                lines += [
                    (meeting, RDF_TYPE, d("Meeting")),
                    (meeting, LABEL, lit(f"Meeting {a}-{m}")),
                    *(
                        (meeting, d("participant"), iri("person", f"p{p}"))
                        for p in persons[m : m + 3]
                    ),
                    (meeting, d("startDate"), lit(day, "date")),
                    (meeting, d("location"), place),
                    (meeting, d("status"), d(status)),
                    (meeting, d("mentionedIn"), graph),
                    (meeting, d("evidence"), rng.choice(sentences)),
                    (place, RDF_TYPE, d("Place")),
                    (place, LABEL, lit(f"Place {place[-4:-1]}")),
                    (d(status), LABEL, lit(status.lower())),
                ]
            process = rng.randrange(processes)
            number = a // processes % 20 + 1
            round_ = iri("round", f"process-{process}/{number}")
            lines += [
                (round_, RDF_TYPE, d("NegotiationRound")),
                (round_, LABEL, lit(f"Round {number} of process {process}")),
                (round_, d("process"), iri("process", f"process-{process}")),
                (round_, d("roundNumber"), lit(str(number), "positiveInteger")),
                (round_, d("startDate"), lit(day, "date")),
                (round_, d("location"), iri("place", f"pl{process}")),
                (round_, d("status"), d("Planned")),
                (round_, d("participant"), iri("person", f"p{persons[0]}")),
                (round_, d("mentionedIn"), graph),
                (round_, d("evidence"), sentences[0]),
                (iri("process", f"process-{process}"), RDF_TYPE, d("NegotiationProcess")),
                (iri("process", f"process-{process}"), LABEL, lit(f"Process {process}")),
            ]
            out.write("".join(f"{s} {p} {o} {graph} .\n" for s, p, o in lines))
            written += len(lines)
    return written


# --- load generator -------------------------------------------------------------------------


@dataclass
class Measurement:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    """Send one request on a keep-alive connection and read the whole response; its status."""
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {
        k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def measure(
    url: str, queries: list[str], *, concurrency: int, duration: float, limit: int
) -> Measurement:
    """Send the queries in turn (each connection from its own offset) for `duration` seconds."""
    parts = urllib.parse.urlsplit(url)
    raws = [
        (
            f"GET {parts.path}?{urllib.parse.urlencode({'query': query})} HTTP/1.1\r\n"
            f"Host: {parts.netloc}\r\nAccept: {_ACCEPT}\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        for query in queries
    ]
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    deadline = started + duration

    async def connection(offset: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port, limit=2**26)
        sent = offset
        try:
            while time.perf_counter() < deadline and len(latencies) + errors < limit:
                begin = time.perf_counter()
                status = await _request(reader, writer, raws[sent % len(raws)])
                sent += 1
                if status == 200:
                    latencies.append(time.perf_counter() - begin)
                else:
                    errors += 1
        finally:
            writer.close()

    step = max(len(raws) // concurrency, 1)
    await asyncio.gather(*(connection(i * step) for i in range(concurrency)))
    return Measurement(len(latencies), time.perf_counter() - started, latencies, errors)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its descendants (Linux /proc)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        seen.add(current)
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo += [int(c) for c in children if int(c) not in seen]
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Totals:
    """Measurements of one server added up over rounds, with its CPU time."""

    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def add(self, m: Measurement, cpu: float) -> None:
        self.requests += m.requests
        self.seconds += m.seconds
        self.errors += m.errors
        self.cpu += cpu
        self.latencies += m.latencies

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_request_ms(self) -> float:
        return self.cpu / self.requests * 1000 if self.requests else float("nan")

    def percentile(self, p: float) -> float:
        return Measurement(self.requests, self.seconds, self.latencies, 0).percentile(p)


def probe(url: str, query: str, limit: float) -> tuple[int, float] | None:
    """(rows, seconds) of one run, or None when it takes longer than `limit` seconds."""
    request = urllib.request.Request(
        f"{url}?{urllib.parse.urlencode({'query': query})}", headers={"Accept": _ACCEPT}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=limit) as response:
            data = json.loads(response.read())
    except (TimeoutError, urllib.error.URLError):
        return None
    seconds = time.perf_counter() - started
    if seconds > limit:
        return None
    return len(data.get("results", {}).get("bindings", [])), seconds


# --- servers --------------------------------------------------------------------------------


def start_oxigraph(store: Path, port: int, timeout: float) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or "oxigraph"
    proc = subprocess.Popen(
        [
            binary,
            "serve-read-only",
            "--location",
            str(store),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
            "--timeout-s",
            str(int(timeout)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{port}/query"


def start_kg(store: Path, workers: int, timeout: float) -> tuple[subprocess.Popen[str], str]:
    code = "import sys; from kg.serve import serve_command; serve_command(sys.argv[1:])"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "--store",
            str(store),
            "--port",
            "0",
            "--workers",
            str(workers),
            "--max-rows",
            "10000000",
            "--timeout",
            str(timeout),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("Serving"):
        raise SystemExit(f"kg serve did not start: {line}")
    return proc, line.split(" at ", 1)[1].split(" ", 1)[0] + "sparql"


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if probe(url, "SELECT * WHERE {} LIMIT 1", 10) is not None:
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per query and server")
    parser.add_argument("--max-requests", type=int, default=50_000, help="per query and server")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="kg serve serving processes")
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternating turns per fast query and server"
    )
    parser.add_argument(
        "--slow", type=float, default=30.0, help="skip a query one run of which takes longer"
    )
    parser.add_argument("--workdir", type=Path, help="keep the data here (default: a temp dir)")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    data, store = workdir / "data.nq", workdir / "store"
    if not store.exists():
        started = time.perf_counter()
        count = generate(data, args.triples)
        print(f"generated {count:,} triples in {time.perf_counter() - started:.0f} s")
        binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or "oxigraph"
        subprocess.run(
            [binary, "load", "--location", str(store), "--file", str(data)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        data.unlink()
        print(f"loaded with oxigraph load in {time.perf_counter() - started:.0f} s")

    label = "<http://www.w3.org/2000/01/rdf-schema#label>"

    def small(person: int) -> str:
        return (
            f"SELECT ?name ?title WHERE {{ <{BASE}person/p{person}> {label} ?name ; "
            f"<{DKG}title> ?title }} LIMIT 10"
        )

    queries = [
        ("small SELECT", [small(42)]),
        ("small SELECT, 200 people", [small(p) for p in range(0, 3000, 15)]),
    ] + [(q.name, [editor_text(q)]) for q in load_canned()]

    # Both servers stop a query at the same limit, so a skipped query frees the CPU.
    oxigraph, oxigraph_url = start_oxigraph(store, free_port(), args.slow + 5)
    kg, kg_url = start_kg(store, args.workers, args.slow + 5)
    servers = {"kg": (kg_url, kg.pid), "oxigraph": (oxigraph_url, oxigraph.pid)}
    try:
        wait_ready(oxigraph_url)
        wait_ready(kg_url)
        load = os.getloadavg()[0]
        print(
            f"\nload average {load:.1f} on {os.cpu_count()} cores; {args.concurrency} connections"
            f", {args.duration:g} s per query and server\n\n"
            f"{'query':<28} {'rows':>6} | {'kg serve req/s':>14} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'CPU ms':>6} | {'oxigraph req/s':>14} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms':>6} "
            f"| {'ratio':>5}"
        )
        ratios = []
        for name, texts in queries:
            ours_once = probe(kg_url, texts[0], args.slow)
            theirs_once = probe(oxigraph_url, texts[0], args.slow)
            if ours_once is None or theirs_once is None:
                times = [
                    f"{r[1]:.1f} s" if r else f"> {args.slow:g} s" for r in (ours_once, theirs_once)
                ]
                print(f"{name:<28} one run: kg serve {times[0]}, oxigraph {times[1]}; not measured")
                continue
            rows = ours_once[0]
            if rows != theirs_once[0]:
                print(f"{name}: the servers disagree on the row count ({rows} vs {theirs_once[0]})")
            fast = max(ours_once[1], theirs_once[1]) < 0.5
            rounds = args.rounds if fast else 1
            totals = {label: Totals() for label in servers}
            if fast:  # warm both up; the probe warmed slow ones enough
                for url, _ in servers.values():
                    asyncio.run(
                        measure(url, texts, concurrency=args.concurrency, duration=0.5, limit=50)
                    )
            for _ in range(rounds):
                for label, (url, pid) in servers.items():
                    before = cpu_seconds(pid)
                    result = asyncio.run(
                        measure(
                            url,
                            texts,
                            concurrency=args.concurrency,
                            duration=args.duration / rounds,
                            limit=args.max_requests // rounds,
                        )
                    )
                    totals[label].add(result, cpu_seconds(pid) - before)
            ours, theirs = totals["kg"], totals["oxigraph"]
            ratio = ours.rate / theirs.rate if theirs.rate else float("nan")
            if ratio > 0:  # the geometric mean is undefined over a zero or a NaN
                ratios.append(ratio)
            errors = (
                f"  ({ours.errors}/{theirs.errors} errors)" if ours.errors or theirs.errors else ""
            )
            print(
                f"{name:<28} {rows:>6} | {ours.rate:>14.1f} {ours.percentile(50):>7.1f} "
                f"{ours.percentile(99):>7.1f} {ours.cpu_per_request_ms:>6.2f} | "
                f"{theirs.rate:>14.1f} {theirs.percentile(50):>7.1f} "
                f"{theirs.percentile(99):>7.1f} {theirs.cpu_per_request_ms:>6.2f} | "
                f"{ratio:>5.2f}{errors}",
                flush=True,
            )
        print(
            f"\ngeometric mean of the throughput ratios (kg serve / oxigraph): "
            f"{statistics.geometric_mean(ratios) if ratios else float('nan'):.2f}; "
            f"load average now {os.getloadavg()[0]:.1f}"
        )
    finally:
        for proc in (kg, oxigraph):
            proc.terminate()
            proc.wait(30)


def free_port() -> int:
    """A free loopback port for a server that binds it itself."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
