"""One customer across channels: suggestions, proven links (one-time codes), merges.

A phone number or address a customer types links nothing by itself: the agent sees it as
a suggestion, never the customer. Two contacts become one only when the customer types
back a code we sent over the other channel (`start_challenge`, then `prove`), or when an
agent merges them by hand (`merge`). Every merge is written down, and `unmerge` puts back
exactly what it moved.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import Any

import phonenumbers
from sqlalchemy import func, or_, select, tuple_

from relaydesk.bot import replies
from relaydesk.bot.entities import extract_entities
from relaydesk.channels.base import IdentityKind
from relaydesk.domain.events import EventType
from relaydesk.domain.masking import OTP
from relaydesk.domain.vocab import Channel, SenderType
from relaydesk.service import contacts, delivery, desk, webchat
from relaydesk.service.bootstrap import Container
from relaydesk.service.conversations import (
    append_message,
    conversation_summary,
    get_conversation,
    message_view,
)
from relaydesk.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from relaydesk.service.uow import UnitOfWork
from relaydesk.store.models import (
    Contact,
    ContactIdentity,
    ContactMerge,
    Conversation,
    IdentityChallenge,
    Message,
)

DEFAULT_REGION = "ID"  # a number typed without "+62" is Indonesian
PHONE = IdentityKind.PHONE.value
EMAIL = IdentityKind.EMAIL.value
CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_TRIES = 5
CHALLENGES_PER_HOUR = 3  # per conversation
CODES_PER_IDENTITY_PER_HOUR = 3  # sent to one phone or address, from any conversation
SUGGESTION_SCAN = 200  # the customer's latest messages read for numbers and addresses
CODE_MASK = "*" * CODE_DIGITS
# The proof a merge stands on, given to identities that had none of their own (a web
# visitor's); a provider's word ("provider") is stronger and is kept.
LINK_PROOFS = ("code", "agent")

# Six digits, however typed: "123456", "123 456", "code: 123-456.", "kode 123456!"
_CODE_ATTEMPT = re.compile(
    r"\W*(?:(?:my\s+)?(?:code|kode|otp)\b\W*(?:is\W*|adalah\W*)?)?(?:\d[\s.-]*){5}\d\W*",
    re.IGNORECASE,
)
_EMAIL_SHAPE = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")


# --- values ----------------------------------------------------------------------------


def normalise(kind: str, value: str) -> str:
    """A phone in E.164 (a local number read as Indonesian), an e-mail lower-cased."""
    value = value.strip()
    if kind == PHONE:
        try:
            number = phonenumbers.parse(value, DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise InvalidInput(f"value: {value!r} is not a phone number we can use", field="value")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if kind == EMAIL:
        if len(value) > 320 or not _EMAIL_SHAPE.fullmatch(value):
            raise InvalidInput(f"value: {value!r} is not an e-mail address", field="value")
        return value.lower()
    raise InvalidInput(f"kind: must be {PHONE} or {EMAIL}, not {kind!r}", field="kind")


def masked_value(kind: str, value: str) -> str:
    """How a phone or address is shown back: enough to recognise, not to read off."""
    if kind == PHONE:
        country = f"+{phonenumbers.parse(value).country_code}"
        return country + "*" * max(len(value) - len(country) - 4, 3) + value[-4:]
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def _hash_code(code: str, salt: str | None = None) -> str:
    """`salt$digest`: a per-challenge salt, so equal codes never look alike in storage."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.blake2b(code.encode(), key=bytes.fromhex(salt), digest_size=20)
    return f"{salt}${digest.hexdigest()}"


def _code_matches(code_hash: str, code: str) -> bool:
    salt, _, _ = code_hash.partition("$")
    return hmac.compare_digest(code_hash, _hash_code(code, salt))


# --- suggestions (for the agent only) --------------------------------------------------


