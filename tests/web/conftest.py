"""Fixtures for the browser tests: a live `xueliang serve` and Debian's headless chromium.

The server runs from a fresh temporary data directory with two users, `alice` (admin) and
`vic` (viewer). Chromium is driven through Playwright's Python package with the system binary;
`playwright install` is never needed.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
XUELIANG = Path(sys.executable).with_name("xueliang")
STATIC_INDEX = ROOT / "src" / "xueliang" / "web" / "static" / "index.html"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    display_name: str


@dataclass
class LiveServer:
    url: str
    host: str
    admin: Account
    viewer: Account
    log: Path = field(repr=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args[:4])} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def _ensure_static_build() -> None:
    if not STATIC_INDEX.exists():
        _run(["bash", str(ROOT / "scripts" / "build-web.sh")], dict(os.environ))


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"xueliang serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"xueliang serve not healthy after {STARTUP_TIMEOUT_S} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("xueliang-web")
    env = {
        **os.environ,
        "XUELIANG_ENV": "development",
        "XUELIANG_DATA_DIR": str(data_dir),
        "XUELIANG_DATABASE_URL": f"sqlite:///{data_dir}/x.db",
        "XUELIANG_SECRET_KEY": secrets.token_hex(32),
    }
    admin = Account("alice", secrets.token_urlsafe(12), "王丽 Alice")
    viewer = Account("vic", secrets.token_urlsafe(12), "Vic Viewer")
    _ensure_static_build()
    _run([str(XUELIANG), "db", "upgrade"], env)
    for account, role in ((admin, "admin"), (viewer, "viewer")):
        create = ["user", "create", account.username, "--role", role]
        _run(
            [str(XUELIANG), *create, "--password", account.password, "--display-name", account.display_name],
            env,
        )
    host, port = "127.0.0.1", _free_port()
    log = data_dir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(XUELIANG), "serve", "--host", host, "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{host}:{port}"
    try:
        _wait_healthy(url, process, log)
        yield LiveServer(url=url, host=host, admin=admin, viewer=viewer, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def requested_urls() -> list[str]:
    """Every URL the test's page requested, in order."""
    return []


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, requested_urls: list[str]) -> Iterator[Page]:
    """A page in a fresh context: no cookies, empty localStorage, requests recorded."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("request", lambda request: requested_urls.append(request.url))
    yield page
    context.close()
