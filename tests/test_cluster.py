"""`kg build --cluster` on a real `dask scheduler` and `dask worker` processes on loopback."""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from distributed import Client
from rdflib.compare import isomorphic

import kg.cluster
from kg.build import ArticleResult, build
from kg.cli import main
from kg.cluster import ClusterError, DaskExtract
from kg.store import GraphStore

ROOT = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).with_name("dask")  # the virtualenv's, as users run it
pytestmark = pytest.mark.slow


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: Path = Path()

    def add_worker(self, name: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        cmd = [str(DASK), "worker", self.address, "--nthreads", "1", "--name", name]
        worker = subprocess.Popen([*cmd, "--no-dashboard"], stdout=log, stderr=log)
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, n: int) -> None:
        with Client(self.address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=300)  # spaCy's import is slow on a busy machine

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def start_cluster(logs: Path, workers: int) -> Cluster:
    logs.mkdir(parents=True, exist_ok=True)
    info = logs / "scheduler.json"
    log = (logs / "scheduler.log").open("wb")
    cmd = [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
    scheduler = subprocess.Popen(
        [*cmd, "--scheduler-file", str(info)],
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 120
    while not info.exists() or not info.read_text().strip():
        assert scheduler.poll() is None, (logs / "scheduler.log").read_text()
        assert time.monotonic() < deadline, "the scheduler did not start"
        time.sleep(0.2)
    cluster = Cluster(json.loads(info.read_text())["address"], scheduler, logs=logs)
    for i in range(workers):
        cluster.add_worker(f"w{i + 1}")
    cluster.wait_for_workers(workers)
    return cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    running = start_cluster(tmp_path_factory.mktemp("dask"), workers=2)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Real articles of several kinds, and synthetic wire stories from the benchmark's corpus."""
    synthetic = tmp_path_factory.mktemp("corpus") / "synthetic.jsonl"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "corpus.py"), "25", str(synthetic), "--seed", "3"],
        check=True,
        capture_output=True,
    )
    return [ROOT / "seeds", ROOT / "eval" / "written" / "articles", synthetic]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, articles: list[Path]) -> Path:
    """The same articles built in this one process."""
    path = tmp_path_factory.mktemp("local") / "store"
    with GraphStore(path) as store:
        report = build(articles, store)
    assert report.ok and report.count("built") == 40
    return path


def assert_same_graphs(left: Path, right: Path) -> None:
    with GraphStore(left, read_only=True) as a, GraphStore(right, read_only=True) as b:
        names = {r.graph for r in a.articles()}
        assert names == {r.graph for r in b.articles()}
        for name in names:
            assert isomorphic(a.article_graph(name), b.article_graph(name)), name


def run_kg(*args: str) -> subprocess.CompletedProcess[str]:
    """`kg` in a process of its own, as a user runs it."""
    cmd = [sys.executable, "-c", "from kg.cli import main; main()", *args]
    env = {k: v for k, v in os.environ.items() if k != "KG_STORE"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1200, env=env)


def test_a_cluster_build_is_the_single_process_build(
    cluster: Cluster, articles: list[Path], reference: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    paths = [str(p) for p in articles]
    done = run_kg("build", *paths, "--store", str(store), "--cluster", cluster.address, "-q")
    assert done.returncode == 0, done.stderr
    assert "40 built, 0 unchanged" in done.stderr + done.stdout
    assert_same_graphs(store, reference)
    with Client(cluster.address, set_as_default=False) as client:
        # each worker read some of them: it has loaded spaCy's model
        loaded = client.run(lambda: importlib.import_module("kg.mentions").nlp.cache_info())
    assert sorted(info.currsize for info in loaded.values()) == [1, 1], loaded
    # the workers' graphs carry the same fingerprints: built here again, nothing changes
    again = run_kg("build", *paths, "--store", str(store), "-q")
    assert "0 built, 40 unchanged" in again.stdout, again.stdout + again.stderr


def test_a_worker_dying_mid_build_costs_nothing(
    cluster: Cluster, articles: list[Path], reference: Path, tmp_path: Path
) -> None:
    doomed = cluster.add_worker("doomed")
    cluster.wait_for_workers(3)

    def kill_the_worker(result: ArticleResult) -> None:
        if doomed.poll() is None:  # at the first batch back, the new worker is still busy
            doomed.kill()

    store = tmp_path / "store"
    with GraphStore(store) as gs, DaskExtract(cluster.address, batch_size=4) as extract:
        report = build(articles, gs, extract=extract, progress=kill_the_worker)
    assert doomed.poll() is not None
    assert report.ok and report.count("built") == 40
    assert_same_graphs(store, reference)


@pytest.mark.parametrize(
    ("victim", "says"),
    [("worker", "has had no workers for 5 s"), ("scheduler", "lost the Dask scheduler at")],
)
def test_losing_the_cluster_stops_the_build_and_keeps_what_was_stored(
    victim: str, says: str, tmp_path: Path
) -> None:
    written = [ROOT / "eval" / "written" / "articles"]  # 14 short ones
    lonely = start_cluster(tmp_path / "dask", workers=1)
    doomed = lonely.workers[0] if victim == "worker" else lonely.scheduler
    store = tmp_path / "store"
    try:

        def kill(result: ArticleResult) -> None:
            if doomed.poll() is None:  # as the first batch comes back
                doomed.kill()

        with GraphStore(store) as gs:
            extract = DaskExtract(lonely.address, batch_size=4, worker_timeout=5)
            with extract, pytest.raises(ClusterError) as lost:
                build(written, gs, extract=extract, progress=kill)
    finally:
        lonely.stop()
    message = str(lost.value)
    assert says in message, message
    assert "stopped after 4 articles" in message
    with GraphStore(store) as gs:
        assert len(list(gs.articles())) == 4
        # the rest is built by running the build again
        report = build(written, gs)
    assert (report.count("unchanged"), report.count("built")) == (4, 10)


def test_workers_with_another_kg_are_refused(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kg.cluster, "extractor_version", lambda: "0.0.0+other")
    with pytest.raises(ClusterError) as refused, DaskExtract(cluster.address):
        pass
    message = str(refused.value)
    assert "another kg than this one (0.0.0+other)" in message
    assert message.count(" has ") == 3, message  # the scheduler and each worker, with its kg


def test_a_cluster_without_kg_is_refused(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    # this module stands for kg: the cluster's processes cannot import it
    monkeypatch.setattr(kg.cluster, "_kg_version", _version_here)
    with pytest.raises(ClusterError) as refused, DaskExtract(cluster.address):
        pass
    message = str(refused.value)
    assert "cannot run kg" in message and "No module named 'test_cluster'" in message
    assert "install diplomacy-kg[cluster]" in message


def _version_here() -> str:
    return "unreachable"


def test_an_unreachable_scheduler_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    seed = str(ROOT / "seeds")
    done = run_kg("build", seed, "--store", str(tmp_path / "s"), "--cluster", address)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert address in lines[0] and "dask scheduler" in lines[0] and "dask worker" in lines[0]
    bad = CliRunner().invoke(
        main, ["build", seed, "--store", str(tmp_path / "s"), "--cluster", "x"]
    )
    assert bad.exit_code == 1
    assert "not a Dask scheduler address" in bad.output and "tcp://HOST:PORT" in bad.output


def test_without_dask_the_message_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    args = ["build", str(ROOT / "seeds"), "--store", str(tmp_path / "s")]
    done = CliRunner().invoke(main, [*args, "--cluster", "tcp://127.0.0.1:8786"])
    assert done.exit_code == 1
    assert "pip install 'diplomacy-kg[cluster]'" in done.output
