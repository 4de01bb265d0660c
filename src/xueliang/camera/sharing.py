"""Sharing: peer platforms (each a service account with an API token), grants of cameras, catalog
nodes or regions to departments or peers, and the catalog a peer syncs (what it is granted)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.audit import service as audit
from xueliang.auth import service as auth
from xueliang.auth.models import OrgUnit
from xueliang.auth.principal import Principal
from xueliang.camera import access, catalog
from xueliang.camera import service as registry
from xueliang.camera.gbid import parse_gbid
from xueliang.camera.models import CatalogMember, CatalogNode, Channel, Grant, Peer
from xueliang.camera.schemas import GrantCreate, PeerCreate, SyncItem
from xueliang.core.db import utcnow
from xueliang.core.exceptions import ConflictError, InvalidInputError, NotFoundError

PEER_ROLE = "operator"  # live and playback permissions; what it may reach comes from grants only


def create_peer(*, db: Session, principal: Principal, data: PeerCreate) -> tuple[Peer, str]:
    parse_gbid(data.platform_id, field="platform_id", types=frozenset({"200"}))
    if db.scalar(select(Peer.id).where(Peer.platform_id == data.platform_id)) is not None:
        raise ConflictError(f"peer {data.platform_id} is already registered", field="platform_id")
    auth.ensure_builtin_roles(db=db)
    user = auth.create_user(
        db=db,
        username=f"peer-{data.platform_id}",
        password=secrets.token_urlsafe(24),
        display_name=data.name,
        roles=(PEER_ROLE,),
        is_service=True,
    )
    expires = utcnow() + timedelta(days=data.token_days) if data.token_days else None
    _, token = auth.create_api_token(db=db, user=user, name=f"peer {data.name}", expires_at=expires)
    peer = Peer(platform_id=data.platform_id, name=data.name, kind=data.kind, user_id=user.id)
    db.add(peer)
    db.flush()
    audit.record(
        db=db, actor=principal, action="camera.peer.create", object_type="peer", object_id=peer.platform_id
    )
    return peer, token


def list_peers(*, db: Session) -> list[Peer]:
    return list(db.scalars(select(Peer).order_by(Peer.platform_id)))


def get_peer_or_raise(*, db: Session, platform_id: str) -> Peer:
    peer = db.scalar(select(Peer).where(Peer.platform_id == platform_id))
    if peer is None:
        raise NotFoundError(f"peer {platform_id} is not registered")
    return peer


def create_grant(*, db: Session, principal: Principal, data: GrantCreate) -> Grant:
    if (data.org_unit_id is None) == (data.peer_platform_id is None):
        raise InvalidInputError("give exactly one of org_unit_id and peer_platform_id", field="org_unit_id")
    targets = [t for t in (data.channel_id, data.node_id, data.region_code) if t]
    if len(targets) != 1:
        raise InvalidInputError("give exactly one of channel_id, node_id and region_code", field="channel_id")
    if data.org_unit_id is not None and db.get(OrgUnit, data.org_unit_id) is None:
        raise InvalidInputError(f"org unit {data.org_unit_id} does not exist", field="org_unit_id")
    if data.valid_until and data.valid_from and data.valid_until <= data.valid_from:
        raise InvalidInputError("valid_until must be after valid_from", field="valid_until")
    grant = Grant(
        org_unit_id=data.org_unit_id,
        peer_pk=get_peer_or_raise(db=db, platform_id=data.peer_platform_id).id
        if data.peer_platform_id
        else None,
        channel_pk=registry.get_channel_or_raise(db=db, channel_id=data.channel_id).id
        if data.channel_id
        else None,
        node_pk=catalog.get_node_or_raise(db=db, node_id=data.node_id).id if data.node_id else None,
        region_code=data.region_code,
        rights=",".join(sorted({str(r) for r in data.rights})),
        valid_from=data.valid_from or utcnow(),
        valid_until=data.valid_until,
        created_by=principal.username,
    )
    db.add(grant)
    db.flush()
    audit.record(
        db=db,
        actor=principal,
        action="camera.grant.create",
        object_type="grant",
        object_id=grant.id,
        request=data.model_dump(mode="json"),
    )
    return grant


def revoke_grant(*, db: Session, principal: Principal, grant_id: int) -> Grant:
    grant = db.get(Grant, grant_id)
    if grant is None:
        raise NotFoundError(f"grant {grant_id} does not exist")
    grant.revoked_at = grant.revoked_at or utcnow()
    audit.record(
        db=db, actor=principal, action="camera.grant.revoke", object_type="grant", object_id=grant.id
    )
    return grant


def list_grants(*, db: Session, active_only: bool = False) -> list[Grant]:
    query = select(Grant).order_by(Grant.id)
    if active_only:
        query = query.where(Grant.revoked_at.is_(None))
    return list(db.scalars(query))


def sync(*, db: Session, principal: Principal, offset: int, limit: int) -> tuple[int, list[SyncItem]]:
    """What a peer (or a department) is granted: cameras with rights and the catalog nodes above them."""
    total, channels = registry.list_channels(
        db=db, principal=principal, where=registry.ChannelFilter(), offset=offset, limit=limit
    )
    nodes = _nodes_of(db, [c.id for c in channels])
    items = [
        SyncItem(
            channel=registry.to_read(db=db, channel=c),
            rights=sorted(access.rights_on(db=db, principal=principal, channel=c)),
            nodes=nodes.get(c.id, []),
        )
        for c in channels
    ]
    return total, items


def _nodes_of(db: Session, channel_pks: list[int]) -> dict[int, list[str]]:
    query = (
        select(CatalogMember.channel_pk, CatalogNode.node_id)
        .join(CatalogNode, CatalogNode.id == CatalogMember.node_pk)
        .where(CatalogMember.channel_pk.in_(channel_pks))
    )
    found: dict[int, list[str]] = {}
    for channel_pk, node_id in db.execute(query):
        found.setdefault(channel_pk, []).append(node_id)
    return found


def channel_pk_map(*, db: Session, pks: set[int]) -> dict[int, str]:
    return dict(db.execute(select(Channel.id, Channel.channel_id).where(Channel.id.in_(pks))).all())
