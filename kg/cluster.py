"""Extracting on a Dask cluster: workers read batches of articles, this process stores them.

    from kg.build import build
    from kg.cluster import DaskExtract
    with DaskExtract("tcp://scheduler:8786") as extract:
        build([Path("articles")], store, extract=extract)

Workers run kg.build.extract_batch (spaCy, rules, resolution, assembly and SHACL validation:
all the CPU-heavy per-article work) and send each graph back as N-Triples; this process reads
the articles, decides which changed, and is the store's only writer. A graph depends only on
its article and the extractor's code, never on the worker or the batch, so the store is the
one a single-process build makes. The scheduler and every worker need the same kg installed: a
cluster where one runs another extractor version (kg.build.extractor_version) is refused.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import CancelledError
from contextlib import suppress
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from kg.articles import Article
from kg.build import Extracted, batches, extract_batch, extractor_version
from kg.store import SerializedGraph


class ClusterError(Exception):
    """The cluster cannot be used or was lost; the message says what to do."""


@dataclass
class DaskExtract:
    """A kg.build.Extract that fans batches of articles out over a Dask cluster.

    At most `in_flight` batches per worker thread are out at a time, so this process's memory
    stays bounded whatever the corpus. A worker that dies mid-batch has its batch rerun on
    another by Dask; a batch that kills every worker it runs on is reported as failed
    articles. When the scheduler is lost, or no worker is left for `worker_timeout` seconds,
    the build stops with a ClusterError and what was stored before stays stored.
    """

    address: str
    batch_size: int = 16  # smaller than a local batch, so the last batches spread over workers
    connect_timeout: float = 10.0
    worker_timeout: float = 60.0
    in_flight: int = 2
    _client: Any = field(default=None, init=False, repr=False)
    _done: int = field(default=0, init=False, repr=False)

    def __enter__(self) -> DaskExtract:
        try:
            from distributed import Client
        except ImportError as exc:
            raise ClusterError(
                "--cluster needs Dask's distributed scheduler, which is not installed here; "
                "install it with: pip install 'diplomacy-kg[cluster]'"
            ) from exc
        # A client that fails to connect logs a traceback when it is collected: probe first.
        self._probe()
        self._client = Client(self.address, timeout=self.connect_timeout, set_as_default=False)
        try:
            self._wait_for_workers()
            self._check_versions()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __call__(
        self, articles: Iterable[Article], base: str
    ) -> Iterator[tuple[list[Article], list[Extracted]]]:
        from distributed import wait

        client = self._client
        if client is None:
            raise ClusterError("not connected to the cluster: use DaskExtract in a with statement")
        version = extractor_version()
        self._done = 0
        chunks = batches(articles, self.batch_size)
        pending: dict[Any, list[Article]] = {}
        try:
            while True:
                limit = self.in_flight * max(1, sum(self._threads().values()))
                while len(pending) < limit and (batch := next(chunks, None)) is not None:
                    future = client.submit(_extract_remote, batch, base, version, pure=False)
                    pending[future] = batch
                if not pending:
                    return
                try:
                    # as_completed, with a timeout: to notice when the last worker has gone
                    with client.as_current():
                        done, _ = wait(list(pending), timeout=5, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    self._wait_for_workers()
                    continue
                except _lost_errors() as exc:
                    raise self._lost(exc) from exc
                for future in done:
                    batch = pending.pop(future)
                    yield batch, self._result(future, batch)
                    self._done += len(batch)
        finally:
            if pending and client.status == "running":
                # a courtesy to the cluster, which may be gone: the build goes on or stops anyway
                with suppress(*_lost_errors()):
                    client.cancel(list(pending))

    def _probe(self) -> None:
        """Fail fast, in one line, when nothing at the address speaks Dask."""
        from distributed.comm import connect

        async def probe() -> None:
            comm = await connect(self.address, timeout=self.connect_timeout)
            await comm.close()

        try:
            asyncio.run(probe())
        except ValueError as exc:
            raise ClusterError(
                f"{self.address!r} is not a Dask scheduler address ({exc}); "
                "write it as tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"
            ) from exc
        except OSError as exc:
            raise ClusterError(
                f"cannot reach a Dask scheduler at {self.address} within "
                f"{self.connect_timeout:g} s; check the address, or {self._how_to_start()}"
            ) from exc
        except Exception as exc:  # something else listens there, in another protocol
            raise ClusterError(
                f"{self.address} answers, but not as a Dask scheduler ({type(exc).__name__}); "
                f"check the address and port, or {self._how_to_start()}"
            ) from exc

    def _how_to_start(self) -> str:
        return f"start one with 'dask scheduler' and workers with 'dask worker {self.address}'"

    def _threads(self) -> dict[str, int]:
        """Each worker's thread count, asking the scheduler."""
        try:
            return self._client.nthreads()
        except _lost_errors() as exc:
            raise self._lost(exc) from exc

    def _lost(self, exc: BaseException) -> ClusterError:
        return ClusterError(
            f"lost the Dask scheduler at {self.address} ({type(exc).__name__})" + self._so_far()
        )

    def _wait_for_workers(self) -> None:
        deadline = time.monotonic() + self.worker_timeout
        while not self._threads():
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"the Dask scheduler at {self.address} has had no workers for "
                    f"{self.worker_timeout:g} s; start some with 'dask worker {self.address}'"
                    + self._so_far()
                )
            time.sleep(0.5)

    def _check_versions(self) -> None:
        """The scheduler unpickles kg's tasks and the workers run them: both need this kg."""
        try:
            versions = {"the scheduler": self._client.run_on_scheduler(_kg_version)}
            versions |= self._client.run(_kg_version)
        except _lost_errors() as exc:
            raise self._lost(exc) from exc
        except Exception as exc:  # kg is not installed there, most likely
            raise ClusterError(
                f"the Dask cluster at {self.address} cannot run kg ({exc}); install "
                "diplomacy-kg[cluster], the same version as here, where 'dask scheduler' and "
                "each 'dask worker' run"
            ) from exc
        _same_version(versions, extractor_version())

    def _so_far(self) -> str:
        if not self._done:
            return ""
        return (
            f"; stopped after {self._done} articles, whose graphs are "
            "stored: running 'kg build' again builds the rest"
        )

    def _result(self, future: Any, batch: list[Article]) -> list[Extracted]:
        from distributed import KilledWorker

        try:
            return future.result()
        except ClusterError:
            raise
        except KilledWorker as exc:
            # Dask reran the batch on other workers, and it killed each one
            error = f"the Dask workers reading it died ({exc}); see the workers' logs"
        except _lost_errors() as exc:
            raise self._lost(exc) from exc
        except Exception as exc:
            error = f"{type(exc).__name__} on a Dask worker: {exc}"
        return [Extracted(None, error=error) for _ in batch]


