"""Sending the outbox, and what providers report back about what we sent.

One sender works the outbox (on PostgreSQL, the process holding its advisory lock, so each
provider's rate limit holds for the whole deployment). It claims due rows, sends each
through its channel's adapter, and records the outcome on the row and on the message the
desk shows: sent (with the provider's id), retried with backoff, or failed with the
provider's own reason once the provider refuses or the retry budget is spent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import aliased

from relaydesk.channels.base import (
    DELIVERY_ORDER,
    Adapter,
    Button,
    DeliveryStatus,
    OutboundMessage,
    RateLimit,
    SendResult,
    Template,
    Window,
)
from relaydesk.channels.mail import MailAdapter, new_message_id, send_mail
from relaydesk.domain.events import EventType
from relaydesk.domain.vocab import Channel
from relaydesk.service.bootstrap import Container
from relaydesk.service.bus import LiveEvent
from relaydesk.service.conversations import topics
from relaydesk.service.followups import FollowUps
from relaydesk.service.leadership import Leadership
from relaydesk.service.outbox import OUTBOX_TOPIC
from relaydesk.service.uow import UnitOfWork
from relaydesk.service.validation import fit, storable_id
from relaydesk.store.models import Conversation, Event, Message, OutboxItem

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # about 8 minutes of retries (2 s doubling, capped at 5 min)
LEASE_S = 120.0  # a claimed row not recorded by then (a crash mid-send) is sent again
BATCH = 100
SEND_TIMEOUT_S = 20.0
MAX_RECIPIENT_LIMITERS = 10_000
LOCK_KEY = 0x6F7574626F78  # "outbox": the advisory lock naming the sender


def backoff_s(attempts: int, retry_after_s: float | None) -> float:
    """2, 4, 8 ... seconds (capped at 5 minutes) with ±20% jitter, or longer if asked."""
    base = min(2.0 * 2 ** (attempts - 1), 300.0) * random.uniform(0.8, 1.2)
    return max(base, retry_after_s or 0.0)


class Unrecorded(Exception):
    """The provider answered but the outcome could not be written."""

    def __init__(self, sent: bool) -> None:
        super().__init__("send outcome not recorded")
        self.sent = sent


class Limits:
    """Each provider's rate limit: per account, and per recipient where it has one."""

    def __init__(self) -> None:
        self._accounts: dict[str, AsyncLimiter] = {}
        self._recipients: dict[tuple[str, str], AsyncLimiter] = {}

    async def wait(self, channel: str, recipient: str, limit: RateLimit) -> None:
        account = self._accounts.setdefault(channel, _limiter(limit.per_second))
        await account.acquire()
        if limit.per_recipient_per_second:
            key = (channel, recipient)
            limiter = self._recipients.pop(key, None) or _limiter(limit.per_recipient_per_second)
            self._recipients[key] = limiter  # most recently used last
            while len(self._recipients) > MAX_RECIPIENT_LIMITERS:  # forget the quietest
                del self._recipients[next(iter(self._recipients))]
            await limiter.acquire()


def _limiter(per_second: float) -> AsyncLimiter:
    # aiolimiter counts whole messages in a period: 0.5/s is 1 message every 2 s.
    return AsyncLimiter(max(1.0, per_second), max(1.0, per_second) / per_second)


