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
from relaydesk.api import agent, contacts, demo, errors, pages, webchat, webhooks
from relaydesk.api.background import Workers
from relaydesk.channels.smtp_listener import SmtpListener
from relaydesk.service import admin, inbound
from relaydesk.service import webhooks as webhook_service
from relaydesk.service.bootstrap import Container
from relaydesk.service.delivery import OutboxSender
from relaydesk.service.scheduler import Scheduler

log = logging.getLogger(__name__)


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
    # httpx logs every request's URL at INFO: Messenger's access_token and Telegram's bot
    # token ride in those URLs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


async def mail_listener(container: Container, workers: Workers) -> SmtpListener | None:
    """The built-in SMTP listener, when e-mail is on with a port: mail an MTA hands us
    takes the same path as POST /webhooks/email, minus the relay's secret."""
    settings = container.channels.config.email
    if settings is None or not settings.listen_port:
        return None

    async def deliver(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> None:
        for conversation_id in await webhook_service.take_mail(container, raw, rcpt_tos):
            workers.process(container, conversation_id)

    listener = SmtpListener(settings, deliver)
    port = await listener.start()
    log.info("SMTP listener on %s:%s", settings.listen_host, port)
    return listener


async def demo_mail_sink(container: Container, app: FastAPI) -> demo.MailSink | None:
    """In the demo, our outbound mail goes to a local SMTP server that records it for the
    /demo/channels page, as the other providers' stand-ins do."""
    mail = container.channels.config.email
    if mail is None:
        return None
    sink = demo.MailSink(app.state.demo_outbound)
    mail.smtp_port = await sink.start(mail.smtp_host)
    return sink


def create_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        await admin.ensure_teams(container)  # a case can always reach a queue that exists
        await inbound.recover(container)
        # Timers left by the last run (offers that expired meanwhile...) are due at once.
        tasks = [
            asyncio.create_task(Scheduler(container).run()),
            asyncio.create_task(OutboxSender(container).run()),
        ]
        listener = await mail_listener(container, app.state.workers)
        sink = await demo_mail_sink(container, app) if container.settings.demo else None
        yield
        for server in (listener, sink):
            if server is not None:
                await server.stop()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
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
    mail = container.channels.config.email
    app.add_middleware(
        errors.BodyLimit,
        limit=container.settings.max_body_bytes,
        # A mail with its attachments is bigger than any chat message.
        paths={"/webhooks/email": mail.max_message_bytes} if mail else {},
    )
    app.include_router(webchat.router)
    app.include_router(webhooks.router)
    app.include_router(contacts.router)
    app.include_router(agent.router)
    app.include_router(pages.router)
    if container.settings.demo:
        app.state.demo_outbound = demo.Recorder()
        app.include_router(demo.router)
    app.mount("/static", StaticFiles(directory=str(pages.WEB / "static")), name="static")
    return app
