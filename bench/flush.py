"""What flushing the store costs: the storing side of a build, with each flush policy.

    .venv/bin/python bench/flush.py --from BUILT-STORE [--base 12000] [--articles 6000]

A build writes each article's graph in one SPARQL update and flushes Oxigraph's in-memory writes
to disk now and then. Each flush writes small files that RocksDB later merges into the rest of
the store on its own threads, and that merging is the storing side's main cost on a large store.
This copies real article graphs out of a store `kg build` made (--from): the first --base
articles into a new store (flushing rarely, not measured), then the next --articles into a copy
of it per policy, through GraphStore.replace_article as a build writes them:

- per batch: a flush every 16 articles (a `kg build --jobs` batch), as builds did before;
- by volume: a flush once kg.build.FLUSH_QUADS triples are waiting, as builds do now.

For each it prints wall seconds, the CPU seconds of all the process's threads (this thread's
SPARQL updates, RocksDB's flush and merge threads), counted until the merging has stopped, per
article, and the peak growth of RSS. Each policy runs in its own process, on its own copy.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.build import _rss_mib  # noqa: E402  (after the path is set)
from kg.build import FLUSH_QUADS  # noqa: E402
from kg.store import GraphStore, SerializedGraph  # noqa: E402

POLICIES = {"per batch": "batch", "by volume": "volume"}
BATCH = 16  # ProcessExtract's batch: how often a --jobs build flushed before


def thread_cpu() -> dict[str, float]:
    """CPU seconds of this process's threads, by thread name (RocksDB names its own)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        name = (task / "comm").read_text().strip()
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return out


def settle() -> dict[str, float]:
    """Wait until RocksDB's background threads have stopped working; their CPU then."""
    last = None
    while (now := thread_cpu()) != last:
        last = now
        time.sleep(3)
    return now


def export(source: Path, graphs: Path, first: int, count: int) -> None:
    """Write `count` article graphs of a built store, from the `first`, as JSON lines."""
    with GraphStore(source, read_only=True) as store, graphs.open("w") as out:
        for record in itertools.islice(store.articles(), first, first + count):
            nt = store.article_ntriples(record.graph).decode("utf-8")
            out.write(json.dumps([record.graph, nt]) + "\n")


def write(store: GraphStore, graphs: Path, policy: str) -> tuple[int, float]:
    """Write the graphs as a build does, flushing by the policy; (articles, RSS growth MiB)."""
    written, start, peak = 0, _rss_mib(), 0.0
    with graphs.open() as lines:
        for line in lines:
            iri, nt = json.loads(line)
            store.replace_article(SerializedGraph(iri, nt.encode(), nt.count("\n")))
            written += 1
            if written % 100 == 0:
                peak = max(peak, _rss_mib() - start)
            if store.unflushed >= FLUSH_QUADS if policy == "volume" else written % BATCH == 0:
                store.flush()
    store.flush()
    return written, peak


def child(store_path: Path, graphs: Path, policy: str) -> dict:
    store = GraphStore(store_path)
    before = settle()
    t0 = time.perf_counter()
    written, rss = write(store, graphs, policy)
    wall = time.perf_counter() - t0
    after = settle()
    store.close()
    threads = {k: round(v - before.get(k, 0.0), 1) for k, v in after.items()}
    return {"articles": written, "wall": wall, "threads": threads, "rss": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", type=Path, required=True)
    parser.add_argument("--base", type=int, default=12_000)
    parser.add_argument("--articles", type=int, default=6_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        store, graphs, policy = args.child
        print(json.dumps(child(Path(store), Path(graphs), policy)))
        return

    work = args.workdir or Path(tempfile.mkdtemp(prefix="kg-bench-flush-"))
    work.mkdir(parents=True, exist_ok=True)
    base_graphs, graphs = work / "base.jsonl", work / "measured.jsonl"
    export(args.source, base_graphs, 0, args.base)
    export(args.source, graphs, args.base, args.articles)
    with GraphStore(work / "base") as base:
        write(base, base_graphs, "volume")
        settle()
    print(
        f"{args.articles:,} article graphs of {args.source} written onto a store of "
        f"{args.base:,}; FLUSH_QUADS = {FLUSH_QUADS:,}, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    print(f"{'policy':10} {'wall s':>7} {'CPU s':>7} {'CPU ms/article':>15}  threads (CPU s)")
    for label, policy in POLICIES.items():
        copy = work / policy
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(work / "base", copy)
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--from",
                str(args.source),
                "--child",
                str(copy),
                str(graphs),
                policy,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(done.stdout)
        cpu = sum(r["threads"].values())
        shown = ", ".join(f"{k} {v}" for k, v in sorted(r["threads"].items()))
        print(
            f"{label:10} {r['wall']:7.1f} {cpu:7.1f} {1000 * cpu / r['articles']:15.1f}  "
            f"{shown}; RSS grew {r['rss']:.0f} MiB",
            flush=True,
        )
        shutil.rmtree(copy)


if __name__ == "__main__":
    main()
