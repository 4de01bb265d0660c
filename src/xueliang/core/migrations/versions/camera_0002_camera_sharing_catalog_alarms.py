"""camera sharing, catalog, alarms

Revision ID: camera_0002
Revises: camera_0001
Create Date: 2026-11-28 01:29:24.247381
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import xueliang.core.db

revision = "camera_0002"
down_revision = "camera_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_alarm",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=32), nullable=False),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=400), nullable=False),
        sa.Column("created_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_alarm")),
    )
    with op.batch_alter_table("camera_alarm", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_alarm_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_camera_alarm_device_id"), ["device_id"], unique=False)

    op.create_table(
        "camera_catalog_node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("parent_pk", sa.Integer(), nullable=True),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_unit.id"],
            name=op.f("fk_camera_catalog_node_org_unit_id_org_unit"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_pk"],
            ["camera_catalog_node.id"],
            name=op.f("fk_camera_catalog_node_parent_pk_camera_catalog_node"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_catalog_node")),
        sa.UniqueConstraint("node_id", name=op.f("uq_camera_catalog_node_node_id")),
    )
    with op.batch_alter_table("camera_catalog_node", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_catalog_node_parent_pk"), ["parent_pk"], unique=False)

    op.create_table(
        "camera_peer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_camera_peer_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_peer")),
        sa.UniqueConstraint("platform_id", name=op.f("uq_camera_peer_platform_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_camera_peer_user_id")),
    )

    op.create_table(
        "camera_catalog_member",
        sa.Column("node_pk", sa.Integer(), nullable=False),
        sa.Column("channel_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_pk"],
            ["camera_channel.id"],
            name=op.f("fk_camera_catalog_member_channel_pk_camera_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["node_pk"],
            ["camera_catalog_node.id"],
            name=op.f("fk_camera_catalog_member_node_pk_camera_catalog_node"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("node_pk", "channel_pk", name=op.f("pk_camera_catalog_member")),
    )
    with op.batch_alter_table("camera_catalog_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_catalog_member_channel_pk"), ["channel_pk"], unique=False)

    op.create_table(
        "camera_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column("peer_pk", sa.Integer(), nullable=True),
        sa.Column("channel_pk", sa.Integer(), nullable=True),
        sa.Column("node_pk", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("rights", sa.String(length=64), nullable=False),
        sa.Column("valid_from", xueliang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", xueliang.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", xueliang.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_pk"],
            ["camera_channel.id"],
            name=op.f("fk_camera_grant_channel_pk_camera_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["node_pk"],
            ["camera_catalog_node.id"],
            name=op.f("fk_camera_grant_node_pk_camera_catalog_node"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_unit.id"],
            name=op.f("fk_camera_grant_org_unit_id_org_unit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["peer_pk"],
            ["camera_peer.id"],
            name=op.f("fk_camera_grant_peer_pk_camera_peer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_grant")),
    )
    with op.batch_alter_table("camera_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_grant_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_camera_grant_peer_pk"), ["peer_pk"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("camera_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_grant_peer_pk"))
        batch_op.drop_index(batch_op.f("ix_camera_grant_org_unit_id"))
    op.drop_table("camera_grant")
    with op.batch_alter_table("camera_catalog_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_catalog_member_channel_pk"))
    op.drop_table("camera_catalog_member")
    op.drop_table("camera_peer")
    with op.batch_alter_table("camera_catalog_node", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_catalog_node_parent_pk"))
    op.drop_table("camera_catalog_node")
    with op.batch_alter_table("camera_alarm", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_alarm_device_id"))
        batch_op.drop_index(batch_op.f("ix_camera_alarm_created_at"))
    op.drop_table("camera_alarm")
