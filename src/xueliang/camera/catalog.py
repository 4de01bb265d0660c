"""The catalog tree: by admin region (district → town → community → cameras) and by department
(org units, with business groups and virtual organisations as nodes). Counts include only the
cameras the caller may see."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.auth.models import OrgUnit
from xueliang.auth.principal import Principal
from xueliang.camera import access
from xueliang.camera.enums import Status
from xueliang.camera.gbid import parse_gbid
from xueliang.camera.models import CatalogMember, CatalogNode, Channel
from xueliang.camera.schemas import CatalogNodeCreate, TreeNode
from xueliang.core.exceptions import InvalidInputError, NotFoundError

LEVELS = ((6, "district"), (9, "town"), (12, "community"))
NODE_TYPES = {"business_group": "215", "virtual_org": "216"}


def _visible(db: Session, principal: Principal, *columns: object) -> list[tuple[object, ...]]:
    query = select(*columns).where(access.visible_condition(db=db, principal=principal))  # type: ignore[call-overload]
    return [tuple(row) for row in db.execute(query)]


def region_children(*, db: Session, principal: Principal, parent: str | None) -> list[TreeNode]:
    """The next level under ``parent`` (a region code; None = the districts), with counts."""
    significant = len(parent.rstrip("0")) if parent else 0
    level = next(((n, name) for n, name in LEVELS if n > significant), None)
    if level is None:
        raise InvalidInputError("communities are the last level: list their cameras", field="parent")
    width, name = level
    total: Counter[str] = Counter()
    online: Counter[str] = Counter()
    for region, status in _visible(db, principal, Channel.region_code, Channel.status):
        code = str(region or "")
        if len(code) >= width and (not parent or code.startswith(parent[:significant])):
            key = code[:width].ljust(12, "0")
            total[key] += 1
            online[key] += status == Status.online
    return [
        TreeNode(key=k, name=k, kind=name, total=total[k], online=online[k], has_children=True)
        for k in sorted(total)
    ]


def department_tree(*, db: Session, principal: Principal) -> list[TreeNode]:
    """Org units as a tree; under each, its catalog nodes (business groups / virtual orgs)."""
    per_unit: Counter[int] = Counter()
    up_unit: Counter[int] = Counter()
    for unit_id, status in _visible(db, principal, Channel.org_unit_id, Channel.status):
        if unit_id is not None:
            per_unit[int(str(unit_id))] += 1
            up_unit[int(str(unit_id))] += status == Status.online
    units = list(db.scalars(select(OrgUnit).order_by(OrgUnit.code)))
    nodes = list(db.scalars(select(CatalogNode).order_by(CatalogNode.node_id)))
    node_counts = _node_counts(db, principal)
    built = {u.id: _unit_node(u, per_unit, up_unit) for u in units}
    node_built = {
        n.id: TreeNode(
            key=n.node_id,
            name=n.name,
            kind=n.kind,
            total=node_counts[n.id][0],
            online=node_counts[n.id][1],
            has_children=False,
        )
        for n in nodes
    }
    for node in nodes:
        parent = node_built.get(node.parent_pk or -1) or built.get(node.org_unit_id or -1)
        if parent is not None:
            parent.children.append(node_built[node.id])
    roots = [built[u.id] for u in units if u.parent_id is None or u.parent_id not in built]
    for unit in units:
        if unit.parent_id in built:
            built[unit.parent_id].children.append(built[unit.id])
    for tree in [*built.values(), *node_built.values()]:
        tree.has_children = bool(tree.children)
    _roll_up(roots)
    return roots + [node_built[n.id] for n in nodes if n.parent_pk is None and n.org_unit_id is None]


def _unit_node(unit: OrgUnit, total: Counter[int], online: Counter[int]) -> TreeNode:
    return TreeNode(
        key=f"org:{unit.id}",
        name=unit.name,
        kind="department",
        total=total[unit.id],
        online=online[unit.id],
        has_children=False,
    )


def _roll_up(trees: Iterable[TreeNode]) -> tuple[int, int]:
    total = online = 0
    for tree in trees:
        if tree.kind == "department":
            sub_total, sub_online = _roll_up(c for c in tree.children if c.kind == "department")
            tree.total += sub_total
            tree.online += sub_online
        total, online = total + tree.total, online + tree.online
    return total, online


def _node_counts(db: Session, principal: Principal) -> dict[int, tuple[int, int]]:
    query = (
        select(CatalogMember.node_pk, Channel.status)
        .join(Channel, Channel.id == CatalogMember.channel_pk)
        .where(access.visible_condition(db=db, principal=principal))
    )
    counts: dict[int, tuple[int, int]] = {}
    for node_pk, status in db.execute(query):
        total, online = counts.get(node_pk, (0, 0))
        counts[node_pk] = (total + 1, online + (status == Status.online))
    return {pk: counts.get(pk, (0, 0)) for pk in db.scalars(select(CatalogNode.id))}


def get_node_or_raise(*, db: Session, node_id: str) -> CatalogNode:
    node = db.scalar(select(CatalogNode).where(CatalogNode.node_id == node_id))
    if node is None:
        raise NotFoundError(f"catalog node {node_id} does not exist")
    return node


def create_node(*, db: Session, data: CatalogNodeCreate) -> CatalogNode:
    parse_gbid(data.node_id, field="node_id", types=frozenset({NODE_TYPES[data.kind]}))
    parent = get_node_or_raise(db=db, node_id=data.parent_id) if data.parent_id else None
    node = CatalogNode(
        node_id=data.node_id,
        name=data.name,
        kind=data.kind,
        org_unit_id=data.org_unit_id,
        parent_pk=parent.id if parent else None,
    )
    db.add(node)
    db.flush()
    return node


def add_members(*, db: Session, node: CatalogNode, channel_ids: list[str]) -> int:
    found = dict(
        db.execute(select(Channel.channel_id, Channel.id).where(Channel.channel_id.in_(channel_ids))).all()
    )
    missing = sorted(set(channel_ids) - set(found))
    if missing:
        raise InvalidInputError(f"cameras not registered: {', '.join(missing[:10])}", field="channel_ids")
    present = set(db.scalars(select(CatalogMember.channel_pk).where(CatalogMember.node_pk == node.id)))
    added = [pk for pk in found.values() if pk not in present]
    db.add_all(CatalogMember(node_pk=node.id, channel_pk=pk) for pk in added)
    db.flush()
    return len(added)


def node_channels(*, db: Session, principal: Principal, node: CatalogNode) -> list[Channel]:
    nodes = access.node_subtree(db=db, roots=[node.id])
    query = (
        select(Channel)
        .where(Channel.id.in_(select(CatalogMember.channel_pk).where(CatalogMember.node_pk.in_(nodes))))
        .where(access.visible_condition(db=db, principal=principal))
        .order_by(Channel.channel_id)
    )
    return list(db.scalars(query))
