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
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kg.serving.pool import Reply, overrun_reply
from kg.serving.worker import Worker, error

FAST_SECONDS = 0.002
_FAST_OPS = ("query", "graph_get")
_MAX_FAST = 4096
# Exit status of a process whose watchdog ended it; the supervisor starts another.
WATCHDOG_EXIT = 70

_Result = tuple[dict[str, Any], bytes, float]


class LocalRunner:
    """Runs requests in this process against a read-only store: on `threads` threads or inline."""

    def __init__(
        self,
        store: Path,
        *,
        threads: int,
        timeout: float,
        on_overrun: Callable[[], None],
        on_ready: Callable[[], object] | None = None,
    ) -> None:
        self.store = store
        self.size = max(threads, 1)
        self.timeout = timeout
        self.on_overrun = on_overrun
        self.on_ready = on_ready
        self.overrun = False
        self._worker: Worker | None = None
        self._slots = asyncio.Semaphore(self.size)
        self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="kg-query")
        # request key -> store signature on which it ran within FAST_SECONDS
        self._fast: dict[str, int] = {}
        self._inline_since: float | None = None

    @property
    def pids(self) -> set[int]:
        return {os.getpid()}

    async def start(self) -> None:
        self._worker = Worker(str(self.store), writable=False)
        threading.Thread(target=self._watchdog, daemon=True, name="kg-watchdog").start()
        if self.on_ready is not None:
            self.on_ready()

    async def close(self) -> None:
        # A thread still running an overrun query is abandoned: the process exits under it.
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def call(
        self, header: dict[str, Any], body: bytes = b"", timeout: float | None = None
    ) -> Reply:
        """Run one request; a 503 Reply if it overran the time limit or no thread came free."""
        assert self._worker is not None
        limit = self.timeout if timeout is None else timeout
        key = repr(sorted(header.items())) if header.get("op") in _FAST_OPS else None
        if key is not None and self._fast.get(key) == self._worker.signature:
            self._inline_since = time.monotonic()
            try:
                reply, data, seconds = self._run(header, body)
            finally:
                self._inline_since = None
            if seconds > FAST_SECONDS:
                self._fast.pop(key, None)
            return Reply(reply.get("status", 500), reply, data)
        try:
            async with asyncio.timeout(limit):
                await self._slots.acquire()
        except TimeoutError:
            message = f"all {self.size} query threads stayed busy for {limit:g} s; retry later"
            return Reply(503, body=message.encode())
        loop = asyncio.get_running_loop()
        started = loop.time()
        future = loop.run_in_executor(self._executor, self._run, header, body)
        try:
            async with asyncio.timeout(limit):
                reply, data, seconds = await asyncio.shield(future)
        except TimeoutError:
            # The thread keeps its slot: it is still busy, and only leaving frees it.
            self._overran()
            return overrun_reply(limit)
        except asyncio.CancelledError:
            # The thread runs on and gives its slot back when done, still under the limit.
            future.add_done_callback(lambda _: self._slots.release())
            remaining = limit - (loop.time() - started)
            loop.call_later(max(remaining, 0), lambda: future.done() or self._overran())
            raise
        self._slots.release()
        if key is not None and seconds <= FAST_SECONDS:
            if len(self._fast) >= _MAX_FAST:
                self._fast.clear()
            self._fast[key] = self._worker.signature
        return Reply(reply.get("status", 500), reply, data)

    def _run(self, header: dict[str, Any], body: bytes) -> _Result:
        assert self._worker is not None
        started = time.perf_counter()
        try:
            reply, data = self._worker.handle(header, body)
        except Exception as exc:
            reply, data = error(500, f"internal error while running the query: {exc!r}")
        return reply, data, time.perf_counter() - started

    def _overran(self) -> None:
        if not self.overrun:
            self.overrun = True
            self.on_overrun()

    def _watchdog(self) -> None:
        while True:
            time.sleep(min(self.timeout / 4, 1.0))
            since = self._inline_since
            if since is not None and time.monotonic() - since > self.timeout:
                os._exit(WATCHDOG_EXIT)