class OutboxSender:
    def __init__(self, c: Container, http: httpx.AsyncClient | None = None) -> None:
        self.c = c
        self.http = http or httpx.AsyncClient(timeout=SEND_TIMEOUT_S)
        self.limits = Limits()
        self.leadership = Leadership(c, LOCK_KEY)
        self.parallel = asyncio.Semaphore(16)
        self.followups = FollowUps(c, self.http)

    async def run(self, interval_s: float = 1.0) -> None:
        """Until cancelled: send what is due, woken by every commit that queued a message."""
        wakeup = self.c.bus.subscribe([OUTBOX_TOPIC])
        try:
            while True:
                try:
                    leading = await self.leadership.lead()
                except Exception:
                    log.exception("outbox sender cannot reach the database; trying again")
                    leading = False
                if leading:
                    try:
                        if await self.deliver_due():
                            continue  # more may be due behind what was just sent
                        await self.followups.run_once()
                    except Exception:
                        log.exception("outbox round failed; trying again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.get(), interval_s if leading else 5.0)
                while not wakeup.queue.empty():
                    wakeup.queue.get_nowait()
        finally:
            wakeup.close()
            await self.leadership.resign()
            await self.http.aclose()

    async def deliver_due(self) -> int:
        """Send every due row once; returns how many were tried."""
        claimed = await self._claim()
        by_recipient: dict[tuple[str, str], list[OutboxItem]] = defaultdict(list)
        for item in claimed:
            by_recipient[(item.channel, item.recipient)].append(item)

        async def in_order(items: list[OutboxItem]) -> None:
            async with self.parallel:
                for number, item in enumerate(items):
                    if not await self._send_safely(item):
                        # One customer's messages leave in the order written: the rest
                        # wait for this one's retry.
                        await self._release(items[number + 1 :])
                        return

        await asyncio.gather(*(in_order(items) for items in by_recipient.values()))
        return len(claimed)

    async def _send_safely(self, item: OutboxItem) -> bool:
        """True when sent. Whatever goes wrong is recorded on the row (with the retry
        budget), never left to lapse into an endless re-send."""
        try:
            return await self._send(item)
        except Unrecorded as unrecorded:
            # Sent, but the database refused the record three times (it is away): the row
            # stays `sending` and its lease sends it again, the one way a customer may
            # get a message twice. Logged loudly.
            log.error("outbox row %s was sent but could not be recorded", item.id)
            return unrecorded.sent
        except Exception as error:
            log.exception("sending outbox row %s failed", item.id)
            failure = SendResult(
                False, error=f"internal error: {type(error).__name__}", retryable=True
            )
            with contextlib.suppress(Exception):
                await self._record(item, failure, None)
            return False

    async def _claim(self) -> list[OutboxItem]:
        async with self.c.uow() as uow:
            # Not a row behind an earlier one to the same customer that is not due yet
            # (backing off after a failure, or still in flight): one customer's messages
            # leave in the order written. Filtered in SQL, before the LIMIT, so customers
            # waiting on a retry never crowd everyone else out of a round.
            earlier = aliased(OutboxItem)
            blocked = exists().where(
                earlier.channel == OutboxItem.channel,
                earlier.recipient == OutboxItem.recipient,
                earlier.id < OutboxItem.id,
                earlier.status.in_(("pending", "sending")),
                earlier.next_attempt_at > uow.now,
            )
            query = (
                select(OutboxItem)
                .where(
                    OutboxItem.status.in_(("pending", "sending")),
                    OutboxItem.next_attempt_at <= uow.now,
                    ~blocked,
                )
                .order_by(OutboxItem.id)
                .limit(BATCH)
            )
            if uow.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True, of=OutboxItem)
            items = list((await uow.session.execute(query)).scalars())
            for item in items:
                item.status = "sending"
                item.attempts += 1
                item.next_attempt_at = uow.now + timedelta(seconds=LEASE_S)
            await uow.commit()
        return items

    async def _release(self, items: list[OutboxItem]) -> None:
        """Claimed but not tried (an earlier message to the same customer failed): due
        again at once, their attempt not counted."""
        if not items:
            return
        async with self.c.uow() as uow:
            for item in items:
                row = await uow.session.get(OutboxItem, item.id, with_for_update=True)
                if row is not None and row.status == "sending":
                    row.status, row.attempts, row.next_attempt_at = (
                        "pending",
                        row.attempts - 1,
                        uow.now,
                    )
            await uow.commit()

    async def _send(self, item: OutboxItem) -> bool:
        adapter = self.c.channels.get(item.channel)
        if adapter is None:
            result = SendResult(False, error=f"the {item.channel} channel is not configured")
            await self._record(item, result, None)
            return False
        if item.attempts > MAX_ATTEMPTS:  # crashed mid-send each time: give up, say so
            result = SendResult(False, error=f"gave up after {item.attempts - 1} attempts")
            await self._record(item, result, None)
            return False
        async with self.c.reader() as uow:
            message = await uow.session.get(Message, item.message_id)
            assert message is not None
            conversation = await uow.session.get(Conversation, message.conversation_id)
            assert conversation is not None
            window = await reply_window(
                uow, adapter, conversation, by_agent=item.payload["by_agent"], channel=item.channel
            )
            thread = await _mail_thread(uow, conversation) if item.channel == Channel.EMAIL else {}
        template = item.payload.get("template")
        if not window.allowed and template is None:
            await self._record(item, SendResult(False, error=window.reason), None)
            return False
        outbound = _outbound(item, window, thread)
        if item.channel == Channel.EMAIL:
            outbound = await self._mail_id(outbound, item)
        await self.limits.wait(item.channel, item.recipient, adapter.rate_limit)
        result, parts_sent = await self._call(
            adapter,
            outbound,
            automated=item.payload.get("automated", False),
            skip=int(item.payload.get("parts_sent", 0)),
        )
        for attempt in range(3):  # the provider has it: recording must not send it again
            try:
                await self._record(item, result, outbound, parts_sent=parts_sent)
                break
            except Exception:
                if attempt == 2:
                    raise Unrecorded(result.ok) from None
                await asyncio.sleep(0.2 * (attempt + 1))
        return result.ok

    async def _mail_id(self, outbound: OutboundMessage, item: OutboxItem) -> OutboundMessage:
        """Our Message-ID is chosen once (and kept on the message) so that a retry
        repeats it, and a customer's reply threads back whatever happened in between."""
        async with self.c.uow() as uow:
            message = await uow.session.get(Message, item.message_id)
            assert message is not None
            if message.external_id is None:
                message.external_id = new_message_id(self.c.channels.mail_settings())
                await uow.commit()
            return replace(outbound, message_id=message.external_id)

    async def _call(
        self, adapter: Adapter, outbound: OutboundMessage, *, automated: bool, skip: int = 0
    ) -> tuple[SendResult, int]:
        """Send; with how many parts of a split reply have gone so far (a retry resumes
        after them rather than repeating them)."""
        if adapter.channel == Channel.EMAIL:
            assert isinstance(adapter, MailAdapter)
            mail = adapter.build_mail(outbound, now=self.c.clock.now(), automated=automated)
            return await send_mail(adapter.settings, mail), 0
        # A long reply goes as several messages where the channel cuts text (SMS, Telegram).
        split = getattr(adapter, "parts", None)
        parts = split(outbound) if split is not None else (outbound,)
        first: str | None = None
        for number, part in enumerate(parts):
            if number < skip:
                continue
            if number > skip:
                await self.limits.wait(adapter.channel, outbound.to, adapter.rate_limit)
            result = await self._post(adapter, part)
            if not result.ok:
                return result, number
            first = first or result.external_id
        return SendResult(True, external_id=first), len(parts)

    async def _post(self, adapter: Adapter, outbound: OutboundMessage) -> SendResult:
        call = adapter.build_send(outbound)
        try:
            response = await self.http.request(
                call.method, call.url, headers=call.headers, content=call.body
            )
        except httpx.TransportError as error:
            # Never the URL: Messenger's token and Telegram's bot token ride in it.
            reason = f"no answer from the provider: {type(error).__name__}"
            return SendResult(False, error=reason, retryable=True)
        return adapter.read_response(response.status_code, response.headers, response.content)

    async def _record(
        self,
        item: OutboxItem,
        result: SendResult,
        outbound: OutboundMessage | None,
        *,
        parts_sent: int = 0,
    ) -> None:
        result = replace(result, error=fit(result.error, 500))
        async with self.c.uow() as uow:
            row = await uow.session.get(OutboxItem, item.id, with_for_update=True)
            message = await uow.session.get(Message, item.message_id, with_for_update=True)
            assert row is not None and message is not None
            if parts_sent and not result.ok:
                row.payload = {**row.payload, "parts_sent": parts_sent}
            conversation = await uow.session.get(Conversation, message.conversation_id)
            assert conversation is not None
            if row.payload.get("secret") and (
                result.ok or not result.retryable or row.attempts >= MAX_ATTEMPTS
            ):
                row.payload = {**row.payload, "text": message.body, "secret": False}
            if result.ok:
                row.status, row.sent_at, row.last_error = "sent", uow.now, None
                if message.external_id is None and result.external_id:
                    message.external_id = storable_id(result.external_id)
                _advance(message, "sent", uow.now, None)
                if message.external_id:
                    await _one_at_a_time(uow, row.channel, message.external_id)
                    await _early_statuses(uow, row.channel, message)
            elif result.retryable and row.attempts < MAX_ATTEMPTS:
                row.status, row.last_error = "pending", result.error
                delay = backoff_s(row.attempts, result.retry_after_s)
                row.next_attempt_at = uow.now + timedelta(seconds=delay)
            else:
                row.status, row.last_error = "failed", result.error
                reason = result.error or "the provider refused the message"
                if result.retryable:
                    reason = f"gave up after {row.attempts} attempts: {reason}"
                _advance(message, "failed", uow.now, reason)
                uow.log(
                    EventType.DELIVERY_FAILED,
                    conversation_id=conversation.id,
                    channel=row.channel,
                    team=conversation.team,
                    seq=message.seq,
                    error=reason,
                )
            _publish_status(uow, conversation, message)
            await uow.commit()


