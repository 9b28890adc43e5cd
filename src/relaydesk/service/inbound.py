"""The inbound pipeline: store and acknowledge a customer message, then take the bot turn.

Two steps, on purpose. `receive` commits the (masked) message and returns: from then on
it is acknowledged and never lost. `process` then runs the bot and the escalation engine
outside any transaction (the commerce backend may be a slow HTTP call) and applies the
result in a second, short one. A crash between the two leaves the message `handled =
False`; `recover` finishes it after a restart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from relaydesk.bot import replies
from relaydesk.bot.bot import BotMemory
from relaydesk.bot.entities import extract_entities
from relaydesk.channels.base import Attachment, CustomerMessage, PayloadInvalid
from relaydesk.channels.mail import clean_subject
from relaydesk.domain.conversation import Action, Status
from relaydesk.domain.events import EventType
from relaydesk.domain.masking import mask
from relaydesk.domain.turn import BotTurn, CustomerView, Decision, EscalationInput, Understanding
from relaydesk.domain.vocab import BotOutcome, Channel, Reason, SenderType
from relaydesk.service import contacts, identity, routing
from relaydesk.service import history as turn_history
from relaydesk.service.bootstrap import Container
from relaydesk.service.conversations import (
    append_message,
    get_conversation,
    message_by_client_id,
    move,
)
from relaydesk.service.handover import hand_over
from relaydesk.service.uow import UnitOfWork
from relaydesk.service.validation import clean_text, fit, storable_id, strip_controls
from relaydesk.store.models import Attachment as AttachmentRow
from relaydesk.store.models import Contact, Conversation, EscalationDecision, Message


@dataclass(frozen=True)
class Inbound:
    channel: str
    text: str
    client_id: str | None = None  # the client's idempotency key (web chat)
    external_id: str | None = None  # the provider's message id
    address: str | None = None  # where replies go on this channel
    attachments: tuple[Attachment, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)  # subject, button, original...
    thread: tuple[str, ...] = ()  # e-mail: the ids this one answers (In-Reply-To, References)
    bot_turn: bool = True  # False: kept for the agent, no bot turn (an SMS "STOP")


@dataclass(frozen=True)
class Identity:
    """Who wrote, as the channel knows them, with what the channel vouches for."""

    kind: str  # phone, email, messenger, telegram, web_visitor, ...
    value: str
    name: str | None = None
    tier: str | None = None
    lang: str | None = None
    attributes: dict[str, Any] | None = None


@dataclass(frozen=True)
class Accepted:
    conversation_id: str
    seq: int
    duplicate: bool


def validate(inbound: Inbound, max_chars: int) -> str:
    if inbound.client_id is not None:
        clean_text(inbound.client_id, field="client_id", max_chars=64)
    return clean_text(inbound.text, field="text", max_chars=max_chars)


def from_channel(channel: str, message: CustomerMessage, max_chars: int) -> Inbound:
    """A provider's message as the pipeline takes it. A provider's message is never
    refused for its length (it would retry for days): the bot reads the first
    `max_chars`, and the whole of it is kept in `meta.original`."""
    text = strip_controls(message.text).strip()
    if channel == Channel.EMAIL and message.subject and not message.reply_to:
        # A new mail's subject often says what the body does not ("Order 48213 late").
        subject = clean_subject(strip_controls(message.subject)).strip()
        text = f"{subject}\n{text}".strip() if subject and subject not in text else text
    if not text:
        text = " ".join(f"[{a.kind}{': ' + a.filename if a.filename else ''}]"
                        for a in message.attachments) or "[empty message]"  # fmt: skip
    original = message.original if message.original is not None else message.text
    meta: dict[str, Any] = {
        key: value
        for key, value in (
            ("subject", fit(message.subject, 1000)),
            ("button", fit(message.button, 1000)),
            ("reply_to", fit(message.reply_to, 1000)),
            ("account", fit(message.account, 320)),
            ("original", strip_controls(original) if original != text else None),
        )
        if value
    }
    return Inbound(
        channel,
        text[:max_chars],
        external_id=storable_id(message.external_id),
        address=fit(message.sender.address, 320),
        attachments=tuple(_storable(a) for a in message.attachments),
        meta=meta,
        thread=_thread(message),
    )


def _thread(message: CustomerMessage) -> tuple[str, ...]:
    """The ids an e-mail answers, newest first, as they were stored (storable_id), the
    last 50 of a References header that may hold thousands."""
    ids = [*reversed(message.references), *([message.reply_to] if message.reply_to else [])]
    stored = (storable_id(i) for i in ids[-50:] if i)
    return tuple(dict.fromkeys(i for i in stored if i))


def _storable(attachment: Attachment) -> Attachment:
    return replace(
        attachment,
        mime_type=fit(attachment.mime_type, 120),
        provider_id=fit(attachment.provider_id, 255),
        filename=fit(attachment.filename, 255),
        url=fit(attachment.url, 4000),
    )


async def receive_from_channel(
    c: Container, channel: str, message: CustomerMessage, *, bot_turn: bool = True
) -> Accepted:
    """A customer's message from a provider webhook (or the SMTP listener)."""
    sender = message.sender
    value = fit(sender.value, 320)
    if not value:
        raise PayloadInvalid("the sender has no id, number or address", field="sender")
    who = Identity(sender.kind.value, value, name=fit(sender.name, 200))
    taken = from_channel(channel, message, c.settings.max_message_chars)
    return await receive_from_identity(c, who, replace(taken, bot_turn=bot_turn))


