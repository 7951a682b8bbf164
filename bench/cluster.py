"""Benchmark `kg build` in one process against `kg build --cluster` on a local Dask cluster.

    .venv/bin/python bench/cluster.py [--articles 300] [--workers 2] [--seed 1]

Writes a synthetic corpus with bench/corpus.py (not timed), then, side by side in one run:

1. `kg build CORPUS --store A` in a fresh process;
2. a `dask scheduler` and N `dask worker --nthreads 1` processes on loopback (started and
   connected before the clock starts, as a cluster is up before a build in real use), then
   `kg build CORPUS --store B --cluster tcp://127.0.0.1:PORT` in a fresh process.

Both times are wall clock of the whole `kg build` process, so both include loading the models
(the workers load theirs with their first batch). It prints articles/s for each, the ratio,
the CPU time of the build process and of the workers, the load average (other work on the
machine slows both), and checks that the two stores hold exactly the same quads. Every process
imports a snapshot of kg/ and ontology/ taken at the start (through PYTHONPATH), so that edits
made meanwhile change neither what is measured nor the extractor version the cluster checks.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent


def snapshot(workdir: Path) -> dict[str, str]:
    """The environment of a process that imports a copy of kg/ and ontology/ made now."""
    code = workdir / "code"
    for part in ("kg", "ontology"):
        shutil.copytree(ROOT / part, code / part, ignore=shutil.ignore_patterns("__pycache__"))
    return {**os.environ, "PYTHONPATH": str(code)}


def run_build(corpus: Path, store: Path, env: dict[str, str], *extra: str) -> dict:
    """`kg build` in a process of its own: wall clock and its CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    t = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "kg"), "build", str(corpus), "--store", str(store), "-q", *extra],
        capture_output=True,
        text=True,
        env=env,
    )
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"kg build {' '.join(extra)} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = (done.stdout + done.stderr).strip().splitlines()[-1]
    return {"seconds": wall, "cpu": cpu, "load": (load, os.getloadavg()[0]), "summary": summary}


def start_cluster(
    workdir: Path, workers: int, env: dict[str, str]
) -> tuple[str, list[subprocess.Popen]]:
    info = workdir / "scheduler.json"
    log = (workdir / "dask.log").open("wb")
    cmd = [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0"]
    procs = [
        subprocess.Popen(
            [*cmd, "--no-dashboard", "--scheduler-file", str(info)],
            stdout=log,
            stderr=log,
            env=env,
        )
    ]
    while not info.exists() or not info.read_text().strip():
        time.sleep(0.2)
    address = json.loads(info.read_text())["address"]
    for i in range(workers):
        cmd = [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--name", f"w{i}"]
        procs.append(subprocess.Popen([*cmd, "--no-dashboard"], stdout=log, stderr=log, env=env))
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        client.wait_for_workers(workers, timeout=600)
    return address, procs


def workers_cpu(address: str) -> float:
    """The user + system CPU seconds the workers' processes have used so far."""
    from distributed import Client

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    with Client(address, set_as_default=False) as client:
        return sum(client.run(cpu).values())


def same_quads(a: Path, b: Path) -> bool:
    import pyoxigraph as ox

    return set(ox.Store.read_only(str(a))) == set(ox.Store.read_only(str(b)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from bench import corpus as corpus_gen

    workdir = Path(tempfile.mkdtemp(prefix="clusterbench-"))
    procs: list[subprocess.Popen] = []
    try:
        env = snapshot(workdir)
        corpus = workdir / "corpus.jsonl"
        corpus_gen.write(args.articles, corpus, args.seed)
        print(f"{args.articles} articles, {os.cpu_count()} CPUs; single process…", flush=True)
        local = run_build(corpus, workdir / "local", env)
        print(f"  {local['summary']}", flush=True)
        print(f"starting a scheduler and {args.workers} workers…", flush=True)
        address, procs = start_cluster(workdir, args.workers, env)
        cpu0 = workers_cpu(address)
        print(f"cluster build ({address})…", flush=True)
        remote = run_build(corpus, workdir / "cluster", env, "--cluster", address)
        remote["workers_cpu"] = workers_cpu(address) - cpu0
        print(f"  {remote['summary']}", flush=True)
        identical = same_quads(workdir / "local", workdir / "cluster")
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    n = args.articles
    print()
    print(
        f"{'build':<28}{'seconds':>9}{'articles/s':>12}{'CPU s (kg)':>12}"
        f"{'CPU s (workers)':>17}{'load avg':>14}"
    )
    for label, r in (("single process", local), (f"cluster, {args.workers} workers", remote)):
        workers = f"{r['workers_cpu']:.0f}" if "workers_cpu" in r else "-"
        print(
            f"{label:<28}{r['seconds']:>9.1f}{n / r['seconds']:>12.2f}{r['cpu']:>12.1f}"
            f"{workers:>17}{r['load'][0]:>7.2f}→{r['load'][1]:.2f}"
        )
    print(
        f"speed-up: {local['seconds'] / remote['seconds']:.2f}×; "
        f"same quads in both stores: {'yes' if identical else 'NO'}"
    )
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
