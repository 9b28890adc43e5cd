"""The turns around a case: hello, thanks, yes and no, goodbye, "a person please", a
complaint before any case, and what the bot did not understand.

Whether a "thanks" ends the conversation depends on what came before: after an answer it
is the customer settling the case (RESOLVED); at the start it is only politeness.
"""

from __future__ import annotations

from relaydesk.bot.flows.base import Step, Turn
from relaydesk.bot.flows.delivery import confirm_new_date
from relaydesk.bot.memory import ENTITY_QUESTIONS
from relaydesk.domain.vocab import BotOutcome

_SETTLED = (BotOutcome.ANSWERED.value, BotOutcome.RESOLVED.value)


async def conversation(turn: Turn) -> Step:
    intent, memory = turn.intent, turn.memory
    if memory.awaiting == "eta_confirmation" and intent in ("affirm", "thanks", "deny"):
        return await confirm_new_date(turn, accepted=intent != "deny")
    if intent == "greeting":
        return Step(BotOutcome.SMALL_TALK, turn.say("greeting"), awaiting=memory.awaiting)
    if intent == "goodbye":
        return Step(BotOutcome.RESOLVED, turn.say("goodbye"))
    if intent in ("thanks", "affirm"):
        return _thanks_or_yes(turn)
    if intent == "deny":
        return Step(BotOutcome.SMALL_TALK, turn.say("anything_else"))
    if intent == "human_request":
        reply = turn.say("human_request")
        return Step(BotOutcome.CANNOT_HELP, reply, situation="human_requested")
    if intent == "complaint":
        return _complaint(turn)
    return not_understood(turn)


def _thanks_or_yes(turn: Turn) -> Step:
    memory = turn.memory
    if memory.awaiting in ENTITY_QUESTIONS and turn.intent == "affirm":
        # "yes" to "what's your order number?" still leaves the number to give
        return Step(BotOutcome.ASKED, turn.say(f"ask_{memory.awaiting}_again"),
                    awaiting=memory.awaiting)  # fmt: skip
    if memory.last_outcome in _SETTLED:
        return Step(BotOutcome.RESOLVED, turn.say("closing"))
    key = "welcome" if turn.intent == "thanks" else "ready"
    return Step(BotOutcome.SMALL_TALK, turn.say(key))


def _complaint(turn: Turn) -> Step:
    """A complaint before any case: ask what happened (inside a case, the dialogue answers
    the case again instead)."""
    return Step(BotOutcome.ASKED, turn.say("complaint_ask"),
                tried=("asked what the complaint is about",), awaiting="details")  # fmt: skip


def not_understood(turn: Turn) -> Step:
    key = "not_understood_again" if turn.memory.misunderstood else "not_understood"
    return Step(BotOutcome.NOT_UNDERSTOOD, turn.say(key), awaiting=turn.memory.awaiting)
