"""Benchmark the end-to-end build (`kg.build.build`) on synthetic corpora of given sizes.

    .venv/bin/python bench/build.py [--sizes 1000 10000] [--seed 1] [--max-seconds 1800] [--jobs 2]

For each size it writes a corpus with bench/corpus.py (not timed), then builds it into a fresh
store in a temporary directory, in a fresh subprocess (so that peak memory is the build's own),
and prints per size: articles/s and triples/s end to end (loading the models, reading,
extraction, validation, store writes), peak RSS, the store's size on disk, and where the time
went, stage by stage. The stages are timed by wrapping the functions kg.build calls
(kg.mentions.extract and spaCy inside it, kg.resolve.resolve, kg.assemble.assemble,
kg.validate.validate_graph, GraphStore.replace_article, ...) with time.perf_counter, which costs
well under a microsecond a call, so the breakdown comes from the measured build itself.

Then it builds the same corpus again into the same store: an incremental rebuild, in which every
article is unchanged (same content hash) and should be skipped.

--max-seconds bounds each build: when it runs out the build stops after the current article,
the numbers are for the articles done so far (marked "partial"), and the rebuild uses just
those articles.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (key, label) in pipeline order; "other" is the rest of the end-to-end time.
STAGES = [
    ("load", "load models (spaCy, shapes, gazetteer)"),
    ("read", "read articles (kg.build.iter_articles)"),
    ("lookup", "content-hash lookup (GraphStore.articles)"),
    ("spacy", "extraction: spaCy parse"),
    ("rules", "extraction: rules (kg.mentions, minus spaCy)"),
    ("resolve", "resolve (kg.resolve.resolve)"),
    ("assemble", "assemble (kg.assemble.assemble)"),
    ("validate", "SHACL validation (kg.validate.validate_graph)"),
    ("write", "store write (GraphStore.replace_article)"),
    ("flush", "store flush"),
    ("other", "other (progress, hashing, loop)"),
]


# --- the child: one build in its own process ------------------------------------------------


class _Deadline(Exception):
    pass


def _rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def child_build(
    corpus: Path, store_path: Path, max_seconds: float, code: Path | None, jobs: int = 1
) -> dict:
    """Build `corpus` into `store_path` with every stage timed; returns the measurements.

    `code` is a snapshot of kg/ and ontology/ to import instead of the working tree's. With
    `jobs` > 1 the articles are extracted in that many processes (kg build --jobs), and only
    this process's stages (reading, hash lookup, store writes) can be timed.
    """
    started = time.perf_counter()
    if code is not None:
        sys.path.insert(0, str(code))
    import kg.build as kb
    import kg.mentions as km
    from kg.gazetteer import load as load_gazetteer
    from kg.store import GraphStore
    from kg.validate import shapes

    imported = time.perf_counter()
    seconds = dict.fromkeys([k for k, _ in STAGES], 0.0)
    cpu = dict.fromkeys(seconds, 0.0)  # the same, in this process's CPU time
    calls = dict.fromkeys(seconds, 0)

    def timed(key: str, fn):
        def wrapper(*args, **kwargs):
            t, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[key] += time.perf_counter() - t
                cpu[key] += time.process_time() - c
                calls[key] += 1

        return wrapper

    def timed_iter(key: str, fn):
        """Time a generator function: the time spent producing each item counts."""

        def wrapper(*args, **kwargs):
            items = iter(fn(*args, **kwargs))
            while True:
                t, c = time.perf_counter(), time.process_time()
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    seconds[key] += time.perf_counter() - t
                    cpu[key] += time.process_time() - c
                calls[key] += 1
                yield item

        return wrapper

    # models first, so that their one-off cost is a stage of its own; with --jobs the
    # extracting processes load them, and this one never does (as in kg build --jobs)
    t, c = time.perf_counter(), time.process_time()
    real_nlp = km.nlp() if jobs == 1 else None
    if jobs == 1:
        shapes()
        load_gazetteer()
        km._matcher()
    seconds["load"] += time.perf_counter() - t
    cpu["load"] += time.process_time() - c

    class TimedPipeline:
        """spaCy's pipeline, timed when called or piped; everything else passes through."""

        def __call__(self, text: str):
            return timed("spacy", real_nlp)(text)

        def pipe(self, *args, **kwargs):
            return timed_iter("spacy", real_nlp.pipe)(*args, **kwargs)

        def __getattr__(self, name: str):
            return getattr(real_nlp, name)

    if jobs == 1:
        pipeline = TimedPipeline()
        km.nlp = lambda: pipeline
    if hasattr(kb, "iter_articles"):  # read as the build goes (kg after 44e780b)
        kb.iter_articles = timed_iter("read", kb.iter_articles)
    else:
        kb.read_articles = timed("read", kb.read_articles)
    # extraction, one article at a time or in batches; spaCy's share is taken out below
    kb.extract = timed("rules", kb.extract)
    if hasattr(kb, "extract_all"):
        kb.extract_all = timed_iter("rules", kb.extract_all)
    kb.resolve = timed("resolve", kb.resolve)
    kb.assemble = timed("assemble", kb.assemble)
    kb.validate_graph = timed("validate", kb.validate_graph)
    GraphStore.replace_article = timed("write", GraphStore.replace_article)
    GraphStore.flush = timed("flush", GraphStore.flush)
    real_articles = GraphStore.articles

    def articles(self):
        t, c = time.perf_counter(), time.process_time()
        rows = list(real_articles(self))
        seconds["lookup"] += time.perf_counter() - t
        cpu["lookup"] += time.process_time() - c
        return iter(rows)

    GraphStore.articles = articles

    counts = {"built": 0, "unchanged": 0, "invalid": 0, "failed": 0}
    triples = 0
    rss_samples: list[tuple[int, float]] = []
    errors: list[str] = []
    deadline = time.perf_counter() + max_seconds

    def progress(result) -> None:
        nonlocal triples
        # an invalid article unchanged since the last build is skipped, as unchanged ones are
        counts["unchanged" if result.cached else result.outcome] += 1
        triples += result.triples
        if result.error and len(errors) < 5:
            errors.append(f"{result.article.id}: {result.error}")
        done = sum(counts.values())
        if done % 250 == 0:
            rss_samples.append((done, round(_rss_mib(), 1)))
        if done % 100 == 0:
            elapsed = time.perf_counter() - t0
            print(
                f"  … {done:,} articles in {elapsed:,.0f} s ({done / elapsed:.2f}/s)",
                file=sys.stderr,
                flush=True,
            )
        if time.perf_counter() > deadline:
            raise _Deadline

    load_before = os.getloadavg()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    store = GraphStore(store_path)
    complete = True
    try:
        extract = kb.ProcessExtract(jobs) if jobs > 1 else None
        report = kb.build([corpus], store, progress=progress, extract=extract)
        read_errors = [str(e) for e in report.errors[:5]]
    except _Deadline:
        complete = False
        read_errors = []
        store.flush()
    t_build = time.perf_counter() - t0
    cpu_build = time.process_time() - cpu0
    quads = len(store)
    version = kb.extractor_version() if hasattr(kb, "extractor_version") else None
    store.close()
    seconds["rules"] -= seconds["spacy"]
    cpu["rules"] -= cpu["spacy"]
    total = seconds["load"] + t_build
    seconds["other"] = max(0.0, total - sum(v for k, v in seconds.items() if k != "other"))
    cpu["other"] = max(
        0.0, cpu["load"] + cpu_build - sum(v for k, v in cpu.items() if k != "other")
    )
    processed = sum(counts.values())
    rss_samples.append((processed, round(_rss_mib(), 1)))
    return {
        "corpus": str(corpus),
        "kg_module": str(Path(kb.__file__).parent),
        "extractor_version": version,
        "complete": complete,
        "processed": processed,
        **counts,
        "triples": triples,
        "quads_in_store": quads,
        "import_seconds": imported - started,
        "load_seconds": seconds["load"],
        "build_seconds": t_build,
        "build_cpu_seconds": cpu_build,
        # the extracting processes have ended (and been waited for) by now
        "cpu_seconds": time.process_time() + _children_cpu(),
        "jobs": jobs,
        "worker_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "end_to_end_seconds": total,
        "stage_seconds": seconds,
        "stage_cpu_seconds": cpu,
        "stage_calls": calls,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_samples_mib": rss_samples,
        "store_bytes": _dir_bytes(store_path),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "errors": errors + read_errors,
    }


