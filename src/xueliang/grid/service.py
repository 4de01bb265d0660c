"""Reads of the grid registry, scoped in the service: a caller sees the grids of its grid scopes and
the grids whose code starts with one of its region scopes (grid codes begin with their community's
division code); ``scope.all`` sees everything. Residents are in ``flows`` (purpose, audit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from xueliang.auth.enums import Permission, ScopeKind
from xueliang.auth.models import User
from xueliang.auth.principal import Principal
from xueliang.core.exceptions import InvalidInputError, NotFoundError
from xueliang.grid.models import (
    AdminArea,
    Building,
    ClientFieldPolicy,
    Grid,
    GridMember,
    HousingUnit,
    Resident,
)
from xueliang.grid.schemas import RESIDENT_FIELDS, GridCounts, MemberRead

# API clients (service users) without a policy row see only these resident fields
DEFAULT_CLIENT_FIELDS = ("id", "grid_id", "housing_unit_id", "residence_type")


def grid_scope(principal: Principal) -> ColumnElement[bool] | None:
    """A condition on ``Grid`` for the grids the caller may see; None = all."""
    if principal.sees_everything:
        return None
    codes = principal.scopes.get(ScopeKind.grid, frozenset())
    prefixes = principal.scopes.get(ScopeKind.region, frozenset())
    terms: list[ColumnElement[bool]] = [Grid.code.startswith(p, autoescape=True) for p in sorted(prefixes)]
    if codes:
        terms.append(Grid.code.in_(sorted(codes)))
    return or_(*terms) if terms else false()


def visible_grid_ids(principal: Principal) -> Any:
    """A subquery of visible grid ids, or None when everything is visible."""
    scope = grid_scope(principal)
    return None if scope is None else select(Grid.id).where(scope)


def require_grid_visible(*, principal: Principal, grid: Grid) -> None:
    if not (principal.in_scope(ScopeKind.grid, grid.code) or principal.in_scope(ScopeKind.region, grid.code)):
        principal.require_scope(ScopeKind.grid, grid.code)


def _area_visible(principal: Principal, code: str, granted_codes: Sequence[str]) -> bool:
    """An area is visible when inside a region scope, or above something the caller may see."""
    if principal.sees_everything or principal.in_scope(ScopeKind.region, code):
        return True
    stem = code.rstrip("0") or code
    return any(g.startswith(stem) for g in granted_codes)


def list_regions(*, db: Session, principal: Principal, parent_id: int | None = None) -> list[AdminArea]:
    query = select(AdminArea).order_by(AdminArea.code)
    query = query.where(
        AdminArea.parent_id.is_(None) if parent_id is None else AdminArea.parent_id == parent_id
    )
    granted = sorted(
        principal.scopes.get(ScopeKind.grid, frozenset())
        | principal.scopes.get(ScopeKind.region, frozenset())
    )
    return [a for a in db.scalars(query) if _area_visible(principal, a.code, granted)]


def list_grids(
    *,
    db: Session,
    principal: Principal,
    community_id: int | None = None,
    q: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[Grid]]:
    query = select(Grid)
    scope = grid_scope(principal)
    if scope is not None:
        query = query.where(scope)
    if community_id is not None:
        query = query.where(Grid.community_id == community_id)
    if q:
        query = query.where(
            or_(Grid.name.contains(q, autoescape=True), Grid.code.startswith(q, autoescape=True))
        )
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    return total, list(db.scalars(query.order_by(Grid.code).offset(offset).limit(limit)))


def get_grid_or_raise(*, db: Session, principal: Principal, grid_id: int) -> Grid:
    grid = db.get(Grid, grid_id)
    if grid is None:
        raise NotFoundError(f"grid {grid_id} not found")
    require_grid_visible(principal=principal, grid=grid)
    return grid


def grid_counts(*, db: Session, grid_id: int) -> GridCounts:
    def count(model: Any) -> int:
        return db.scalar(select(func.count()).select_from(model).where(model.grid_id == grid_id)) or 0

    return GridCounts(buildings=count(Building), housing_units=count(HousingUnit), residents=count(Resident))


def grid_members(*, db: Session, grid_id: int) -> list[MemberRead]:
    rows = db.execute(
        select(GridMember, User)
        .join(User, User.id == GridMember.user_id)
        .where(GridMember.grid_id == grid_id)
    ).all()
    return [
        MemberRead(
            user_id=u.id,
            username=u.username,
            display_name=u.display_name,
            role=m.role,
            valid_from=m.valid_from,
            valid_to=m.valid_to,
        )
        for m, u in rows
    ]


def community_code(*, db: Session, grid: Grid) -> str | None:
    if grid.community_id is None:
        return None
    return db.scalar(select(AdminArea.code).where(AdminArea.id == grid.community_id))


def list_buildings(
    *, db: Session, principal: Principal, grid_id: int, offset: int = 0, limit: int = 50
) -> tuple[int, list[Building]]:
    get_grid_or_raise(db=db, principal=principal, grid_id=grid_id)
    query = select(Building).where(Building.grid_id == grid_id)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    return total, list(db.scalars(query.order_by(Building.id).offset(offset).limit(limit)))


def get_building_or_raise(*, db: Session, principal: Principal, building_id: int) -> Building:
    building = db.get(Building, building_id)
    if building is None:
        raise NotFoundError(f"building {building_id} not found")
    if building.grid_id is None:
        if not principal.sees_everything:
            principal.require(Permission.scope_all)
    else:
        get_grid_or_raise(db=db, principal=principal, grid_id=building.grid_id)
    return building


def housing_units(*, db: Session, building_id: int) -> list[HousingUnit]:
    query = select(HousingUnit).where(HousingUnit.building_id == building_id).order_by(HousingUnit.id)
    return list(db.scalars(query))


def client_fields(*, db: Session, principal: Principal) -> frozenset[str] | None:
    """The resident fields an API client may read; None = every field (people, not clients)."""
    if principal.user_id is None:
        return None
    policy = db.get(ClientFieldPolicy, principal.user_id)
    if policy is not None:
        return frozenset(policy.fields)
    is_service = db.scalar(select(User.is_service).where(User.id == principal.user_id))
    return frozenset(DEFAULT_CLIENT_FIELDS) if is_service else None


def set_client_fields(
    *, db: Session, principal: Principal, username: str, fields: Sequence[str]
) -> list[str]:
    from xueliang.audit import service as audit
    from xueliang.auth.service import get_user_by_username_or_raise

    principal.require(Permission.user_manage)
    wanted = sorted({f.strip() for f in fields if f.strip()})
    unknown = [f for f in wanted if f not in RESIDENT_FIELDS]
    if unknown or not wanted:
        raise InvalidInputError(
            f"unknown resident fields: {', '.join(unknown) or '(none given)'}", field="fields"
        )
    user = get_user_by_username_or_raise(db=db, username=username)
    policy = db.get(ClientFieldPolicy, user.id)
    if policy is None:
        db.add(ClientFieldPolicy(user_id=user.id, fields=wanted))
    else:
        policy.fields = wanted
    audit.record(
        db=db,
        actor=principal,
        action="grid.client_fields.set",
        object_type="user",
        object_id=user.id,
        request={"fields": wanted},
    )
    db.flush()
    return wanted
