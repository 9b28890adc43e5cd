"""`relaydesk eval`: play scenarios through the real pipeline and score the handovers.

Each scenario runs on its own virtual clock against a demo backend holding exactly its
facts. Turns enter as the channel delivers them: web chat through a visitor session, every
other channel as the provider's signed webhook, verified and parsed by the channel's real
adapter. The bot and escalation engine answer, and the handover is read back from the
database: its team, priority, reasons and brief, and the agent's view.

With `all_channels`, every scenario is also replayed on every channel, each replay as a
new customer, and the report says whether the decision (handed over or not, at which
turn, for which reasons, to which team) was the same everywhere. A difference that a
per-channel rule of the policy explains ("email:single-failure") is by design: it is
listed apart, as an override, and does not count against consistency.
"""

from __future__ import annotations

import json
import re
import tempfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from relaydesk.bot.bot import Bot
from relaydesk.bot.commerce import DemoBackend
from relaydesk.channels.base import WebhookRequest
from relaydesk.channels.demo import demo_config
from relaydesk.channels.registry import Channels
from relaydesk.channels.simulate import customer_webhook
from relaydesk.clock import ManualClock
from relaydesk.domain.conversation import Status
from relaydesk.domain.vocab import Channel, Priority
from relaydesk.service import admin, inbound, webchat, webhooks
from relaydesk.service.bootstrap import Container, bootstrap
from relaydesk.service.desk import AgentView, conversation_detail
from relaydesk.settings import Settings
from relaydesk.sim.scenarios import Scenario, ScenarioError, load
from relaydesk.store.models import EscalationDecision, Event, Handover, Message

__all__ = ["ScenarioError", "run_eval"]

TURN_GAP = timedelta(seconds=40)


@dataclass
class Played:
    scenario: Scenario
    handover_turn: int | None = None
    team: str | None = None
    priority: str | None = None
    reasons: list[str] = field(default_factory=list)
    entities: dict[str, str] = field(default_factory=dict)
    leaked: list[str] = field(default_factory=list)
    replies_lang_ok: bool = True
    rule: str | None = None  # the rule of the decision that handed over
    overrides: list[str] = field(default_factory=list)  # channel rules that decided a turn


async def run_eval(
    files: list[Path], *, verbose: bool = False, all_channels: bool = False
) -> dict[str, Any]:
    """Play every scenario on its own channel and score it; with `all_channels`, also
    replay it on every channel and add the consistency of the decisions to the report."""
    scenarios = [scenario for path in files for scenario in load(path)]
    if not scenarios:
        raise ScenarioError("no scenarios in " + ", ".join(map(str, files)))
    with tempfile.TemporaryDirectory(prefix="relaydesk-eval-") as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/eval.db", data_dir=Path(tmp))
        clock = ManualClock(scenarios[0].now)
        # Every channel on, with the demo secrets: each turn is signed and verified.
        channels = Channels(demo_config("http://providers.eval.invalid", listen_port=0))
        c = bootstrap(settings, clock=clock, backend=DemoBackend.from_facts({}), channels=channels)
        await c.start()
        try:
            await admin.ensure_teams(c)
            played = []
            replays: list[list[Played]] = []
            visitors: dict[str, str] = {}
            for scenario in scenarios:
                result = await play(c, clock, scenario, visitors)
                played.append(result)
                if verbose:
                    print(json.dumps(describe(result)))
                if all_channels:
                    replays.append(
                        [await play(c, clock, on_channel(scenario, ch), visitors) for ch in Channel]
                    )
        finally:
            await c.stop()
    report = score(played)
    if all_channels:
        report.update(channel_report(replays))
    return report


async def play(
    c: Container, clock: ManualClock, scenario: Scenario, visitors: dict[str, str]
) -> Played:
    clock.set(scenario.now)
    c.bot = Bot(c.nlu, DemoBackend.from_facts(scenario.facts), tz=scenario.now.tzinfo)
    played = Played(scenario)
    conversation_id = None
    for number, text in enumerate(scenario.turns, start=1):
        clock.advance(TURN_GAP.total_seconds())
        accepted = await deliver(c, scenario, text, number, visitors)
        conversation_id = accepted.conversation_id
        await inbound.process(c, conversation_id)
        if played.handover_turn is None and await _handed_over(c, conversation_id):
            played.handover_turn = number
    assert conversation_id is not None
    await _read_back(c, played, conversation_id)
    return played


