"""What every browser test shares: Debian's chromium through Playwright, and a live server.

Needs Debian's chromium at /usr/bin/chromium and the playwright package; without them the
tests skip, except under CI=true, where a missing browser fails the run.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _require_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright package (pip install -e '.[dev]')")
    if not missing:
        return
    message = "browser tests need " + " and ".join(missing)
    if IN_CI:
        pytest.fail(f"{message} (CI=true: browser tests must run, not skip)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Starts the demo server, optionally with a routing file (YAML text) of its own."""
    from tests.support.server import LiveServer, sqlite_settings

    started: list[Any] = []

    def start(routing: str | None = None) -> Any:
        overrides: dict[str, object] = {}
        if routing is not None:
            path = tmp_path / "routing.yaml"
            path.write_text(routing, encoding="utf-8")
            overrides["routing_file"] = path
        live = LiveServer(sqlite_settings(tmp_path, **overrides)).start()
        started.append(live)
        return live

    try:
        yield start
    finally:
        for live in started:
            live.stop()


@pytest.fixture
def server(start_server: Callable[..., Any]) -> Any:
    return start_server()
