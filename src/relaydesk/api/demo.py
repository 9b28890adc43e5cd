"""The channels demo (only with `relaydesk serve --demo`): a page where a person writes as
a WhatsApp, Messenger, Instagram, Telegram, SMS or e-mail customer through the real
webhook endpoints, and stand-ins for the providers' send APIs that record what our
outbound side sends and answer as each provider answers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from relaydesk.api.deps import ContainerDep
from relaydesk.api.pages import templates
from relaydesk.channels import demo

router = APIRouter(prefix="/demo", include_in_schema=False)

# Tokens that ride in providers' URLs: Meta's access_token, the secret half of a bot token.
_SECRET_QUERY = re.compile(r"(access_token=)[^&]+|(/bot\d+:)[^/]+")


@dataclass
class Recorder:
    """What the outbound side sent, newest last (the demo keeps the last 20,000)."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def record(self, channel: str, **request: Any) -> int:
        number = next(self._ids)
        # `at` (epoch seconds) lets `relaydesk bench ingest` time a reply's arrival.
        self.sent.append({"id": number, "channel": channel, "at": time.time(), **request})
        del self.sent[:-20000]
        return number


def recorder(request: Request) -> Recorder:
    found: Recorder = request.app.state.demo_outbound
    return found


async def _record(request: Request, channel: str) -> int:
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    shown: Any = body.decode("utf-8", "replace")
    if content_type.startswith("application/json"):
        shown = json.loads(body or b"null")
    headers = {
        key: ("[redacted]" if key in ("authorization",) else value)
        for key, value in request.headers.items()
        if key in ("authorization", "content-type")
    }
    return recorder(request).record(
        channel,
        method=request.method,
        url=_SECRET_QUERY.sub(
            lambda m: (m.group(1) or m.group(2)) + "[redacted]", str(request.url)
        ),
        headers=headers,
        body=shown,
    )


@router.post("/providers/graph/{version}/{account}/messages")
async def graph_send(version: str, account: str, request: Request) -> dict[str, Any]:
    """WhatsApp Cloud API (/{phone-number-id}/messages), Messenger (/{page-id}/messages)
    and Instagram (/me/messages)."""
    if account == demo.WHATSAPP_PHONE_NUMBER_ID:
        number = await _record(request, "whatsapp")
        to = (json.loads(await request.body()) or {}).get("to", "")
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.DEMO{number:010d}"}],
        }
    channel = "messenger" if account == demo.MESSENGER_PAGE_ID else "instagram"
    number = await _record(request, channel)
    recipient = ((json.loads(await request.body()) or {}).get("recipient") or {}).get("id")
    return {"recipient_id": recipient, "message_id": f"m_DEMO{number:010d}"}


@router.post("/providers/telegram/{bot}/sendMessage")
async def telegram_send(bot: str, request: Request) -> dict[str, Any]:
    number = await _record(request, "telegram")
    chat_id = (json.loads(await request.body()) or {}).get("chat_id")
    return {
        "ok": True,
        "result": {"message_id": 900000 + number, "chat": {"id": chat_id, "type": "private"}},
    }


@router.post("/providers/telegram/{bot}/answerCallbackQuery")
async def telegram_callback(bot: str, request: Request) -> dict[str, Any]:
    await _record(request, "telegram")
    return {"ok": True, "result": True}


@router.post("/providers/twilio/2010-04-01/Accounts/{sid}/Messages.json")
async def twilio_send(sid: str, request: Request) -> JSONResponse:
    number = await _record(request, "sms")
    return JSONResponse({"sid": f"SM{number:032d}", "status": "queued"}, status_code=201)


@router.get("/outbound")
async def outbound(request: Request, after: int = Query(default=0, ge=0)) -> dict[str, Any]:
    return {"sent": [item for item in recorder(request).sent if item["id"] > after]}


@router.get("/channels/config")
async def config(c: ContainerDep, request: Request) -> dict[str, Any]:
    """The demo's public secrets, for the page to sign as each provider signs."""
    return {
        "whatsapp": {
            "app_secret": demo.WHATSAPP_APP_SECRET,
            "phone_number_id": demo.WHATSAPP_PHONE_NUMBER_ID,
        },
        "messenger": {"app_secret": demo.MESSENGER_APP_SECRET, "page_id": demo.MESSENGER_PAGE_ID},
        "instagram": {
            "app_secret": demo.INSTAGRAM_APP_SECRET,
            "account_id": demo.INSTAGRAM_ACCOUNT_ID,
        },
        "telegram": {"secret_token": demo.TELEGRAM_SECRET_TOKEN},
        "sms": {
            "auth_token": demo.TWILIO_AUTH_TOKEN,
            "account_sid": demo.TWILIO_ACCOUNT_SID,
            "to": demo.TWILIO_NUMBER,
            # Twilio signs the URL it called: the server's public one, whatever the page's.
            "webhook_url": (c.settings.public_url or str(request.base_url)).rstrip("/")
            + "/webhooks/sms",
        },
        "email": {"secret": demo.EMAIL_SECRET, "address": demo.EMAIL_ADDRESS},
    }


@router.get("/channels", response_class=HTMLResponse)
async def channels_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "channels.html", {})


class MailSink:
    """The demo's outbound SMTP server: records each mail our side sends, delivers none."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self._server: asyncio.Server | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        self.recorder.record(
            "email",
            method="SMTP",
            url=f"smtp: MAIL FROM {envelope.mail_from} RCPT TO {', '.join(envelope.rcpt_tos)}",
            headers={},
            body=raw.decode("utf-8", "replace"),
        )
        return "250 OK"

    async def start(self, host: str) -> int:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, hostname="demo-sink.local", loop=loop), host=host, port=0
        )
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
