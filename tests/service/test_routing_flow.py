"""Routing in the service, on SQLite and PostgreSQL: offers, timeouts, presence, transfers,
abandonment, and what the customer is told. Time moves on a ManualClock; `Scheduler.tick`
is one pass of the loop the server runs every second."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from relaydesk.clock import ManualClock
from relaydesk.domain.vocab import AgentPresence
from relaydesk.service import admin, desk, inbound, webchat
from relaydesk.service.bootstrap import Container, bootstrap
from relaydesk.service.desk import AgentView
from relaydesk.service.errors import Conflict, Forbidden
from relaydesk.service.scheduler import Scheduler
from relaydesk.settings import Settings
from relaydesk.store.models import Agent, Conversation, Event, Message, Note, QueueEntry


async def online_agent(
    c: Container,
    name: str,
    teams: list[str],
    *,
    capacity: int = 1,
    skills: dict[str, list[str]] | None = None,
) -> AgentView:
    email = f"{name.lower()}@example.com"
    await admin.create_agent(
        c, email=email, name=name, password="secret-pass", teams=teams, capacity=capacity,
        skills=skills,
    )  # fmt: skip
    _, view = await desk.login(c, email, "secret-pass")
    await desk.set_presence(c, view.id, AgentPresence.ONLINE)
    return view


async def waiting_case(
    c: Container, n: int, text: str = "agent please", channel: str = "whatsapp"
) -> str:
    who = inbound.Identity("phone", f"+62812345{n:05d}", name=f"Customer {n}")
    accepted = await inbound.receive_from_identity(
        c, who, inbound.Inbound(channel, text, external_id=f"m-{n}-{text[:8]}")
    )
    await inbound.process(c, accepted.conversation_id)
    return accepted.conversation_id


async def say(c: Container, n: int, text: str, channel: str = "whatsapp") -> None:
    who = inbound.Identity("phone", f"+62812345{n:05d}", name=f"Customer {n}")
    await inbound.receive_from_identity(c, who, inbound.Inbound(channel, text))


async def row(c: Container, conversation_id: str) -> Conversation:
    async with c.reader() as uow:
        found = await uow.session.get(Conversation, conversation_id)
        assert found is not None
        return found


async def entry(c: Container, conversation_id: str) -> QueueEntry | None:
    async with c.reader() as uow:
        return (
            await uow.session.execute(
                select(QueueEntry).where(QueueEntry.conversation_id == conversation_id)
            )
        ).scalar_one_or_none()


async def events(c: Container, type_: str) -> list[Event]:
    async with c.reader() as uow:
        query = select(Event).where(Event.type == type_).order_by(Event.id)
        return list((await uow.session.execute(query)).scalars())


async def system_lines(c: Container, conversation_id: str) -> list[str]:
    async with c.reader() as uow:
        rows = await uow.session.execute(
            select(Message.body)
            .where(Message.conversation_id == conversation_id, Message.sender == "system")
            .order_by(Message.seq)
        )
        return list(rows.scalars())


async def test_a_waiting_case_is_offered_and_the_agent_accepts(container: Container) -> None:
    dewi = await online_agent(container, "Dewi", ["general"])
    case = await waiting_case(container, 1)
    assert (await row(container, case)).status == "queued"
    tick = await Scheduler(container).tick()
    assert tick.offers == 1
    offered = await entry(container, case)
    assert offered is not None and offered.offered_agent_id == dewi.id
    assert (await row(container, case)).status == "offered"
    queue = await desk.waiting_cases(container, dewi)
    assert queue[0]["offered_to_me"] is True
    detail = await desk.accept(container, dewi, case)
    assert detail["status"] == "assigned"
    assert await entry(container, case) is None


async def test_an_offer_nobody_answers_goes_to_the_next_agent(
    container: Container, clock: ManualClock
) -> None:
    first = await online_agent(container, "Ayu", ["general"])
    clock.advance(5)
    second = await online_agent(container, "Budi", ["general"])
    case = await waiting_case(container, 2)
    scheduler = Scheduler(container)
    await scheduler.tick()
    assert (await entry(container, case)).offered_agent_id == first.id  # idle longest
    clock.advance(29)
    await scheduler.tick()
    assert (await entry(container, case)).offered_agent_id == first.id  # not yet
    clock.advance(1)  # the team's 30 s offer timeout
    await scheduler.tick()
    now = await entry(container, case)
    assert now is not None and now.offered_agent_id == second.id and now.passed_by == [first.id]
    expired = await events(container, "offer_expired")
    assert [(e.conversation_id, e.data["offered_to"]) for e in expired] == [(case, first.id)]
    with pytest.raises(Conflict, match="offered to another agent"):
        await desk.accept(container, first, case)


async def test_a_declined_offer_never_comes_back_to_the_same_agent(
    container: Container, clock: ManualClock
) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    case = await waiting_case(container, 3)
    scheduler = Scheduler(container)
    await scheduler.tick()
    await desk.decline(container, ayu, case)
    assert (await row(container, case)).status == "queued"
    await scheduler.tick()
    assert (await entry(container, case)).offered_agent_id is None  # nobody else is online
    budi = await online_agent(container, "Budi", ["general"])
    await scheduler.tick()
    assert (await entry(container, case)).offered_agent_id == budi.id
    with pytest.raises(Conflict, match="not offered to you"):
        await desk.decline(container, ayu, case)
    assert [e.data["why"] for e in await events(container, "offer_declined")] == ["declined"]


async def test_two_agents_accepting_one_offered_case_at_once_one_wins(
    container: Container,
) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    budi = await online_agent(container, "Budi", ["general"])
    case = await waiting_case(container, 4)
    await Scheduler(container).tick()
    offered_to = (await entry(container, case)).offered_agent_id
    results = await asyncio.gather(
        desk.accept(container, ayu, case), desk.accept(container, budi, case),
        return_exceptions=True,
    )  # fmt: skip
    winners = [r for r in results if isinstance(r, dict)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert (await row(container, case)).agent_id == offered_to
    assert "offered to another agent" in str(losers[0]) or "already accepted" in str(losers[0])


async def test_one_agent_never_goes_over_capacity_between_offers_and_accepts(
    container: Container, clock: ManualClock
) -> None:
    ayu = await online_agent(container, "Ayu", ["general"], capacity=2)
    cases = []
    for n in (10, 11, 12):
        cases.append(await waiting_case(container, n))
        clock.advance(1)
    await Scheduler(container).tick()
    offered = [await entry(container, case) for case in cases]
    assert [e.offered_agent_id for e in offered if e] == [ayu.id, ayu.id, None]
    with pytest.raises(Conflict, match="capacity"):
        await desk.accept(container, ayu, cases[2])  # the two offers hold both slots
    await desk.accept(container, ayu, cases[0])
    await desk.accept(container, ayu, cases[1])


async def test_a_restart_mid_offer_loses_no_case(
    settings: Settings, clock: ManualClock, container: Container
) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    clock.advance(1)
    budi = await online_agent(container, "Budi", ["general"])
    budi_busy = await waiting_case(container, 20)
    await Scheduler(container).tick()  # Ayu (idle longest) is offered the first case
    first = await waiting_case(container, 21)
    clock.advance(1)
    second = await waiting_case(container, 22)
    await Scheduler(container).tick()  # Budi is offered the next one
    offered = {case: (await entry(container, case)).offered_agent_id for case in (budi_busy, first)}
    assert offered == {budi_busy: ayu.id, first: budi.id}
    places = [e["conversation_id"] for e in await desk.waiting_cases(container, ayu)]
    await container.stop()

    clock.advance(60)  # both offers expire while the server is down
    again = bootstrap(settings, clock=clock)
    await again.start()
    try:
        await Scheduler(again).tick()
        after = {case: (await entry(again, case)) for case in (budi_busy, first, second)}
        # Expired offers were re-offered to the other agent; nothing was dropped.
        assert after[budi_busy].offered_agent_id == budi.id
        assert after[first].offered_agent_id == ayu.id
        assert after[second].offered_agent_id is None
        assert [e["conversation_id"] for e in await desk.waiting_cases(again, ayu)] == places
        assert len(await events(again, "offer_expired")) == 2
    finally:
        await again.stop()


async def test_an_agent_going_offline_hands_their_cases_back_in_front_with_notes(
    container: Container,
) -> None:
    ayu = await online_agent(container, "Ayu", ["general"], capacity=2)
    mine = await waiting_case(container, 30)
    await Scheduler(container).tick()
    await desk.accept(container, ayu, mine)
    await desk.add_note(container, ayu, mine, "customer prefers a refund, not a resend")
    await desk.set_presence(container, ayu.id, AgentPresence.AWAY)  # away: no new offers
    other = await waiting_case(container, 31)
    await Scheduler(container).tick()
    assert (await entry(container, other)).offered_agent_id is None
    await desk.set_presence(container, ayu.id, AgentPresence.OFFLINE)
    back = await row(container, mine)
    assert back.status == "queued" and back.agent_id is None
    budi = await online_agent(container, "Budi", ["general"], capacity=1)
    queue = await desk.waiting_cases(container, budi)
    assert [case["conversation_id"] for case in queue] == [
        mine,
        other,
    ]  # in front of the one waiting
    await Scheduler(container).tick()
    assert (await entry(container, mine)).offered_agent_id == budi.id
    detail = await desk.accept(container, budi, mine)
    assert detail["notes"][0]["body"] == "customer prefers a refund, not a resend"
    assert detail["brief"]["summary"]
    requeued = await events(container, "requeued")
    assert [e.reasons for e in requeued] == [["agent_offline"]]
    assert "Ayu had to step away" in (await system_lines(container, mine))[-2]


async def test_no_first_reply_nudges_the_agent_then_requeues_the_case(
    container: Container, clock: ManualClock
) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    clock.advance(1)
    budi = await online_agent(container, "Budi", ["general"])
    case = await waiting_case(container, 40)
    scheduler = Scheduler(container)
    await scheduler.tick()
    heard = container.bus.subscribe([f"agent:{ayu.id}"])
    await desk.accept(container, ayu, case)
    clock.advance(180)  # the team's first-reply limit
    await scheduler.tick()
    live = [heard.queue.get_nowait() for _ in range(heard.queue.qsize())]
    assert [e.type for e in live if e.type == "nudge"] == ["nudge"]
    assert len(await events(container, "agent_nudged")) == 1
    clock.advance(60)  # the grace after the nudge
    await scheduler.tick()
    now = await entry(container, case)
    assert now is not None and now.passed_by == [ayu.id] and now.offered_agent_id == budi.id
    assert [e.reasons for e in await events(container, "requeued")] == [["no_first_reply"]]


async def test_a_first_reply_stops_the_nudge(container: Container, clock: ManualClock) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    case = await waiting_case(container, 41)
    scheduler = Scheduler(container)
    await scheduler.tick()
    await desk.accept(container, ayu, case)
    clock.advance(100)
    await desk.reply(container, ayu, case, "Hi, I'm on it", None)
    clock.advance(400)
    await scheduler.tick()
    assert (await row(container, case)).agent_id == ayu.id
    assert await events(container, "agent_nudged") == []


async def test_an_agent_who_misses_two_offers_is_set_away(
    container: Container, clock: ManualClock
) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    scheduler = Scheduler(container)
    for n in (50, 51):
        await waiting_case(container, n)
        await scheduler.tick()
        clock.advance(30)
        await scheduler.tick()
    async with container.reader() as uow:
        agent = await uow.session.get(Agent, ayu.id)
        assert agent is not None and agent.presence == "away"
    presence = await events(container, "agent_presence")
    assert presence[-1].data == {"presence": "away", "why": "missed_offers"}


async def test_overflow_reaches_secondary_members_only_after_the_wait(
    container: Container, clock: ManualClock
) -> None:
    helper = await online_agent(container, "Helper", ["billing", "general"])  # general: 2nd
    case = await waiting_case(container, 60)
    scheduler = Scheduler(container)
    await scheduler.tick()
    assert (await entry(container, case)).offered_agent_id is None
    clock.advance(179)
    await scheduler.tick()
    assert (await entry(container, case)).offered_agent_id is None
    clock.advance(1)  # the team's 3 minute overflow wait
    await scheduler.tick()
    assert (await entry(container, case)).offered_agent_id == helper.id


async def test_skills_decide_who_is_offered_what(container: Container) -> None:
    english = await online_agent(container, "Eng", ["general"], skills={"languages": ["en"]})
    bahasa = await online_agent(container, "Ina", ["general"], skills={"languages": ["id"]})
    en_case = await waiting_case(container, 70, "I want to talk to a person")
    id_case = await waiting_case(container, 71, "saya mau bicara dengan petugas")
    assert (await row(container, id_case)).lang == "id"
    await Scheduler(container).tick()
    assert (await entry(container, en_case)).offered_agent_id == english.id
    assert (await entry(container, id_case)).offered_agent_id == bahasa.id


async def test_a_transfer_to_another_team_keeps_the_brief_and_tells_the_customer(
    container: Container,
) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    rina = await online_agent(container, "Rina", ["billing"])
    case = await waiting_case(container, 80)
    await Scheduler(container).tick()
    await desk.accept(container, ayu, case)
    await desk.transfer(container, ayu, case, note="double charge on 12 Nov", team="billing")
    moved = await row(container, case)
    assert moved.status == "queued" and moved.team == "billing" and moved.agent_id is None
    assert "Ayu is passing you to our Billing team" in (await system_lines(container, case))[-1]
    await Scheduler(container).tick()
    detail = await desk.accept(container, rina, case)
    assert [(n["author"], n["kind"], n["body"]) for n in detail["notes"]] == [
        ("Ayu", "transfer", "double charge on 12 Nov")
    ]
    assert detail["brief"]["reasons"]
    transferred = await events(container, "transferred")
    assert transferred[0].data["to_team"] == "billing"


async def test_a_transfer_to_an_agent_offers_it_to_them(container: Container) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    budi = await online_agent(container, "Budi", ["general"])
    case = await waiting_case(container, 81)
    await Scheduler(container).tick()
    owner = ayu if (await entry(container, case)).offered_agent_id == ayu.id else budi
    other = budi if owner is ayu else ayu
    await desk.accept(container, owner, case)
    await desk.transfer(container, owner, case, note="speaks Javanese", to_agent_id=other.id)
    offered = await entry(container, case)
    assert offered is not None and offered.offered_agent_id == other.id
    assert f"passing you to {other.name}" in (await system_lines(container, case))[-1]
    with pytest.raises(Conflict, match="offered to another agent"):
        await desk.accept(container, owner, case)
    await desk.accept(container, other, case)


async def test_a_silent_customer_is_asked_then_the_case_ends_abandoned(
    container: Container, clock: ManualClock
) -> None:
    case = await waiting_case(container, 90)
    scheduler = Scheduler(container)
    clock.advance(500)
    await say(container, 90, "still waiting...")  # speaking restarts the silence clock
    clock.advance(500)
    await scheduler.tick()
    assert await events(container, "customer_checked_in") == []
    clock.advance(100)
    await scheduler.tick()
    assert "Are you still there?" in (await system_lines(container, case))[-1]
    clock.advance(120)
    await scheduler.tick()
    ended = await row(container, case)
    assert ended.status == "abandoned" and await entry(container, case) is None
    abandoned = await events(container, "customer_abandoned")
    assert abandoned[0].reasons == ["no_reply"] and abandoned[0].data["waited_s"] == 1220


async def test_closing_the_web_chat_while_waiting_abandons_the_case(
    container: Container,
) -> None:
    started = await webchat.start(container, None, "Rina", "en")
    accepted = await inbound.receive_from_visitor(
        container, started["token"], inbound.Inbound("webchat", "I need a human")
    )
    await inbound.process(container, accepted.conversation_id)
    assert (await row(container, accepted.conversation_id)).status == "queued"
    await webchat.leave(container, started["token"])
    assert (await row(container, accepted.conversation_id)).status == "abandoned"
    assert (await events(container, "customer_abandoned"))[0].reasons == ["customer_left"]


def _told(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("Update:")]


@pytest.mark.parametrize(("channel", "first_update_after_s"), [("webchat", 0), ("whatsapp", 120)])
async def test_waiting_customers_hear_when_their_place_improves(
    container: Container, clock: ManualClock, channel: str, first_update_after_s: float
) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    busy = await waiting_case(container, 100)
    scheduler = Scheduler(container)
    await scheduler.tick()
    await desk.accept(container, ayu, busy)
    ahead = await waiting_case(container, 101, channel=channel)
    clock.advance(1)
    mine = await waiting_case(container, 102, channel=channel)
    first_notice = (await system_lines(container, mine))[-1]
    assert "number 2 in the queue" in first_notice and "within about" in first_notice
    await desk.resolve(container, ayu, busy)
    await scheduler.tick()  # `ahead` is offered to Ayu...
    assert (await entry(container, ahead)).offered_agent_id == ayu.id
    await desk.accept(container, ayu, ahead)  # ...who takes it: `mine` is next now
    await scheduler.update_promises()
    lines = _told(await system_lines(container, mine))
    if first_update_after_s:
        assert lines == []  # WhatsApp: not twice within 2 minutes
        clock.advance(first_update_after_s)
        await scheduler.update_promises()
        lines = _told(await system_lines(container, mine))
    assert len(lines) == 1 and "next in the queue" in lines[0]
    await scheduler.update_promises()
    assert len(_told(await system_lines(container, mine))) == 1  # nothing new: no message


async def test_nobody_online_is_said_honestly(container: Container) -> None:
    case = await waiting_case(container, 110)
    notice = (await system_lines(container, case))[-1]
    assert "Everyone on the team is busy or away" in notice
    assert "within about" not in notice


def _routing_file(tmp_path: Any) -> Any:
    path = tmp_path / "routing.yaml"
    path.write_text(
        "teams:\n"
        "  general:\n"
        "    name: General support\n"
        "    hours:\n"
        "      timezone: Asia/Jakarta\n"
        "      weekly: {mon: ['13:00-17:00'], tue: ['08:00-17:00']}\n",
        encoding="utf-8",
    )
    return path


async def test_outside_hours_the_customer_hears_when_the_team_opens(
    settings: Settings, clock: ManualClock, tmp_path: Any
) -> None:
    # START is Monday 10:00 in Jakarta; General opens at 13:00.
    c = bootstrap(
        settings.model_copy(update={"routing_file": _routing_file(tmp_path)}), clock=clock
    )
    await c.start()
    try:
        from tests.conftest import _truncate

        await _truncate(c)
        await admin.ensure_teams(c)
        case = await waiting_case(c, 120)
        notice = (await system_lines(c, case))[-1]
        assert "closed right now and opens today at 13:00 WIB" in notice
        assert "reply with your email address" in notice
        await say(c, 120, "ok, write to me at rina@example.com")
        assert "rina@example.com" in (await system_lines(c, case))[-1]
        assert len(await events(c, "follow_up_requested")) == 1
        helper = await online_agent(c, "Helper", ["billing", "general"])  # general: 2nd
        scheduler = Scheduler(c)
        clock.advance(3 * 3600 - 1)  # 12:59:59 local: silent for hours, but nobody asks
        await scheduler.tick()
        assert await events(c, "customer_checked_in") == []
        assert (await row(c, case)).status == "queued"
        assert (await entry(c, case)).offered_agent_id is None  # closed hours don't overflow
        clock.advance(1)  # 13:00 local
        await scheduler.tick()
        opened = [line for line in await system_lines(c, case) if "is open now" in line]
        assert len(opened) == 1
        assert (await entry(c, case)).offered_agent_id is None  # not yet: 3 open minutes
        clock.advance(180)
        await scheduler.tick()
        assert (await entry(c, case)).offered_agent_id == helper.id
        detail = await desk.conversation_detail(c, helper, case)
        assert detail["contact"]["follow_up_email"] == "rina@example.com"
    finally:
        await c.stop()


async def test_notes_are_masked_and_never_reach_the_customer(container: Container) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    case = await waiting_case(container, 130)
    customer = container.bus.subscribe([f"conversation:{case}"])
    team = container.bus.subscribe(["team:general"])
    await desk.add_note(container, ayu, case, "card 4111 1111 1111 1111 per customer")
    await Scheduler(container).tick()
    await desk.accept(container, ayu, case)
    await desk.transfer(container, ayu, case, note="card 4111 1111 1111 1111", team="billing")
    async with container.reader() as uow:
        notes = list((await uow.session.execute(select(Note.body).order_by(Note.id))).scalars())
    assert notes == ["card 411111******1111 per customer", "card 411111******1111"]
    heard = [customer.queue.get_nowait() for _ in range(customer.queue.qsize())]
    assert "note" not in [e.type for e in heard]
    assert "4111" not in repr([e.payload for e in heard])
    assert "note" in [team.queue.get_nowait().type for _ in range(team.queue.qsize())]


async def test_an_agent_offered_a_case_from_another_team_can_read_it(
    container: Container, clock: ManualClock
) -> None:
    # Billing overflows to General (the default routing file): after 3 minutes a General
    # agent is offered a billing case, and may read it before accepting.
    gen = await online_agent(container, "Gen", ["general"])
    case = await waiting_case(container, 131, "agent please, I was charged twice for order 10001")
    assert (await row(container, case)).team == "billing"
    with pytest.raises(Forbidden):
        await desk.conversation_detail(container, gen, case)
    clock.advance(180)
    await Scheduler(container).tick()
    assert (await entry(container, case)).offered_agent_id == gen.id
    assert (await desk.conversation_detail(container, gen, case))["brief"]["summary"]
    assert [c["conversation_id"] for c in await desk.waiting_cases(container, gen)] == [case]
    await desk.accept(container, gen, case)


async def test_a_chosen_away_survives_a_desk_reconnect(container: Container) -> None:
    ayu = await online_agent(container, "Ayu", ["general"])
    await desk.set_presence(container, ayu.id, AgentPresence.AWAY)
    assert await desk.desk_opened(container, ayu.id) == "away"
    await desk.set_presence(container, ayu.id, AgentPresence.OFFLINE)
    assert await desk.desk_opened(container, ayu.id) == "online"


async def test_a_teams_outlook_is_erlang_on_its_live_rates(
    container: Container, clock: ManualClock
) -> None:
    from relaydesk.routing.erlang import erlang_c_figures, servers_for_service_level

    ayu = await online_agent(container, "Ayu", ["general"], capacity=2)
    await online_agent(container, "Budi", ["general"], capacity=2)
    for n in range(140, 146):  # six arrivals within the hour
        await waiting_case(container, n)
        clock.advance(60)
    (outlook,) = [o for o in await desk.team_outlooks(container, ayu) if o["team"] == "general"]
    assert outlook["waiting"] == 6 and outlook["slots_online"] == 4
    assert outlook["arrivals_per_hour"] == 6 and outlook["open"] is True
    assert outlook["handle_time_s"] == 300.0  # the routing file's prior: nothing ended yet
    expected = erlang_c_figures(6 / 3600, 300.0, 4, 20.0)
    assert outlook["expected"]["model"] == "erlang_c"
    assert outlook["expected"]["p_wait"] == round(expected.p_wait, 4)
    assert outlook["expected"]["service_level_20s"] == round(expected.service_level, 4)
    # A = 0.5 erlang: one slot answers only 52% within 20 s; two reach the 80% target.
    assert outlook["slots_needed"] == 2 == servers_for_service_level(6 / 3600, 300.0, 0.8, 20.0)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_only_one_scheduler_leads_on_postgresql(container: Container) -> None:
    first, second = Scheduler(container), Scheduler(container)
    try:
        assert await first._lead() is True
        assert await second._lead() is False
        await first._resign()  # the leader's process ends: another takes over
        assert await second._lead() is True
        assert second.leadership._connection is not None
        pid = (
            await second.leadership._connection.exec_driver_sql("SELECT pg_backend_pid()")
        ).scalar()
        await second.leadership._connection.commit()
        async with container.engine.connect() as admin_connection:
            await admin_connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        # The session died and the lock with it: noticed, and leadership taken again.
        assert await second._lead() is True
        assert await first._lead() is False
    finally:
        await first._resign()
        await second._resign()
