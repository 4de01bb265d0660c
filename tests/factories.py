"""Test data builders (real rows through the services, never mocks of the database)."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from xueliang.auth import service
from xueliang.auth.dependencies import CSRF_COOKIE, CSRF_HEADER
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


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    """Log in through the API; later unsafe requests carry the CSRF header as the UI does."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers[CSRF_HEADER] = client.cookies[CSRF_COOKIE]
    return client
