"""channels: outbox, attachments, delivery state, identity links, merges and challenges

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN without a foreign key: SQLite cannot rebuild `contacts` (rows
    # elsewhere point at it), so the link is kept by the service, as in the model.
    op.add_column("contacts", sa.Column("merged_into_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("contact_identities") as batch_op:
        batch_op.add_column(sa.Column("verified_by", sa.String(length=16), nullable=True))
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("thread", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("delivery", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("delivery_error", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("delivery_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("meta", sa.JSON(), nullable=False, server_default="{}"))
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mime_type", sa.String(length=120), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("provider_id", sa.String(length=255), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_attachments_message_id", "attachments", ["message_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "contact_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_contact_id", sa.Integer(), nullable=False),
        sa.Column("target_contact_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("identity_ids", sa.JSON(), nullable=False),
        sa.Column("conversation_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by_agent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["source_contact_id"], ["contacts.id"]),
        sa.ForeignKeyConstraint(["target_contact_id"], ["contacts.id"]),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"]),
        sa.ForeignKeyConstraint(["undone_by_agent_id"], ["agents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contact_merges_source_contact_id", "contact_merges", ["source_contact_id"])
    op.create_index("ix_contact_merges_target_contact_id", "contact_merges", ["target_contact_id"])
    op.create_table(
        "identity_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("target_contact_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_on", sa.String(length=16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.ForeignKeyConstraint(["target_contact_id"], ["contacts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_identity_challenges_conversation_id", "identity_challenges", ["conversation_id"]
    )
    # Identities that exist already came from a channel that vouched for them.
    op.execute("UPDATE contact_identities SET verified_by = 'provider' WHERE kind <> 'web_visitor'")


def downgrade() -> None:
    for index, table in (
        ("ix_identity_challenges_conversation_id", "identity_challenges"),
        ("ix_contact_merges_target_contact_id", "contact_merges"),
        ("ix_contact_merges_source_contact_id", "contact_merges"),
        ("ix_outbox_due", "outbox"),
        ("ix_attachments_message_id", "attachments"),
    ):
        op.drop_index(index, table_name=table)
    for table in ("identity_challenges", "contact_merges", "outbox", "attachments"):
        op.drop_table(table)
    with op.batch_alter_table("messages") as batch_op:
        for column in ("meta", "delivery_at", "delivery_error", "delivery"):
            batch_op.drop_column(column)
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_column("thread")
        batch_op.drop_column("address")
    with op.batch_alter_table("contact_identities") as batch_op:
        batch_op.drop_column("verified_by")
    op.drop_column("contacts", "merged_into_id")
