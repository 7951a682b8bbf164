"""The build's own cost at 100,000 articles and more, extraction aside.

    .venv/bin/python bench/overhead.py [--articles 100000] [--seed 1] [--workdir DIR]

Extraction (spaCy, the rules, SHACL) costs the same per article at any corpus size, and
bench/build.py measures it; at about 0.3 CPU-s an article, 100,000 articles take hours. What
could grow faster than the corpus is everything else: reading, the content-hash lookup, the
report and the invalid-articles ledger, the store. This runs the real kg.build.build with a
stand-in extractor that gives each article the graph kg.assemble writes for an article with no
facts (its node: date, source, file, content hash, extractor version), so every other step is
the real one, and prints, per step, wall and CPU seconds, peak RSS (with samples along the way)
and the store's size:

1. the first build of N articles;
2. a rebuild of the unchanged corpus (every article skipped by its content hash);
3. a rebuild with --prune after 1% of the articles changed and 1% were deleted.

Each step runs in a fresh process, so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.build import _dir_bytes, _rss_mib  # noqa: E402  (after the path is set)

SAMPLE_EVERY = 10_000  # articles between RSS samples


def child(corpus: Path, store_path: Path, prune: bool) -> dict:
    """One build with the stand-in extractor; returns its measurements."""
    from kg.assemble import assemble
    from kg.build import Extracted, batches, build, extractor_version
    from kg.resolve import ArticleFacts
    from kg.store import GraphStore

    def stand_in(articles, base):  # type: ignore[no-untyped-def]
        for batch in batches(articles, 64):
            graphs = [
                assemble(ArticleFacts(a, [], {}, {}, [], []), base, extractor_version())
                for a in batch
            ]
            yield batch, [Extracted(g) for g in graphs]

    samples: list[tuple[int, float]] = []
    done = 0

    def progress(result) -> None:  # type: ignore[no-untyped-def]
        nonlocal done
        done += 1
        if done % SAMPLE_EVERY == 0:
            samples.append((done, round(_rss_mib())))

    rss0 = _rss_mib()
    cpu0, t0 = time.process_time(), time.perf_counter()
    with GraphStore(store_path) as store:
        report = build([corpus], store, extract=stand_in, prune=prune, progress=progress)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rss_start": rss0,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "samples": samples,
        "counts": {k: report.count(k) for k in ("built", "unchanged", "invalid", "failed")},
        "pruned": len(report.pruned),
        "errors": len(report.errors),
        "store_mib": _dir_bytes(store_path) / 2**20,
    }


def run(corpus: Path, store: Path, prune: bool = False) -> dict:
    out = store.parent / "step.json"
    cmd = [sys.executable, __file__, "--child", str(corpus), str(store), str(out)]
    subprocess.run([*cmd, *(["--prune"] if prune else [])], check=True)
    return json.loads(out.read_text())


def churn(corpus: Path, out: Path) -> tuple[int, int]:
    """Copy the corpus with every 100th record changed and every 100th (another) deleted."""
    changed = deleted = 0
    with corpus.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i % 100 == 50:
                deleted += 1
                continue
            if i % 100 == 0:
                record = json.loads(line)
                record["text"] += "\n\nThis article was updated."
                line = json.dumps(record) + "\n"
                changed += 1
            dst.write(line)
    return changed, deleted


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        corpus, store, out = map(Path, sys.argv[2:5])
        result = child(corpus, store, prune="--prune" in sys.argv)
        out.write_text(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="keep the corpus and store here")
    args = parser.parse_args()

    from bench import corpus as corpus_gen

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="overhead-"))
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = workdir / f"corpus-{args.articles}-seed{args.seed}.jsonl"
    if not corpus.exists():
        corpus_gen.write(args.articles, corpus, seed=args.seed)
    store = workdir / "store"
    steps = [("first build", corpus, False), ("rebuild, unchanged", corpus, False)]
    churned = workdir / "churned.jsonl"
    changed, deleted = churn(corpus, churned)
    steps.append((f"rebuild --prune, {changed:,} changed, {deleted:,} deleted", churned, True))
    print(
        f"kg build overhead (extraction replaced by a stand-in) · {args.articles:,} articles · "
        f"{os.cpu_count()} CPUs · load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    print(
        f"{'step':<44} {'seconds':>8} {'CPU s':>7} {'peak RSS MiB':>12} {'store MiB':>9}  outcome"
    )
    for label, path, prune in steps:
        r = run(path, store, prune)
        counts = ", ".join(f"{v:,} {k}" for k, v in r["counts"].items() if v)
        pruned = f", {r['pruned']:,} pruned" if r["pruned"] else ""
        print(
            f"{label:<44} {r['seconds']:>8.1f} {r['cpu']:>7.1f} {r['peak_rss']:>12.0f} "
            f"{r['store_mib']:>9.1f}  {counts}{pruned}",
            flush=True,
        )
        if r["samples"]:
            trail = ", ".join(f"{n:,}: {mib:.0f}" for n, mib in r["samples"])
            print(f"{'':<4}RSS MiB after N articles (at start {r['rss_start']:.0f}): {trail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
