"""Row converters of the boundary and people-in-charge files: admin areas, grids, grid workers.

A loader's ``convert`` checks one source row (raising ``Rejected``) and returns an item; ``flush``
writes a batch of items on the run's connection. Boundary files are small: rows go in one by one
so that ids are known for the children that follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from xueliang.auth.enums import ScopeKind
from xueliang.auth.models import User, UserRole, UserScope
from xueliang.core.db import utcnow
from xueliang.grid.bulk import BulkWriter
from xueliang.grid.enums import AREA_TO_ADDRESS, AddressLevel, AreaLevel, MemberRole
from xueliang.grid.models import Address, AdminArea, Grid, GridMember
from xueliang.grid.readers import SourceRow
from xueliang.grid.state import ImportState
from xueliang.grid.validation import Rejected, area_m2, parse_date, repair_polygonal

DISABLED_PASSWORD = "!"  # not an argon2 hash: nobody can log in until an administrator sets one


class Reporter(Protocol):
    def __call__(self, line: int, field: str, reason: str, action: str) -> None: ...


@dataclass
class BatchContext:
    conn: Connection
    state: ImportState
    writer: BulkWriter
    report: Reporter
    secret: str


class Loader(Protocol):
    kind: str

    def convert(self, row: SourceRow, ctx: BatchContext) -> Any: ...

    def flush(self, items: list[tuple[int, Any]], ctx: BatchContext) -> None: ...


def _text(props: dict[str, Any], key: str, *, required: bool = False, limit: int = 200) -> str:
    raw = props.get(key)
    value = raw.strip() if type(raw) is str else str(raw or "").strip()  # CSV cells are str: fast path
    if required and not value:
        raise Rejected(key, "missing")
    if len(value) > limit:
        raise Rejected(key, f"longer than {limit} characters")
    return value


def _polygon_fields(row: SourceRow, ctx: BatchContext) -> dict[str, Any]:
    geom, note = repair_polygonal(row.geom)
    if note:
        ctx.report(row.line, "geometry", note, "repaired")
    min_x, min_y, max_x, max_y = geom.bounds
    return {"geom": geom, "min_x": min_x, "min_y": min_y, "max_x": max_x, "max_y": max_y}


def _address(code: str, parent: str | None, level: AddressLevel, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "parent_code": parent,
        "level": str(level),
        "name": name,
        "source": "import",
        **extra,
    }


class AreaLoader:
    kind = "admin_areas"

    def __init__(self) -> None:
        self.pending: set[str] = set()  # converted, not yet flushed: parents of later rows

    def convert(self, row: SourceRow, ctx: BatchContext) -> Any:
        props = row.props
        code = _text(props, "code", required=True)
        if len(code) != 12 or not code.isdigit():
            raise Rejected("code", "not a 12-digit division code")
        if code in ctx.state.areas or code in self.pending:
            raise Rejected("code", "already imported")
        level = _text(props, "level", required=True)
        if level not in AreaLevel.__members__:
            raise Rejected("level", f"unknown level {level!r}")
        parent = _text(props, "parent_code") or None
        if parent is not None and parent not in ctx.state.areas and parent not in self.pending:
            raise Rejected("parent_code", f"unknown parent area {parent}")
        fields = _polygon_fields(row, ctx)
        self.pending.add(code)
        return {
            "code": code,
            "name": _text(props, "name", required=True),
            "level": level,
            "parent": parent,
            **fields,
        }

    def flush(self, items: list[tuple[int, Any]], ctx: BatchContext) -> None:
        for _line, item in items:
            parent = item.pop("parent")
            item["parent_id"] = ctx.state.areas.get(parent) if parent else None
            item["area_m2"] = round(area_m2(item["geom"]), 1)
            new_id = ctx.conn.execute(insert(AdminArea).values(**item).returning(AdminArea.id)).scalar_one()
            ctx.state.areas[item["code"]] = new_id
            level = AREA_TO_ADDRESS[AreaLevel(item["level"])]
            ctx.conn.execute(insert(Address).values(**_address(item["code"], parent, level, item["name"])))
            ctx.state.addresses.add(item["code"])


class GridLoader:
    kind = "grids"

    def convert(self, row: SourceRow, ctx: BatchContext) -> Any:
        props = row.props
        code = _text(props, "code", required=True, limit=32)
        if not code.isdigit():
            raise Rejected("code", "grid codes are digits")
        if code in ctx.state.grids:
            raise Rejected("code", "already imported")
        community = _text(props, "community_code") or code[:12]
        if community not in ctx.state.areas:
            raise Rejected("community_code", f"unknown community {community}")
        fields = _polygon_fields(row, ctx)
        return {
            "code": code,
            "name": _text(props, "name", required=True),
            "community": community,
            "valid_from": parse_date(_text(props, "valid_from"), "valid_from"),
            "valid_to": parse_date(_text(props, "valid_to"), "valid_to"),
            **fields,
        }

    def flush(self, items: list[tuple[int, Any]], ctx: BatchContext) -> None:
        now = utcnow()
        for _line, item in items:
            community = item.pop("community")
            item.update(
                community_id=ctx.state.areas[community],
                area_m2=round(area_m2(item["geom"]), 1),
                created_at=now,
                updated_at=now,
            )
            new_id = ctx.conn.execute(insert(Grid).values(**item).returning(Grid.id)).scalar_one()
            ctx.state.grids[item["code"]] = new_id
            address = _address(item["code"], community, AddressLevel.grid, item["name"], grid_id=new_id)
            ctx.conn.execute(insert(Address).values(**address))
            ctx.state.addresses.add(item["code"])
        ctx.state._grid_index = None


class MemberLoader:
    """users.csv: grid workers become users (no password until an administrator sets one) with the
    grid_worker role and a grid scope, and members of their grid."""

    kind = "users"

    def convert(self, row: SourceRow, ctx: BatchContext) -> Any:
        props = row.props
        username = _text(props, "username", required=True, limit=64)
        grid_code = _text(props, "grid_code")
        if _text(props, "role") != "grid_worker" or not grid_code:
            return None  # other staff belong to other domains' imports
        if grid_code not in ctx.state.grids:
            raise Rejected("grid_code", f"unknown grid {grid_code}")
        role = _text(props, "member_role") or str(MemberRole.full_time)
        if role not in MemberRole.__members__:
            raise Rejected("member_role", f"unknown role {role!r}")
        return {"username": username, "name": _text(props, "name"), "grid": grid_code, "role": role}

    def flush(self, items: list[tuple[int, Any]], ctx: BatchContext) -> None:
        from xueliang.auth.service import ensure_builtin_roles, get_user_by_username

        session = Session(bind=ctx.conn)
        ensure_builtin_roles(db=session)
        session.flush()
        for line, item in items:
            if item is None:
                continue
            user = get_user_by_username(db=session, username=item["username"])
            user_id = user.id if user is not None else self._create_user(ctx.conn, item)
            if user is not None:
                ctx.report(line, "username", "user exists: only the grid membership was added", "warning")
            grid_id = ctx.state.grids[item["grid"]]
            ctx.conn.execute(insert(GridMember).values(grid_id=grid_id, user_id=user_id, role=item["role"]))
        session.close()

    @staticmethod
    def _create_user(conn: Connection, item: dict[str, Any]) -> int:
        user_id = conn.execute(
            insert(User)
            .values(
                username=item["username"],
                display_name=item["name"] or item["username"],
                password_hash=DISABLED_PASSWORD,
                is_active=True,
                is_service=False,
                failed_logins=0,
                must_change_password=True,
                created_at=utcnow(),
            )
            .returning(User.id)
        ).scalar_one()
        conn.execute(insert(UserRole).values(user_id=user_id, role_name="grid_worker"))
        conn.execute(insert(UserScope).values(user_id=user_id, kind=str(ScopeKind.grid), value=item["grid"]))
        return int(user_id)
