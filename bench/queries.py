"""Latency of every canned query, run in Oxigraph's engine on a store opened read-only.

    .venv/bin/python bench/queries.py --store kg-store [--runs 20] [--timeout 60]
    .venv/bin/python bench/queries.py --store kg-store --queries old-queries/ --runs 3
    .venv/bin/python bench/queries.py --store /tmp/bench1m --generate 1000000

--generate N first writes a store of about N triples shaped like the real graph (the generator
of bench/endpoint.py, loaded with `oxigraph load`) where --store names none. Its world (people,
organisations, places, processes) grows with N from that of the 1M-triple store, so each entity
is as busy at any size: a query bounded by its entity should then cost the same at any size,
while one that reads the whole graph grows with it. --fixed-world keeps the 1M world instead.

Each canned query of queries/ (or --queries DIR) runs with its default parameters, then with
parameter values read from the store itself, so that the cases mean something whatever built
it: a diplomat, an organisation with diplomats, a place and a negotiation process (the first
the store's indexes give, so the same store always gives the same ones), a part of the
diplomat's name, the year of a meeting, and the second page. A parameter name the script does
not know keeps its default, and `--case 'QUERY NAME=VALUE ...'` adds cases of your own.

Each case runs in a fresh process that opens the store read-only, runs the query once to warm
the caches (not counted), then --runs times, as `kg query` and `kg serve` run it: text with the
page size written in, the other parameters bound by pyoxigraph's substitutions, the union of
the article graphs as default graph. It prints the rows returned, the median and 95th
percentile of the wall-clock time, and the median CPU time of the querying thread: the figure
that other load on the machine disturbs least. pyoxigraph cannot interrupt a query, so a case
whose run takes longer than --timeout seconds is stopped by ending its process, and reported so.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.queries import QUERIES_DIR, CannedQuery, load_canned  # noqa: E402

# Sample values, each from the first row the store's indexes give (cheap at any size).
SAMPLES = {
    "diplomat": """SELECT ?v WHERE { ?x a dkg:Diplomat ; rdfs:label ?v } LIMIT 1""",
    "organisation": """SELECT ?v WHERE { ?x dkg:affiliation ?o . ?o rdfs:label ?v } LIMIT 1""",
    "place": """SELECT ?v WHERE { ?m dkg:location ?p . ?p rdfs:label ?v } LIMIT 1""",
    "process": """SELECT ?v WHERE { ?r dkg:process ?p . ?p rdfs:label ?v } LIMIT 1""",
    "date": """SELECT ?v WHERE { ?m a dkg:Meeting ; dkg:startDate ?v } LIMIT 1""",
}
PREFIXES = """PREFIX dkg: <https://w3id.org/diplomacy-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


@dataclass
class Case:
    query: str
    params: dict[str, str]

    @property
    def label(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return shown or "defaults"


@dataclass
class Result:
    case: Case
    rows: int | None = None
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    error: str | None = None

    def row(self) -> str:
        name = f"{self.case.query:<26} {self.case.label[:52]:<52}"
        if self.error:
            return f"{name} {self.error}"
        return (
            f"{name} {self.rows:>5} {len(self.wall):>4} {_ms(statistics.median(self.wall)):>9} "
            f"{_ms(percentile(self.wall, 95)):>9} {_ms(statistics.median(self.cpu)):>9}"
        )


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def samples(store_path: Path) -> dict[str, str]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_path))
    found = {}
    for name, query in SAMPLES.items():
        rows = list(store.query(PREFIXES + query, use_default_graph_as_union=True))
        if rows:
            found[name] = rows[0]["v"].value
    return found


# Which sampled values a parameter of that name takes, one case each.
ANCHORS = {
    "entity": ("diplomat", "organisation", "place"),
    "affiliation": ("organisation",),
    "process": ("process",),
}


def cases(query: CannedQuery, found: dict[str, str]) -> list[Case]:
    """The defaults, then the store's own values for the parameters this script knows."""
    params = {p.name: p for p in query.params}
    out = [Case(query.name, {})]
    anchor = next((name for name in ANCHORS if name in params), None)
    if anchor is None:
        return out
    values = [found[kind] for kind in ANCHORS[anchor] if kind in found]
    out += [Case(query.name, {anchor: v}) for v in values]
    biggest = values[-1] if anchor != "entity" else found.get("organisation")
    if "search" in params and "diplomat" in found:
        out.append(Case(query.name, {anchor: "", "search": found["diplomat"].split()[-1].lower()}))
    if {"from", "to"} <= set(params) and biggest and "date" in found:
        year = found["date"][:4]
        out.append(Case(query.name, {anchor: biggest, "from": year, "to": year}))
    if "offset" in params and "limit" in params and biggest:
        out.append(Case(query.name, {anchor: biggest, "offset": params["limit"].default or "0"}))
    # a parameter documented as possibly empty ("empty for every ...") is tried empty
    if params[anchor].default and "empty for" in params[anchor].description:
        out.append(Case(query.name, {anchor: ""}))
    return out