async def suggestions(uow: UnitOfWork, conversation: Conversation) -> list[dict[str, Any]]:
    """Other contacts owning a phone or address the customer typed here.

    For the agent's eyes only: a typed number proves nothing, so it never links anything
    and never shows the customer anyone's history.
    """
    bodies = (
        await uow.session.execute(
            select(Message.body)
            .where(
                Message.conversation_id == conversation.id,
                Message.sender == SenderType.CUSTOMER.value,
            )
            .order_by(Message.seq.desc())
            .limit(SUGGESTION_SCAN)
        )
    ).scalars()
    typed: dict[tuple[str, str], None] = {}  # in the order typed, oldest first
    for body in reversed(list(bodies)):
        for match in phonenumbers.PhoneNumberMatcher(body, DEFAULT_REGION):
            number = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            typed[(PHONE, number)] = None
        if email := extract_entities(body).get("email"):
            typed[(EMAIL, email)] = None
    if not typed:
        return []
    rows = (
        await uow.session.execute(
            select(ContactIdentity, Contact)
            .join(Contact, Contact.id == ContactIdentity.contact_id)
            .where(
                tuple_(ContactIdentity.kind, ContactIdentity.value).in_(list(typed)),
                ContactIdentity.contact_id != conversation.contact_id,
                Contact.merged_into_id.is_(None),
            )
        )
    ).all()
    found = {(identity.kind, identity.value): (identity, contact) for identity, contact in rows}
    answer = []
    for key in typed:
        if key not in found:
            continue
        identity, contact = found[key]
        count, last_seen = (
            await uow.session.execute(
                select(func.count(func.distinct(Conversation.id)), func.max(Message.created_at))
                .select_from(Conversation)
                .outerjoin(
                    Message,
                    (Message.conversation_id == Conversation.id)
                    & (Message.sender == SenderType.CUSTOMER.value),
                )
                .where(Conversation.contact_id == contact.id)
            )
        ).one()
        answer.append(
            {
                "contact_id": contact.id,
                "name": contact.name,
                "kind": identity.kind,
                "value": identity.value,
                "conversations": count,
                "last_seen": last_seen.isoformat() if last_seen else None,
            }
        )
    return answer


async def conversation_suggestions(
    c: Container, agent: desk.AgentView, conversation_id: str
) -> list[dict[str, Any]]:
    async with c.reader() as uow:
        conversation = await get_conversation(uow, conversation_id)
        await desk.check_visible(uow, agent, conversation)
        return await suggestions(uow, conversation)


async def identities_of(uow: UnitOfWork, contact_id: int) -> list[dict[str, Any]]:
    rows = await uow.session.execute(
        select(ContactIdentity)
        .where(ContactIdentity.contact_id == contact_id)
        .order_by(ContactIdentity.id)
    )
    return [
        {"id": i.id, "kind": i.kind, "value": i.value, "verified_by": i.verified_by}
        for i in rows.scalars()
    ]


# --- proving an identity with a one-time code ------------------------------------------


