"""Which intent a turn acts on, given what the conversation is waiting for.

"transaction TX-20001", "maya@example.com", "it's budi@example.com": a reply that only
carries the id the bot asked for continues the case that asked, whatever the classifier
makes of two words around an address. "Yes, but when exactly?" to a new delivery date asks
about the case again; it does not accept the date.

Two readings of the words come before the plan (`Bot.respond` applies them):
- "I don't need an agent, just tell me where 58004 is" declines a person: what the
  customer wants is the rest of the message (`rest_after_declined_person`). The words are
  read as the escalation engine reads them, so the bot never answers "I'll get a person"
  to a message the engine finds declining one.
- A request the bot has no skill for still has a subject: an invoice is billing's, a
  return's delivery (`topic_of_words`), so the person it goes to is the right one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from relaydesk.bot.flows.delivery import ORDER_CHANGE
from relaydesk.bot.intents import OUT_OF_SCOPE, Topic
from relaydesk.bot.memory import ENTITY_QUESTIONS, BotMemory
from relaydesk.bot.text import PLACEHOLDERS, for_classifier, word_set, words
from relaydesk.domain.turn import Understanding
from relaydesk.domain.wording.person_request import find_person_requests

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
# Where one thought of a message ends and the next begins: "no agent please - just tell
# me ...", "ga usah ke CS, cuma mau tanya ...". The words "just", "cuma" open the rest.
_SEGMENT_BREAK = re.compile(
    r"[,;:!?\n]+|\.(?:\s+|$)|\s[-–—]+\s|\b(?:but|just|only|tapi|cuma|cuman|hanya)\b", re.I
)
_WORDISH = re.compile(r"[^\W_]")
_CONTRAST = word_set("but though however tapi tp namun cuma")
_QUESTION = word_set(
    """what when where which how why whats wheres kapan mana dimana berapa kenapa gimana
    bagaimana apa"""
)
# Claims the bot hands straight to a person as fraud or a break-in: only when the
# classifier is at least as sure as its general bar, not merely likely within the topic.
_GRAVE_CLAIMS = frozenset({"unauthorized_payment", "account_hacked"})
_GRAVE_CLAIM_CONFIDENCE = 0.5
# Asking to change an order: with an order at hand, a change the bot has no skill for.
_CHANGE = word_set(
    """change changing modify edit swap exchange cancel add remove upgrade ganti ubah tukar
    batal batalkan batalin tambah tambahin kurangi hapus"""
)
# The subject of a request the bot cannot handle, from the words naming it.
_TOPIC_WORDS = {
    Topic.PAYMENT: word_set(
        """invoice invoices receipt receipts bill billing tax vat faktur kwitansi kuitansi
        tagihan struk nota pajak cicilan installment paylater"""
    ),
    Topic.DELIVERY: word_set(
        """shipping ongkir resi tracking pickup retur return package paket shipment kiriman
        pengiriman"""
    ),
    Topic.ACCOUNT: word_set("""account akun profile profil username login password sandi"""),
}


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


def rest_after_declined_person(text: str) -> str | None:
    """The message without the parts that decline a person ("I don't need an agent"),
    or None when no part does. May be blank: the customer only declined."""
    pieces: list[str] = []
    declined = False
    position = 0
    for cut in [*_SEGMENT_BREAK.finditer(text), None]:
        end = cut.start() if cut else len(text)
        segment = text[position:end]
        asks, negated = find_person_requests(segment)
        if negated and not asks:
            declined = True
        else:
            pieces.append(segment)
        if cut:
            pieces.append(cut.group(0))
            position = cut.end()
    return "".join(pieces).strip(" ,;:-–—\n") if declined else None


def other_segments(text: str) -> list[str]:
    """The message's parts with any words, in order ("hello", "xkqz vbnm"; not ":)")."""
    return [part.strip() for part in _SEGMENT_BREAK.split(text) if part and _WORDISH.search(part)]


def topic_of_words(text: str) -> str | None:
    """The case topic the words of a request name, when one topic only is named."""
    tokens = set(words(for_classifier(text)))
    named = [topic for topic, vocabulary in _TOPIC_WORDS.items() if tokens & vocabulary]
    return named[0] if len(named) == 1 else None


def plan_turn(understanding: Understanding, memory: BotMemory, text: str) -> Plan:
    entities, intent = understanding.entities, understanding.intent
    if _asks_more(text, memory, intent) and memory.last_intent:
        # "yes, but when exactly?": the case's question again, not a yes to the date
        return Plan(memory.last_intent, memory.last_intent)
    only_ids = carries_only_ids(text)
    resumable = memory.awaiting in ENTITY_QUESTIONS and memory.last_intent
    answered = resumable and memory.awaiting in entities
    if answered and (only_ids or not understanding.in_scope or intent in _SMALL_TALK):
        # the customer answered the bot's own question: no doubt what it is about
        return Plan(str(memory.last_intent), str(memory.last_intent), 1.0)
    if intent in _GRAVE_CLAIMS and understanding.confidence < _GRAVE_CLAIM_CONFIDENCE:
        # "the purchase last week" read as "not my payment" at 0.39 inside a payment case:
        # a claim this grave is never put in the customer's mouth on a guess. (Real fraud
        # and break-ins are caught by the escalation engine's own words as well.)
        return Plan(OUT_OF_SCOPE, OUT_OF_SCOPE)
    if not understanding.in_scope:
        case = _case_of(entities) if only_ids else None
        if case:
            return Plan(case, case, 0.5)
        if asks_to_change_an_order(text, {**memory.entities, **entities}):
            # Still no skill of the bot's, but a case: look the order up for the person.
            return Plan(OUT_OF_SCOPE, ORDER_CHANGE)
        return Plan(OUT_OF_SCOPE, OUT_OF_SCOPE)
    if intent == "complaint":
        # "unacceptable, order 10045" looks the order up; "this is ridiculous" inside a case
        # answers that case again. How upset the customer is, is the engine's to judge.
        case = _case_of(entities) or memory.last_intent
        return Plan(intent, case or intent)
    return Plan(intent, intent)


def asks_to_change_an_order(text: str, entities: dict[str, str]) -> bool:
    """ "can I swap order 58055 for a size L": a change to an order the bot cannot make."""
    return "order_id" in entities and bool(set(words(text.lower())) & _CHANGE)


def _asks_more(text: str, memory: BotMemory, intent: str) -> bool:
    """A yes to the new delivery date that goes on to ask about it again."""
    if memory.awaiting != "eta_confirmation" or intent not in ("affirm", "thanks"):
        return False
    tokens = words(text.lower())
    return "?" in text and any(t in _CONTRAST or t in _QUESTION for t in tokens)


def _case_of(entities: dict[str, str]) -> str | None:
    return next((case for kind, case in _CASE_OF_ENTITY.items() if kind in entities), None)