async def _one_at_a_time(uow: UnitOfWork, channel: str, external_id: str) -> None:
    """Recording a send's id and applying a status for that id take turns (PostgreSQL: a
    transaction-level advisory lock on the id), so a status that beats the send's answer
    is either found by the record or finds the recorded message; never neither. SQLite's
    one writer makes them take turns anyway."""
    if uow.dialect == "postgresql":
        key = f"{channel}:{external_id}"
        await uow.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key}
        )


async def _early_statuses(uow: UnitOfWork, channel: str, message: Message) -> None:
    """Statuses the provider sent before we had recorded the message's id (its webhook
    can beat the answer to our own send): applied now."""
    query = select(Event).where(
        Event.type == EventType.DELIVERY_STATUS_EARLY.value,
        Event.channel == channel,
        Event.created_at >= uow.now - timedelta(minutes=10),
    )
    for event in (await uow.session.execute(query)).scalars():
        if event.data.get("external_id") == message.external_id:
            _advance(message, event.data["status"], uow.now, event.data.get("error"))


def _outbound(item: OutboxItem, window: Window, thread: dict[str, Any]) -> OutboundMessage:
    payload = item.payload
    template = payload.get("template")
    return OutboundMessage(
        to=item.recipient,
        text=payload["text"],
        buttons=tuple(Button(id, title) for id, title in payload.get("buttons", [])),
        template=Template(template["name"], template["lang"], tuple(template.get("params", ())))
        if template
        else None,
        tag=window.tag,
        subject=thread.get("subject"),
        in_reply_to=thread.get("in_reply_to"),
        references=tuple(thread.get("references", ())),
    )