# --- the parent: corpora, subprocesses, tables ----------------------------------------------


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_child(
    corpus: Path, store: Path, max_seconds: float, code: Path | None, jobs: int = 1
) -> dict:
    """One build in a fresh interpreter; a hard timeout backs up the child's own deadline."""
    out = store.parent / f"{store.name}-{int(time.time() * 1000)}.json"
    cmd = [sys.executable, __file__, "--child", str(corpus), str(store), str(max_seconds)]
    cmd += [str(out), str(code or ""), str(jobs)]
    t = time.perf_counter()
    try:
        # stderr passes through: the child reports its progress there
        proc = subprocess.run(cmd, timeout=max_seconds + 600, stdout=subprocess.PIPE, text=True)
    except subprocess.TimeoutExpired:
        return {"killed": True, "wall_seconds": time.perf_counter() - t}
    wall = time.perf_counter() - t
    if proc.returncode != 0 or not out.exists():
        raise SystemExit(f"the build of {corpus} failed (exit {proc.returncode})")
    result = json.loads(out.read_text())
    out.unlink()
    result["wall_seconds"] = wall  # the whole process: interpreter start, imports, build, close
    return result


def _truncate(corpus: Path, n: int) -> Path:
    out = corpus.with_name(f"{corpus.stem}-first{n}.jsonl")
    with corpus.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= n:
                break
            dst.write(line)
    return out


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for pkg in ("spacy", "pyshacl", "rdflib", "pyoxigraph", "oxrdflib"):
        with contextlib.suppress(PackageNotFoundError):
            parts.append(f"{pkg} {version(pkg)}")
    return ", ".join(parts)


