"""`kg serve` as a command: what it prints, its one-line errors, and curl against it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from serve_live import BASE, DKG, build_store

from kg.serve import serve_command

# The command as `kg serve` runs it, without depending on how the CLI registers it.
_SERVE = "import sys; from kg.serve import serve_command; serve_command(sys.argv[1:])"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("KG_TOKEN", "KG_STORE")}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = build_store(tmp_path_factory.mktemp("cli") / "store")
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVE, "--store", str(store), "--port", "0", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    try:
        assert line.startswith("Serving "), line + (proc.stderr.read() if proc.poll() else "")
        yield line.split(" at ", 1)[1].split(" ", 1)[0].rstrip("/")
    finally:
        proc.terminate()
        proc.wait(20)


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
