"""Test data builders (real rows through the services, never mocks of the database)."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from xueliang.auth import service
from xueliang.auth.enums import ScopeKind
from xueliang.auth.models import User

PASSWORD = "correct horse battery"


def make_user(
    db: Session,
    *,
    roles: tuple[str, ...] = ("viewer",),
    username: str | None = None,
    org_unit_id: int | None = None,
    scopes: tuple[tuple[ScopeKind, str], ...] = (),
) -> User:
    service.ensure_builtin_roles(db=db)
    return service.create_user(
        db=db,
        username=username or f"u{secrets.token_hex(4)}",
        password=PASSWORD,
        roles=roles,
        org_unit_id=org_unit_id,
        scopes=scopes,
    )