EVAL_URL = "http://relaydesk.eval"


async def deliver(
    c: Container, scenario: Scenario, text: str, number: int, visitors: dict[str, str]
) -> inbound.Accepted:
    """One customer turn, as its channel delivers it: web chat through a visitor session,
    every other channel as the provider's own signed webhook through its real adapter."""
    customer = scenario.customer
    channel = scenario.channel
    if channel is Channel.WEBCHAT:
        token = await _visitor(c, scenario, visitors)
        return await inbound.receive_from_visitor(
            c, token, inbound.Inbound(channel.value, text, client_id=f"{scenario.id}-{number}")
        )
    subject, body = split_mail(text) if channel is Channel.EMAIL else ("", text)
    thread = [f"{scenario.id}-{n}@customers.example" for n in range(1, number)]
    hook = customer_webhook(
        c.channels.config,
        channel.value,
        customer=_address(scenario),
        text=body,
        message_id=f"{scenario.id}-{number}",
        at=c.clock.now(),
        name=customer.name,
        base_url=EVAL_URL,
        subject=subject,
        in_reply_to=thread[-1] if thread else None,
        references=thread,
    )
    headers = {name.lower(): value for name, value in hook.headers.items()}
    request = WebhookRequest(hook.method, EVAL_URL + hook.path, headers, hook.query, hook.body)
    taken = await webhooks.accept(c, channel.value, request)
    if len(taken) != 1:
        raise AssertionError(f"{scenario.id} turn {number}: the {channel} webhook stored {taken}")
    if number == 1:  # what the shop's customer record says, before the bot's first turn
        await admin.set_contact_profile(c, taken[0], name=customer.name, tier=customer.tier)
    return inbound.Accepted(taken[0], number, False)


async def _visitor(c: Container, scenario: Scenario, visitors: dict[str, str]) -> str:
    token = visitors.get(scenario.id)
    if token is None:
        state = await webchat.start(c, None, scenario.customer.name, None)
        token = state["token"]
        await admin.set_contact_profile(
            c,
            state["conversation"]["conversation_id"],
            name=scenario.customer.name,
            tier=scenario.customer.tier,
        )
        visitors[scenario.id] = token
    return token


def _address(scenario: Scenario) -> str:
    """The customer as the scenario's channel knows them: their phone, their address, or
    a numeric account id of their own."""
    customer = scenario.customer
    channel = scenario.channel
    digits = f"{zlib.crc32(scenario.id.encode()) % 10**8:08d}"
    if channel in (Channel.WHATSAPP, Channel.SMS):
        return customer.phone or f"+62800{digits}"
    if channel is Channel.EMAIL:
        return (
            customer.email or f"{re.sub(r'[^a-z0-9]+', '-', scenario.id.lower())}@customers.example"
        )
    return f"9{digits}{zlib.crc32(channel.value.encode()) % 1000:03d}"


def on_channel(scenario: Scenario, channel: Channel) -> Scenario:
    """The scenario as a new customer would play it on `channel`: a fresh identity (its
    own phone, address or account), each turn as that channel carries it."""
    customer = scenario.customer.model_copy(update={"phone": None, "email": None})
    if channel is Channel.EMAIL:
        turns = [as_mail(text, number) for number, text in enumerate(scenario.turns, start=1)]
    else:
        # What the customer wrote in a mail, typed into a chat: its subject and body.
        turns = [email_text(text) for text in scenario.turns]
    return scenario.model_copy(
        update={
            "id": f"{scenario.id}@{channel.value}",
            "channel": channel,
            "customer": customer,
            "turns": turns,
        }
    )


def as_mail(text: str, number: int) -> str:
    """A chat message as the e-mail that carries it. The subject is left empty ("Re:" on
    replies): one of our own words would be text the customer never wrote."""
    if _is_mail(text):
        return text
    return f"Subject: {'Re:' if number > 1 else ''}\n\n{text}"


def _is_mail(raw: str) -> bool:
    head, sep, _ = raw.partition("\n\n")
    return bool(sep) and head.lower().startswith("subject:")


_SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|balas)\s*:\s*)+", re.IGNORECASE)


def split_mail(raw: str) -> tuple[str, str]:
    """A turn written as a mail ("Subject: ...\n\nbody") as its subject and body."""
    if not _is_mail(raw):
        return "", raw
    head, _, body = raw.partition("\n\n")
    return head.split(":", 1)[1].strip(), body.strip()


def email_text(raw: str) -> str:
    """What the bot reads of a mail: the subject (without Re:/Fwd:) and the body."""
    if not _is_mail(raw):
        return raw
    head, _, body = raw.partition("\n\n")
    subject = _SUBJECT_PREFIX.sub("", head.split(":", 1)[1]).strip()
    return f"{subject}\n{body.strip()}" if subject else body.strip()


async def _handed_over(c: Container, conversation_id: str) -> bool:
    async with c.reader() as uow:
        conversation = await inbound.get_conversation(uow, conversation_id)
        return Status(conversation.status) is not Status.BOT


async def _read_back(c: Container, played: Played, conversation_id: str) -> None:
    async with c.reader() as uow:
        handover = (
            await uow.session.execute(
                select(Handover).where(Handover.conversation_id == conversation_id).limit(1)
            )
        ).scalar_one_or_none()
        bodies = list(
            (
                await uow.session.execute(
                    select(Message.body).where(Message.conversation_id == conversation_id)
                )
            ).scalars()
        )
        events = list(
            (
                await uow.session.execute(
                    select(Event.data).where(Event.conversation_id == conversation_id)
                )
            ).scalars()
        )
        rules = [
            (row.id, row.rule)
            for row in await uow.session.execute(
                select(EscalationDecision.id, EscalationDecision.rule).where(
                    EscalationDecision.conversation_id == conversation_id
                )
            )
        ]
    channel_rule = f"{played.scenario.channel.value}:"
    played.overrides = [rule for _, rule in rules if rule and rule.startswith(channel_rule)]
    stored = json.dumps([bodies, events], ensure_ascii=False)
    if handover is not None:
        played.team, played.priority = handover.team, handover.priority
        played.reasons = list(handover.reasons)
        played.entities = dict(handover.brief.get("entities", {}))
        played.rule = next((rule for id_, rule in rules if id_ == handover.decision_id), None)
        agent = AgentView(0, "eval@relaydesk", "eval", (handover.team,), 1)
        view = await conversation_detail(c, agent, conversation_id)
        stored += json.dumps([handover.brief, view], ensure_ascii=False)
    played.leaked = [secret for secret in played.scenario.expect.masked if secret in stored]


def describe(played: Played) -> dict[str, Any]:
    return {
        "id": played.scenario.id,
        "handover_turn": played.handover_turn,
        "team": played.team,
        "priority": played.priority,
        "reasons": played.reasons,
        "entities": played.entities,
        "missed": misses(played),
    }


def misses(played: Played) -> list[str]:
    expect = played.scenario.expect
    turn = played.handover_turn
    missed = []
    if expect.escalate and turn is None:
        missed.append("not handed over")
    if not expect.escalate and turn is not None:
        missed.append(f"handed over at turn {turn} but should not be")
    if expect.escalate and turn is not None:
        if _late(played):
            missed.append(f"late: turn {turn} > by_turn {expect.by_turn}")
        if _premature(played):
            missed.append(f"premature: turn {turn} < not_before {expect.not_before}")
        if expect.reasons and not set(expect.reasons) & set(played.reasons):
            missed.append(f"reasons {played.reasons} include none of {expect.reasons}")
        if _priority_short(played):
            missed.append(f"priority {played.priority} < {expect.priority_at_least}")
    if expect.team is not None and played.team != expect.team:
        missed.append(f"team {played.team} != {expect.team}")
    for key, value in expect.entities.items():
        if played.entities.get(key) != value:
            missed.append(f"entity {key}={value} not in brief (got {played.entities.get(key)})")
    if played.leaked:
        missed.append(f"secrets stored in clear: {played.leaked}")
    return missed


def _priority_short(played: Played) -> bool:
    wanted = played.scenario.expect.priority_at_least
    if wanted is None:
        return False
    got = Priority(played.priority) if played.priority else None
    return got is None or got.rank < wanted.rank


