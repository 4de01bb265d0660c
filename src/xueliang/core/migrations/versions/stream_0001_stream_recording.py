"""stream recording plans, retention, segments

Revision ID: stream_0001
Revises: 0001
Create Date: 2026-11-28 01:29:24.247381
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import xueliang.core.db

revision = "stream_0001"
down_revision = "0001"
branch_labels = ("stream",)
depends_on = "camera_0001"


def upgrade() -> None:
    op.create_table(
        "stream_retention_policy",
        sa.Column("group", sa.String(length=64), nullable=False),
        sa.Column("max_age_days", sa.Integer(), nullable=False),
        sa.Column("max_bytes", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("group", name=op.f("pk_stream_retention_policy")),
    )

    op.create_table(
        "stream_recording_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_pk", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("schedule", sa.Text(), nullable=False),
        sa.Column("retention_group", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_pk"],
            ["camera_channel.id"],
            name=op.f("fk_stream_recording_plan_channel_pk_camera_channel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stream_recording_plan")),
        sa.UniqueConstraint("channel_pk", name=op.f("uq_stream_recording_plan_channel_pk")),
    )
    with op.batch_alter_table("stream_recording_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stream_recording_plan_retention_group"), ["retention_group"], unique=False
        )

    op.create_table(
        "stream_segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_pk", sa.Integer(), nullable=False),
        sa.Column("retention_group", sa.String(length=64), nullable=False),
        sa.Column("start_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("created_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_pk"],
            ["camera_channel.id"],
            name=op.f("fk_stream_segment_channel_pk_camera_channel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stream_segment")),
    )
    with op.batch_alter_table("stream_segment", schema=None) as batch_op:
        batch_op.create_index("ix_stream_segment_channel_start", ["channel_pk", "start_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stream_segment_retention_group"), ["retention_group"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stream_segment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stream_segment_retention_group"))
        batch_op.drop_index("ix_stream_segment_channel_start")
    op.drop_table("stream_segment")
    with op.batch_alter_table("stream_recording_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stream_recording_plan_retention_group"))
    op.drop_table("stream_recording_plan")
    op.drop_table("stream_retention_policy")
