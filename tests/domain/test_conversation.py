"""The conversation state machine: every legal transition, and every illegal one refused."""

from __future__ import annotations

import itertools

import pytest

from relaydesk.domain.conversation import (
    TRANSITIONS,
    Action,
    IllegalTransition,
    Status,
    allowed_actions,
    transition,
)
from relaydesk.domain.events import ACTION_EVENTS

LEGAL = [
    (Status.BOT, Action.ESCALATE, Status.HANDOVER_PENDING),
    (Status.HANDOVER_PENDING, Action.ENQUEUE, Status.QUEUED),
    (Status.QUEUED, Action.OFFER, Status.OFFERED),
    (Status.OFFERED, Action.DECLINE, Status.QUEUED),
    (Status.QUEUED, Action.ACCEPT, Status.ASSIGNED),
    (Status.OFFERED, Action.ACCEPT, Status.ASSIGNED),
    (Status.ASSIGNED, Action.TRANSFER, Status.QUEUED),
    (Status.ASSIGNED, Action.REQUEUE, Status.QUEUED),
    (Status.BOT, Action.RESOLVE, Status.RESOLVED),
    (Status.ASSIGNED, Action.RESOLVE, Status.RESOLVED),
    (Status.ASSIGNED, Action.HAND_BACK, Status.BOT),
    (Status.HANDOVER_PENDING, Action.ABANDON, Status.ABANDONED),
    (Status.QUEUED, Action.ABANDON, Status.ABANDONED),
    (Status.OFFERED, Action.ABANDON, Status.ABANDONED),
    (Status.RESOLVED, Action.REOPEN, Status.BOT),
    (Status.ABANDONED, Action.REOPEN, Status.BOT),
]


@pytest.mark.parametrize(("before", "action", "after"), LEGAL)
def test_legal_transition(before: Status, action: Action, after: Status) -> None:
    assert transition(before, action) is after


def test_table_is_exactly_the_documented_transitions() -> None:
    assert {(a, b): c for b, a, c in LEGAL} == TRANSITIONS


ILLEGAL = [
    (status, action)
    for status, action in itertools.product(Status, Action)
    if (action, status) not in TRANSITIONS
]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_illegal_transition_raises(status: Status, action: Action) -> None:
    with pytest.raises(IllegalTransition) as raised:
        transition(status, action)
    assert raised.value.status is status
    assert raised.value.action is action
    assert f"cannot {action.value} a conversation that is {status.value}" in str(raised.value)


def test_there_are_illegal_transitions_for_every_state() -> None:
    # A sanity check on the parametrisation above: no state accepts every action.
    for status in Status:
        assert any(s is status for s, _ in ILLEGAL)


def test_every_action_writes_an_event() -> None:
    assert set(ACTION_EVENTS) == set(Action)


def test_every_state_can_be_left_or_is_final_and_reopenable() -> None:
    for status in Status:
        assert allowed_actions(status), f"{status} would be a dead end"


def test_waiting_and_open_states() -> None:
    assert {s for s in Status if s.is_waiting} == {Status.QUEUED, Status.OFFERED}
    assert {s for s in Status if not s.is_open} == {Status.RESOLVED, Status.ABANDONED}


def test_every_state_is_reachable_from_bot_and_leads_back_to_bot() -> None:
    reached = {Status.BOT}
    frontier = {Status.BOT}
    while frontier:
        frontier = {transition(s, a) for s in frontier for a in allowed_actions(s)} - reached
        reached |= frontier
    assert reached == set(Status)
    for status in Status:
        seen, todo = {status}, {status}
        while todo:
            todo = {transition(s, a) for s in todo for a in allowed_actions(s)} - seen
            seen |= todo
        assert Status.BOT in seen, f"{status} can never get back to the bot"
