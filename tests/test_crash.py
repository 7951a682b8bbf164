"""`kg build` killed with SIGKILL at random points, or read while it writes: the store is
whole every time.

After each kill the store opens, `kg validate` passes, and every article graph in it is either
absent or exactly the graph an uninterrupted build stores (never part of one); a graph that was
there before the kill is still there. Building again then gives a graph isomorphic to the
uninterrupted build's. Readers that open the store while a build replaces its graphs see every
article graph whole.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

from kg.store import INVALID_LEDGER, GraphStore, StoreError

ROOT = Path(__file__).resolve().parent.parent
KG = [str(Path(sys.executable).parent / "kg")]
ARTICLES = 12
KILLS = 5
SEED = 20240606


def kg(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KG, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False
    )


def graphs(store: Path) -> dict[str, set[str]]:
    """Each named graph of the store, as a set of N-Quads lines."""
    if not (store / "CURRENT").exists():
        return {}
    with GraphStore(store, read_only=True) as gs:
        out: dict[str, set[str]] = {}
        for quad in gs.oxigraph:
            assert isinstance(quad.graph_name, ox.NamedNode), "a triple outside article graphs"
            out.setdefault(quad.graph_name.value, set()).add(str(quad))
        return out


def log_sizes(store: Path) -> dict[str, int]:
    """The sizes of the store's write-ahead logs, which grow as each article graph is written."""
    try:
        return {e.name: e.stat().st_size for e in os.scandir(store) if e.name.endswith(".log")}
    except FileNotFoundError:
        return {}


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
        except (OSError, ValueError):
            continue
        if f"\nPPid:\t{pid}\n" in status:
            out.append(int(entry.name))
    return out


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def start_build(store: Path, corpus: Path, *flags: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*KG, "build", str(corpus), "--store", str(store), "-q", *flags],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_after_writes(
    process: subprocess.Popen[bytes], store: Path, writes: int, then: float
) -> None:
    """SIGKILL the build `then` seconds after it has written `writes` article graphs (each
    a transaction that grows the log by more than 10 kB; opening the store writes a few bytes)."""
    seen, count = log_sizes(store), 0
    while process.poll() is None and count < writes:
        now = log_sizes(store)
        if sum(max(0, size - seen.get(name, 0)) for name, size in now.items()) > 10_000:
            seen, count = now, count + 1
        time.sleep(0.001)
    time.sleep(then)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()


def kill_at_start(process: subprocess.Popen[bytes], store: Path, then: float) -> None:
    """SIGKILL the build `then` seconds after its store directory appears (made whole beside
    it, then renamed: test_a_store_killed_while_it_is_created_is_absent_or_whole), while it
    loads the models before its first article."""
    deadline = time.monotonic() + 120
    while process.poll() is None and not store.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(then)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()


def test_a_store_killed_while_it_is_created_is_absent_or_whole(tmp_path: Path) -> None:
    # RocksDB creates a database file by file; killed half-way, it cannot be opened read-only
    code = (
        "import sys, time; from pathlib import Path; from kg.store import GraphStore; "
        "GraphStore(Path(sys.argv[1])); time.sleep(9)"
    )
    rng = random.Random(SEED)
    for run in range(12):
        store = tmp_path / f"store{run}"
        process = subprocess.Popen([sys.executable, "-c", code, str(store)], cwd=ROOT)
        partial = tmp_path / f".store{run}.creating"
        while not partial.exists() and not store.exists():
            assert process.poll() is None, "the process creating the store failed"
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, 0.03))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        if store.exists():
            with GraphStore(store, read_only=True) as gs:
                assert len(gs) == 0
        with GraphStore(store) as gs:  # a build then starts afresh
            assert len(gs) == 0
        assert not partial.exists()