async def receive_from_visitor(c: Container, token: str, inbound: Inbound) -> Accepted:
    text = validate(inbound, c.settings.max_message_chars)

    async def once() -> Accepted:
        async with c.uow() as uow:
            contact, visitor = await contacts.visitor_and_identity(uow, token)
            # Only a visitor who proved another channel theirs joins a case there.
            proven = visitor.verified_by == "code"
            accepted = await _store(uow, c, contact, inbound, text, any_channel=proven)
            await uow.commit()
        return accepted

    return await _retrying(once)


async def receive_from_identity(c: Container, who: Identity, inbound: Inbound) -> Accepted:
    text = validate(inbound, c.settings.max_message_chars)
    return await _retrying(lambda: _receive_once(c, who, inbound, text))


async def _retrying(once: Callable[[], Awaitable[Accepted]]) -> Accepted:
    for attempt in range(3):
        try:
            return await once()
        except (IntegrityError, DBAPIError) as error:
            # The same webhook delivered twice at once (the loser's INSERT of the message,
            # or of a new contact's identity, hit a UNIQUE constraint), or a deadlock with
            # a merge of the same contacts: read again; the duplicate check, the existing
            # contact or the merged one answers.
            if attempt == 2 or not (isinstance(error, IntegrityError) or _deadlock(error)):
                raise
    raise AssertionError("unreachable")


