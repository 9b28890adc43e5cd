"""The inbound pipeline: acknowledged means stored, secrets never stored, crashes recovered."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from relaydesk.clock import ManualClock
from relaydesk.demo import seed
from relaydesk.service import desk, inbound
from relaydesk.service.bootstrap import Container, bootstrap
from relaydesk.service.errors import Conflict
from relaydesk.settings import Settings
from relaydesk.store.models import Event, Handover, Message

WA = inbound.Identity("phone", "+6281234500099", name="Rina", tier="standard")


async def bodies(c: Container, conversation_id: str) -> list[tuple[str, str]]:
    async with c.reader() as uow:
        rows = await uow.session.execute(
            select(Message.sender, Message.body)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.seq)
        )
        return [(sender, body) for sender, body in rows]


async def test_a_provider_retry_makes_no_second_message(container: Container) -> None:
    message = inbound.Inbound("whatsapp", "hello", external_id="wamid.1")
    first = await inbound.receive_from_identity(container, WA, message)
    again = await inbound.receive_from_identity(container, WA, message)
    assert again == inbound.Accepted(first.conversation_id, first.seq, True)
    assert [s for s, _ in await bodies(container, first.conversation_id)] == ["customer"]


async def test_card_numbers_and_codes_never_reach_storage(container: Container) -> None:
    accepted = await inbound.receive_from_identity(
        container,
        WA,
        inbound.Inbound(
            "whatsapp", "card 4111 1111 1111 1111, and my login code is 839201", external_id="m1"
        ),
    )
    await inbound.process(container, accepted.conversation_id)
    stored = await bodies(container, accepted.conversation_id)
    dump = repr(stored)
    assert "4111 1111 1111 1111" not in dump and "839201" not in dump
    assert "411111******1111" in stored[0][1]
    assert stored[1][0] == "bot" and "card" in stored[1][1].lower()  # the warning


async def test_an_unprocessed_message_is_recovered_after_a_restart(
    settings: Settings, clock: ManualClock, container: Container
) -> None:
    # Acknowledged and committed, then the process "dies" before the bot turn.
    accepted = await inbound.receive_from_identity(
        container,
        WA,
        inbound.Inbound("whatsapp", "I want to talk to a real person", external_id="x"),
    )
    assert [s for s, _ in await bodies(container, accepted.conversation_id)] == ["customer"]
    await container.stop()
    restarted = bootstrap(settings, clock=clock)
    await restarted.start()
    try:
        assert await inbound.recover(restarted) == 1
        senders = [s for s, _ in await bodies(restarted, accepted.conversation_id)]
        assert senders == ["customer", "system"]  # handed over, customer told
        assert await inbound.recover(restarted) == 0
        async with restarted.reader() as uow:
            handover = (await uow.session.execute(select(Handover))).scalar_one()
            assert "explicit_request" in handover.reasons
    finally:
        await restarted.stop()
        await container.start()  # the fixture stops it again


async def test_every_step_writes_the_event_log(container: Container) -> None:
    accepted = await inbound.receive_from_identity(
        container, WA, inbound.Inbound("whatsapp", "agent please", external_id="e1")
    )
    await inbound.process(container, accepted.conversation_id)
    async with container.reader() as uow:
        types = list(
            (
                await uow.session.execute(
                    select(Event.type)
                    .where(Event.conversation_id == accepted.conversation_id)
                    .order_by(Event.id)
                )
            ).scalars()
        )
    assert types == [
        "conversation_started",
        "message_received",
        "escalation_decided",
        "handover_requested",
        "handover_queued",
        "customer_notified",
    ]


async def test_two_agents_accepting_at_once_exactly_one_wins(container: Container) -> None:
    await seed(container)
    accepted = await inbound.receive_from_identity(
        container, WA, inbound.Inbound("whatsapp", "agent please", external_id="r1")
    )
    await inbound.process(container, accepted.conversation_id)
    _, dewi = await desk.login(container, "dewi@demo.relaydesk", "demo-dewi")
    _, alex = await desk.login(container, "alex@demo.relaydesk", "demo-alex")
    results = await asyncio.gather(
        desk.accept(container, dewi, accepted.conversation_id),
        desk.accept(container, alex, accepted.conversation_id),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, dict)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "already accepted by another agent" in str(losers[0])
    assert winners[0]["status"] == "assigned"


async def test_reopening_after_resolve_gives_the_conversation_back_to_the_bot(
    container: Container,
) -> None:
    await seed(container)
    first = await inbound.receive_from_identity(
        container, WA, inbound.Inbound("whatsapp", "agent please", external_id="o1")
    )
    await inbound.process(container, first.conversation_id)
    _, dewi = await desk.login(container, "dewi@demo.relaydesk", "demo-dewi")
    await desk.accept(container, dewi, first.conversation_id)
    await desk.resolve(container, dewi, first.conversation_id)
    later = await inbound.receive_from_identity(
        container, WA, inbound.Inbound("whatsapp", "hello again", external_id="o2")
    )
    await inbound.process(container, later.conversation_id)
    assert later.conversation_id == first.conversation_id
    assert (await bodies(container, first.conversation_id))[-1][0] == "bot"
    with pytest.raises(Conflict):
        await desk.reply(container, dewi, first.conversation_id, "still there?", None)


async def test_teammates_stop_hearing_a_case_once_someone_owns_it(container: Container) -> None:
    await seed(container)
    team = container.bus.subscribe(["team:general"])
    accepted = await inbound.receive_from_identity(
        container, WA, inbound.Inbound("whatsapp", "agent please", external_id="p1")
    )
    await inbound.process(container, accepted.conversation_id)
    _, dewi = await desk.login(container, "dewi@demo.relaydesk", "demo-dewi")
    await desk.accept(container, dewi, accepted.conversation_id)
    while not team.queue.empty():
        team.queue.get_nowait()  # what the team heard while the case waited: fine
    await inbound.receive_from_identity(
        container,
        WA,
        inbound.Inbound("whatsapp", "my address is Jl. Melati 7", external_id="p2"),
    )
    await desk.reply(container, dewi, accepted.conversation_id, "noted, thanks", None)
    await desk.hand_back(container, dewi, accepted.conversation_id)
    heard = [team.queue.get_nowait() for _ in range(team.queue.qsize())]
    assert [e.type for e in heard if e.type == "message"] == []
    assert "conversation_status" in [e.type for e in heard]  # the queue view still updates


async def test_the_brief_carries_the_newest_lines(container: Container) -> None:
    from relaydesk.service.conversations import append_message, get_conversation

    first = await inbound.receive_from_identity(
        container, WA, inbound.Inbound("whatsapp", "hello", external_id="b0")
    )
    await inbound.process(container, first.conversation_id)
    async with container.uow() as uow:
        conversation = await get_conversation(uow, first.conversation_id, for_update=True)
        for n in range(250):
            await append_message(uow, conversation, "customer", f"old line {n}")
        await uow.commit()
    newest = "my parcel 55555 never arrived, get me a human"
    latest = await inbound.receive_from_identity(
        container,
        WA,
        inbound.Inbound("whatsapp", newest, external_id="b1"),
    )
    await inbound.process(container, latest.conversation_id)
    async with container.reader() as uow:
        handover = (await uow.session.execute(select(Handover))).scalar_one()
    lines = [line["text"] for line in handover.brief["transcript"]]
    assert len(lines) == 200
    assert lines[-1] == newest