def test_a_half_made_store_is_named_and_a_build_completes_it(tmp_path: Path) -> None:
    # such a store, as builds before atomic creation could leave: kill RocksDB's creation
    code = "import sys, time, pyoxigraph; pyoxigraph.Store(sys.argv[1]); time.sleep(9)"
    store = tmp_path / "store"
    for _ in range(20):
        shutil.rmtree(store, ignore_errors=True)
        process = subprocess.Popen([sys.executable, "-c", code, str(store)])
        while not (store / "CURRENT").exists() and process.poll() is None:
            time.sleep(0.0005)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        try:
            ox.Store.read_only(str(store))
        except (OSError, RuntimeError):
            break
    else:
        pytest.skip("RocksDB created every store whole before the kill")
    with pytest.raises(StoreError, match=r"half-made.*run 'kg build PATH --store"):
        GraphStore(store, read_only=True)
    with GraphStore(store):
        pass
    with GraphStore(store, read_only=True) as gs:
        assert len(gs) == 0


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, set[str]]]:
    """A corpus, the store an uninterrupted build makes of it, and that store's graphs."""
    root = tmp_path_factory.mktemp("crash")
    corpus = root / "corpus.jsonl"
    subprocess.run(
        [sys.executable, "bench/corpus.py", str(ARTICLES), str(corpus), "--seed", "3"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    store = root / "reference"
    done = kg("build", str(corpus), "--store", str(store), "-q")
    assert done.returncode == 0, done.stderr
    expected = graphs(store)
    assert len(expected) == ARTICLES
    return corpus, store, expected


@pytest.mark.slow
def test_sigkill_at_random_points_never_leaves_a_broken_store(
    tmp_path: Path, reference: tuple[Path, Path, dict[str, set[str]]]
) -> None:
    corpus, reference_store, expected = reference
    rng = random.Random(SEED)
    store = tmp_path / "store"
    partial_states = killed = 0
    # A build that ends before its kill (the machine was fast, or two writes fell between two
    # looks at the log) tests nothing: try again, up to three times as many builds as kills.
    for run in range(3 * KILLS):
        if killed == KILLS:
            break
        before = graphs(store)
        # run 0 dies starting up (the store just made); then builds that resume, killed after
        # writing some articles; then --force rebuilds, killed while replacing graphs
        force = ["--force"] if killed >= 3 or len(before) == ARTICLES else []
        process = start_build(store, corpus, *force)
        if run == 0:
            kill_at_start(process, store, then=rng.uniform(0, 0.05))
        else:
            remaining = ARTICLES if force else ARTICLES - len(before)
            writes = rng.randint(1, max(1, remaining - 2))
            # the graphs of a batch are written back to back, a few ms each: kill among them
            kill_after_writes(process, store, writes, then=rng.uniform(0, 0.005))
        killed += process.returncode == -signal.SIGKILL
        after = graphs(store)
        assert set(before) <= set(after), f"run {run}: a graph stored before the kill is gone"
        for iri, quads in after.items():
            assert iri in expected, f"run {run}: a graph no build makes: {iri}"
            assert quads == expected[iri], f"run {run}: {iri} differs from the full build's"
        partial_states += 0 < len(after) < ARTICLES
        if (store / "CURRENT").exists():
            check = kg("validate", "--store", str(store))
            assert check.returncode == 0, f"run {run}: {check.stdout}{check.stderr}"
        if (store / INVALID_LEDGER).exists():
            json.loads((store / INVALID_LEDGER).read_text(encoding="utf-8"))
    assert killed == KILLS, "the builds ended before the kills: too little was tested"
    assert partial_states >= 1, "no kill landed while articles were being written"

    final = kg("build", str(corpus), "--store", str(store), "-q")
    assert final.returncode == 0, final.stderr
    assert graphs(store) == expected
    with (
        GraphStore(reference_store, read_only=True) as ref,
        GraphStore(store, read_only=True) as rebuilt,
    ):
        for iri in expected:
            assert isomorphic(ref.article_graph(iri), rebuilt.article_graph(iri)), iri
    assert kg("validate", "--store", str(store)).returncode == 0


@pytest.mark.slow
def test_readers_see_whole_article_graphs_while_a_build_replaces_them(
    tmp_path: Path, reference: tuple[Path, Path, dict[str, set[str]]]
) -> None:
    corpus, reference_store, expected = reference
    store = tmp_path / "store"
    shutil.copytree(reference_store, store)
    reads = failed_opens = builds = 0
    # --force replaces every graph, one by one; again until there were enough reads to judge
    while reads < 40 and builds < 5:
        process = start_build(store, corpus, "--force")
        builds += 1
        while process.poll() is None:
            try:
                seen = graphs(store)
            except StoreError:
                # pyoxigraph does not promise a read-only open beside a writer will succeed
                failed_opens += 1
                continue
            reads += 1
            assert seen == expected  # every graph there (old or new), and whole
            time.sleep(0.05)
        assert process.returncode == 0
    assert reads >= 10, "the builds ended before the readers could look"
    assert failed_opens <= reads // 10, (failed_opens, reads)


@pytest.mark.slow
def test_an_extraction_process_killed_is_reported_and_the_built_articles_kept(
    tmp_path: Path,
) -> None:
    corpus, store = tmp_path / "corpus.jsonl", tmp_path / "store"
    # batches of 16 go to the processes: enough articles that they are still at work when
    # the first graphs are stored
    subprocess.run(
        [sys.executable, "bench/corpus.py", "80", str(corpus), "--seed", "4"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        [*KG, "build", str(corpus), "--store", str(store), "--jobs", "2", "-q"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    while process.poll() is None and sum(log_sizes(store).values()) < 10_000:
        time.sleep(0.01)  # until the first article graph is written
    workers = [pid for pid in children(process.pid) if b"spawn_main" in cmdline(pid)]
    assert workers, "no extraction process found"
    os.kill(workers[0], signal.SIGKILL)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 1
    assert "an extraction process of --jobs died" in err and "Run the same command again" in err
    assert "Traceback" not in err
    assert 0 < len(graphs(store)) < 80, "the graphs stored before the kill are gone"
    assert kg("validate", "--store", str(store)).returncode == 0
    done = kg("build", str(corpus), "--store", str(store), "-q")
    assert done.returncode == 0, done.stderr
    assert len(graphs(store)) == 80
