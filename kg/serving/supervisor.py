"""How `kg serve` runs: a supervisor and N serving processes that run the queries themselves.

Why this layout. A request used to cross three processes: the client, one Python front end (HTTP,
routing, negotiation) and a query worker behind a pipe. Profiled on the 2-core bench machine, a
small SELECT cost about 0.2 ms in Oxigraph's engine but over 1 ms of CPU around it: half in the
front end's ASGI stack and half in the pipe round trip to the worker, all of it in the one front
process, so the second core idled (0.15 of `oxigraph serve`'s throughput). The engine cannot be
moved out of the way of a runaway query (pyoxigraph's `Store.query` has no timeout, oxigraph#1926),
so the design question is where a query may run and still be stoppable.

The answer here: the serving processes are themselves the killable workers.

- The supervisor (this module, in the `kg serve` process) binds the port and starts N serving
  processes (`python -m kg.serving.supervisor`); they inherit the listening socket and accept
  from it one connection at a time, the one holding the fewest taking the next (see
  `_serve_child`), so all cores serve. The supervisor is not on the request path at all.
- Each serving process is a whole server: uvicorn (httptools + uvloop) with the ASGI app of
  `kg.serving.app`, the store opened read-only, and every query run in the process itself
  (`kg.serving.local.LocalRunner`): on one of its threads, since pyoxigraph releases the GIL
  while it evaluates and the event loop keeps answering other clients; or, for a request already
  seen to take under 2 ms on this store, on the event loop itself, which saves the thread
  switches. No pipe, no second copy of the result.
- The time limit: when a query overruns, its own process's event loop answers 503 (the loop is
  free, the GIL is not held by the engine) and the process retires. It tells the supervisor, which
  starts a replacement at once; it stops accepting connections, lets the requests it already has
  in flight finish (each is under the same limit) and then ends with `os._exit`, which takes the
  runaway thread with it and frees the CPU. Other clients are served by the other processes
  meanwhile, and connections that were idle on the retiring one are closed, as HTTP allows.
- The supervisor replaces any serving process that dies and stops them all on SIGINT/SIGTERM.
- Each serving process is confined as the query workers are (`kg.serving.worker`): unless
  --allow-service, a seccomp filter denies it internet sockets before it starts a thread (it
  accepts connections on the inherited socket, which needs none); its event loop, which runs
  queries too, runs on a thread with the query threads' large stack; and past what it holds
  once ready it may allocate twice --max-memory at most (RLIMIT_DATA), the kernel's backstop
  behind `LocalRunner`'s own watch on memory, which answers 422 at --max-memory itself.
- Should its event loop stall for longer than the time limit (something holding the GIL), a
  timer that runs without the GIL ends the process, which the supervisor then replaces.
- Measured (bench/README.md): the CPU per small SELECT fell from about 1.1 ms to 0.45 ms; the
  rest is uvicorn's HTTP handling (0.1 ms), the protocol layer (0.1 ms) and pyoxigraph's query
  parsing, planning and serialization (0.2 ms), against Oxigraph server's 0.18 ms in all.
- With --allow-updates the store is opened for writing, which only one process may do, so
  `kg serve` then runs the previous layout: one front process and `WorkerPool`'s single
  writable worker. `create_app` (Python use, tests) also keeps `WorkerPool` by default, since
  killing the process that embeds it is not an option.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import faulthandler
import functools
import json
import math
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from kg.serving.settings import Settings
from kg.serving.worker import QUERY_STACK_BYTES

_ENV = "KG_SERVE_PROCESS"
_READY, _RETIRING = b"R", b"X"
# Threads per serving process: a couple of slow queries leave room for fast ones.
_THREADS = 4
_STOP_GRACE = 5.0
# Milliseconds a serving process pauses accepting, per connection it holds, at most.
_ACCEPT_PAUSE_MAX = 8
# Seconds past the time limit that a serving process's event loop may stall before it ends.
_STALL_GRACE = 5.0


@dataclass
class _Child:
    proc: subprocess.Popen[bytes]
    status: int  # read end of the pipe the child reports on
    ready: bool = False
    retiring: bool = False


class Supervisor:
    """Keeps `processes` serving processes running on `sock` until told to stop."""

    def __init__(self, settings: Settings, sock: socket.socket, processes: int) -> None:
        self.settings = settings
        self.sock = sock
        self.processes = max(processes, 1)
        self.children: dict[int, _Child] = {}  # by status pipe
        self.selector = selectors.DefaultSelector()
        self.stopping = False
        self.ever_ready = False

    def run(self) -> int:
        """Serve until SIGINT/SIGTERM; the exit status (non-zero if no process could start)."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for _ in range(self.processes):
                self._spawn()
            while not self.stopping:
                self._step()
                if not self.children:
                    return 1  # none could start: they said why on stderr
            return 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._stop_all()

    def _stop(self, *_: Any) -> None:
        self.stopping = True

    def _spawn(self) -> None:
        read, write = os.pipe()
        env = {**os.environ, _ENV: json.dumps(_settings_json(self.settings))}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kg.serving.supervisor",
                str(self.sock.fileno()),
                str(write),
                str(self.processes),
            ],
            pass_fds=(self.sock.fileno(), write),
            env=env,
        )
        os.close(write)
        self.children[read] = _Child(proc, read)
        self.selector.register(read, selectors.EVENT_READ)

    def _step(self) -> None:
        for key, _ in self.selector.select(timeout=0.5):
            child = self.children[key.fd]
            try:
                data = os.read(key.fd, 64)
            except InterruptedError:
                continue
            if _READY in data:
                child.ready = self.ever_ready = True
            if _RETIRING in data and not child.retiring:
                child.retiring = True
                self._spawn()  # the replacement starts while the old one drains
            if not data:
                self._reap(child)

    def _reap(self, child: _Child) -> None:
        self.selector.unregister(child.status)
        os.close(child.status)
        del self.children[child.status]
        child.proc.wait()
        if self.stopping or child.retiring:
            return
        if not self.ever_ready:
            return  # the first start failed (the child said why on stderr): do not loop
        if not child.ready:
            time.sleep(1.0)  # it died while starting: do not spin
        self._spawn()

    def _stop_all(self) -> None:
        for child in self.children.values():
            with contextlib.suppress(ProcessLookupError):
                child.proc.terminate()
        deadline = time.monotonic() + _STOP_GRACE
        for child in list(self.children.values()):
            try:
                child.proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
            os.close(child.status)
        self.children.clear()
        self.selector.close()