def _git_commit() -> str:
    """HEAD, marked when kg/ has uncommitted changes (the build measures the working tree)."""
    try:
        head, dirty = (
            subprocess.run(
                ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
            ).stdout.strip()
            for args in (["rev-parse", "--short", "HEAD"], ["status", "--porcelain", "--", "kg"])
        )
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + (" + uncommitted changes in kg/" if dirty else "")


def _rate(n: float, seconds: float) -> str:
    return f"{n / seconds:,.1f}" if seconds > 0 else "-"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(
        h.rjust(w) if i else h.ljust(w)
        for i, (h, w) in enumerate(zip(headers, widths, strict=True))
    )
    out = [line, "  ".join("-" * w for w in widths)]
    for row in rows:
        out.append(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(out)


def report(results: list[dict]) -> str:
    lines = []
    rows = []
    for r in results:
        b, rb = r["build"], r.get("rebuild")
        if b.get("killed"):
            rows.append([f"{r['size']:,}", "killed", *["-"] * 10])
            continue
        done = f"{b['processed']:,}" + ("" if b["complete"] else " (partial)")
        rows.append(
            [
                f"{r['size']:,}",
                done,
                f"{b['end_to_end_seconds']:,.1f}",
                _rate(b["processed"], b["end_to_end_seconds"]),
                f"{b['triples']:,}",
                _rate(b["triples"], b["end_to_end_seconds"]),
                f"{b['cpu_seconds']:,.1f}",
                f"{b['peak_rss_mib']:,.0f}",
                f"{b['store_bytes'] / 2**20:,.1f}",
                f"{b['quads_in_store']:,}",
                f"{b['invalid']}/{b['failed']}",
                f"{rb['build_seconds']:.2f} ({rb['unchanged']:,} skipped)"
                if rb and not rb.get("killed")
                else "-",
            ]
        )
    headers = ["articles", "built", "seconds", "articles/s", "triples", "triples/s"]
    headers += ["CPU s", "peak RSS MiB", "store MiB", "quads", "invalid/failed", "rebuild s"]
    lines.append(_table(headers, rows))
    lines.append(
        "seconds = loading the models + kg.build.build() (wall clock); CPU s = the build "
        "process's user+system CPU time, and its extracting processes' with --jobs (a fairer "
        "number on a busy machine); rebuild s = "
        "kg.build.build() on the unchanged corpus into the same store (start-up and imports "
        "not included)"
    )
    for r in results:
        b = r["build"]
        if b.get("killed"):
            continue
        n = max(1, b["processed"])
        total = b["end_to_end_seconds"]
        cpu = b.get("stage_cpu_seconds") or {}
        cpu_total = sum(cpu.values())
        rows = []
        for key, label in STAGES:
            s, c = b["stage_seconds"][key], cpu.get(key, 0.0)
            per = f"{s / n * 1000:,.1f}" if key not in ("load",) else "-"
            cpu_per = f"{c / n * 1000:,.1f}" if key not in ("load",) else "-"
            share = f"{100 * c / cpu_total:.1f}%" if cpu_total else "-"
            rows.append([label, f"{s:,.1f}", per, f"{c:,.1f}", cpu_per, share])
        rows.append(
            [
                "total (end to end)",
                f"{total:,.1f}",
                f"{total / n * 1000:,.1f}",
                f"{cpu_total:,.1f}",
                f"{cpu_total / n * 1000:,.1f}",
                "100%",
            ]
        )
        lines.append("")
        lines.append(f"Stages, {r['size']:,} articles ({b['processed']:,} processed):")
        if b.get("jobs", 1) > 1:
            lines.append(
                f"(extracted in {b['jobs']} processes: only the storing process's stages are "
                "timed, and its waiting for them is in 'other'; peak RSS of the largest "
                f"extracting process {b['worker_peak_rss_mib']:,.0f} MiB)"
            )
        headers = ["stage", "seconds", "ms/article", "CPU s", "CPU ms/article", "CPU share"]
        lines.append(_table(headers, rows))
        samples = ", ".join(f"{k:,}: {v:,.0f}" for k, v in b["rss_samples_mib"])
        lines.append(f"RSS (MiB) after N articles: {samples}")
        la, lb = b["loadavg_before"], b["loadavg_after"]
        lines.append(f"load average before/after: {la[0]:.2f} / {lb[0]:.2f}")
        if b["errors"]:
            lines.append("errors: " + "; ".join(b["errors"]))
        rb = r.get("rebuild")
        if rb and not rb.get("killed"):
            st = rb["stage_seconds"]
            redo = sum(st[k] for k in ("spacy", "rules", "resolve", "assemble", "validate"))
            redo += st["write"]
            redone = rb["built"] + rb["invalid"] + rb["failed"]
            lines.append(
                f"rebuild: {rb['build_seconds']:.2f} s for {rb['processed']:,} articles: "
                f"{rb['unchanged']:,} skipped as unchanged "
                f"(skip path {rb['build_seconds'] - redo:.2f} s: reading {st['read']:.2f} s, "
                f"hash lookup {st['lookup']:.2f} s, flush {st['flush']:.2f} s), "
                f"{redone:,} processed again ({rb['invalid']:,} invalid, {rb['built']:,} built, "
                f"{rb['failed']:,} failed: {redo:.2f} s); whole process with imports "
                f"{rb['wall_seconds']:.1f} s"
            )
            if rb.get("extractor_version") != b.get("extractor_version"):
                lines.append(
                    "  (kg/ changed between the build and the rebuild, so every article was "
                    "extracted again: run without --live-code)"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        corpus, store, max_seconds, out, code, jobs = argv[1:7]
        result = child_build(
            Path(corpus), Path(store), float(max_seconds), Path(code) if code else None, int(jobs)
        )
        Path(out).write_text(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--max-seconds", type=float, default=1800, help="bound on each build (default 1800)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="extract in this many processes, as kg build --jobs does (default 1)",
    )
    parser.add_argument("--no-rebuild", action="store_true", help="skip the incremental rebuild")
    parser.add_argument("--workdir", type=Path, help="keep corpora and stores here (kept)")
    parser.add_argument("--json", type=Path, help="also write the measurements as JSON")
    parser.add_argument(
        "--live-code",
        action="store_true",
        help="import kg/ from the working tree in every build process, instead of a snapshot "
        "taken at the start (edits made meanwhile would then change what is measured, and "
        "make the rebuild re-extract everything)",
    )
    args = parser.parse_args(argv)

    from bench import corpus as corpus_gen

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="buildbench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    code = None
    if not args.live_code:
        code = workdir / "code"
        shutil.rmtree(code, ignore_errors=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for part in ("kg", "ontology"):
            shutil.copytree(ROOT / part, code / part, ignore=ignore)
    print(
        f"kg build benchmark · commit {_git_commit()}"
        f"{'' if args.live_code else ' (snapshot of the working tree)'} · {os.cpu_count()} CPUs"
        f" · Python {platform.python_version()} · {_versions()}",
        flush=True,
    )
    results = []
    try:
        for size in args.sizes:
            path = workdir / f"corpus-{size}-seed{args.seed}.jsonl"
            t = time.perf_counter()
            summary = corpus_gen.write(size, path, args.seed)
            print(
                f"[{size:,}] corpus: {path} ({summary['words_mean']:.0f} words per article, "
                f"written in {time.perf_counter() - t:.1f} s); building…",
                flush=True,
            )
            store = workdir / f"store-{size}"
            shutil.rmtree(store, ignore_errors=True)
            build = run_child(path, store, args.max_seconds, code, args.jobs)
            entry = {"size": size, "seed": args.seed, "build": build}
            if not build.get("killed"):
                print(
                    f"[{size:,}] built {build['processed']:,} articles in "
                    f"{build['end_to_end_seconds']:,.1f} s "
                    f"({_rate(build['processed'], build['end_to_end_seconds'])} articles/s)",
                    flush=True,
                )
                if not args.no_rebuild:
                    again = path if build["complete"] else _truncate(path, build["processed"])
                    entry["rebuild"] = run_child(again, store, args.max_seconds, code, args.jobs)
            results.append(entry)
            if not args.workdir:
                shutil.rmtree(store, ignore_errors=True)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
