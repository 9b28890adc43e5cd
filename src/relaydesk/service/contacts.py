"""Finding the contact behind an inbound message, and their conversation on a channel."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from typing import Any

from sqlalchemy import select

from relaydesk.domain.conversation import Status
from relaydesk.domain.events import EventType
from relaydesk.service.bus import LiveEvent
from relaydesk.service.conversations import conversation_summary, topics
from relaydesk.service.errors import Unauthorized
from relaydesk.service.uow import UnitOfWork
from relaydesk.store.models import Contact, ContactIdentity, Conversation, Message

WEB_VISITOR = "web_visitor"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def find_by_identity(uow: UnitOfWork, kind: str, value: str) -> Contact | None:
    query = (
        select(Contact)
        .join(ContactIdentity, ContactIdentity.contact_id == Contact.id)
        .where(ContactIdentity.kind == kind, ContactIdentity.value == value)
    )
    return (await uow.session.execute(query)).scalar_one_or_none()


async def get_or_create(
    uow: UnitOfWork,
    kind: str,
    value: str,
    *,
    name: str | None = None,
    tier: str | None = None,
    lang: str | None = None,
    attributes: dict[str, Any] | None = None,
    verified_by: str | None = None,
) -> Contact:
    contact = await find_by_identity(uow, kind, value)
    if contact is None:
        contact = Contact(
            name=name,
            tier=tier or "standard",
            lang=lang,
            attributes=attributes or {},
            created_at=uow.now,
        )
        uow.session.add(contact)
        await uow.session.flush()
        uow.session.add(
            ContactIdentity(
                contact_id=contact.id,
                kind=kind,
                value=value,
                verified_by=verified_by,
                created_at=uow.now,
            )
        )
        await uow.session.flush()  # a concurrent twin fails here, not at commit
    else:
        # Attributes a trusted source sends (the shop's tier, the profile's name) refresh.
        contact.name = name or contact.name
        contact.tier = tier or contact.tier
        contact.lang = lang or contact.lang
        if attributes:
            contact.attributes = {**contact.attributes, **attributes}
    return contact


async def new_visitor(
    uow: UnitOfWork, name: str | None, lang: str | None
) -> tuple[Contact, ContactIdentity, str]:
    """A web chat visitor: the token is the only proof they are who they were."""
    visitor_id = uuid.uuid4().hex
    secret = secrets.token_urlsafe(24)
    contact = Contact(name=name, tier="standard", lang=lang, attributes={}, created_at=uow.now)
    uow.session.add(contact)
    await uow.session.flush()
    identity = ContactIdentity(
        contact_id=contact.id,
        kind=WEB_VISITOR,
        value=visitor_id,
        secret_hash=_hash(secret),
        created_at=uow.now,
    )
    uow.session.add(identity)
    return contact, identity, f"{visitor_id}.{secret}"


_VISITOR_TOKEN = re.compile(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{16,64}")


async def visitor_from_token(uow: UnitOfWork, token: str) -> Contact:
    contact, _ = await visitor_and_identity(uow, token)
    return contact


async def visitor_and_identity(uow: UnitOfWork, token: str) -> tuple[Contact, ContactIdentity]:
    if not _VISITOR_TOKEN.fullmatch(token):
        raise Unauthorized("unknown or expired visitor token; start a new chat session")
    visitor_id, _, secret = token.partition(".")
    query = select(ContactIdentity).where(
        ContactIdentity.kind == WEB_VISITOR, ContactIdentity.value == visitor_id
    )
    identity = (await uow.session.execute(query)).scalar_one_or_none()
    if (
        identity is None
        or identity.secret_hash is None
        or not hmac.compare_digest(identity.secret_hash, _hash(secret))
    ):
        raise Unauthorized("unknown or expired visitor token; start a new chat session")
    contact = await uow.session.get(Contact, identity.contact_id)
    assert contact is not None  # foreign key
    return contact, identity


async def current_conversation(
    uow: UnitOfWork,
    contact: Contact,
    channel: str,
    *,
    create: bool,
    lang: str | None = None,
    for_update: bool = False,
) -> Conversation | None:
    """The contact's conversation on this channel: the latest, reopened when they write again.

    `for_update` locks its row (PostgreSQL) so that two messages arriving at once in two
    processes get consecutive sequence numbers instead of one failing on the unique seq.
    """
    query = (
        select(Conversation)
        .where(Conversation.contact_id == contact.id, Conversation.channel == channel)
        .order_by(Conversation.created_at.desc(), Conversation.id.desc())
        .limit(1)
    )
    if for_update:
        query = query.with_for_update()
    conversation = (await uow.session.execute(query)).scalar_one_or_none()
    if conversation is None and create:
        conversation = Conversation(
            id=uuid.uuid4().hex,
            contact_id=contact.id,
            channel=channel,
            status=Status.BOT.value,
            lang=lang or contact.lang or "en",
            bot_memory={},
            history=[],
            last_seq=0,
            created_at=uow.now,
            updated_at=uow.now,
        )
        uow.session.add(conversation)
        await uow.session.flush()
        uow.log(
            EventType.CONVERSATION_STARTED,
            conversation_id=conversation.id,
            channel=channel,
            contact_id=contact.id,
        )
    return conversation


# A case with people (or on its way to them) follows the customer to another channel.
_WITH_PEOPLE = tuple(s.value for s in Status if s.is_open and s is not Status.BOT)


async def lock_live(uow: UnitOfWork, contact: Contact) -> Contact:
    """Lock the contact's row and return the contact that is live now: a merge may have
    moved everything to another while we looked (then that one is locked)."""
    for _ in range(10):  # merges chain only as far as agents made them
        query = (
            select(Contact)
            .where(Contact.id == contact.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        contact = (await uow.session.execute(query)).scalar_one()
        if contact.merged_into_id is None:
            return contact
        merged = await uow.session.get(Contact, contact.merged_into_id)
        assert merged is not None
        contact = merged
    return contact


async def case_with_people(
    uow: UnitOfWork, contact: Contact, *, for_update: bool = False, channel: str | None = None
) -> Conversation | None:
    """The contact's open case with people (queued, offered, assigned), on any channel (or
    on `channel` only)."""
    query = (
        select(Conversation)
        .where(Conversation.contact_id == contact.id, Conversation.status.in_(_WITH_PEOPLE))
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(1)
    )
    if channel is not None:
        query = query.where(Conversation.channel == channel)
    if for_update:
        query = query.with_for_update()
    return (await uow.session.execute(query)).scalar_one_or_none()


async def visitor_conversation(
    uow: UnitOfWork,
    contact: Contact,
    visitor: ContactIdentity,
    *,
    create: bool,
    lang: str | None = None,
    for_update: bool = False,
) -> Conversation | None:
    """What the web chat widget shows a visitor: once they proved another channel is theirs
    (a code), their case with people wherever it is now (a linked customer who went on by
    WhatsApp sees it continue); else their web chat only, whatever an agent merged."""
    if visitor.verified_by == "code":
        found = await case_with_people(uow, contact, for_update=for_update)
        if found is not None:
            return found
    return await current_conversation(
        uow, contact, "webchat", create=create, lang=lang, for_update=for_update
    )


async def conversation_for(
    uow: UnitOfWork,
    contact: Contact,
    channel: str,
    *,
    thread: tuple[str, ...] = (),
    lang: str | None = None,
    any_channel: bool = True,
) -> Conversation:
    """The conversation a new message from `contact` on `channel` belongs to, locked:

    1. the one its e-mail thread points to (In-Reply-To / References), if it is theirs;
    2. their open case with people on any channel: a customer who moves from web chat to
       WhatsApp while waiting keeps their place and their brief (`any_channel` False: on
       this channel only, for a web visitor who proved nothing themselves);
    3. their latest conversation on this channel (the bot reopens it); else a new one.

    The caller holds the contact's row lock (`lock_live`; the lock order: contact, then
    conversation), so two first messages at once cannot both start a conversation.
    """
    if thread:
        query = (
            select(Conversation)
            .join(Message, Message.conversation_id == Conversation.id)
            .where(
                Message.channel == channel,
                Message.external_id.in_(thread),
                Conversation.contact_id == contact.id,
            )
            .order_by(Message.id.desc())
            .limit(1)
            .with_for_update(of=Conversation)
        )
        found = (await uow.session.execute(query)).scalar_one_or_none()
        if found is not None:
            return found
    found = await case_with_people(
        uow, contact, for_update=True, channel=None if any_channel else channel
    )
    if found is not None:
        return found
    conversation = await current_conversation(
        uow, contact, channel, create=True, lang=lang, for_update=True
    )
    assert conversation is not None
    return conversation


def came_from(
    uow: UnitOfWork,
    conversation: Conversation,
    channel: str,
    address: str | None,
    meta: dict[str, Any],
) -> None:
    """Replies go where the customer last wrote from."""
    if conversation.channel != channel:
        uow.log(
            EventType.CHANNEL_SWITCHED,
            conversation_id=conversation.id,
            channel=channel,
            team=conversation.team,
            before=conversation.channel,
        )
        conversation.channel = channel
        uow.publish_after_commit(  # the desk shows where replies go now
            LiveEvent(
                "conversation_status",
                topics(conversation, content=False),
                conversation_summary(conversation),
            )
        )
    if address is not None:
        conversation.address = address
    # One line, whatever the customer's mail header held: it becomes our replies' Subject.
    subject = " ".join(str(meta.get("subject") or "").split())[:500]
    if subject and not conversation.thread.get("subject"):
        conversation.thread = {**conversation.thread, "subject": subject}
