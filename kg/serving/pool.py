"""A small pool of query worker processes, with a time limit that kills the work on overrun."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kg.serving.worker import FRAME

_START_TIMEOUT = 60.0
# A worker that dies of one of these while running a request crashed on that request: in
# practice a stack overflow in Oxigraph on a query nested too deeply (or with thousands of
# chained operators). The next run of the same query would crash the same way.
_CRASH_SIGNALS = {-signal.SIGSEGV, -signal.SIGBUS, -signal.SIGABRT, -signal.SIGILL}
_CRASHED = (
    "the query engine crashed on this query, which is nested too deeply or has too many "
    "chained operators for it; split or simplify the query"
)
_OUT_OF_MEMORY = (
    "the query needed more memory than this server lets a query process use ({limit} MiB, "
    "its --max-memory); narrow it down (add LIMIT, more specific patterns, less ORDER BY)"
)


class PoolError(Exception):
    """The workers cannot start (e.g. the store cannot be opened); the message says why."""


@dataclass
class Reply:
    """What a worker answered: a status, details for the HTTP layer, and the body."""

    status: int
    header: dict[str, Any] = field(default_factory=dict)
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.header.get("content_type", "text/plain; charset=utf-8")


class Runner(Protocol):
    """What runs requests for the app: a `WorkerPool`, or `kg.serving.local.LocalRunner`."""

    size: int

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def call(
        self, header: dict[str, Any], body: bytes = b"", timeout: float | None = None
    ) -> Reply: ...


def overrun_reply(limit: float) -> Reply:
    """The 503 for a request stopped at the time limit."""
    return Reply(
        503,
        {"timeout": True},
        f"the query ran longer than {limit:g} s, the server's limit (--timeout), and was "
        "stopped; narrow it down (add LIMIT, more specific patterns)".encode(),
    )


def out_of_memory_reply(limit: int) -> Reply:
    """The 422 for a query that needed more than `limit` bytes of memory."""
    return Reply(422, body=_OUT_OF_MEMORY.format(limit=limit // 2**20).encode())


class _Process:
    """One worker process and its pipes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, store: Path, writable: bool, options: list[str]) -> _Process:
        args = [sys.executable, "-m", "kg.serving.worker", str(store), *options]
        args += ["--writable"] if writable else []
        proc = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        worker = cls(proc)
        try:
            ready, _ = await asyncio.wait_for(worker.receive(), _START_TIMEOUT)
        except BaseException as exc:
            # Reaped here, even when cancelled: a process left to the event loop's shutdown
            # leaves a transport behind that fails when the garbage collector finds it.
            worker.kill()
            await proc.wait()
            if isinstance(exc, TimeoutError | asyncio.IncompleteReadError):
                raise PoolError(f"a query worker did not start: {exc!r}") from exc
            raise
        if not ready.get("ready"):
            worker.kill()
            raise PoolError(f"cannot open the store {store}: {ready.get('error')}")
        return worker

    async def call(self, header: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
        data = json.dumps(header).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(FRAME.pack(len(data), len(body)) + data + body)
        await self.proc.stdin.drain()
        return await self.receive()

    async def receive(self) -> tuple[dict[str, Any], bytes]:
        assert self.proc.stdout is not None
        prefix = await self.proc.stdout.readexactly(FRAME.size)
        header_len, body_len = FRAME.unpack(prefix)
        header = json.loads(await self.proc.stdout.readexactly(header_len))
        return header, await self.proc.stdout.readexactly(body_len)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()


async def _exit_code(worker: _Process) -> int | None:
    """How a worker whose pipe broke ended (-N: killed by signal N), if it did within a second."""
    try:
        async with asyncio.timeout(1.0):
            return await worker.proc.wait()
    except TimeoutError:
        return None


class WorkerPool:
    """Runs requests on `size` worker processes; a request over `timeout` seconds kills its worker.

    Killing is the only way to stop a pyoxigraph query, and doing it to a whole process frees its
    CPU at once while the other workers keep serving. A replacement starts in the background.
    A writable pool has one worker: only one process may open the store for writing.
    """

    def __init__(
        self,
        store: Path,
        *,
        size: int,
        writable: bool,
        timeout: float,
        network: bool = False,
        memory: int | None = None,
    ) -> None:
        self.store = store
        self.writable = writable
        self.memory = memory
        # Without network the workers cannot open internet sockets; memory caps each one's heap.
        self.options = [] if network else ["--no-network"]
        self.options += [] if memory is None else ["--max-memory", str(memory)]
        self.size = 1 if writable else max(size, 1)
        self.timeout = timeout
        self._idle: asyncio.Queue[_Process] = asyncio.Queue()
        self._all: set[_Process] = set()
        self._retired: set[_Process] = set()  # killed, not yet reaped
        self._spawning: set[asyncio.Task[None]] = set()
        self.restarts = 0

    @property
    def pids(self) -> set[int]:
        """The process ids of the live workers."""
        return {w.proc.pid for w in self._all}

    async def start(self) -> None:
        workers = await asyncio.gather(
            *(_Process.start(self.store, self.writable, self.options) for _ in range(self.size)),
            return_exceptions=True,
        )
        failures = [w for w in workers if isinstance(w, BaseException)]
        for worker in workers:
            if isinstance(worker, _Process):
                self._all.add(worker)
                self._idle.put_nowait(worker)
        if failures:
            await self.close()
            raise PoolError(str(failures[0]))

    async def close(self) -> None:
        for task in self._spawning:
            task.cancel()
        await asyncio.gather(*self._spawning, return_exceptions=True)
        workers = self._all | self._retired
        for worker in workers:
            worker.kill()
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                await worker.proc.wait()
        self._all.clear()
        self._retired.clear()

    async def call(
        self, header: dict[str, Any], body: bytes = b"", timeout: float | None = None
    ) -> Reply:
        """Run one request; a 503 Reply if it overran the time limit or no worker came free."""
        limit = self.timeout if timeout is None else timeout
        try:
            # asyncio.timeout, not wait_for: no extra task per request on this hot path.
            async with asyncio.timeout(limit):
                worker = self._idle.get_nowait() if self._idle.qsize() else await self._idle.get()
        except TimeoutError:
            message = f"all {self.size} query workers stayed busy for {limit:g} s; retry later"
            return Reply(503, body=message.encode())
        try:
            async with asyncio.timeout(limit):
                reply, data = await worker.call(header, body)
        except TimeoutError:
            self._replace(worker)
            return overrun_reply(limit)
        except (asyncio.IncompleteReadError, ConnectionError, BrokenPipeError) as exc:
            code = await _exit_code(worker)
            self._replace(worker)
            if code == -signal.SIGABRT and self.memory is not None:
                # Rust aborts when an allocation fails, and the worker's heap is capped.
                return out_of_memory_reply(self.memory)
            if code in _CRASH_SIGNALS:
                return Reply(422, body=_CRASHED.encode())
            return Reply(
                500, body=f"the query worker died while running the query ({exc!r})".encode()
            )
        except asyncio.CancelledError:
            # The client went away mid-query: the worker's state is unknown, so start afresh.
            self._replace(worker)
            raise
        self._idle.put_nowait(worker)
        return Reply(reply.get("status", 500), reply, data)

    def _replace(self, worker: _Process) -> None:
        worker.kill()
        self._all.discard(worker)
        self._retired.add(worker)
        self.restarts += 1
        task = asyncio.get_running_loop().create_task(self._respawn(worker))
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)

    async def _respawn(self, old: _Process) -> None:
        await old.proc.wait()  # a writable store stays locked until the old process is gone
        self._retired.discard(old)
        while True:
            try:
                fresh = await _Process.start(self.store, self.writable, self.options)
            except PoolError:
                await asyncio.sleep(1.0)
                continue
            self._all.add(fresh)
            self._idle.put_nowait(fresh)
            return
