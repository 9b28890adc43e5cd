"""routing: agent skills, queue order and offers, timers, notes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 23:40:00
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch_op:
        batch_op.add_column(
            sa.Column("channel_capacity", sa.JSON(), nullable=False, server_default="{}")
        )
        batch_op.add_column(sa.Column("skills", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(
            sa.Column("missed_offers", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("seen_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("handovers") as batch_op:
        batch_op.add_column(sa.Column("first_reply_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("queue_entries") as batch_op:
        batch_op.add_column(sa.Column("sort_key", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("needs", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("offered_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("passed_by", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("told_position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("told_wait_s", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("told_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("told_opens_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_queue_team_sort", ["team", "sort_key"], unique=False)
    _place_waiting_cases()
    op.create_table(
        "timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("timers") as batch_op:
        batch_op.create_index(batch_op.f("ix_timers_due_at"), ["due_at"], unique=False)
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"]),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notes") as batch_op:
        batch_op.create_index("ix_notes_conversation", ["conversation_id", "id"], unique=False)


DEFAULT_AGING_STEP_S = 300.0  # routing.model.TeamRules.aging_step_s when this ran


def _place_waiting_cases() -> None:
    """Cases already waiting get the router's sort key (arrival minus the priority's head
    start) and what they need, so they keep their place instead of jumping the queue."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT q.id, q.enqueued_at, q.priority_rank, c.lang, c.channel, k.tier"
            " FROM queue_entries q JOIN conversations c ON c.id = q.conversation_id"
            " JOIN contacts k ON k.id = c.contact_id"
        )
    ).all()
    for entry_id, enqueued_at, rank, lang, channel, tier in rows:
        if isinstance(enqueued_at, str):  # SQLite hands back text
            enqueued_at = datetime.fromisoformat(enqueued_at)
        arrived = enqueued_at.replace(tzinfo=UTC).timestamp()
        needs = {"language": lang, "channel": channel, "topic": None, "tier": tier}
        bind.execute(
            sa.text("UPDATE queue_entries SET sort_key = :key, needs = :needs WHERE id = :id"),
            {
                "key": arrived - rank * DEFAULT_AGING_STEP_S,
                "needs": json.dumps(needs),
                "id": entry_id,
            },
        )


def downgrade() -> None:
    op.drop_table("notes")
    op.drop_table("timers")
    with op.batch_alter_table("queue_entries") as batch_op:
        batch_op.drop_index("ix_queue_team_sort")
        for column in (
            "told_opens_at",
            "told_at",
            "told_wait_s",
            "told_position",
            "passed_by",
            "offered_at",
            "needs",
            "sort_key",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("handovers") as batch_op:
        batch_op.drop_column("first_reply_at")
    with op.batch_alter_table("agents") as batch_op:
        for column in ("seen_at", "missed_offers", "skills", "channel_capacity"):
            batch_op.drop_column(column)