def _deadlock(error: DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code == "40P01" or "deadlock detected" in str(error.orig)


async def _receive_once(c: Container, who: Identity, inbound: Inbound, text: str) -> Accepted:
    async with c.uow() as uow:
        if inbound.external_id is not None:
            duplicate = await _by_external_id(uow, inbound.channel, inbound.external_id)
            if duplicate is not None:
                return Accepted(duplicate.conversation_id, duplicate.seq, True)
        contact = await contacts.get_or_create(
            uow,
            who.kind,
            who.value,
            name=who.name,
            tier=who.tier,
            lang=who.lang,
            attributes=who.attributes,
            verified_by="provider",
        )
        accepted = await _store(uow, c, contact, inbound, text)
        await uow.commit()
    return accepted


async def _store(
    uow: UnitOfWork,
    c: Container,
    contact: Contact,
    inbound: Inbound,
    text: str,
    *,
    any_channel: bool = True,
) -> Accepted:
    contact = await contacts.lock_live(uow, contact)
    conversation = await contacts.conversation_for(
        uow,
        contact,
        inbound.channel,
        thread=inbound.thread,
        lang=contact.lang,
        any_channel=any_channel,
    )
    if inbound.client_id is not None:
        duplicate = await message_by_client_id(uow, conversation.id, inbound.client_id)
        if duplicate is not None:
            return Accepted(conversation.id, duplicate.seq, True)
    if inbound.external_id is not None:
        # Checked again under the conversation's row lock: a retried webhook that raced
        # the first delivery waits here, then finds the message the first one stored.
        duplicate = await _by_external_id(uow, inbound.channel, inbound.external_id)
        if duplicate is not None:
            return Accepted(duplicate.conversation_id, duplicate.seq, True)
    contacts.came_from(uow, conversation, inbound.channel, inbound.address, inbound.meta)
    challenge = await identity.pending_challenge(uow, conversation, text)
    if challenge is not None:  # a code typed back: kept masked, no bot turn
        message = await append_message(
            uow, conversation, SenderType.CUSTOMER.value, identity.CODE_MASK,
            external_id=inbound.external_id, client_id=inbound.client_id,
            masked=[identity.OTP], handled=True,
        )  # fmt: skip
        await identity.answer_challenge(uow, conversation, contact, challenge, text)
        return Accepted(conversation.id, message.seq, False)
    masked = mask(text)
    bot_owns = Status(conversation.status) in (Status.BOT, Status.RESOLVED, Status.ABANDONED)
    meta = dict(inbound.meta)
    if "original" in meta:
        meta["original"] = mask(meta["original"]).text
    message = await append_message(
        uow,
        conversation,
        SenderType.CUSTOMER.value,
        masked.text,
        client_id=inbound.client_id,
        external_id=inbound.external_id,
        masked=list(masked.kinds),
        handled=not (bot_owns and inbound.bot_turn),
        meta=meta,
        attachments=[_attachment_row(a, uow.now) for a in inbound.attachments],
    )
    if masked.kinds:
        await append_message(
            uow, conversation, SenderType.BOT.value, replies.masking_warning(conversation.lang)
        )
    if Status(conversation.status).is_waiting:
        await routing.schedule_check_in(uow, c, conversation)  # they are still there
        await _follow_up_by_email(uow, c, conversation, contact, masked.text)
    return Accepted(conversation.id, message.seq, False)


def _attachment_row(attachment: Attachment, now: datetime) -> AttachmentRow:
    return AttachmentRow(
        kind=attachment.kind,
        mime_type=attachment.mime_type,
        size=attachment.size,
        provider_id=attachment.provider_id,
        url=attachment.url,
        filename=attachment.filename,
        created_at=now,
    )


async def _follow_up_by_email(
    uow: UnitOfWork, c: Container, conversation: Conversation, contact: Contact, text: str
) -> None:
    """Off hours, the customer was offered a reply by email: an address they send while
    waiting is where the team answers (they keep their place in the queue too)."""
    hours = c.routing.hours(conversation.team or c.policy.default_team)
    email = extract_entities(text).get("email")
    if hours is None or hours.is_open(uow.now) or email is None:
        return
    contact.attributes = {**(contact.attributes or {}), "follow_up_email": email}
    uow.log(
        EventType.FOLLOW_UP_REQUESTED,
        conversation_id=conversation.id,
        channel=conversation.channel,
        team=conversation.team,
    )
    await append_message(
        uow, conversation, SenderType.SYSTEM.value,
        replies.say("follow_up_noted", conversation.lang, email=email),
    )  # fmt: skip


async def _by_external_id(uow: UnitOfWork, channel: str, external_id: str) -> Message | None:
    query = select(Message).where(Message.channel == channel, Message.external_id == external_id)
    return (await uow.session.execute(query)).scalar_one_or_none()


@dataclass(frozen=True)
class _Snapshot:
    message_id: int
    text: str
    memory: BotMemory
    history: list[Any]
    customer: CustomerView
    channel: str
    reopen: bool


async def process(c: Container, conversation_id: str) -> None:
    """Take the bot turn for every customer message still waiting for one, in order."""
    async with c.conversation_lock(conversation_id):
        while True:
            async with c.reader() as uow:
                snapshot = await _next_unhandled(uow, conversation_id)
            if snapshot is None:
                return
            turn, memory = await c.bot.respond(
                snapshot.text, snapshot.memory, snapshot.customer, c.clock.now()
            )
            decision = c.escalation.decide(
                EscalationInput(
                    text=snapshot.text,
                    turn=turn,
                    history=turn_history.turn_records(snapshot.history),
                    customer=snapshot.customer,
                    channel=snapshot.channel,
                )
            )
            async with c.uow() as uow:
                await _apply(c, uow, conversation_id, snapshot, turn, memory, decision)
                await uow.commit()


async def _next_unhandled(uow: UnitOfWork, conversation_id: str) -> _Snapshot | None:
    conversation = await get_conversation(uow, conversation_id)
    message = (
        await uow.session.execute(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.handled.is_(False))
            .order_by(Message.seq)
            .limit(1)
        )
    ).scalar_one_or_none()
    if message is None:
        return None
    contact = await uow.session.get(Contact, conversation.contact_id)
    assert contact is not None
    reopen = not Status(conversation.status).is_open
    return _Snapshot(
        message_id=message.id,
        text=message.body,
        memory=BotMemory() if reopen else BotMemory.from_json(conversation.bot_memory),
        history=[] if reopen else list(conversation.history),
        customer=CustomerView(tier=contact.tier, name=contact.name, lang=contact.lang),
        channel=conversation.channel,
        reopen=reopen,
    )


