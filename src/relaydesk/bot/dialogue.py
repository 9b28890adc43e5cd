"""Which intent a turn acts on, given what the conversation is waiting for.

"transaction TX-20001", "maya@example.com", "it's budi@example.com": a reply that only
carries the id the bot asked for continues the case that asked, whatever the classifier
makes of two words around an address.
"""

from __future__ import annotations

from dataclasses import dataclass

from relaydesk.bot.intents import OUT_OF_SCOPE
from relaydesk.bot.memory import ENTITY_QUESTIONS, BotMemory
from relaydesk.bot.text import PLACEHOLDERS, for_classifier, word_set, words
from relaydesk.domain.turn import Understanding

# An id given on its own starts the case it most often belongs to.
_CASE_OF_ENTITY = {"order_id": "order_status", "transaction_id": "payment_failed"}
_SMALL_TALK = frozenset({"greeting", "thanks", "affirm", "deny"})
# Words around an id that say nothing about what the customer wants.
_FILLER = word_set(
    """it it's its is was my mine the a an this that here here's heres there ok okay oke yes
    yeah ya iya yup sure number no nomor nomer nomornya id order orders order's transaction
    trx email emailnya e mail address account pesanan pesananku transaksi akun alamat saya
    aku ini itu nya adalah dong kak min sorry maaf oh ah and dan of for with please pls
    tolong sent tx ord code kode"""
)


@dataclass(frozen=True)
class Plan:
    intent: str  # what the customer meant, as the escalation engine should see it
    flow: str  # the intent whose flow answers (differs for "complaint about order 10045")
    confidence: float | None = None  # set when the dialogue, not the classifier, chose


def carries_only_ids(text: str) -> bool:
    """Nothing in the message but ids and filler words ("order 10001", "it's x@y.com")."""
    tokens = words(for_classifier(text))
    content = [t for t in tokens if t not in PLACEHOLDERS and t not in _FILLER]
    return not content and any(t in PLACEHOLDERS for t in tokens)


def plan_turn(understanding: Understanding, memory: BotMemory, text: str) -> Plan:
    entities, intent = understanding.entities, understanding.intent
    only_ids = carries_only_ids(text)
    resumable = memory.awaiting in ENTITY_QUESTIONS and memory.last_intent
    answered = resumable and memory.awaiting in entities
    if answered and (only_ids or not understanding.in_scope or intent in _SMALL_TALK):
        # the customer answered the bot's own question: no doubt what it is about
        return Plan(str(memory.last_intent), str(memory.last_intent), 1.0)
    if not understanding.in_scope:
        case = _case_of(entities) if only_ids else None
        return Plan(case, case, 0.5) if case else Plan(OUT_OF_SCOPE, OUT_OF_SCOPE)
    if intent == "complaint":
        # "unacceptable, order 10045" looks the order up; "this is ridiculous" inside a case
        # answers that case again. How upset the customer is, is the engine's to judge.
        case = _case_of(entities) or memory.last_intent
        return Plan(intent, case or intent)
    return Plan(intent, intent)


def _case_of(entities: dict[str, str]) -> str | None:
    return next((case for kind, case in _CASE_OF_ENTITY.items() if kind in entities), None)
