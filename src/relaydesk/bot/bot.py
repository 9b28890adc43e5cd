"""The bot: one customer message in, one `BotTurn` and the updated memory out.

The bot never decides a handover. It reports truthfully what it understood, what it did
and what the shop told it (outcome, situation, topic, tried); the escalation engine decides
from that. Its replies are worded so they read right whichever way the engine decides.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, tzinfo

from relaydesk.bot import replies
from relaydesk.bot.commerce import CommerceBackend
from relaydesk.bot.dialogue import (
    Plan,
    asks_to_change_an_order,
    carries_only_ids,
    other_segments,
    plan_turn,
    rest_after_declined_person,
    topic_of_words,
)
from relaydesk.bot.entities import extract_entities
from relaydesk.bot.flows.account import account
from relaydesk.bot.flows.base import Step, Turn
from relaydesk.bot.flows.conversation import conversation, not_understood
from relaydesk.bot.flows.delivery import ORDER_CHANGE, delivery
from relaydesk.bot.flows.payment import payment
from relaydesk.bot.intents import (
    ACCOUNT_INTENTS,
    DELIVERY_INTENTS,
    INTENTS,
    OUT_OF_SCOPE,
    PAYMENT_INTENTS,
    Topic,
    topic_of,
)
from relaydesk.bot.memory import BotMemory
from relaydesk.bot.nlu import DEFAULT_THRESHOLD, Nlu
from relaydesk.domain.turn import BotTurn, CustomerView, Understanding
from relaydesk.domain.vocab import BotOutcome

__all__ = ["Bot", "BotMemory"]

Flow = Callable[[Turn], Awaitable[Step]]

_FLOWS: dict[str, Flow] = {
    **dict.fromkeys((*DELIVERY_INTENTS, ORDER_CHANGE), delivery),
    **dict.fromkeys(PAYMENT_INTENTS, payment),
    **dict.fromkeys(ACCOUNT_INTENTS, account),
}
_CONVERSATION = frozenset(INTENTS) - _FLOWS.keys()  # greeting, thanks, ..., complaint


class Bot:
    def __init__(self, nlu: Nlu, backend: CommerceBackend, *, tz: tzinfo | None = None) -> None:
        """`tz`: the shop's timezone, where "today" and "late" are judged. Without it, the
        timezone of the `now` given to `respond` is used as it is."""
        self.nlu = nlu
        self.backend = backend
        self._tz = tz

    async def respond(
        self, text: str, memory: BotMemory, customer: CustomerView, now: datetime
    ) -> tuple[BotTurn, BotMemory]:
        """Answer one customer message, already masked by `domain.masking` (the service
        warns the customer about what was masked). `now` must be timezone-aware."""
        understanding = _bare_number_as_order(self._understand(text, memory, customer), text)
        plan = plan_turn(understanding, memory, text)
        turn = Turn(
            intent=plan.flow,
            entities={**memory.entities, **understanding.entities},
            lang=understanding.lang,
            today=(now.astimezone(self._tz) if self._tz else now).date(),
            memory=memory,
            backend=self.backend,
        )
        step = _acknowledge_repeat(await _run(turn), memory, turn.lang)
        topic = (
            topic_of(plan.flow)
            or _topic_of_ids(understanding.entities)
            or (_topic_of_request(plan, text) if memory.topic == Topic.GENERAL else None)
            or memory.topic
        )
        bot_turn = BotTurn(
            understanding=_reported(understanding, plan, step),
            outcome=step.outcome,
            reply=step.reply,
            topic=topic,
            situation=step.situation,
            facts=dict(step.facts),
            tried=step.tried,
        )
        return bot_turn, _remember(memory, understanding, plan, step, topic)

    def _understand(self, text: str, memory: BotMemory, customer: CustomerView) -> Understanding:
        open_topic = memory.topic if memory.topic != Topic.GENERAL else None

        def read(words: str) -> Understanding:
            lang = memory.lang or customer.lang
            return self.nlu.understand(words, lang, topic=open_topic, expecting=memory.awaiting)

        understanding = read(text)
        if understanding.intent in ("human_request", OUT_OF_SCOPE):
            rest = rest_after_declined_person(text)
            if rest is not None:
                # "No need for an agent, just tell me where my parcel is": answer the rest.
                found = read(rest) if rest else replace(understanding, intent="deny")
                return replace(found, entities={**understanding.entities, **found.entities})
        if understanding.intent == "greeting" and _unreadable_beside_greeting(text, read):
            # "hello" in a subject line over a body nobody can read is not a greeting
            return replace(understanding, intent=OUT_OF_SCOPE, in_scope=False)
        if understanding.intent == OUT_OF_SCOPE:
            return self._named_case(text, understanding) or understanding
        return understanding

    def _named_case(self, text: str, understanding: Understanding) -> Understanding | None:
        """ "Your delivery is a joke, order 58043 was due Monday": the classifier torn
        between a complaint and a delivery matter, about the order the message names.
        Together they clear the NLU's bar, and either way the bot looks that order up."""
        topic = _topic_of_ids(understanding.entities)
        if topic is None or asks_to_change_an_order(text, understanding.entities):
            return None
        ranking = self.nlu.rank(text)
        in_topic = [s for s in ranking if topic_of(s.intent) == topic]
        support = sum(s.confidence for s in in_topic) + sum(
            s.confidence for s in ranking if s.intent == "complaint"
        )
        if ranking[0].intent == OUT_OF_SCOPE or not in_topic or support < DEFAULT_THRESHOLD:
            return None
        return replace(
            understanding, intent=in_topic[0].intent, confidence=round(support, 4), in_scope=True
        )


