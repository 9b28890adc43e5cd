"""Accounts: locked, suspended, hacked, forgotten passwords.

Locked after too many attempts is the one case the bot fixes: it sends a reset link. A
security lock, a suspension and a hacked account need a person to confirm who is asking.
"""

from __future__ import annotations

from dataclasses import replace

from relaydesk.bot.commerce import Account, AccountStatus, CommerceError
from relaydesk.bot.flows.base import Step, Turn, ask, cannot_reach
from relaydesk.domain.vocab import BotOutcome

ANSWERED, CANNOT_HELP = BotOutcome.ANSWERED, BotOutcome.CANNOT_HELP

_NEEDS_A_PERSON = {
    AccountStatus.LOCKED_SECURITY: ("account_locked_security", "account_locked_security"),
    AccountStatus.SUSPENDED: ("account_suspended", "account_suspended"),
}


async def account(turn: Turn) -> Step:
    email = turn.entities.get("email")
    if turn.intent == "account_hacked":
        return await _hacked(turn, email)
    if not email:
        return ask(turn, "email", "ask_email", "account email")
    try:
        record = await turn.backend.get_account(email)
    except CommerceError as exc:
        return cannot_reach(turn, f"look up the account {email}", exc)
    if record is None:
        return Step(
            BotOutcome.NOT_FOUND,
            turn.say("account_not_found", email=email),
            situation="account_not_found",
            tried=(f"looked up account {email}: not found",),
            awaiting="email",
        )
    if record.status in _NEEDS_A_PERSON:
        situation, message = _NEEDS_A_PERSON[record.status]
        step = Step(CANNOT_HELP, turn.say(message, email=email), situation=situation)
    else:
        step = await _reset(turn, record)
    return _with_record(step, record)


async def _reset(turn: Turn, record: Account) -> Step:
    """Locked by failed attempts, or active: a reset link gets the customer back in."""
    locked = record.status is AccountStatus.LOCKED_ATTEMPTS
    situation = "account_locked_attempts" if locked else "account_active"
    email = record.email
    if turn.memory.subject == f"account:{email}" and turn.memory.last_situation == situation:
        # One link per conversation: a second would only invalidate the first.
        return Step(ANSWERED, turn.say("reset_already_sent", email=email), situation=situation)
    try:
        sent = await turn.backend.send_password_reset(email)
    except CommerceError as exc:
        return cannot_reach(turn, f"send a password reset link to {email}", exc)
    if not sent:
        return Step(CANNOT_HELP, turn.say("reset_not_sent", email=email),
                    situation="password_reset_failed",
                    tried=(f"could not send a password reset link to {email}",))  # fmt: skip
    if locked:
        message = "account_reset_sent"
    elif turn.intent == "password_reset":
        message = "password_reset_sent"
    else:
        message = "account_active_reset_sent"
    return Step(ANSWERED, turn.say(message, email=email), situation=situation,
                tried=(f"sent a password reset link to {email}",))  # fmt: skip


async def _hacked(turn: Turn, email: str | None) -> Step:
    """A person at once; the account is looked up only if the customer named it."""
    step = Step(CANNOT_HELP, turn.say("account_hacked"), situation="account_hacked")
    if not email:
        return step
    try:
        record = await turn.backend.get_account(email)
    except CommerceError:
        return step
    return _with_record(step, record) if record else step


def _with_record(step: Step, record: Account) -> Step:
    status = record.status.value.replace("_", " ")
    return replace(
        step,
        facts={"account": record.facts()},
        tried=(f"looked up account {record.email}: {status}", *step.tried),
        subject=f"account:{record.email}",
        entities={"email": record.email},
    )