def _late(played: Played) -> bool:
    by_turn, turn = played.scenario.expect.by_turn, played.handover_turn
    return by_turn is not None and turn is not None and turn > by_turn


def _premature(played: Played) -> bool:
    not_before, turn = played.scenario.expect.not_before, played.handover_turn
    return not_before is not None and turn is not None and turn < not_before


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def score(results: list[Played]) -> dict[str, Any]:
    tp = sum(1 for r in results if r.scenario.expect.escalate and r.handover_turn is not None)
    fp = sum(1 for r in results if not r.scenario.expect.escalate and r.handover_turn is not None)
    fn = sum(1 for r in results if r.scenario.expect.escalate and r.handover_turn is None)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    handed = [r for r in results if r.scenario.expect.escalate and r.handover_turn is not None]
    late = sum(1 for r in handed if _late(r))
    premature = fp + sum(1 for r in handed if _premature(r))
    with_team = [r for r in results if r.scenario.expect.team is not None]
    with_priority = [r for r in results if r.scenario.expect.priority_at_least is not None]
    with_reasons = [r for r in results if r.scenario.expect.escalate and r.scenario.expect.reasons]
    entity_total = sum(len(r.scenario.expect.entities) for r in results)
    entity_hits = sum(
        1
        for r in results
        for key, value in r.scenario.expect.entities.items()
        if r.entities.get(key) == value
    )
    with_masked = [r for r in results if r.scenario.expect.masked]
    failures = [{"id": r.scenario.id, "missed": missed} for r in results if (missed := misses(r))]
    return {
        "scenarios": len(results),
        "escalation_precision": round(precision, 4),
        "escalation_recall": round(recall, 4),
        "escalation_f1": round(f1, 4),
        "late": late,
        "premature": premature,
        "missed_handovers": fn,
        "team_accuracy": _ratio(
            sum(1 for r in with_team if r.team == r.scenario.expect.team), len(with_team)
        ),
        "priority_ok": _ratio(
            sum(1 for r in with_priority if not _priority_short(r)), len(with_priority)
        ),
        "reason_ok": _ratio(
            sum(
                1
                for r in with_reasons
                if set(r.scenario.expect.reasons) & set(r.reasons) and r.handover_turn is not None
            ),
            len(with_reasons),
        ),
        "entity_recall": _ratio(entity_hits, entity_total),
        "masked_ok": _ratio(sum(1 for r in with_masked if not r.leaked), len(with_masked)),
        "failures": failures,
    }


# --- the same scenario on every channel -------------------------------------------------


def decision_of(played: Played) -> dict[str, Any]:
    """What must not depend on the channel: handed over or not, when, why, to whom."""
    return {
        "handover_turn": played.handover_turn,
        "reasons": sorted(played.reasons),
        "team": played.team,
    }


def channel_report(replays: list[list[Played]]) -> dict[str, Any]:
    """Per scenario, the channels whose decision differs from the others'.

    The reference is the decision most channels reached without a channel rule of the
    policy. A replay a channel rule decided is left out of the comparison and, where it
    differs, listed as an override.
    """
    consistent = 0
    mismatches: list[dict[str, Any]] = []
    overrides: list[dict[str, Any]] = []
    for plays in replays:
        general = [p for p in plays if not p.overrides] or plays
        counts = Counter(json.dumps(decision_of(p), sort_keys=True) for p in general)
        reference = json.loads(counts.most_common(1)[0][0])
        differing = False
        for p in plays:
            differs = _differences(decision_of(p), reference)
            if not differs:
                continue
            entry = {"id": _scenario_id(p), "channel": p.scenario.channel.value, "differs": differs}
            if p.overrides:
                overrides.append({**entry, "rules": sorted(set(p.overrides))})
            else:
                mismatches.append(entry)
                differing = True
        consistent += not differing
    return {
        "channel_consistency": _ratio(consistent, len(replays)),
        "channel_mismatches": mismatches,
        "channel_overrides": overrides,
    }


def _differences(got: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {"here": got[key], "elsewhere": reference[key]}
        for key in got
        if got[key] != reference[key]
    }


def _scenario_id(played: Played) -> str:
    return played.scenario.id.rpartition("@")[0]
