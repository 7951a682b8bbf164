"""`kg serve` as a command: what it prints, its one-line errors, and curl against it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from serve_live import BASE, DKG, build_store, kg_serve

from kg.serve import serve_command


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("KG_TOKEN", "KG_STORE")}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with kg_serve(build_store(tmp_path_factory.mktemp("cli") / "store")) as server:
        yield server.url


def test_prints_the_url_it_serves(served: str) -> None:
    assert served.startswith("http://127.0.0.1:")


def _curl(*args: str) -> tuple[int, str]:
    done = subprocess.run(
        ["curl", "-sS", "-w", "\n%{http_code}", *args], capture_output=True, text=True, timeout=30
    )
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


@needs_curl
def test_curl_get_post_and_formats(served: str) -> None:
    query = f"SELECT DISTINCT ?d WHERE {{ ?d a <{DKG}Diplomat> }} ORDER BY ?d"
    status, body = _curl("-G", "--data-urlencode", f"query={query}", f"{served}/sparql")
    assert status == 200
    assert '"head"' in body and "sergey-lavrov" in body
    status, body = _curl(
        "-H", "Accept: text/csv", "--data-urlencode", f"query={query}", f"{served}/sparql"
    )
    assert status == 200
    assert body.splitlines()[0].strip() == "d"
    status, body = _curl(
        "-H",
        "Content-Type: application/sparql-query",
        "--data-binary",
        "ASK {}",
        f"{served}/sparql",
    )
    assert (status, '"boolean":true' in body) == (200, True)
    status, body = _curl("--compressed", "-H", "Accept: text/turtle", f"{served}/org/russia")
    assert status == 200
    assert f"<{BASE}org/russia>" in body and '"Russia"' in body


@needs_curl
def test_curl_sees_errors_as_statuses(served: str) -> None:
    status, body = _curl("-G", "--data-urlencode", "query=SELECT * {", f"{served}/sparql")
    assert status == 400
    assert "does not parse" in body
    status, _ = _curl("-X", "DELETE", f"{served}/store?default")
    assert status == 403


def test_missing_store_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(serve_command, ["--store", str(tmp_path / "nowhere")], env=_env())
    assert result.exit_code != 0
    assert "no graph store at" in result.output and "kg build" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    store = build_store(tmp_path / "store")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        result = CliRunner().invoke(
            serve_command, ["--store", str(store), "--port", port], env=_env()
        )
    assert result.exit_code != 0
    assert "already in use" in result.output and "--port" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_updates_without_a_token_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        serve_command, ["--store", str(tmp_path / "s"), "--allow-updates"], env=_env()
    )
    assert result.exit_code != 0
    assert "--token" in result.output and "KG_TOKEN" in result.output


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(serve_command, ["--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and "curl" in result.output
    for option in ("--timeout", "--max-rows", "--canned-only", "--allow-updates", "--base-iri"):
        assert option in result.output


# Four-way cross product of the fixture's ~90 triples: tens of millions of rows to count.
_SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_timeout_retires_the_serving_process_and_spares_other_clients(tmp_path: Path) -> None:
    store = build_store(tmp_path / "store")
    with kg_serve(store, "--timeout", "1") as server:
        url = server.url + "/sparql"
        fast = f"SELECT ?d WHERE {{ ?d a <{DKG}Diplomat> }}"
        with httpx.Client(timeout=60) as client:
            assert client.get(url, params={"query": fast}).status_code == 200
            before = server.wait_for_processes(2)
            slow: dict[str, Any] = {}

            def run_slow() -> None:
                with httpx.Client(timeout=60) as other:
                    slow["response"] = other.get(url, params={"query": _SLOW})
                slow["done"] = time.monotonic()

            thread = threading.Thread(target=run_slow)
            started = time.monotonic()
            thread.start()
            time.sleep(0.3)
            assert client.get(url, params={"query": fast}).status_code == 200
            fast_done = time.monotonic()
            thread.join(60)
        response = slow["response"]
        assert response.status_code == 503
        assert "--timeout" in response.text
        assert fast_done < slow["done"]
        assert slow["done"] - started < 1 + 8  # the limit, plus slack for a loaded machine
        # The process that ran it leaves (which ends the query), and another takes its place.
        deadline = time.monotonic() + 30
        while len(before & server.pids) != 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(before & server.pids) == 1
        after = server.wait_for_processes(2)
        assert len(after - before) == 1
        with httpx.Client(timeout=60) as client:
            assert client.get(url, params={"query": fast}).status_code == 200