async def _apply(
    c: Container,
    uow: UnitOfWork,
    conversation_id: str,
    snapshot: _Snapshot,
    turn: BotTurn,
    memory: BotMemory,
    decision: Decision,
) -> None:
    conversation = await get_conversation(uow, conversation_id, for_update=True)
    message = await uow.session.get(Message, snapshot.message_id)
    assert message is not None
    if message.handled:
        return  # another worker took this turn
    if not snapshot.reopen and len(conversation.history) != len(snapshot.history):
        # Another process applied a turn after our snapshot (PostgreSQL reads are not one
        # snapshot): applying ours would overwrite its history and memory. Leave the
        # message unhandled; `process` reads again and takes the turn on fresh state.
        return
    message.handled = True
    if snapshot.reopen:
        if Status(conversation.status).is_open:
            return  # reopened meanwhile by someone else; this turn is stale
        move(uow, conversation, Action.REOPEN)
        conversation.team = conversation.priority = conversation.agent_id = None
    if Status(conversation.status) is not Status.BOT:
        return  # the customer asked for a person meanwhile: the message goes to them
    conversation.bot_memory = memory.to_json()
    conversation.history = [*snapshot.history, turn_history.record(snapshot.text, turn, decision)]
    conversation.lang = turn.understanding.lang
    conversation.intent = turn.understanding.intent
    if not await _carry_out(c, uow, conversation, message, decision, turn, memory):
        await append_message(uow, conversation, SenderType.BOT.value, turn.reply)


async def _carry_out(
    c: Container,
    uow: UnitOfWork,
    conversation: Conversation,
    message: Message | None,
    decision: Decision,
    turn: BotTurn,
    memory: BotMemory,
) -> bool:
    """Store the decision; hand over when it says so. True when handed over."""
    row = await record_decision(uow, conversation, message, decision, turn)
    if not decision.handover:
        return False
    contact = await uow.session.get(Contact, conversation.contact_id)
    assert contact is not None
    await hand_over(
        uow,
        c,
        conversation,
        contact,
        decision,
        decision_id=row.id,
        entities=dict(memory.entities),
        topic=turn.topic,
    )
    return True


async def record_decision(
    uow: UnitOfWork,
    conversation: Conversation,
    message: Message | None,
    decision: Decision,
    turn: BotTurn,
) -> EscalationDecision:
    explained = decision.explain()
    row = EscalationDecision(
        conversation_id=conversation.id,
        message_id=message.id if message else None,
        turn=len(conversation.history),
        handover=decision.handover,
        reasons=list(decision.reasons),
        team=decision.team,
        priority=decision.priority.value,
        rule=decision.rule,
        policy_version=decision.policy_version,
        intent=turn.understanding.intent,
        signals=explained["signals"],
        created_at=uow.now,
    )
    uow.session.add(row)
    await uow.session.flush()
    uow.log(
        EventType.ESCALATION_DECIDED,
        conversation_id=conversation.id,
        channel=conversation.channel,
        team=decision.team,
        reasons=list(decision.reasons),
        handover=decision.handover,
        rule=decision.rule,
        policy_version=decision.policy_version,
        decision_id=row.id,
    )
    return row


async def request_person(c: Container, conversation_id: str) -> None:
    """The customer pressed "talk to a person": hand over now, to the team of their topic."""
    async with c.conversation_lock(conversation_id), c.uow() as uow:
        conversation = await get_conversation(uow, conversation_id, for_update=True)
        status = Status(conversation.status)
        if status.is_open and status is not Status.BOT:
            return  # already with people
        if not status.is_open:
            move(uow, conversation, Action.REOPEN)
            conversation.bot_memory, conversation.history = {}, []
            conversation.team = conversation.priority = conversation.agent_id = None
        contact = await uow.session.get(Contact, conversation.contact_id)
        assert contact is not None
        memory = BotMemory.from_json(conversation.bot_memory)
        turn = BotTurn(
            understanding=Understanding(
                lang=conversation.lang, intent="human_request", confidence=1.0
            ),
            outcome=BotOutcome.SMALL_TALK,
            reply="",
            topic=memory.topic or "general",
        )
        decision = c.escalation.decide(
            EscalationInput(
                text="",
                turn=turn,
                history=turn_history.turn_records(conversation.history),
                customer=CustomerView(tier=contact.tier, name=contact.name, lang=contact.lang),
                channel=conversation.channel,
                forced=True,
            )
        )
        if not decision.handover:
            # The button always works, whatever a custom policy says about the words.
            decision = replace(
                decision,
                handover=True,
                reasons=(*decision.reasons, Reason.EXPLICIT_REQUEST.value),
                team=decision.team or c.policy.default_team,
            )
        await _carry_out(c, uow, conversation, None, decision, turn, memory)
        await uow.commit()


async def recover(c: Container) -> int:
    """After a restart: take every bot turn that a crash left undone. Returns how many."""
    async with c.reader() as uow:
        ids = list(
            (
                await uow.session.execute(
                    select(Message.conversation_id).where(Message.handled.is_(False)).distinct()
                )
            ).scalars()
        )
    for conversation_id in ids:
        await process(c, conversation_id)
    return len(ids)
