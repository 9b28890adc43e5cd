"""A real relaydesk server on a free loopback port, in a thread, for end-to-end tests.

`LiveServer` runs uvicorn with the real app (real HTTP, real websockets); `stop()` and a
new `LiveServer` on the same database is a restart.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import uvicorn

from relaydesk.api.app import create_app
from relaydesk.demo import seed
from relaydesk.service.bootstrap import Container, bootstrap
from relaydesk.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(
        self, settings: Settings | Callable[[str], Settings], *, demo: bool = True
    ) -> None:
        """`settings`, or a function of the server's own URL that makes them (for settings
        that name it, e.g. the channels demo's public_url)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = settings if isinstance(settings, Settings) else settings(self.url)
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.container: Container | None = None
        self._demo = demo
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LiveServer:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            try:
                asyncio.run(self._serve(ready))
            except BaseException as exc:  # surfaced to the test thread below
                failure.append(exc)
                ready.set()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(60):
            raise RuntimeError("server did not start within 60 s")
        if failure:
            raise RuntimeError("server failed to start") from failure[0]
        deadline = time.monotonic() + 30
        while self._server is None or not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 30 s")
            time.sleep(0.02)
        return self

    async def _serve(self, ready: threading.Event) -> None:
        self.container = bootstrap(self.settings)
        app = create_app(self.container)
        if self._demo:
            await self.container.start()
            await seed(self.container)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", ws="websockets-sansio"
        )
        self._server = uvicorn.Server(config)
        ready.set()
        await self._server.serve()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(30)


def sqlite_settings(directory: Path, **overrides: object) -> Settings:
    return Settings(
        database_url=f"sqlite:///{directory / 'relaydesk.db'}", data_dir=directory, **overrides
    )  # type: ignore[arg-type]
