"""viid: subscriptions and the notification outbox

Revision ID: viid_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import xueliang.core.db

revision = "viid_0001"
down_revision = "0001"
branch_labels = ("viid",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "viid_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscribe_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.String(length=100), nullable=False),
        sa.Column("resource_uri", sa.String(length=400), nullable=False),
        sa.Column("resource_class", sa.String(length=4), nullable=False),
        sa.Column("receive_addr", sa.String(length=400), nullable=False),
        sa.Column("begin_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("subscriber_device_id", sa.String(length=20), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("created_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_viid_subscription")),
        sa.UniqueConstraint("subscribe_id", name=op.f("uq_viid_subscription_subscribe_id")),
    )
    op.create_table(
        "viid_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_pk", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("object_count", sa.Integer(), nullable=False),
        sa.Column("created_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_pk"],
            ["viid_subscription.id"],
            name=op.f("fk_viid_outbox_subscription_pk_viid_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_viid_outbox")),
    )
    op.create_index("ix_viid_outbox_pending", "viid_outbox", ["subscription_pk", "delivered_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_viid_outbox_pending", table_name="viid_outbox")
    op.drop_table("viid_outbox")
    op.drop_table("viid_subscription")