def _lost_errors() -> tuple[type[BaseException], ...]:
    """What a Dask client raises when its scheduler is gone."""
    from distributed.client import ClosedClientError

    # a future that the client gave up on when it lost the scheduler is cancelled
    return (OSError, TimeoutError, CancelledError, ClosedClientError)


def _same_version(versions: dict[str, str], mine: str) -> None:
    wrong = {worker: v for worker, v in versions.items() if v != mine}
    if wrong:
        listed = ", ".join(f"{worker} has {v}" for worker, v in sorted(wrong.items()))
        raise ClusterError(
            f"Dask workers run another kg than this one ({mine}): {listed}; install the same "
            "diplomacy-kg on every worker, so that every article is read by the same rules"
        )


def _kg_version() -> str:
    return extractor_version()


# One batch at a time per worker process: threads would only contend for the GIL, and spaCy's
# pipeline is not documented as thread-safe. The model is loaded once per process
# (kg.mentions.nlp is cached), by its first batch.
_WORKER_LOCK = threading.Lock()


def _extract_remote(articles: list[Article], base: str, version: str) -> list[Extracted]:
    """Run on a worker: extract_batch, with each graph serialized for the trip back."""
    from distributed import get_worker

    # a worker that joined after the check at connection is checked here
    _same_version({get_worker().address: extractor_version()}, version)
    with _WORKER_LOCK:
        out = extract_batch(articles, base)
    for item in out:
        if item.graph is not None and not isinstance(item.graph, SerializedGraph):
            item.graph = SerializedGraph.of(item.graph)
    return out
