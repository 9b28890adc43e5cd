"""Every event type, declared once. Each arrow of the data flow appends one of these."""

from __future__ import annotations

from enum import StrEnum

from relaydesk.domain.conversation import Action


class EventType(StrEnum):
    CONVERSATION_STARTED = "conversation_started"
    MESSAGE_RECEIVED = "message_received"
    BOT_REPLIED = "bot_replied"
    ESCALATION_DECIDED = "escalation_decided"
    HANDOVER_REQUESTED = "handover_requested"  # the state change BOT -> HANDOVER_PENDING
    HANDOVER_QUEUED = "handover_queued"
    CUSTOMER_NOTIFIED = "customer_notified"
    AGENT_OFFERED = "agent_offered"
    OFFER_DECLINED = "offer_declined"
    OFFER_EXPIRED = "offer_expired"
    AGENT_ASSIGNED = "agent_assigned"
    AGENT_REPLIED = "agent_replied"
    TRANSFERRED = "transferred"
    REQUEUED = "requeued"  # the agent went offline or missed the first-reply limit
    AGENT_NUDGED = "agent_nudged"  # accepted but no first reply yet
    CUSTOMER_CHECKED_IN = "customer_checked_in"  # "are you still there?"
    FOLLOW_UP_REQUESTED = "follow_up_requested"  # an email address to answer at, off hours
    HANDED_BACK = "handed_back"
    CUSTOMER_ABANDONED = "customer_abandoned"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    AGENT_PRESENCE = "agent_presence"
    CSAT_RECEIVED = "csat_received"
    CHANNEL_SWITCHED = "channel_switched"  # the customer wrote from another channel
    WEBHOOK_IGNORED = "webhook_ignored"  # an echo, a reaction, a type we do not take
    DELIVERY_FAILED = "delivery_failed"  # the provider refused, or the retries ran out
    # A provider's status for an id we have not recorded yet (its webhook beat our send's
    # answer); applied when the send is recorded.
    DELIVERY_STATUS_EARLY = "delivery_status_early"
    CONTACTS_MERGED = "contacts_merged"
    CONTACTS_UNMERGED = "contacts_unmerged"
    IDENTITY_CHALLENGED = "identity_challenged"  # a code sent to prove an identity
    IDENTITY_PROVEN = "identity_proven"


# The event a state-machine action writes to the log.
ACTION_EVENTS: dict[Action, EventType] = {
    Action.ESCALATE: EventType.HANDOVER_REQUESTED,
    Action.ENQUEUE: EventType.HANDOVER_QUEUED,
    Action.OFFER: EventType.AGENT_OFFERED,
    Action.DECLINE: EventType.OFFER_DECLINED,
    Action.ACCEPT: EventType.AGENT_ASSIGNED,
    Action.TRANSFER: EventType.TRANSFERRED,
    Action.REQUEUE: EventType.REQUEUED,
    Action.RESOLVE: EventType.RESOLVED,
    Action.HAND_BACK: EventType.HANDED_BACK,
    Action.ABANDON: EventType.CUSTOMER_ABANDONED,
    Action.REOPEN: EventType.REOPENED,
}
