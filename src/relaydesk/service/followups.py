"""Small calls a provider expects after an inbound message, made by the outbox sender's
loop: WhatsApp's webhook names a customer's file but not its size (GET /{media-id} tells),
and Telegram keeps a spinner on a pressed button until answerCallbackQuery.

Each is tried a few times and then left: neither is worth holding anything up for.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
from sqlalchemy import select

from relaydesk.channels.base import ChannelError, HttpCall
from relaydesk.channels.telegram import TelegramAdapter
from relaydesk.channels.whatsapp import WhatsAppAdapter
from relaydesk.domain.vocab import Channel
from relaydesk.service.bootstrap import Container
from relaydesk.store.models import Attachment, Message

log = logging.getLogger(__name__)

RECENT = timedelta(hours=1)
TRIES = 3


class FollowUps:
    def __init__(self, c: Container, http: httpx.AsyncClient) -> None:
        self.c = c
        self.http = http
        self._tries: dict[tuple[str, int], int] = {}

    async def run_once(self) -> int:
        """Do what is due; returns how many calls were made."""
        return await self._media_sizes() + await self._callback_answers()

    def _due(self, kind: str, row_id: int) -> bool:
        if len(self._tries) > 50_000:  # rows are only looked at for an hour: start afresh
            self._tries.clear()
        tries = self._tries.get((kind, row_id), 0)
        if tries >= TRIES:
            return False
        self._tries[(kind, row_id)] = tries + 1
        return True

    async def _call(self, call: HttpCall) -> httpx.Response | None:
        try:
            return await self.http.request(
                call.method, call.url, headers=call.headers, content=call.body
            )
        except httpx.TransportError as error:
            log.warning("provider follow-up call failed: %s", type(error).__name__)
            return None

    async def _media_sizes(self) -> int:
        adapter = self.c.channels.get(Channel.WHATSAPP)
        if not isinstance(adapter, WhatsAppAdapter):
            return 0
        async with self.c.reader() as uow:
            query = (
                select(Attachment.id, Attachment.provider_id)
                .join(Message, Message.id == Attachment.message_id)
                .where(
                    Message.channel == Channel.WHATSAPP.value,
                    Attachment.size.is_(None),
                    Attachment.provider_id.is_not(None),
                    Attachment.created_at >= uow.now - RECENT,
                )
                .limit(50)
            )
            rows = (await uow.session.execute(query)).all()
            pending = [(i, str(p)) for i, p in rows if p and self._due("media", i)]
        for attachment_id, media_id in pending:
            response = await self._call(adapter.media_call(media_id))
            if response is None or response.status_code != 200:
                continue
            try:
                media = adapter.read_media(response.content)
            except ChannelError as error:
                log.warning("WhatsApp media %s: %s", media_id, error.message)
                continue
            async with self.c.uow() as uow:
                row = await uow.session.get(Attachment, attachment_id)
                if row is not None:
                    row.size = media.size
                    row.mime_type = row.mime_type or media.mime_type
                    row.url = media.url
                    await uow.commit()
        return len(pending)

    async def _callback_answers(self) -> int:
        adapter = self.c.channels.get(Channel.TELEGRAM)
        if not isinstance(adapter, TelegramAdapter):
            return 0
        async with self.c.reader() as uow:
            query = select(Message.id, Message.external_id).where(
                Message.channel == Channel.TELEGRAM.value,
                Message.sender == "customer",
                Message.external_id.like("callback:%"),
                Message.created_at >= uow.now - RECENT,
            )
            rows = (await uow.session.execute(query)).all()
            pending = [(i, str(e)) for i, e in rows if e and self._due("callback", i)]
        for message_id, external_id in pending:
            response = await self._call(adapter.answer_callback(external_id))
            if response is not None and response.status_code == 200:
                self._tries[("callback", message_id)] = TRIES  # answered: never again
        return len(pending)