def _worker(
    store_path: str, query: CannedQuery, params: dict[str, str], runs: int, conn: Connection
) -> None:
    import pyoxigraph as ox

    store = ox.Store.read_only(store_path)
    values = query.bindings(params)
    text = query.render(values)
    subs = {ox.Variable(k): ox.Literal(v) for k, v in query.substitutions(values).items()}
    for i in range(runs + 1):
        wall, cpu = time.perf_counter(), time.thread_time()
        rows = sum(
            1 for _ in store.query(text, use_default_graph_as_union=True, substitutions=subs)
        )
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        if i:  # the first run warms the caches
            conn.send((rows, wall, cpu))
    conn.send(None)


def measure(store: Path, query: CannedQuery, case: Case, runs: int, timeout: float) -> Result:
    result = Result(case)
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(
        target=_worker, args=(str(store), query, case.params, runs, send), daemon=True
    )
    worker.start()
    send.close()
    # the warm-up run and the process's start count against the first run's time
    deadline = 2 * timeout + 10
    try:
        while True:
            if not receive.poll(deadline):
                done = len(result.wall)
                result.error = f"a run took over {timeout:g} s; stopped after {done} run(s)"
                break
            try:
                message = receive.recv()
            except EOFError:
                result.error = "the query failed (see above)"
                break
            if message is None:
                break
            result.rows, wall, cpu = message
            result.wall.append(wall)
            result.cpu.append(cpu)
            deadline = timeout
    finally:
        worker.kill()
        worker.join()
    return result


def generate(store: Path, triples: int, world: float) -> None:
    """A store of about `triples` triples from bench/endpoint.py's generator."""
    sys.path.insert(0, str(ROOT / "bench"))
    from endpoint import generate as write_nquads

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.nq"
        count = write_nquads(data, triples, world=world)
        binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or "oxigraph"
        subprocess.run(
            [binary, "load", "--location", str(store), "--file", str(data)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    print(f"generated and loaded {count:,} triples in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a store built by kg build")
    parser.add_argument("--queries", type=Path, default=QUERIES_DIR, help="a directory of .rq")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per case")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a run may take")
    parser.add_argument("--only", nargs="*", help="run only these queries (names)")
    parser.add_argument("--defaults-only", action="store_true", help="no sampled cases")
    parser.add_argument(
        "--case",
        action="append",
        default=[],
        metavar="'QUERY NAME=VALUE ...'",
        help="a further case (repeatable)",
    )
    parser.add_argument("--json", type=Path, help="also write every timing here")
    parser.add_argument(
        "--generate", type=int, metavar="TRIPLES", help="write a store this size if none is there"
    )
    parser.add_argument(
        "--fixed-world", action="store_true", help="--generate: as many entities at any size"
    )
    args = parser.parse_args()
    if args.generate and not (args.store / "CURRENT").exists():
        world = 1.0 if args.fixed_world else max(1.0, args.generate / 1_000_000)
        generate(args.store, args.generate, world)
    if not (args.store / "CURRENT").exists():
        parser.error(f"no store at {args.store}; build one with 'kg build' or use --generate")

    queries = {q.name: q for q in load_canned(args.queries)}
    found = {} if args.defaults_only else samples(args.store)
    print(f"store {args.store}; sampled values: {json.dumps(found, ensure_ascii=False)}")
    todo: list[Case] = []
    for q in queries.values():
        if args.only and q.name not in args.only:
            continue
        todo += cases(q, found) if not args.defaults_only else [Case(q.name, {})]
    for spec in args.case:
        # a value may contain spaces: each NAME= starts a new parameter
        name, _, rest = spec.strip().partition(" ")
        pairs = re.split(r"\s+(?=\w+=)", rest.strip()) if rest.strip() else []
        if name not in queries:
            parser.error(f"--case: no canned query {name!r}; there are {', '.join(queries)}")
        todo.append(Case(name, dict(p.split("=", 1) for p in pairs)))

    print(
        f"{'query':<26} {'case':<52} {'rows':>5} {'runs':>4} {'p50 ms':>9} {'p95 ms':>9} "
        f"{'CPU ms':>9}"
    )
    results = []
    for case in todo:
        result = measure(args.store, queries[case.query], case, args.runs, args.timeout)
        print(result.row(), flush=True)
        results.append(result)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")


if __name__ == "__main__":
    main()