async def _mail_thread(uow: UnitOfWork, conversation: Conversation) -> dict[str, Any]:
    """Our reply answers the customer's latest mail and references the thread so far."""
    ids = list(
        (
            await uow.session.execute(
                select(Message.external_id, Message.sender)
                .where(
                    Message.conversation_id == conversation.id,
                    Message.channel == Channel.EMAIL.value,
                    Message.external_id.is_not(None),
                )
                .order_by(Message.seq)
            )
        ).all()
    )
    # Ids we made up for mail that had no Message-ID ("sha256:...") are no one's header.
    real = [(i, sender) for i, sender in ids if i is not None and not i.startswith("sha256:")]
    customer_ids = [external_id for external_id, sender in real if sender == "customer"]
    parent = customer_ids[-1] if customer_ids else None
    # RFC 5322 3.6.4: the thread so far, ending with the message this one answers.
    earlier = [external_id for external_id, _ in real if external_id != parent]
    return {
        "subject": conversation.thread.get("subject"),
        "in_reply_to": parent,
        "references": [*earlier[-19:], *([parent] if parent else [])],
    }


async def last_customer_message_at(
    uow: UnitOfWork, conversation: Conversation, *, channel: str | None = None
) -> datetime | None:
    """When the customer last wrote on the conversation's current channel: the start of
    WhatsApp's 24-hour window (and Messenger's 24 hours / 7 days)."""
    query = select(func.max(Message.created_at)).where(
        Message.conversation_id == conversation.id,
        Message.sender == "customer",
        Message.channel == (channel or conversation.channel),
    )
    value: datetime | None = (await uow.session.execute(query)).scalar_one_or_none()
    return value


