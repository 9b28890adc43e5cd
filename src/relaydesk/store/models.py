"""The database schema. Rows only: every state change goes through service use cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    handle_time_s: Mapped[float] = mapped_column(Float, default=300.0)


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    channel_capacity: Mapped[dict[str, Any]] = mapped_column(default=dict)  # channel -> max
    skills: Mapped[dict[str, Any]] = mapped_column(default=dict)  # languages, channels, ...
    missed_offers: Mapped[int] = mapped_column(Integer, default=0)  # in a row
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    presence_at: Mapped[datetime | None]
    seen_at: Mapped[datetime | None]  # a desk socket's last heartbeat, from any process
    last_assigned_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    memberships: Mapped[list[TeamMember]] = relationship(
        back_populates="agent", cascade="all, delete-orphan", lazy="selectin"
    )


class TeamMember(Base):
    __tablename__ = "team_members"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)
    agent: Mapped[Agent] = relationship(back_populates="memberships")
    team: Mapped[Team] = relationship(lazy="joined")


class AgentSession(Base):
    __tablename__ = "agent_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(32), default="standard")
    lang: Mapped[str | None] = mapped_column(String(8))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Set when an agent (or a proven code) merged this contact into another; an un-merge
    # clears it. A merged contact keeps no identities or conversations of its own.
    # (No foreign key: SQLite could not add one to an existing table; merges keep it true.)
    merged_into_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class ContactIdentity(Base):
    """How a contact is known on one channel: a web visitor, a phone, an email address."""

    __tablename__ = "contact_identities"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # web_visitor, phone, email, telegram, ...
    value: Mapped[str] = mapped_column(String(320))
    secret_hash: Mapped[str | None] = mapped_column(String(64))  # web visitors' token
    # How we know this identity is the contact's: "provider" (the channel vouches for it),
    # "code" (the customer typed a code sent to it), "agent" (merged by hand).
    verified_by: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]


class ContactMerge(Base):
    """The audit of one merge, and what an un-merge puts back."""

    __tablename__ = "contact_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    target_contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # agent, code
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    identity_ids: Mapped[list[Any]] = mapped_column(default=list)  # moved to the target
    conversation_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    undone_at: Mapped[datetime | None]
    undone_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))


class IdentityChallenge(Base):
    """A one-time code sent over another channel to prove an identity is the customer's:
    typed back in the conversation, it links the two contacts."""

    __tablename__ = "identity_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))  # who must prove
    target_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(320))
    code_hash: Mapped[str] = mapped_column(String(64))
    sent_on: Mapped[str | None] = mapped_column(String(16))  # channel the code went by
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_contact_status", "contact_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    # Where replies go now: a customer who moves to another channel while their case is
    # open brings the case along (its place in the queue and its brief).
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(320))  # theirs, on `channel`
    thread: Mapped[dict[str, Any]] = mapped_column(default=dict)  # e-mail subject, ids
    status: Mapped[str] = mapped_column(String(24), index=True)
    lang: Mapped[str] = mapped_column(String(8), default="en")
    team: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str | None] = mapped_column(String(16))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    intent: Mapped[str | None] = mapped_column(String(64))
    bot_memory: Mapped[dict[str, Any]] = mapped_column(default=dict)
    history: Mapped[list[Any]] = mapped_column(default=list)  # TurnRecords, for the signals
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "client_id"),
        UniqueConstraint("channel", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    seq: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(16))  # customer, bot, agent, system
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    # The name the customer saw, kept as it was when sent (an agent may be renamed later).
    sender_name: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # masked before it ever gets here
    client_id: Mapped[str | None] = mapped_column(String(64))  # idempotency key from a client
    external_id: Mapped[str | None] = mapped_column(String(255))  # the provider's message id
    masked: Mapped[list[Any]] = mapped_column(default=list)  # kinds of secrets masked out
    # A customer message waits for its bot turn until `handled`; a restart finishes the rest.
    handled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Outbound on a provider channel: queued, sent, delivered, read or failed (+ why).
    delivery: Mapped[str | None] = mapped_column(String(16))
    delivery_error: Mapped[str | None] = mapped_column(String(500))
    delivery_at: Mapped[datetime | None]
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)  # subject, button, original
    created_at: Mapped[datetime]
    attachments: Mapped[list[Attachment]] = relationship(lazy="selectin")


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # image, audio, video, document, ...
    mime_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(BigInteger)  # Telegram allows files over 2 GiB
    provider_id: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]


class OutboxItem(Base):
    """A message on its way to a provider, written in the same transaction as the message.

    The sender claims due rows, sends, and records the outcome; a crash mid-send leaves
    the claim to lapse (`next_attempt_at`) and the row is sent again.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(320))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the OutboundMessage
    status: Mapped[str] = mapped_column(String(16), default="pending")  # sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class EscalationDecision(Base):
    __tablename__ = "escalation_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    turn: Mapped[int] = mapped_column(Integer)
    handover: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    team: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str | None] = mapped_column(String(120))
    policy_version: Mapped[str] = mapped_column(String(64))
    intent: Mapped[str | None] = mapped_column(String(64))
    signals: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]


class Handover(Base):
    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_decisions.id"))
    team: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    brief: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requested_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None]
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(24))  # resolved, handed_back, abandoned
    first_reply_at: Mapped[datetime | None]  # the assigned agent's first words


class QueueEntry(Base):
    """A waiting case. UNIQUE(conversation_id): a case sits in at most one queue."""

    __tablename__ = "queue_entries"
    __table_args__ = (
        Index("ix_queue_team_order", "team", "priority_rank", "enqueued_at"),
        Index("ix_queue_team_sort", "team", "sort_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), unique=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"))
    team: Mapped[str] = mapped_column(String(64))
    priority_rank: Mapped[int] = mapped_column(Integer)
    enqueued_at: Mapped[datetime]
    # The router's order: enqueued_at minus the priority's head start, in epoch seconds
    # (routing.model.TeamRules.sort_key); a case put back "at the front" gets a smaller one.
    sort_key: Mapped[float] = mapped_column(Float, default=0.0)
    needs: Mapped[dict[str, Any]] = mapped_column(default=dict)  # language, channel, topic, tier
    offered_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    offered_at: Mapped[datetime | None]
    passed_by: Mapped[list[Any]] = mapped_column(default=list)  # agents who declined / let expire
    # What the customer was last told: their place, the promised wait (None: nobody online).
    told_position: Mapped[int | None] = mapped_column(Integer)
    told_wait_s: Mapped[float | None] = mapped_column(Float)
    told_at: Mapped[datetime | None]
    told_opens_at: Mapped[datetime | None]  # told the (closed) team opens then


class Timer(Base):
    """Something due later (offer expiry, first-reply limit, check-in, going offline...).

    One row per `key` (e.g. "offer:<conversation>"): scheduling again replaces it, and a
    restart loses none: the scheduler loop works every row whose `due_at` has passed.
    """

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(32))
    agent_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Note(Base):
    """An agent's internal note on a case (never shown to the customer); transfers and
    hand-backs carry them to the next person."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    author: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="note")  # note, transfer, system
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Event(Base):
    """The append-only event log: analytics, replay and the dashboard read from here."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(Integer)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
