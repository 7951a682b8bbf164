"""Running queries inside the serving process itself, for `kg serve`'s supervised processes.

`LocalRunner` has the `WorkerPool` interface (`start`, `close`, `call`), but runs each request
in this process: no pipe to another process, no second copy of the result.

- A request runs on one of the runner's threads: pyoxigraph releases the GIL while it evaluates,
  so the event loop keeps serving other clients. A query that overruns the time limit cannot be
  stopped in a thread, so the runner answers 503 and calls `on_overrun`: the serving process then
  stops taking connections, finishes what it has in flight and exits, which frees the CPU, and
  its supervisor starts a replacement (see `kg.serving.supervisor`).
- A request already seen to finish within FAST_SECONDS on the current store runs on the event
  loop itself, which saves the two thread switches (measured at 0.1-0.2 ms of CPU, as much as a
  small query takes). On an unchanged read-only store the same request does the same work, so
  it stalls the loop for about as long again; one that turns out slower is taken off the list.
  If one ever ran past the time limit, a watchdog thread ends the process (its connections are
  dropped rather than answered) so the limit still frees the CPU.

What a query worker process (`kg.serving.worker`) is protected by holds here too. The serving
process sets up what is process-wide (`kg.serving.supervisor`: the seccomp sandbox, an event
loop thread with a stack as large as the query threads', a hard memory limit); the runner adds:

- Isolation of unusual queries. A query text longer than ISOLATE_CHARS (16 KiB) or nested
  deeper than ISOLATE_NESTING (64 brackets) runs in a query worker process of the runner's own,
  started on first use, as under `WorkerPool`:
  - Oxigraph recurses once per nesting level of a query, and needs at most about 4 KiB of stack
    per character of query text (measured over nested groups, expressions, function calls,
    collections, paths and chains of operators; nested collections `((((1))))` were the
    worst). The query threads, and the thread that runs the event loop, have QUERY_STACK_BYTES
    (256 MiB), enough for 16 KiB at four times that rate; a longer query could crash the engine,
    which in the worker is a 422 and a new worker, not the loss of this serving process and
    every request it has in flight.
  - pyoxigraph does not always release the GIL: it parses some deeply nested queries holding it
    (nested collections in a CONSTRUCT template: 1 s at 1,500 levels, 14 s at 5,000), which
    would stall this whole process, time limit included; in the worker the limit still holds.
- Memory. While queries run on its threads, the watchdog reads the process's resident
  anonymous memory every MEMORY_POLL seconds. Past `memory` bytes (--max-memory), the query that
  has run longest is answered with 422 naming the limit, the others in flight get MEMORY_GRACE
  to finish (else a 503), and the process retires at once, which ends the runaway query with it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import math
import os
import re
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kg.serving.pool import PoolError, Reply, WorkerPool, out_of_memory_reply, overrun_reply
from kg.serving.worker import QUERY_STACK_BYTES, Worker, error

FAST_SECONDS = 0.002
_FAST_OPS = ("query", "graph_get")
_MAX_FAST = 4096
# Exit status of a process whose watchdog ended it; the supervisor starts another.
WATCHDOG_EXIT = 70
# Stack to allow per character of query text: four times the most measured.
STACK_PER_CHAR = 16 * 1024
ISOLATE_CHARS = QUERY_STACK_BYTES // STACK_PER_CHAR
ISOLATE_NESTING = 64
_BRACKET = re.compile(r"[(\[{)\]}]")
MEMORY_POLL = 0.01
MEMORY_GRACE = 1.0
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

_Outcome = tuple[Reply, float]  # the reply, and the seconds the request took


class LocalRunner:
    """Runs requests in this process against a read-only store: on `threads` threads or inline.

    `on_overrun(seconds)` asks the process to stop taking connections and leave within that
    many seconds. `memory` (bytes) caps the process while queries run on its threads; `network`
    lets the worker process for long queries reach the network (SERVICE); `loop_stack` is the
    stack of the thread that runs the event loop (by default, what RLIMIT_STACK gives the main
    thread), which sets how long a query may be to run inline.
    """

    def __init__(
        self,
        store: Path,
        *,
        threads: int,
        timeout: float,
        on_overrun: Callable[[float], None],
        on_ready: Callable[[], object] | None = None,
        memory: int | None = None,
        network: bool = False,
        loop_stack: int | None = None,
    ) -> None:
        self.store = store
        self.size = max(threads, 1)
        self.timeout = timeout
        self.on_overrun = on_overrun
        self.on_ready = on_ready
        self.memory = memory
        self.network = network
        self.overrun = False
        self._worker: Worker | None = None
        self._slots = asyncio.Semaphore(self.size)
        self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="kg-query")
        # request key -> store signature on which it ran within FAST_SECONDS
        self._fast: dict[str, int] = {}
        self._inline_since: float | None = None
        # Less what the event loop and the app use below the query already.
        self._inline_chars = max((loop_stack or _main_stack()) - 2 * 2**20, 0) // STACK_PER_CHAR
        # requests running on a thread -> when they started (loop time)
        self._running: dict[asyncio.Future[_Outcome], float] = {}
        self._busy = threading.Event()
        self._memory_hit = False
        self._statm: int | None = None
        self._isolated: WorkerPool | None = None
        self._isolated_lock = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def pids(self) -> set[int]:
        return {os.getpid()}

    async def start(self) -> None:
        self._worker = Worker(str(self.store), writable=False)
        self._loop = asyncio.get_running_loop()
        previous = threading.stack_size(QUERY_STACK_BYTES)
        try:
            # All of them now, while the stack size is set (the executor starts them lazily).
            started = threading.Barrier(self.size + 1)
            for _ in range(self.size):
                self._executor.submit(started.wait)
            started.wait()
        finally:
            threading.stack_size(previous)
        if self.memory is not None:
            try:
                self._statm = os.open("/proc/self/statm", os.O_RDONLY)
            except OSError:
                self._statm = None  # not Linux: the hard limit alone applies
        threading.Thread(target=self._watchdog, daemon=True, name="kg-watchdog").start()
        if self.on_ready is not None:
            self.on_ready()

    async def close(self) -> None:
        # A thread still running an overrun query is abandoned: the process exits under it.
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._isolated is not None:
            await self._isolated.close()

    async def call(
        self, header: dict[str, Any], body: bytes = b"", timeout: float | None = None
    ) -> Reply:
        """Run one request; a 503 Reply if it overran the time limit or no thread came free."""
        assert self._worker is not None
        limit = self.timeout if timeout is None else timeout
        text = header.get("query") or ""
        chars = len(text)
        if chars > ISOLATE_CHARS or nesting(text) > ISOLATE_NESTING:
            return await self._call_isolated(header, body, limit)
        key = (
            repr(sorted(header.items()))
            if header.get("op") in _FAST_OPS and chars <= self._inline_chars
            else None
        )
        if key is not None and self._fast.get(key) == self._worker.signature:
            self._inline_since = time.monotonic()
            try:
                reply, seconds = self._run(header, body)
            finally:
                self._inline_since = None
            if seconds > FAST_SECONDS:
                self._fast.pop(key, None)
            return reply
        try:
            async with asyncio.timeout(limit):
                await self._slots.acquire()
        except TimeoutError:
            message = f"all {self.size} query threads stayed busy for {limit:g} s; retry later"
            return Reply(503, body=message.encode())
        loop = asyncio.get_running_loop()
        started = loop.time()
        outcome: asyncio.Future[_Outcome] = loop.create_future()
        work = self._executor.submit(self._run, header, body)
        work.add_done_callback(functools.partial(self._settle, loop, outcome))
        self._running[outcome] = started
        self._busy.set()
        try:
            async with asyncio.timeout(limit):
                reply, seconds = await asyncio.shield(outcome)
        except TimeoutError:
            self._overran()
            return overrun_reply(limit)
        except asyncio.CancelledError:
            # The thread runs on, still under the limit.
            remaining = limit - (loop.time() - started)
            loop.call_later(max(remaining, 0), lambda: work.done() or self._overran())
            raise
        finally:
            del self._running[outcome]
        if key is not None and seconds <= FAST_SECONDS:
            if len(self._fast) >= _MAX_FAST:
                self._fast.clear()
            self._fast[key] = self._worker.signature
        return reply

    def _run(self, header: dict[str, Any], body: bytes) -> _Outcome:
        assert self._worker is not None
        started = time.perf_counter()
        try:
            reply, data = self._worker.handle(header, body)
        except Exception as exc:
            reply, data = error(500, f"internal error while running the query: {exc!r}")
        return Reply(reply.get("status", 500), reply, data), time.perf_counter() - started

    def _settle(
        self,
        loop: asyncio.AbstractEventLoop,
        outcome: asyncio.Future[_Outcome],
        work: concurrent.futures.Future[_Outcome],
    ) -> None:
        """On the query's thread when it is done: hand the result to the event loop."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: the process is leaving
            loop.call_soon_threadsafe(self._finish, outcome, work)

    def _finish(
        self, outcome: asyncio.Future[_Outcome], work: concurrent.futures.Future[_Outcome]
    ) -> None:
        # The slot is the thread's: free only once the query is done, however it was answered.
        self._slots.release()
        if outcome.done():
            return  # answered already (the memory limit), or its client went away
        if work.cancelled():
            outcome.cancel()
        else:
            outcome.set_result(work.result())

    async def _call_isolated(self, header: dict[str, Any], body: bytes, limit: float) -> Reply:
        async with self._isolated_lock:
            if self._isolated is None:
                pool = WorkerPool(
                    self.store,
                    size=1,
                    writable=False,
                    timeout=self.timeout,
                    network=self.network,
                    memory=self.memory,
                )
                try:
                    await pool.start()
                except PoolError as exc:
                    return Reply(500, body=f"cannot start a query worker: {exc}".encode())
                self._isolated = pool
        return await self._isolated.call(header, body, limit)

    def _overran(self) -> None:
        if not self.overrun:
            self.overrun = True
            # What is in flight finishes within the time limit; then the process leaves.
            self.on_overrun(self.timeout + 1)

    def _memory_used(self) -> int:
        """Resident anonymous memory of this process (not file pages, which the kernel shares)."""
        assert self._statm is not None
        fields = os.pread(self._statm, 256, 0).split()
        return (int(fields[1]) - int(fields[2])) * _PAGE

    def _memory_overrun(self) -> None:
        """On the event loop: the process has more memory than `memory` while queries run."""
        assert self.memory is not None
        loop = asyncio.get_running_loop()
        running = sorted(self._running, key=self._running.__getitem__)
        if running and not running[0].done():
            running[0].set_result((out_of_memory_reply(self.memory), math.inf))
        for other in running[1:]:
            loop.call_later(MEMORY_GRACE, _give_up, other)
        self.overrun = True
        self.on_overrun(MEMORY_GRACE + 1)

    def _watchdog(self) -> None:
        idle = min(self.timeout / 4, 1.0)
        while True:
            if self._running and self._statm is not None:
                time.sleep(MEMORY_POLL)
                if not self._memory_hit and self._memory_used() > (self.memory or 0):
                    self._memory_hit = True
                    assert self._loop is not None
                    self._loop.call_soon_threadsafe(self._memory_overrun)
            elif self._busy.wait(idle):
                self._busy.clear()
            since = self._inline_since
            if since is not None and time.monotonic() - since > self.timeout:
                os._exit(WATCHDOG_EXIT)


def nesting(text: str) -> int:
    """How deeply brackets nest in `text` (those in strings and IRIs too), or 0 if it has no more
    than ISOLATE_NESTING of them in all, which is the usual case and cheap to tell."""
    if text.count("(") + text.count("[") + text.count("{") <= ISOLATE_NESTING:
        return 0
    depth = deepest = 0
    for bracket in _BRACKET.findall(text):
        if bracket in "([{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def _give_up(outcome: asyncio.Future[_Outcome]) -> None:
    if not outcome.done():
        message = (
            "this server process ran out of memory (another query needed more than its "
            "--max-memory) and is being replaced; retry the query"
        )
        outcome.set_result((Reply(503, body=message.encode()), math.inf))


def _main_stack() -> int:
    """How far the main thread's stack may grow (as far as the query threads' at most)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    return QUERY_STACK_BYTES if soft == resource.RLIM_INFINITY else min(soft, QUERY_STACK_BYTES)
