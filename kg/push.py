"""Pushing: copy every article's named graph to a server triple store.

Each graph goes in one HTTP PUT to `ENDPOINT?graph=IRI` (SPARQL 1.1 Graph Store HTTP Protocol),
which replaces whatever the server held in that graph: pushing twice leaves the same triples,
and an article rebuilt since the last push has its old statements dropped, not added to.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kg.store import GraphStore

NTRIPLES = "application/n-triples"
# Transient by nature: the server was busy, restarting or behind a proxy that timed out.
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
# A run of failures this long means the server, not an article, is the problem.
_MAX_FAILURES_IN_A_ROW = 10
_ENDPOINT_HINT = (
    "Oxigraph http://HOST:7878/store, Fuseki http://HOST:3030/DATASET/data, "
    "GraphDB http://HOST:7200/repositories/REPO/rdf-graphs/service, "
    "Virtuoso http://HOST:8890/sparql-graph-crud-auth"
)


class PushError(Exception):
    """The push cannot go on (server unreachable, credentials refused, wrong URL)."""


@dataclass(frozen=True)
class Credentials:
    """How to authenticate: HTTP basic or digest with a user and password, or a bearer token."""

    scheme: str | None = None  # None, "basic", "digest" or "bearer"
    user: str | None = None
    secret: str | None = None  # the password, or the bearer token

    def auth(self) -> httpx.Auth | None:
        if self.scheme is None:
            return None
        if self.scheme == "bearer":
            return _Bearer(self.secret or "")
        if self.scheme == "basic":
            return httpx.BasicAuth(self.user or "", self.secret or "")
        if self.scheme == "digest":
            return httpx.DigestAuth(self.user or "", self.secret or "")
        raise ValueError(f"unknown authentication scheme {self.scheme!r}")


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


@dataclass
class PushReport:
    endpoint: str
    total: int = 0
    pushed: int = 0
    unchanged: int = 0
    triples: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        rate = (
            f", {self.pushed / self.seconds:.0f} graphs/s" if self.seconds and self.pushed else ""
        )
        return (
            f"pushed {self.pushed} article graph(s) ({self.triples} triples) to {self.endpoint} "
            f"in {self.seconds:.1f} s{rate}; {self.unchanged} unchanged, {len(self.failed)} failed"
        )


def state_path(store_path: Path) -> Path:
    """Where `changed_only` remembers what it pushed: a file beside the store directory."""
    return store_path.with_name(store_path.name + ".pushed.json")


def push(
    store: GraphStore,
    endpoint: str,
    *,
    credentials: Credentials | None = None,
    changed_only: bool = False,
    retries: int = 3,
    timeout: float = 60.0,
    backoff: float = 1.0,
    progress: Callable[[int, int], None] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> PushReport:
    """PUT each article graph of `store` to the Graph Store endpoint `endpoint`.

    With `changed_only`, graphs whose triples are the same as at the last `changed_only` push to
    this endpoint (recorded in `state_path(store.path)`) are skipped. A failed request is retried
    `retries` times (waiting `backoff`, then twice as long, ...) if the failure may pass; an
    article the server rejects is reported in `PushReport.failed` and the others still go.
    Raises PushError when nothing can be pushed (unreachable server, refused credentials, a URL
    that is no Graph Store endpoint).
    """
    try:
        url = httpx.URL(endpoint)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise PushError(f"--endpoint {endpoint!r} is not an http(s) URL; e.g. {_ENDPOINT_HINT}")
    report = PushReport(endpoint=endpoint)
    started = time.perf_counter()
    graphs = sorted(record.graph for record in store.articles())
    report.total = len(graphs)
    state = _State(state_path(store.path), endpoint) if changed_only else None
    auth = (credentials or Credentials()).auth()
    failures_in_a_row = 0
    try:
        with httpx.Client(auth=auth, timeout=timeout, transport=transport) as client:
            for done, graph in enumerate(graphs, 1):
                data = store.article_ntriples(graph)
                digest = _digest(data)
                if state is not None and state.pushed.get(graph) == digest:
                    report.unchanged += 1
                else:
                    error = _put(client, endpoint, graph, data, retries, backoff)
                    if error is None:
                        report.pushed += 1
                        report.triples += data.count(b"\n")
                        failures_in_a_row = 0
                        if state is not None:
                            state.pushed[graph] = digest
                    else:
                        report.failed.append((graph, error))
                        failures_in_a_row += 1
                        if failures_in_a_row >= _MAX_FAILURES_IN_A_ROW:
                            raise PushError(
                                f"giving up after {failures_in_a_row} failed graphs in a row; "
                                f"the last: {error}"
                            )
                if progress:
                    progress(done, len(graphs))
    finally:
        if state is not None:
            state.save()
        report.seconds = time.perf_counter() - started
    return report


def _digest(data: bytes) -> str:
    # line order is the store's index order, stable but not promised: sort to be sure
    return hashlib.sha256(b"\n".join(sorted(data.splitlines()))).hexdigest()


def _put(
    client: httpx.Client, endpoint: str, graph: str, data: bytes, retries: int, backoff: float
) -> str | None:
    """PUT one graph; None when stored, else why not. Raises PushError when no graph can go."""
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            response = client.put(
                endpoint,
                params={"graph": graph},
                content=data,
                headers={"Content-Type": f"{NTRIPLES}; charset=utf-8"},
            )
        except httpx.TimeoutException as exc:
            if last:
                raise PushError(
                    f"{endpoint} did not answer within the timeout ({exc}) after "
                    f"{retries + 1} attempts; raise --timeout or check the server's load"
                ) from exc
        except httpx.TransportError as exc:
            if last:
                raise PushError(
                    f"cannot reach {endpoint}: {exc} (tried {retries + 1} times); "
                    "is the server running, and are the host and port right?"
                ) from exc
        else:
            if response.is_success:
                return None
            _raise_if_fatal(response, endpoint)
            if response.status_code not in _RETRY_STATUS or last:
                return _describe(response)
        time.sleep(backoff * 2**attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _raise_if_fatal(response: httpx.Response, endpoint: str) -> None:
    """Refused credentials and wrong URLs fail every graph alike: stop at the first."""
    status = response.status_code
    if status == 401:
        challenge = response.headers.get("www-authenticate", "")
        sent = response.request.headers.get("authorization", "").split(" ", 1)[0].lower()
        if not sent:
            hint = (
                "it needs credentials: --user NAME (password from $KG_PUSH_PASSWORD or a "
                "prompt), or --auth bearer (token from $KG_PUSH_TOKEN)"
            )
        elif challenge.lower().startswith("digest") and sent != "digest":
            hint = "the server asks for digest authentication: add --auth digest"
        elif sent == "basic" and not challenge.lower().startswith("basic"):
            hint = (
                "check the user name and password; if they are right, the server may want "
                "--auth digest (Virtuoso's /sparql-graph-crud-auth does)"
            )
        else:
            hint = "check the user name and password (or token)"
        raise PushError(f"{endpoint} refused the credentials (401 Unauthorized); {hint}")
    if status == 403:
        raise PushError(
            f"{endpoint} forbids writing graphs (403 Forbidden: {_server_message(response)}); "
            "use a user with update rights (Virtuoso: the SPARQL_UPDATE role)"
        )
    if status in (404, 405):
        raise PushError(
            f"{endpoint} is not a Graph Store endpoint that accepts PUT ({_describe(response)}); "
            f"point --endpoint at one, e.g. {_ENDPOINT_HINT}"
        )


def _describe(response: httpx.Response) -> str:
    message = _server_message(response)
    status = f"{response.status_code} {response.reason_phrase}".strip()
    return f"{status}: {message}" if message else status


def _server_message(response: httpx.Response, limit: int = 300) -> str:
    """The server's explanation as one line of text (servers answer in HTML, JSON or text)."""
    text = response.text
    if "<" in text:
        # the title and an "HTTP/1.1 403 Forbidden" heading only repeat the status
        text = re.sub(r"(?is)<(script|style|title)\b.*?</\1>|<h1>\s*HTTP/[^<]*</h1>", " ", text)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _State:
    """The digest of each graph last pushed to an endpoint, for `changed_only`."""

    def __init__(self, path: Path, endpoint: str) -> None:
        self.path = path
        self.endpoint = endpoint
        self.all: dict[str, dict[str, str]] = {}
        if path.is_file():
            try:
                self.all = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise PushError(
                    f"cannot read {path} ({exc}); delete it and push without --changed-only"
                ) from exc
        self.pushed = self.all.setdefault(endpoint, {})

    def save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".part")
        try:
            tmp.write_text(json.dumps(self.all, indent=1, sort_keys=True), encoding="utf-8")
            tmp.replace(self.path)
        except OSError as exc:
            raise PushError(
                f"pushed, but cannot record it in {self.path} ({exc}); the next "
                "--changed-only push will send these graphs again"
            ) from exc