async def reply_window(
    uow: UnitOfWork,
    adapter: Adapter,
    conversation: Conversation,
    *,
    by_agent: bool,
    channel: str | None = None,
) -> Window:
    """Whether `adapter` carries a free-form reply now (on `channel`, default the
    conversation's current one)."""
    last = await last_customer_message_at(uow, conversation, channel=channel)
    return adapter.window(last, uow.now, by_agent=by_agent)


def _advance(message: Message, status: str, at: datetime | None, error: str | None) -> bool:
    """Move a message's delivery state forward only: a late `delivered` never overwrites
    `read`; `failed` stands unless the provider later says it arrived after all."""
    current = message.delivery
    if status == "failed":
        if current in ("delivered", "read"):
            return False
        message.delivery, message.delivery_error, message.delivery_at = "failed", error, at
        return True
    rank = DELIVERY_ORDER[status]
    if current not in (None, "failed") and DELIVERY_ORDER.get(current, 0) >= rank:
        return False
    message.delivery, message.delivery_at = status, at
    if current == "failed":
        message.delivery_error = None
    return True


def _publish_status(uow: UnitOfWork, conversation: Conversation, message: Message) -> None:
    uow.publish_after_commit(
        LiveEvent(
            "message_status",
            topics(conversation),
            {
                "conversation_id": conversation.id,
                "seq": message.seq,
                "delivery": message.delivery,
                "delivery_error": message.delivery_error,
            },
        )
    )


async def apply_status(c: Container, channel: str, status: DeliveryStatus) -> int:
    """A provider's report on what we sent; returns how many messages it moved."""
    status = replace(
        status,
        external_id=storable_id(status.external_id),
        error=fit(status.error, 500),
        recipient=fit(status.recipient, 320),
    )
    async with c.uow() as uow:
        if status.external_id is not None:
            await _one_at_a_time(uow, channel, status.external_id)
            query = select(Message).where(
                Message.channel == channel, Message.external_id == status.external_id
            )
        else:  # a watermark: every message to the recipient sent up to then
            if status.up_to is None or status.recipient is None:
                return 0
            query = (
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(
                    Message.channel == channel,
                    Conversation.address == status.recipient,
                    Message.sender != "customer",
                    Message.created_at <= status.up_to,
                    Message.delivery.in_(("sent", "delivered")),
                )
            )
        moved = 0
        found = list((await uow.session.execute(query.with_for_update())).scalars())
        if not found and status.external_id is not None:
            # Perhaps the answer to our send is not recorded yet: keep it for _record.
            uow.log(
                EventType.DELIVERY_STATUS_EARLY,
                channel=channel,
                external_id=status.external_id,
                status=status.status,
                error=status.error,
            )
        for message in found:
            if _advance(message, status.status, status.at or uow.now, status.error):
                moved += 1
                conversation = await uow.session.get(Conversation, message.conversation_id)
                assert conversation is not None
                if status.status == "failed":
                    uow.log(
                        EventType.DELIVERY_FAILED,
                        conversation_id=conversation.id,
                        channel=channel,
                        team=conversation.team,
                        seq=message.seq,
                        error=status.error,
                    )
                _publish_status(uow, conversation, message)
        await uow.commit()
    return moved