async def _run(turn: Turn) -> Step:
    if flow := _FLOWS.get(turn.intent):
        return await flow(turn)
    if turn.intent in _CONVERSATION:
        return await conversation(turn)
    return not_understood(turn)


def _acknowledge_repeat(step: Step, memory: BotMemory, lang: str) -> Step:
    """The same answer about the same thing again: say so rather than parrot it."""
    repeated = (
        step.outcome is BotOutcome.ANSWERED
        and step.subject is not None
        and step.subject == memory.subject
        and step.situation == memory.last_situation
    )
    return replace(step, reply=f"{replies.say('no_news', lang)} {step.reply}") if repeated else step


def _topic_of_ids(entities: dict[str, str]) -> str | None:
    """The case an id belongs to, for "a person please, about order 10048"."""
    if "order_id" in entities:
        return Topic.DELIVERY
    return Topic.PAYMENT if "transaction_id" in entities else None


# How sure the NLU must be that a part of a greeting is nothing it knows.
_UNREADABLE = 0.9


def _unreadable_beside_greeting(text: str, read: Callable[[str], Understanding]) -> bool:
    parts = other_segments(text)
    if len(parts) < 2:
        return False
    readings = [read(part) for part in parts]
    return any(r.intent == OUT_OF_SCOPE and r.confidence >= _UNREADABLE for r in readings)


def _topic_of_request(plan: Plan, text: str) -> str | None:
    """The subject of a request the bot has no skill for ("a tax invoice": billing's)."""
    return topic_of_words(text) if plan.intent == OUT_OF_SCOPE else None


def _bare_number_as_order(understanding: Understanding, text: str) -> Understanding:
    """A message that is only a number, with nothing to say what it is: most often the
    customer's order number."""
    if understanding.entities or not carries_only_ids(text):
        return understanding
    found = extract_entities(text, topic=Topic.DELIVERY)
    return replace(understanding, entities=found) if found else understanding


def _reported(understanding: Understanding, plan: Plan, step: Step) -> Understanding:
    """The understanding the engine sees: the intent acted on, with ids as the shop keys them."""
    return replace(
        understanding,
        intent=plan.intent,
        confidence=understanding.confidence if plan.confidence is None else plan.confidence,
        in_scope=plan.intent != OUT_OF_SCOPE,
        entities={**understanding.entities, **step.entities},
    )


def _remember(
    memory: BotMemory, understanding: Understanding, plan: Plan, step: Step, topic: str
) -> BotMemory:
    asked = step.outcome is BotOutcome.ASKED
    asked_again = asked and step.awaiting == memory.awaiting
    return memory.remember(
        lang=understanding.lang,
        entities={**memory.entities, **understanding.entities, **step.entities},
        topic=topic,
        awaiting=step.awaiting,
        times_asked=memory.times_asked + 1 if asked_again else int(asked),
        # Small talk does not replace the case intent a later id-only reply resumes.
        last_intent=plan.flow if plan.flow in _FLOWS else memory.last_intent,
        last_outcome=step.outcome.value,
        last_situation=step.situation or memory.last_situation,
        subject=step.subject or memory.subject,
        answers_on_subject=_answers_on_subject(memory, step),
        misunderstood=memory.misunderstood + 1 if step.outcome is BotOutcome.NOT_UNDERSTOOD else 0,
    )


def _answers_on_subject(memory: BotMemory, step: Step) -> int:
    """Answers in a row about one order, payment or account: the engine's loop evidence."""
    if step.subject is None:
        return memory.answers_on_subject
    return memory.answers_on_subject + 1 if step.subject == memory.subject else 1
