"""Who sees which camera, with which rights: scopes (camera, region) give every right; grants to the
caller's department (or a parent department) or to the peer platform it acts for give the rights
they list, only while valid. Services call these; routers never decide visibility."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from xueliang.auth.enums import ScopeKind
from xueliang.auth.models import OrgUnit
from xueliang.auth.principal import Principal
from xueliang.camera.enums import Right
from xueliang.camera.models import CatalogMember, CatalogNode, Channel, Grant, Peer
from xueliang.core.db import utcnow
from xueliang.core.exceptions import OutOfScopeError

ALL_RIGHTS = frozenset(Right)


@dataclass(frozen=True, slots=True)
class Grantee:
    org_unit_ids: frozenset[int]
    peer_pk: int | None


def grantee_of(*, db: Session, principal: Principal) -> Grantee:
    """The caller's department and its ancestors, and the peer platform it is the account of."""
    units: set[int] = set()
    unit_id = principal.org_unit_id
    while unit_id is not None and unit_id not in units:
        units.add(unit_id)
        unit_id = db.scalar(select(OrgUnit.parent_id).where(OrgUnit.id == unit_id))
    peer_pk = None
    if principal.user_id is not None:
        peer_pk = db.scalar(select(Peer.id).where(Peer.user_id == principal.user_id, Peer.enabled.is_(True)))
    return Grantee(frozenset(units), peer_pk)


def active_grants(*, db: Session, grantee: Grantee, now: datetime | None = None) -> list[Grant]:
    now = now or utcnow()
    who: list[ColumnElement[bool]] = (
        [Grant.org_unit_id.in_(grantee.org_unit_ids)] if grantee.org_unit_ids else []
    )
    if grantee.peer_pk is not None:
        who.append(Grant.peer_pk == grantee.peer_pk)
    if not who:
        return []
    query = select(Grant).where(
        or_(*who),
        Grant.revoked_at.is_(None),
        Grant.valid_from <= now,
        or_(Grant.valid_until.is_(None), Grant.valid_until > now),
    )
    return list(db.scalars(query))


def node_subtree(*, db: Session, roots: Iterable[int]) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent in db.execute(select(CatalogNode.id, CatalogNode.parent_pk)):
        children.setdefault(parent, []).append(pk)
    found, todo = set(), list(roots)
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, []))
    return found


def grant_condition(*, db: Session, grant: Grant) -> ColumnElement[bool]:
    """The channels one grant covers, as a WHERE condition on ``Channel``."""
    if grant.channel_pk is not None:
        return Channel.id == grant.channel_pk
    if grant.node_pk is not None:
        nodes = node_subtree(db=db, roots=[grant.node_pk])
        return Channel.id.in_(select(CatalogMember.channel_pk).where(CatalogMember.node_pk.in_(nodes)))
    if grant.region_code:
        return Channel.region_code.startswith(grant.region_code)
    return false()


def scope_condition(principal: Principal) -> ColumnElement[bool]:
    cameras = principal.scopes.get(ScopeKind.camera, frozenset())
    regions = principal.scopes.get(ScopeKind.region, frozenset())
    parts: list[ColumnElement[bool]] = [Channel.channel_id.in_(cameras)] if cameras else []
    parts += [Channel.region_code.startswith(prefix) for prefix in regions]
    return or_(*parts) if parts else false()


def visible_condition(*, db: Session, principal: Principal) -> ColumnElement[bool]:
    """WHERE condition of the channels the caller may see (by scope or by any valid grant)."""
    if principal.sees_everything:
        return true()
    grants = active_grants(db=db, grantee=grantee_of(db=db, principal=principal))
    return or_(scope_condition(principal), *(grant_condition(db=db, grant=g) for g in grants))


def in_scope(principal: Principal, channel: Channel) -> bool:
    if principal.in_scope(ScopeKind.camera, channel.channel_id):
        return True
    return bool(channel.region_code) and principal.in_scope(ScopeKind.region, channel.region_code or "")


def rights_on(*, db: Session, principal: Principal, channel: Channel) -> frozenset[Right]:
    """Every right within scope; otherwise the union of the valid grants that cover the channel."""
    if in_scope(principal, channel):
        return ALL_RIGHTS
    rights: set[Right] = set()
    for grant in active_grants(db=db, grantee=grantee_of(db=db, principal=principal)):
        covered = db.scalar(
            select(Channel.id).where(Channel.id == channel.id, grant_condition(db=db, grant=grant))
        )
        if covered is not None:
            rights.update(Right(r) for r in grant.rights.split(",") if r)
    return frozenset(rights)


def require_right(*, db: Session, principal: Principal, channel: Channel, right: Right) -> None:
    if right not in rights_on(db=db, principal=principal, channel=channel):
        raise OutOfScopeError(
            f"camera {channel.channel_id}: no '{right}' right (outside your scope and no valid grant)",
            kind="camera",
            value=channel.channel_id,
        )


def and_visible(*, db: Session, principal: Principal, where: ColumnElement[bool]) -> ColumnElement[bool]:
    return and_(where, visible_condition(db=db, principal=principal))
