"""The conversation state machine: one explicit transition table, nothing else moves state.

A conversation always has exactly one owner: the bot (BOT), the handover machinery
(HANDOVER_PENDING, QUEUED, OFFERED: a queue entry exists), a person (ASSIGNED), or nobody
because it is finished (RESOLVED, ABANDONED). Reopening a finished conversation gives it
back to the bot.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    BOT = "bot"
    HANDOVER_PENDING = "handover_pending"
    QUEUED = "queued"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    ABANDONED = "abandoned"

    @property
    def is_waiting(self) -> bool:
        """Waiting for a person: the case sits in exactly one team queue."""
        return self in (Status.QUEUED, Status.OFFERED)

    @property
    def is_open(self) -> bool:
        return self not in (Status.RESOLVED, Status.ABANDONED)


class Action(StrEnum):
    ESCALATE = "escalate"  # the escalation engine decided to hand over
    ENQUEUE = "enqueue"  # the brief is built; the case joins its team's queue
    OFFER = "offer"  # the router offers the case to one agent
    DECLINE = "decline"  # the agent declined, or the offer expired
    ACCEPT = "accept"  # an agent takes the case (from an offer or straight from the queue)
    TRANSFER = "transfer"  # the agent sends it to another team or agent, with a note
    REQUEUE = "requeue"  # the agent went offline or never replied: back to the queue, in front
    RESOLVE = "resolve"  # solved: by the bot, or by the agent
    HAND_BACK = "hand_back"  # the agent gives the conversation back to the bot
    ABANDON = "abandon"  # the customer left while waiting
    REOPEN = "reopen"  # the customer writes again after the conversation ended


TRANSITIONS: dict[tuple[Action, Status], Status] = {
    (Action.ESCALATE, Status.BOT): Status.HANDOVER_PENDING,
    (Action.ENQUEUE, Status.HANDOVER_PENDING): Status.QUEUED,
    (Action.OFFER, Status.QUEUED): Status.OFFERED,
    (Action.DECLINE, Status.OFFERED): Status.QUEUED,
    (Action.ACCEPT, Status.QUEUED): Status.ASSIGNED,
    (Action.ACCEPT, Status.OFFERED): Status.ASSIGNED,
    (Action.TRANSFER, Status.ASSIGNED): Status.QUEUED,
    (Action.REQUEUE, Status.ASSIGNED): Status.QUEUED,
    (Action.RESOLVE, Status.BOT): Status.RESOLVED,
    (Action.RESOLVE, Status.ASSIGNED): Status.RESOLVED,
    (Action.HAND_BACK, Status.ASSIGNED): Status.BOT,
    (Action.ABANDON, Status.HANDOVER_PENDING): Status.ABANDONED,
    (Action.ABANDON, Status.QUEUED): Status.ABANDONED,
    (Action.ABANDON, Status.OFFERED): Status.ABANDONED,
    (Action.REOPEN, Status.RESOLVED): Status.BOT,
    (Action.REOPEN, Status.ABANDONED): Status.BOT,
}


class IllegalTransition(Exception):
    def __init__(self, action: Action, status: Status) -> None:
        allowed = sorted(a.value for (a, s) in TRANSITIONS if s is status)
        super().__init__(
            f"cannot {action.value} a conversation that is {status.value}"
            f" (allowed from {status.value}: {', '.join(allowed) or 'nothing'})"
        )
        self.action = action
        self.status = status


def transition(status: Status, action: Action) -> Status:
    """The state after `action`, or IllegalTransition."""
    try:
        return TRANSITIONS[(action, status)]
    except KeyError:
        raise IllegalTransition(action, status) from None


def allowed_actions(status: Status) -> list[Action]:
    return [a for (a, s) in TRANSITIONS if s is status]
