"""One customer across channels, on SQLite and PostgreSQL: a phone links WhatsApp and SMS
by itself; a typed number is only a suggestion for the agent; a code sent over the other
channel links a web visitor; agents merge and un-merge exactly."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from relaydesk.bot import replies
from relaydesk.channels.base import CustomerMessage, IdentityKind, Sender
from relaydesk.channels.registry import Channels, ChannelsConfig
from relaydesk.channels.whatsapp import WhatsAppSettings
from relaydesk.clock import ManualClock
from relaydesk.service import admin, desk, identity, inbound, webchat
from relaydesk.service.bootstrap import Container, bootstrap
from relaydesk.service.desk import AgentView
from relaydesk.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from relaydesk.settings import Settings
from relaydesk.store.models import (
    Contact,
    ContactIdentity,
    Conversation,
    Event,
    Handover,
    Message,
    OutboxItem,
    QueueEntry,
)
from tests.conftest import _truncate

OWNER = "+6281234500003"  # Rina, on WhatsApp
OWNER_WA = "6281234500003"  # her WhatsApp id: where replies go
WHATSAPP = WhatsAppSettings(
    app_secret="app-secret",
    verify_token="verify-token",
    access_token="access-token",
    phone_number_id="106540352242922",
)


@pytest.fixture
async def container(settings: Settings, clock: ManualClock) -> AsyncIterator[Container]:
    """The service with WhatsApp on, so a code for a phone can go out there."""
    c = bootstrap(settings, clock=clock, channels=Channels(ChannelsConfig(whatsapp=WHATSAPP)))
    await c.start()
    await _truncate(c)
    await admin.ensure_teams(c)
    try:
        yield c
    finally:
        await c.stop()


# --- helpers ---------------------------------------------------------------------------


async def from_phone(
    c: Container, channel: str, text: str, external_id: str, phone: str = OWNER
) -> str:
    address = phone.lstrip("+") if channel == "whatsapp" else phone
    message = CustomerMessage(
        external_id=external_id,
        sender=Sender(IdentityKind.PHONE, phone, address=address, name="Rina"),
        text=text,
    )
    accepted = await inbound.receive_from_channel(c, channel, message)
    await inbound.process(c, accepted.conversation_id)
    return accepted.conversation_id


class Visitor:
    def __init__(self, c: Container, token: str, conversation_id: str) -> None:
        self.c, self.token, self.conversation_id, self.sent = c, token, conversation_id, 0

    @classmethod
    async def start(cls, c: Container) -> Visitor:
        state = await webchat.start(c, None, "Visitor", "en")
        return cls(c, state["token"], state["conversation"]["conversation_id"])

    async def says(self, text: str) -> None:
        self.sent += 1
        accepted = await inbound.receive_from_visitor(
            self.c, self.token, inbound.Inbound("webchat", text, client_id=f"v-{self.sent}")
        )
        assert accepted.conversation_id == self.conversation_id
        await inbound.process(self.c, accepted.conversation_id)

    async def verify(self, value: str) -> dict[str, Any]:
        return await identity.start_challenge_for_visitor(self.c, self.token, value)

    async def lines(self) -> list[tuple[str, str]]:
        history = await webchat.history(self.c, self.token, 0)
        return [(m["sender"], m["text"]) for m in history["messages"]]


async def agent_for(c: Container, conversation_id: str, name: str = "Alex") -> AgentView:
    """An agent in the team the case waits for."""
    conversation = await row(c, Conversation, conversation_id)
    assert conversation.team is not None, "the case should be waiting for a team"
    email = f"{name.lower()}@example.com"
    await admin.create_agent(
        c, email=email, name=name, password="secret-pass", teams=[conversation.team]
    )
    _, view = await desk.login(c, email, "secret-pass")
    return view


async def outsider(c: Container) -> AgentView:
    await admin.create_agent(
        c, email="otto@example.com", name="Otto", password="secret-pass", teams=["billing"]
    )
    _, view = await desk.login(c, "otto@example.com", "secret-pass")
    return view


async def row(c: Container, model: Any, key: Any) -> Any:
    async with c.reader() as uow:
        found = await uow.session.get(model, key)
        assert found is not None
        return found


async def contact_of_phone(c: Container, phone: str = OWNER) -> int:
    async with c.reader() as uow:
        query = select(ContactIdentity.contact_id).where(ContactIdentity.value == phone)
        return int((await uow.session.execute(query)).scalar_one())


async def outbox(c: Container) -> list[OutboxItem]:
    async with c.reader() as uow:
        query = select(OutboxItem).order_by(OutboxItem.id)
        return list((await uow.session.execute(query)).scalars())


async def all_text(c: Container) -> str:
    """Everything stored where people or logs could read it (the outbox aside)."""
    async with c.reader() as uow:
        bodies = (await uow.session.execute(select(Message.body, Message.meta))).all()
        events = (await uow.session.execute(select(Event.data))).scalars()
        return repr([*bodies, *events])


async def code_sent(c: Container, before: int) -> str:
    """The code in the one outbox row queued since `before` rows."""
    rows = (await outbox(c))[before:]
    assert len(rows) == 1
    found = re.search(r"\b\d{6}\b", rows[0].payload["text"])
    assert found is not None
    return found.group(0)


async def state(c: Container) -> dict[str, Any]:
    """Who owns what: contacts, identities and conversations."""
    async with c.reader() as uow:
        contacts = (await uow.session.execute(select(Contact.id, Contact.merged_into_id))).all()
        identities = (
            await uow.session.execute(
                select(ContactIdentity.id, ContactIdentity.contact_id, ContactIdentity.verified_by)
            )
        ).all()
        conversations = (
            await uow.session.execute(select(Conversation.id, Conversation.contact_id))
        ).all()
        return {
            "contacts": sorted(contacts),
            "identities": sorted(identities),
            "conversations": sorted(conversations),
        }


def wording(key: str, **fields: object) -> str:
    return replies.say(key, "en", **fields)


# --- a phone is one identity on every channel -------------------------------------------


async def test_whatsapp_then_sms_from_one_number_is_one_contact_and_one_timeline(
    container: Container,
) -> None:
    on_whatsapp = await from_phone(container, "whatsapp", "hello", "wamid.1")
    on_sms = await from_phone(container, "sms", "agent please", "SM1")
    assert on_whatsapp != on_sms
    first = await row(container, Conversation, on_whatsapp)
    second = await row(container, Conversation, on_sms)
    assert first.contact_id == second.contact_id
    agent = await agent_for(container, on_sms)

    seen = await identity.timeline(container, agent, first.contact_id)
    customer = [(m["channel"], m["text"]) for m in seen["messages"] if m["sender"] == "customer"]
    assert customer == [("whatsapp", "hello"), ("sms", "agent please")]
    assert {m["conversation_id"] for m in seen["messages"]} == {on_whatsapp, on_sms}
    assert all("delivery" in m and "attachments" in m for m in seen["messages"])
    assert seen["before"] is None

    page = await identity.timeline(container, agent, first.contact_id, limit=2)
    assert [m["id"] for m in page["messages"]] == [m["id"] for m in seen["messages"][-2:]]
    older = await identity.timeline(container, agent, first.contact_id, before=page["before"])
    assert older["messages"] == seen["messages"][:-2]

    view = await identity.contact_view(container, agent, first.contact_id)
    assert [(i["kind"], i["value"], i["verified_by"]) for i in view["identities"]] == [
        ("phone", OWNER, "provider")
    ]
    assert {conv["channel"] for conv in view["conversations"]} == {"whatsapp", "sms"}
    with pytest.raises(Forbidden):
        await identity.timeline(container, await outsider(container), first.contact_id)
    with pytest.raises(NotFound):
        await identity.contact_view(container, agent, 99999)


# --- a typed number: a suggestion for the agent, nothing for the customer ---------------


async def test_a_typed_number_is_only_a_suggestion_for_the_agent(container: Container) -> None:
    await from_phone(container, "whatsapp", "my parcel to Jalan Melati never came", "wamid.1")
    owner_id = await contact_of_phone(container)
    visitor = await Visitor.start(container)
    await visitor.says("hi, my number is 0812-3450-0003")
    await visitor.says("agent please")
    before = await state(container)
    agent = await agent_for(container, visitor.conversation_id)

    detail = await desk.conversation_detail(container, agent, visitor.conversation_id)
    [suggestion] = detail["suggestions"]
    assert suggestion["contact_id"] == owner_id
    assert (suggestion["kind"], suggestion["value"]) == ("phone", OWNER)
    assert suggestion["conversations"] == 1 and suggestion["last_seen"] is not None
    assert detail["contact_id"] != owner_id
    assert [i["kind"] for i in detail["identities"]] == ["web_visitor"]
    assert (
        await identity.conversation_suggestions(container, agent, visitor.conversation_id)
        == detail["suggestions"]
    )

    assert await state(container) == before  # nothing linked
    lines = repr(await visitor.lines())
    assert "Melati" not in lines and "Rina" not in lines
    with pytest.raises(Forbidden):  # the owner's own cases are not the agent's to read
        await identity.contact_view(container, agent, owner_id)


# --- a code over the other channel ------------------------------------------------------


async def test_the_code_goes_to_the_owners_whatsapp_and_is_masked_in_the_transcript(
    container: Container,
) -> None:
    on_whatsapp = await from_phone(container, "whatsapp", "hello", "wamid.1")
    visitor = await Visitor.start(container)
    await visitor.says("hello")
    queued = len(await outbox(container))

    answer = await visitor.verify("0812 3450 0003")

    rows = (await outbox(container))[queued:]
    assert [(r.channel, r.recipient) for r in rows] == [("whatsapp", OWNER_WA)]
    code = await code_sent(container, queued)
    assert rows[0].payload["text"] == wording("identity_code", code=code)
    owner_lines = [m.body for m in await messages(container, on_whatsapp, "system")]
    assert owner_lines == [wording("identity_code", code="******")]
    assert code not in await all_text(container)
    told = wording("identity_code_sent", value="+62*******0003", minutes=10)
    assert (await visitor.lines())[-1] == ("system", told)
    assert answer["value"] == "+62*******0003" and "sent_on" not in answer


async def test_a_wrong_code_does_not_link_and_the_right_one_does(container: Container) -> None:
    await from_phone(container, "whatsapp", "hello", "wamid.1")
    owner_id = await contact_of_phone(container)
    visitor = await Visitor.start(container)
    await visitor.says("hello")
    queued = len(await outbox(container))
    await visitor.verify("+6281234500003")
    code = await code_sent(container, queued)
    before = await state(container)

    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    live = container.bus.subscribe([f"conversation:{visitor.conversation_id}"])
    await visitor.says(wrong)
    assert await state(container) == before
    assert (await visitor.lines())[-1] == ("system", wording("identity_code_wrong", tries=4))

    await visitor.says(f"{code[:3]} {code[3:]}")  # spaces are fine
    heard = [live.queue.get_nowait() for _ in range(live.queue.qsize())]
    typed = [e.payload for e in heard if e.type == "message" and e.payload["sender"] == "customer"]
    assert [(p["text"], p["masked"]) for p in typed] == [("******", ["otp"])] * 2
    assert code not in repr(heard) and wrong not in repr(heard)
    conversation = await row(container, Conversation, visitor.conversation_id)
    assert conversation.contact_id == owner_id
    visitor_contact = next(c for c, merged in before["contacts"] if c != owner_id)
    assert (await row(container, Contact, visitor_contact)).merged_into_id == owner_id
    async with container.reader() as uow:
        view = await identity.identities_of(uow, owner_id)
    assert sorted((i["kind"], i["verified_by"]) for i in view) == [
        ("phone", "provider"),
        ("web_visitor", "code"),
    ]
    lines = await visitor.lines()
    assert lines[-1] == ("system", wording("identity_linked"))
    assert [t for s, t in lines if s == "customer"][-2:] == ["******", "******"]
    assert not any(s == "bot" and t != lines[1][1] for s, t in lines[2:])  # no bot turn on codes
    dump = await all_text(container)
    assert code not in dump and wrong not in dump
    async with container.reader() as uow:
        proven = (
            await uow.session.execute(select(Event).where(Event.type == "identity_proven"))
        ).scalar_one()
    assert proven.conversation_id == visitor.conversation_id
    assert proven.data["contact_id"] == owner_id


async def test_an_expired_code_is_refused(container: Container, clock: ManualClock) -> None:
    await from_phone(container, "whatsapp", "hello", "wamid.1")
    visitor = await Visitor.start(container)
    queued = len(await outbox(container))
    await visitor.verify(OWNER)
    code = await code_sent(container, queued)
    before = await state(container)
    clock.advance(11 * 60)
    await visitor.says(code)
    assert await state(container) == before
    assert (await visitor.lines())[-1] == ("system", wording("identity_code_expired"))
    await visitor.says(code)  # the challenge is over: six digits go to the bot now
    assert (await visitor.lines())[-1][0] == "bot"


async def test_too_many_wrong_codes_end_the_challenge(container: Container) -> None:
    await from_phone(container, "whatsapp", "hello", "wamid.1")
    visitor = await Visitor.start(container)
    queued = len(await outbox(container))
    await visitor.verify(OWNER)
    code = await code_sent(container, queued)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        await visitor.says(wrong)
    assert (await visitor.lines())[-1] == ("system", wording("identity_code_too_many"))
    before = await state(container)
    await visitor.says(code)  # the right code, too late
    assert await state(container) == before


async def test_an_unknown_number_gets_the_same_words_and_nothing_is_sent(
    container: Container,
) -> None:
    await from_phone(container, "whatsapp", "hello", "wamid.1")
    visitor = await Visitor.start(container)
    queued = len(await outbox(container))

    unknown = await visitor.verify("0813 9999 0001")
    assert len(await outbox(container)) == queued
    told = wording("identity_code_sent", value="+62*******0001", minutes=10)
    assert (await visitor.lines())[-1] == ("system", told)
    known = await visitor.verify(OWNER)
    assert len(await outbox(container)) == queued + 1
    assert set(known) == set(unknown)  # the same answer, shape for shape

    before = await state(container)
    await visitor.says("123456")  # a guess meets the same "not right" as a wrong code
    assert (await visitor.lines())[-1] == ("system", wording("identity_code_wrong", tries=4))
    assert await state(container) == before


async def test_codes_are_rate_limited_per_conversation(
    container: Container, clock: ManualClock
) -> None:
    visitor = await Visitor.start(container)
    for _ in range(3):
        await visitor.verify("0813 9999 0001")
    with pytest.raises(Conflict, match="at most 3 codes an hour"):
        await visitor.verify("0813 9999 0001")
    clock.advance(3601)
    await visitor.verify("0813 9999 0001")
    with pytest.raises(InvalidInput) as bad:
        await visitor.verify("not a phone")
    assert bad.value.field == "value"


async def test_an_agent_can_ask_for_a_code_and_learns_where_it_went(
    container: Container,
) -> None:
    await from_phone(container, "whatsapp", "hello", "wamid.1")
    visitor = await Visitor.start(container)
    await visitor.says("agent please")
    agent = await agent_for(container, visitor.conversation_id)
    answer = await identity.start_challenge(
        container, visitor.conversation_id, "phone", OWNER, agent
    )
    assert answer["sent_on"] == "whatsapp"
    with pytest.raises(Forbidden):
        await identity.start_challenge(
            container, visitor.conversation_id, "phone", OWNER, await outsider(container)
        )
    with pytest.raises(InvalidInput) as bad:
        await identity.start_challenge(container, visitor.conversation_id, "fax", "1", agent)
    assert bad.value.field == "kind"


# --- merges by hand ---------------------------------------------------------------------


async def test_an_agent_merge_and_unmerge_restore_exactly(container: Container) -> None:
    # The customer names their other number; the visitor's case waits in the same team.
    first = await from_phone(
        container, "whatsapp", "agent please, I also use +6281234500004", "wamid.1"
    )
    await from_phone(container, "whatsapp", "agent please", "wamid.2", phone="+6281234500004")
    visitor = await Visitor.start(container)
    await visitor.says("agent please")
    agent = await agent_for(container, first)
    a = await contact_of_phone(container)
    b = await contact_of_phone(container, "+6281234500004")
    v = (await row(container, Conversation, visitor.conversation_id)).contact_id
    original = await state(container)

    into_a = await identity.merge(container, agent, v, a)  # the visitor into A
    a_into_b = await identity.merge(container, agent, a, b)
    after = await state(container)
    assert {owner for _, owner in after["conversations"]} == {b}
    assert {owner for _, owner, _ in after["identities"]} == {b}
    assert dict(after["contacts"]) == {a: b, b: None, v: a}
    assert sorted(verified for _, _, verified in after["identities"]) == [
        "agent",
        "provider",
        "provider",
    ]
    # A, or the visitor, is read as the contact they live on now.
    view = await identity.contact_view(container, agent, v)
    assert view["id"] == b
    assert [m["undoable"] for m in view["merges"]] == [True]

    with pytest.raises(InvalidInput):
        await identity.merge(container, agent, b, b)
    with pytest.raises(InvalidInput):
        await identity.merge(container, agent, b, v)  # v lives on b: that is b itself
    with pytest.raises(Conflict, match="already merged"):
        await identity.merge(container, agent, a, b)
    with pytest.raises(Conflict, match="undo that merge first"):
        await identity.unmerge(container, agent, into_a["id"])  # a itself lives on b now
    with pytest.raises(NotFound):
        await identity.merge(container, agent, 99999, b)

    await identity.unmerge(container, agent, a_into_b["id"])
    await identity.unmerge(container, agent, into_a["id"])
    assert await state(container) == original
    with pytest.raises(Conflict, match="already undone"):
        await identity.unmerge(container, agent, into_a["id"])
    async with container.reader() as uow:
        audit = (
            await uow.session.execute(
                select(Event.type, Event.agent_id)
                .where(Event.type.in_(["contacts_merged", "contacts_unmerged"]))
                .order_by(Event.id)
            )
        ).all()
    assert audit == [
        ("contacts_merged", agent.id),
        ("contacts_merged", agent.id),
        ("contacts_unmerged", agent.id),
        ("contacts_unmerged", agent.id),
    ]


async def test_two_merges_of_one_contact_at_once_only_one_wins(container: Container) -> None:
    case = await from_phone(
        container, "whatsapp", "agent please: +6281234500004 +6281234500005", "wamid.1"
    )
    await from_phone(container, "whatsapp", "agent please", "wamid.2", phone="+6281234500004")
    await from_phone(container, "whatsapp", "agent please", "wamid.3", phone="+6281234500005")
    agent = await agent_for(container, case)
    a = await contact_of_phone(container)
    b = await contact_of_phone(container, "+6281234500004")
    d = await contact_of_phone(container, "+6281234500005")
    results = await asyncio.gather(
        identity.merge(container, agent, a, b),
        identity.merge(container, agent, a, d),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "dict"]
    async with container.reader() as uow:
        merged = (await uow.session.execute(select(func.count()).select_from(Contact))).scalar()
        owners = (
            await uow.session.execute(
                select(ContactIdentity.contact_id).where(ContactIdentity.value == OWNER)
            )
        ).scalar_one()
    assert merged == 3 and owners in (b, d)


# --- a linked customer keeps their place ------------------------------------------------


async def test_a_linked_customer_who_moves_to_whatsapp_keeps_their_place_and_brief(
    container: Container,
) -> None:
    await from_phone(container, "whatsapp", "hello", "wamid.1")
    visitor = await Visitor.start(container)
    await visitor.says("where is my order 58001? I want to talk to a person")
    entry = await queue_entry(container, visitor.conversation_id)
    assert entry is not None
    handover_before = await open_brief(container, visitor.conversation_id)
    queued = len(await outbox(container))
    await visitor.verify(OWNER)
    await visitor.says(await code_sent(container, queued))

    moved = await from_phone(container, "whatsapp", "any news?", "wamid.2")

    assert moved == visitor.conversation_id
    conversation = await row(container, Conversation, moved)
    assert (conversation.channel, conversation.address) == ("whatsapp", OWNER_WA)
    assert conversation.status == "queued"
    again = await queue_entry(container, moved)
    assert again is not None
    assert (again.id, again.sort_key, again.handover_id) == (
        entry.id,
        entry.sort_key,
        entry.handover_id,
    )
    assert await open_brief(container, moved) == handover_before
    # Back in the widget, the customer sees the case go on, with what they said on WhatsApp.
    shown = await webchat.history(container, visitor.token, 0)
    assert shown["conversation"]["conversation_id"] == moved
    assert shown["conversation"]["channel"] == "whatsapp"
    assert "any news?" in [m["text"] for m in shown["messages"]]


async def messages(c: Container, conversation_id: str, sender: str) -> list[Message]:
    async with c.reader() as uow:
        query = (
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.sender == sender)
            .order_by(Message.seq)
        )
        return list((await uow.session.execute(query)).scalars())


async def queue_entry(c: Container, conversation_id: str) -> QueueEntry | None:
    async with c.reader() as uow:
        query = select(QueueEntry).where(QueueEntry.conversation_id == conversation_id)
        return (await uow.session.execute(query)).scalar_one_or_none()


async def open_brief(c: Container, conversation_id: str) -> dict[str, Any]:
    async with c.reader() as uow:
        query = select(Handover).where(
            Handover.conversation_id == conversation_id, Handover.ended_at.is_(None)
        )
        handover = (await uow.session.execute(query)).scalar_one()
        return dict(handover.brief)


async def test_an_agent_merges_only_contacts_they_may_read(container: Container) -> None:
    case = await from_phone(container, "whatsapp", "agent please", "wamid.1")
    await from_phone(container, "whatsapp", "hello there", "wamid.2", phone="+6281234500004")
    agent = await agent_for(container, case)
    mine = await contact_of_phone(container)
    stranger = await contact_of_phone(container, "+6281234500004")
    with pytest.raises(Forbidden):  # the stranger's history would show in the agent's case
        await identity.merge(container, agent, stranger, mine)
    await from_phone(container, "whatsapp", "that other number +6281234500004 is mine", "wamid.3")
    with pytest.raises(Forbidden):  # named is not proven: a code links it, not the agent
        await identity.merge(container, agent, mine, stranger)
    await from_phone(
        container, "whatsapp", "agent please", "wamid.4", phone="+6281234500004"
    )  # now both wait in the agent's team: the agent may judge them one person
    merged = await identity.merge(container, agent, stranger, mine)
    assert merged["undoable"] is True