def _settings_json(settings: Settings) -> dict[str, Any]:
    return {
        k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(settings).items()
    }


def _serve_child(listen_fd: int, status_fd: int, processes: int) -> None:
    """One serving process: uvicorn on the inherited socket, queries on local threads."""
    import uvicorn

    from kg.serving import sandbox
    from kg.serving.app import create_app, uvicorn_config
    from kg.serving.local import LocalRunner
    from kg.serving.worker import die_with_parent

    die_with_parent()
    options = json.loads(os.environ.pop(_ENV))
    settings = Settings(
        **{k: Path(v) if k in ("store", "queries_dir") else v for k, v in options.items()}
    )
    if not settings.allow_service:
        # While this process has a single thread: every thread it starts inherits the filter.
        sandbox.deny_network_or_warn("kg serve")
    status = os.fdopen(status_fd, "wb", buffering=0)

    class Server(uvicorn.Server):
        """uvicorn, taking connections from the shared socket one at a time, fewest-first.

        uvicorn's own listener accepts all pending connections at once, so the first process to
        wake took every connection of a client that opens several (measured: all four of the
        benchmark's on one process, the other idle). Here a process accepts one, then stops
        accepting for a millisecond per connection it holds (at most _ACCEPT_PAUSE_MAX), so the
        process with the fewest connections takes the next one: least-connections balancing
        without a balancer process in the way.
        """

        listener = socket.socket(fileno=listen_fd)
        accepting: ClassVar[set[asyncio.Task[Any]]] = set()

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=[])
            self.listener.setblocking(False)
            asyncio.get_running_loop().add_reader(self.listener.fileno(), self._accept)
            self._watch_stalls()

        def _watch_stalls(self) -> None:
            """End this process if its event loop stops running for longer than the time limit
            allows: the limit is kept by the event loop, and something that holds the GIL (a
            part of pyoxigraph that does not release it, see kg.serving.local) could stall it
            without end. faulthandler's timer runs without the GIL; it is wound up again every
            second, and when it runs out it writes every thread's stack to stderr and exits."""
            faulthandler.dump_traceback_later(settings.timeout + _STALL_GRACE, exit=True)
            asyncio.get_running_loop().call_later(1.0, self._watch_stalls)

        def _accept(self) -> None:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # another process took it, or out of file descriptors for now
            if conn.family in (socket.AF_INET, socket.AF_INET6):
                # without it every response waits ~40 ms for a delayed ACK (Nagle)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            protocol = functools.partial(
                self.config.http_protocol_class,
                config=self.config,
                server_state=self.server_state,
                app_state=self.lifespan.state,
            )
            loop = asyncio.get_running_loop()
            task = loop.create_task(loop.connect_accepted_socket(protocol, conn))
            self.accepting.add(task)
            task.add_done_callback(self.accepting.discard)
            held = len(self.server_state.connections) + len(self.accepting)
            if processes > 1:
                loop.remove_reader(self.listener.fileno())
                pause = min(held, _ACCEPT_PAUSE_MAX) / 1000
                loop.call_later(pause, self._resume)

        def _resume(self) -> None:
            if not self.should_exit:
                asyncio.get_running_loop().add_reader(self.listener.fileno(), self._accept)

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            self.should_exit = True
            asyncio.get_running_loop().remove_reader(self.listener.fileno())
            self.listener.close()
            await super().shutdown(sockets)

    def retire(seconds: float) -> None:
        if not server.should_exit:
            with contextlib.suppress(OSError):
                status.write(_RETIRING)
        # Drain what is in flight, for at most `seconds`, then leave.
        server.config.timeout_graceful_shutdown = math.ceil(seconds)
        server.should_exit = True

    def ready() -> None:
        # Twice the limit: LocalRunner's own watch answers 422 at the limit itself; this is the
        # kernel's backstop for a query that outruns the watch.
        sandbox.cap_memory(2 * settings.worker_memory_bytes)
        status.write(_READY)

    def runner(settings: Settings) -> LocalRunner:
        return LocalRunner(
            settings.store,
            threads=_THREADS,
            timeout=settings.timeout,
            on_overrun=retire,
            on_ready=ready,
            memory=settings.worker_memory_bytes,
            network=settings.allow_service,
            loop_stack=QUERY_STACK_BYTES,
        )

    app = create_app(settings.store, runner=runner, **_options(settings))
    server = Server(uvicorn_config(app, settings))
    try:
        _run_on_query_stack(server)
    finally:
        sys.stderr.flush()
        # Not a normal exit: that would wait for a query thread that may never end.
        os._exit(0)


def _run_on_query_stack(server: Any) -> None:
    """Run uvicorn on a thread with a query thread's stack, since its event loop runs queries
    too (LocalRunner's inline path); this thread only passes signals on, as uvicorn would."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, server.handle_exit)
    previous = threading.stack_size(QUERY_STACK_BYTES)
    try:
        thread = threading.Thread(target=server.run, name="kg-serve")
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()


def _options(settings: Settings) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(settings).items() if k != "store"}


if __name__ == "__main__":
    _serve_child(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
