"""The FastAPI application, built around one Container."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from relaydesk import __version__
from relaydesk.api import agent, errors, pages, webchat
from relaydesk.api.background import Workers
from relaydesk.service import admin, inbound
from relaydesk.service.bootstrap import Container
from relaydesk.service.scheduler import Scheduler


class RedactTokens(logging.Filter):
    """Session and visitor tokens may ride in a websocket URL's query: never log them."""

    _TOKEN = re.compile(r"(token=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                self._TOKEN.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        if isinstance(record.msg, str):
            record.msg = self._TOKEN.sub(r"\1[redacted]", record.msg)
        return True


def install_log_redaction() -> None:
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


def create_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        await admin.ensure_teams(container)  # a case can always reach a queue that exists
        await inbound.recover(container)
        # Timers left by the last run (offers that expired meanwhile...) are due at once.
        scheduler = asyncio.create_task(Scheduler(container).run())
        yield
        scheduler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await scheduler
        await app.state.workers.drain()
        await container.stop()

    install_log_redaction()
    app = FastAPI(title="relaydesk", version=__version__, lifespan=lifespan)
    app.state.container = container
    app.state.workers = Workers()
    app.state.desk_sockets = agent.DeskSockets()
    errors.install(app)
    # The widget is embedded on other sites: its API answers any origin, but carries no
    # cookies (the visitor token travels in a header); the desk API is same-origin only.
    app.add_middleware(
        CORSMiddleware,
        allow_origin_regex=".*",
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "X-Visitor-Token"],
        allow_credentials=False,
    )
    app.add_middleware(errors.BodyLimit, limit=container.settings.max_body_bytes)
    app.include_router(webchat.router)
    app.include_router(agent.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(pages.WEB / "static")), name="static")
    return app
