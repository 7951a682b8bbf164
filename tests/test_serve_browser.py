"""A headless Chromium, driven through chromedriver's WebDriver HTTP API, using the web interface.

Needs Debian's `chromium` and `chromium-driver` (tests/ci-setup.sh installs them).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serve_live import LiveServer, build_store, live_server

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Debian's chromium and chromium-driver: run 'bash tests/ci-setup.sh'",
)
_ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class Browser:
    """The few WebDriver commands the tests need, over plain HTTP on loopback."""

    def __init__(self, driver_url: str, profile: Path) -> None:
        self.driver_url = driver_url
        options = {
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
                f"--user-data-dir={profile}",
                "--window-size=1280,1024",
            ],
        }
        capabilities = {"browserName": "chrome", "goog:chromeOptions": options}
        session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.session = f"/session/{session['sessionId']}"

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.driver_url + path, data, {"Content-Type": "application/json"}, method=method
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["value"]

    def get(self, url: str) -> None:
        self._call("POST", f"{self.session}/url", {"url": url})

    def script(self, source: str, *args: Any) -> Any:
        return self._call(
            "POST", f"{self.session}/execute/sync", {"script": source, "args": list(args)}
        )

    def click(self, css: str) -> None:
        found = self._call(
            "POST", f"{self.session}/element", {"using": "css selector", "value": css}
        )
        self._call("POST", f"{self.session}/element/{found[_ELEMENT]}/click", {})

    def wait_for(self, source: str, seconds: float = 20) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.script(source)
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for: {source}")

    def quit(self) -> None:
        self._call("DELETE", self.session)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = build_store(tmp_path_factory.mktemp("browser") / "store")
    with live_server(store) as live:
        yield live


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    port = _free_port()
    driver = subprocess.Popen(
        [str(CHROMEDRIVER), f"--port={port}", "--allowed-ips=127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/status", timeout=5) as response:
                    if json.loads(response.read())["value"]["ready"]:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        chrome = Browser(url, tmp_path_factory.mktemp("chromium-profile"))
        yield chrome
        chrome.quit()
    finally:
        driver.terminate()
        driver.wait(20)


def test_query_page_runs_a_canned_query_and_shows_the_table(
    browser: Browser, server: LiveServer
) -> None:
    browser.get(f"{server.url}/query")
    browser.wait_for("return window.kgYasgui && document.querySelector('.CodeMirror') !== null")
    browser.click("button.run-canned[data-name='diplomats']")
    rows = browser.wait_for(
        "var rows = document.querySelectorAll('.yasr table tbody tr');"
        "return rows.length >= 3 ? Array.from(rows).map(r => r.textContent) : null"
    )
    assert any("Gennady Gatilov" in row for row in rows)
    assert any("Deputy Foreign Minister" in row for row in rows)


def test_canned_results_page_links_to_entity_pages(browser: Browser, server: LiveServer) -> None:
    browser.get(f"{server.url}/queries/diplomats")
    count = browser.wait_for("return document.querySelectorAll('table.results tbody tr').length")
    assert count >= 3
    browser.click("table.results a[href='/person/staffan-de-mistura']")
    browser.wait_for("return location.pathname === '/person/staffan-de-mistura'")
    heading = browser.wait_for("return document.querySelector('h1').textContent")
    assert heading == "Staffan de Mistura"
    assert browser.script("return document.querySelectorAll('svg.network circle').length") == 3
    evidence = browser.script("return document.querySelector('ul.evidence').textContent")
    assert "Sergey Lavrov" in evidence


def test_entity_page_shows_article_text_as_text(browser: Browser, server: LiveServer) -> None:
    browser.get(f"{server.url}/article/tass-2017-11-14")
    text = browser.wait_for("return document.querySelector('ol.sentences').textContent")
    assert "<script>alert('x')</script>" in text  # shown literally, never run
    assert browser.script("return document.querySelectorAll('ol.sentences script').length") == 0