async def start_challenge(
    c: Container,
    conversation_id: str,
    kind: str,
    value: str,
    agent: desk.AgentView | None = None,
) -> dict[str, Any]:
    """Send a one-time code to the phone or address, over its own channel, for the customer
    of this conversation to type back here.

    The customer reads the same words whether or not we know that phone or address, and
    nothing is sent when we do not: nobody can probe who our customers are.
    """
    value = normalise(kind, value)
    async with c.uow() as uow:
        conversation = await get_conversation(uow, conversation_id, for_update=True)
        if agent is not None:
            await desk.check_visible(uow, agent, conversation)
        await _check_rate(uow, conversation)
        owner = await _live(uow, await contacts.find_by_identity(uow, kind, value))
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        sent_on = None
        if (
            owner is not None
            and owner.id != conversation.contact_id
            and await _codes_sent_lately(uow, kind, value) < CODES_PER_IDENTITY_PER_HOUR
        ):
            sent_on = await _send_code(uow, c, owner, kind, code)
        await _close_open_challenges(uow, conversation.id)
        # Always a challenge, even when nothing was sent: a code typed back then meets the
        # same "not right" as a wrong one, and tells nothing either.
        challenge = IdentityChallenge(
            conversation_id=conversation.id,
            contact_id=conversation.contact_id,
            target_contact_id=owner.id if owner is not None and sent_on else None,
            kind=kind,
            value=value,
            code_hash=_hash_code(code),
            sent_on=sent_on,
            attempts=0,
            expires_at=uow.now + CODE_TTL,
            created_at=uow.now,
        )
        uow.session.add(challenge)
        await uow.session.flush()
        shown = masked_value(kind, value)
        await append_message(
            uow,
            conversation,
            SenderType.SYSTEM.value,
            replies.say(
                "identity_code_sent",
                conversation.lang,
                value=shown,
                minutes=int(CODE_TTL.total_seconds() // 60),
            ),
        )
        uow.log(
            EventType.IDENTITY_CHALLENGED,
            conversation_id=conversation.id,
            channel=conversation.channel,
            team=conversation.team,
            agent_id=agent.id if agent is not None else None,
            challenge_id=challenge.id,
            kind=kind,
            sent_on=sent_on,
            by="agent" if agent is not None else "customer",
        )
        answer: dict[str, Any] = {
            "challenge_id": challenge.id,
            "kind": kind,
            "value": shown,
            "expires_at": challenge.expires_at.isoformat(),
        }
        if agent is not None:
            answer["sent_on"] = sent_on  # the agent may know; the customer never is told
        await uow.commit()
    return answer


async def start_challenge_for_visitor(c: Container, token: str, value: str) -> dict[str, Any]:
    """The web chat widget's "connect my WhatsApp / e-mail": a code for its own chat."""
    kind = EMAIL if "@" in value else PHONE
    normalise(kind, value)  # a bad value is refused before a conversation is made
    conversation_id = await webchat.conversation_of(c, token)
    return await start_challenge(c, conversation_id, kind, value)


async def _check_rate(uow: UnitOfWork, conversation: Conversation) -> None:
    recent = (
        await uow.session.execute(
            select(func.count(IdentityChallenge.id)).where(
                IdentityChallenge.conversation_id == conversation.id,
                IdentityChallenge.created_at > uow.now - timedelta(hours=1),
            )
        )
    ).scalar_one()
    if recent >= CHALLENGES_PER_HOUR:
        raise Conflict(
            f"at most {CHALLENGES_PER_HOUR} codes an hour for one conversation; try again later"
        )


async def _codes_sent_lately(uow: UnitOfWork, kind: str, value: str) -> int:
    """Codes sent to this phone or address in the last hour, from every conversation: many
    web chats must not flood one person's phone with codes."""
    return (
        await uow.session.execute(
            select(func.count(IdentityChallenge.id)).where(
                IdentityChallenge.kind == kind,
                IdentityChallenge.value == value,
                IdentityChallenge.sent_on.is_not(None),
                IdentityChallenge.created_at > uow.now - timedelta(hours=1),
            )
        )
    ).scalar_one()


def _code_channels(c: Container, kind: str) -> tuple[str, ...]:
    wanted = (Channel.WHATSAPP, Channel.SMS) if kind == PHONE else (Channel.EMAIL,)
    return tuple(channel.value for channel in wanted if c.channels.get(channel.value) is not None)


async def _send_code(
    uow: UnitOfWork, c: Container, owner: Contact, kind: str, code: str
) -> str | None:
    """Append the code to the owner's latest conversation on the channel that reaches that
    phone or address: masked in the transcript, in clear only in the outbox row."""
    for channel in _code_channels(c, kind):
        conversation = await contacts.current_conversation(
            uow, owner, channel, create=False, for_update=True
        )
        adapter = c.channels.get(channel)
        if conversation is None or not conversation.address or adapter is None:
            continue
        window = await delivery.reply_window(uow, adapter, conversation, by_agent=False)
        if not window.allowed:
            continue  # past WhatsApp's 24 hours a free-form code would not arrive: try SMS
        await append_message(
            uow,
            conversation,
            SenderType.SYSTEM.value,
            replies.say("identity_code", conversation.lang, code=CODE_MASK),
            masked=[OTP],
            outbound_text=replies.say("identity_code", conversation.lang, code=code),
        )
        return channel
    return None


async def _close_open_challenges(uow: UnitOfWork, conversation_id: str) -> None:
    """A new code replaces the one before: only the latest can be typed back."""
    rows = await uow.session.execute(
        select(IdentityChallenge).where(
            IdentityChallenge.conversation_id == conversation_id,
            IdentityChallenge.used_at.is_(None),
        )
    )
    for challenge in rows.scalars():
        challenge.used_at = uow.now


async def pending_challenge(
    uow: UnitOfWork, conversation: Conversation, text: str
) -> IdentityChallenge | None:
    """The challenge `text` answers, when it is a code attempt in a conversation waiting
    for one. Asked before the message is stored, so a typed code is never kept in clear:
    the pipeline stores CODE_MASK instead and takes no bot turn."""
    if not _CODE_ATTEMPT.fullmatch(text):
        return None
    query = (
        select(IdentityChallenge)
        .where(
            IdentityChallenge.conversation_id == conversation.id,
            IdentityChallenge.used_at.is_(None),
            # Long after a code expired, six digits are just six digits (a postcode).
            IdentityChallenge.expires_at > uow.now - CODE_TTL,
        )
        .order_by(IdentityChallenge.id.desc())
        .limit(1)
        .with_for_update()
    )
    return (await uow.session.execute(query)).scalar_one_or_none()


async def answer_challenge(
    uow: UnitOfWork,
    conversation: Conversation,
    contact: Contact,
    challenge: IdentityChallenge,
    text: str,
) -> None:
    """Check the typed code (with the conversation's row locked): link the contacts when
    it is right, count the try and say so when not."""
    if challenge.expires_at <= uow.now:
        challenge.used_at = uow.now
        await _tell(uow, conversation, "identity_code_expired")
        return
    challenge.attempts += 1
    target = None
    if challenge.target_contact_id is not None:
        target = await _live(uow, await uow.session.get(Contact, challenge.target_contact_id))
    if target is None or not _code_matches(challenge.code_hash, re.sub(r"\D", "", text)):
        if challenge.attempts >= MAX_TRIES:
            challenge.used_at = uow.now
            await _tell(uow, conversation, "identity_code_too_many")
        else:
            await _tell(
                uow, conversation, "identity_code_wrong", tries=MAX_TRIES - challenge.attempts
            )
        return
    challenge.used_at = uow.now
    merge_id = None
    if target.id != contact.id:
        locked = await _lock_contacts(uow, contact.id, target.id)
        source, target = locked[contact.id], locked[target.id]
        if source.merged_into_id is None and target.merged_into_id is None:
            merge_id = (await _merge(uow, source, target, method="code", agent_id=None)).id
    await _tell(uow, conversation, "identity_linked")
    uow.log(
        EventType.IDENTITY_PROVEN,
        conversation_id=conversation.id,
        channel=conversation.channel,
        team=conversation.team,
        challenge_id=challenge.id,
        kind=challenge.kind,
        contact_id=target.id,
        merge_id=merge_id,
    )


async def _tell(uow: UnitOfWork, conversation: Conversation, key: str, **fields: object) -> None:
    await append_message(
        uow, conversation, SenderType.SYSTEM.value, replies.say(key, conversation.lang, **fields)
    )


# --- merges ----------------------------------------------------------------------------


async def merge(
    c: Container,
    agent: desk.AgentView,
    source_contact_id: int,
    target_contact_id: int,
    method: str = "agent",
) -> dict[str, Any]:
    """Make two contacts one: every identity and conversation of the source moves to the
    target (or to the contact the target was itself merged into)."""
    async with c.uow() as uow:
        target_id = await _live_id(uow, target_contact_id, field="target_contact_id")
        if target_id == source_contact_id:
            raise InvalidInput("a contact cannot be merged into itself", field="target_contact_id")
        await _may_merge(uow, agent, source_contact_id, target_id)
        locked = await _lock_contacts(uow, source_contact_id, target_id)
        source, target = locked[source_contact_id], locked[target_id]
        if source.merged_into_id is not None:
            raise Conflict(
                f"contact {source.id} was already merged into contact {source.merged_into_id}",
                field="source_contact_id",
            )
        if target.merged_into_id is not None:
            raise Conflict(
                f"contact {target.id} was merged meanwhile; try again", field="target_contact_id"
            )
        row = await _merge(uow, source, target, method=method, agent_id=agent.id)
        view = _merge_view(row, undoable=True)
        await uow.commit()
    return view


async def _may_merge(uow: UnitOfWork, agent: desk.AgentView, first: int, second: int) -> None:
    """A merge shows each contact's history with the other's and sends one's replies to the
    other's channels, so an agent merges only two contacts they may both read (the same
    person waiting on two channels, say). A contact the customer merely named (a suggested
    match) is linked by the customer's proof instead: send them a code."""
    for contact_id in (first, second):
        try:
            await _visible_contact(uow, agent, contact_id)
        except Forbidden:
            raise Forbidden(
                f"contact {contact_id} is not yours to read: if it is your customer's, send "
                "them a code to prove it (a typed number proves nothing)"
            ) from None


async def unmerge(c: Container, agent: desk.AgentView, merge_id: int) -> dict[str, Any]:
    """Undo a merge: exactly the identities and conversations it moved (those still on the
    target) go back to the source, which lives again."""
    async with c.uow() as uow:
        row = (
            await uow.session.execute(
                select(ContactMerge).where(ContactMerge.id == merge_id).with_for_update()
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(f"no merge {merge_id}", field="merge_id")
        if row.undone_at is not None:
            raise Conflict(f"merge {merge_id} was already undone")
        await _visible_contact(uow, agent, row.target_contact_id)
        locked = await _lock_contacts(uow, row.source_contact_id, row.target_contact_id)
        source, target = locked[row.source_contact_id], locked[row.target_contact_id]
        if target.merged_into_id is not None:
            raise Conflict(
                f"contact {target.id} was merged into contact {target.merged_into_id} since; "
                "undo that merge first"
            )
        identities = list(
            (
                await uow.session.execute(
                    select(ContactIdentity).where(
                        ContactIdentity.id.in_(row.identity_ids),
                        ContactIdentity.contact_id == target.id,
                    )
                )
            ).scalars()
        )
        conversations = list(
            (
                await uow.session.execute(
                    select(Conversation)
                    .where(
                        Conversation.id.in_(row.conversation_ids),
                        Conversation.contact_id == target.id,
                    )
                    .order_by(Conversation.id)
                    .with_for_update()
                )
            ).scalars()
        )
        for identity in identities:
            identity.contact_id = source.id
            if identity.verified_by in LINK_PROOFS:
                identity.verified_by = await _linked_by(uow, source.id, identity.id)
        for conversation in conversations:
            conversation.contact_id = source.id
        source.merged_into_id = None
        row.undone_at, row.undone_by_agent_id = uow.now, agent.id
        uow.log(
            EventType.CONTACTS_UNMERGED,
            agent_id=agent.id,
            merge_id=row.id,
            source_contact_id=source.id,
            target_contact_id=target.id,
            identities=len(identities),
            conversations=len(conversations),
        )
        view = _merge_view(row, undoable=False)
        await uow.commit()
    return view


async def _merge(
    uow: UnitOfWork, source: Contact, target: Contact, *, method: str, agent_id: int | None
) -> ContactMerge:
    """Move everything of `source` to `target`; both rows must be locked by the caller."""
    identities = list(
        (
            await uow.session.execute(
                select(ContactIdentity)
                .where(ContactIdentity.contact_id == source.id)
                .order_by(ContactIdentity.id)
            )
        ).scalars()
    )
    conversations = list(
        (
            await uow.session.execute(
                select(Conversation)
                .where(Conversation.contact_id == source.id)
                .order_by(Conversation.id)
                .with_for_update()
            )
        ).scalars()
    )
    for identity in identities:
        identity.contact_id = target.id
        if identity.verified_by is None:
            identity.verified_by = method  # `unmerge` gives it back its None
    for conversation in conversations:
        conversation.contact_id = target.id
    source.merged_into_id = target.id
    row = ContactMerge(
        source_contact_id=source.id,
        target_contact_id=target.id,
        method=method,
        agent_id=agent_id,
        identity_ids=[i.id for i in identities],
        conversation_ids=[conv.id for conv in conversations],
        created_at=uow.now,
    )
    uow.session.add(row)
    await uow.session.flush()
    uow.log(
        EventType.CONTACTS_MERGED,
        agent_id=agent_id,
        merge_id=row.id,
        source_contact_id=source.id,
        target_contact_id=target.id,
        method=method,
        identities=len(identities),
        conversations=len(conversations),
    )
    return row


async def _linked_by(uow: UnitOfWork, contact_id: int, identity_id: int) -> str | None:
    """The proof an identity holds on `contact_id`: the method of the live merge that
    brought it there, or none when it is the contact's own (a web visitor's)."""
    merges = await uow.session.execute(
        select(ContactMerge)
        .where(ContactMerge.target_contact_id == contact_id, ContactMerge.undone_at.is_(None))
        .order_by(ContactMerge.id.desc())
    )
    for row in merges.scalars():
        if identity_id in row.identity_ids:
            return row.method
    return None


async def _lock_contacts(uow: UnitOfWork, *contact_ids: int) -> dict[int, Contact]:
    """Lock the contacts' rows, lowest id first: two merges of the same pair, in either
    direction, wait for each other instead of deadlocking (PostgreSQL; SQLite has one
    writer). Read afresh: another merge may have changed them since this session saw them."""
    locked = {}
    for contact_id in sorted(set(contact_ids)):
        contact = (
            await uow.session.execute(
                select(Contact)
                .where(Contact.id == contact_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        if contact is None:
            raise NotFound(f"no contact {contact_id}", field="contact_id")
        locked[contact_id] = contact
    return locked


async def _live(uow: UnitOfWork, contact: Contact | None) -> Contact | None:
    """The contact a merged one now lives on (itself when not merged)."""
    for _ in range(100):  # a chain of merges, never a cycle; the bound only guards that
        if contact is None or contact.merged_into_id is None:
            return contact
        contact = await uow.session.get(Contact, contact.merged_into_id)
    raise Conflict("contact merges form a loop; undo one of them")


async def _live_id(uow: UnitOfWork, contact_id: int, *, field: str = "contact_id") -> int:
    contact = await _live(uow, await uow.session.get(Contact, contact_id))
    if contact is None:
        raise NotFound(f"no contact {contact_id}", field=field)
    return contact.id


def _merge_view(row: ContactMerge, *, undoable: bool) -> dict[str, Any]:
    return {
        "id": row.id,
        "source_contact_id": row.source_contact_id,
        "target_contact_id": row.target_contact_id,
        "method": row.method,
        "agent_id": row.agent_id,
        "identity_ids": list(row.identity_ids),
        "conversation_ids": list(row.conversation_ids),
        "created_at": row.created_at.isoformat(),
        "undone_at": row.undone_at.isoformat() if row.undone_at else None,
        "undone_by_agent_id": row.undone_by_agent_id,
        "undoable": undoable,
    }


# --- the agent's view of a contact -----------------------------------------------------


async def contact_view(c: Container, agent: desk.AgentView, contact_id: int) -> dict[str, Any]:
    """Name, tier, how we know them (and how sure we are), their merges, their cases."""
    async with c.reader() as uow:
        contact = await _visible_contact(uow, agent, contact_id)
        merges = (
            await uow.session.execute(
                select(ContactMerge)
                .where(
                    or_(
                        ContactMerge.source_contact_id == contact.id,
                        ContactMerge.target_contact_id == contact.id,
                    )
                )
                .order_by(ContactMerge.id)
            )
        ).scalars()
        conversations = (
            await uow.session.execute(
                select(Conversation)
                .where(Conversation.contact_id == contact.id)
                .order_by(Conversation.updated_at.desc(), Conversation.id)
            )
        ).scalars()
        return {
            "id": contact.id,
            "name": contact.name,
            "tier": contact.tier,
            "lang": contact.lang,
            "identities": await identities_of(uow, contact.id),
            "merges": [
                _merge_view(m, undoable=m.undone_at is None and m.target_contact_id == contact.id)
                for m in merges
            ],
            "conversations": [
                {
                    **conversation_summary(conv),
                    "created_at": conv.created_at.isoformat(),
                    "updated_at": conv.updated_at.isoformat(),
                }
                for conv in conversations
            ],
        }


async def timeline(
    c: Container,
    agent: desk.AgentView,
    contact_id: int,
    before: int | None = None,
    limit: int = 200,
) -> dict[str, Any]:
    """Every message of every conversation of the contact, on every channel, oldest first:
    the newest `limit` of them, or the `limit` before message id `before`."""
    async with c.reader() as uow:
        contact = await _visible_contact(uow, agent, contact_id)
        query = (
            select(Message, Conversation)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.contact_id == contact.id)
        )
        if before is not None:
            cursor = await uow.session.get(Message, before)
            if cursor is None:
                raise InvalidInput(f"before: no message {before}", field="before")
            query = query.where(
                tuple_(Message.created_at, Message.id) < tuple_(cursor.created_at, cursor.id)
            )
        rows = (
            await uow.session.execute(
                query.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit + 1)
            )
        ).all()
        more = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        return {
            "contact_id": contact.id,
            "messages": [
                {**message_view(message, conversation), "id": message.id}
                for message, conversation in rows
            ],
            "before": rows[0][0].id if more and rows else None,  # the next page's cursor
        }


async def _visible_contact(uow: UnitOfWork, agent: desk.AgentView, contact_id: int) -> Contact:
    """The (live) contact, if the agent may see one of its conversations: theirs, or
    waiting in one of their teams (the desk's own rule)."""
    contact = await _live(uow, await uow.session.get(Contact, contact_id))
    if contact is None:
        raise NotFound(f"no contact {contact_id}", field="contact_id")
    conversations = (
        await uow.session.execute(select(Conversation).where(Conversation.contact_id == contact.id))
    ).scalars()
    for conversation in conversations:
        try:
            await desk.check_visible(uow, agent, conversation)
        except Forbidden:
            continue
        return contact
    raise Forbidden("none of this contact's conversations is yours or waiting in one of your teams")
