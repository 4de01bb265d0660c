from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, make_user
from xueliang.auth import service
from xueliang.auth.enums import ROLE_SEEDS, Permission, ScopeKind
from xueliang.core.db import utcnow
from xueliang.core.exceptions import (
    ConflictError,
    InvalidCredentialsError,
    InvalidInputError,
    LockedOutError,
    OutOfScopeError,
    TokenInvalidError,
)

LOCKOUT = timedelta(minutes=5)


def _login(db: Session, username: str, password: str, **kw: object) -> object:
    return service.authenticate(
        db=db, username=username, password=password, max_failures=3, lockout=LOCKOUT, **kw
    )  # type: ignore[arg-type]


def test_ensure_builtin_roles__creates_every_required_role(db: Session) -> None:
    service.ensure_builtin_roles(db=db)
    names = {r.name for r in service.list_roles(db=db)}
    required = {
        "admin",
        "analyst",
        "operator",
        "dispatcher",
        "department_handler",
        "grid_worker",
        "maintainer",
        "auditor",
        "viewer",
    }
    assert required <= names == set(ROLE_SEEDS)


def test_create_user__hashes_password_and_refuses_duplicates(db: Session) -> None:
    user = make_user(db, username="alice")
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash
    with pytest.raises(ConflictError):
        make_user(db, username="alice")


def test_create_user__refuses_unknown_role_and_short_password(db: Session) -> None:
    with pytest.raises(InvalidInputError, match="unknown role"):
        make_user(db, roles=("wizard",))
    with pytest.raises(InvalidInputError) as info:
        service.create_user(db=db, username="bob", password="short")
    assert info.value.field == "password"


def test_authenticate__right_password_passes_wrong_fails(db: Session) -> None:
    user = make_user(db)
    assert _login(db, user.username, PASSWORD) is user
    assert user.last_login_at is not None
    with pytest.raises(InvalidCredentialsError):
        _login(db, user.username, "wrong password")
    with pytest.raises(InvalidCredentialsError):
        _login(db, "nobody", PASSWORD)


def test_authenticate__locks_after_max_failures_then_unlocks(db: Session) -> None:
    user = make_user(db)
    now = utcnow()
    for _ in range(3):
        with pytest.raises(InvalidCredentialsError):
            _login(db, user.username, "bad", now=now)
    with pytest.raises(LockedOutError) as info:
        _login(db, user.username, PASSWORD, now=now)  # even the right password is refused while locked
    assert 0 < info.value.retry_after <= 301
    assert _login(db, user.username, PASSWORD, now=now + LOCKOUT + timedelta(seconds=1)) is user


def test_authenticate__disabled_user_refused(db: Session) -> None:
    user = make_user(db)
    service.disable_user(db=db, user=user)
    with pytest.raises(InvalidCredentialsError):
        _login(db, user.username, PASSWORD)


def test_resolve_token__expiry_and_revocation(db: Session) -> None:
    user = make_user(db)
    token, _ = service.create_session(db=db, user=user, ttl=timedelta(hours=1))
    row, found = service.resolve_token(db=db, token=token)
    assert found is user
    with pytest.raises(TokenInvalidError):
        service.resolve_token(db=db, token=token, now=utcnow() + timedelta(hours=2))
    service.revoke_token(db=db, token_row=row)
    with pytest.raises(TokenInvalidError):
        service.resolve_token(db=db, token=token)
    with pytest.raises(TokenInvalidError):
        service.resolve_token(db=db, token="xls_forged")


def test_reset_password__revokes_existing_tokens(db: Session) -> None:
    user = make_user(db)
    _, api_token = service.create_api_token(db=db, user=user, name="peer", expires_at=None)
    service.reset_password(db=db, user=user, password="another long password")
    with pytest.raises(TokenInvalidError):
        service.resolve_token(db=db, token=api_token)


def test_principal_for__collects_permissions_and_scopes(db: Session) -> None:
    user = make_user(
        db, roles=("grid_worker",), scopes=((ScopeKind.region, "430102"), (ScopeKind.grid, "G7"))
    )
    principal = service.principal_for(db=db, user=user)
    assert principal.has(Permission.incident_report)
    assert not principal.has(Permission.audit_read)
    assert principal.in_scope(ScopeKind.region, "430102001002")
    assert not principal.in_scope(ScopeKind.region, "430103001002")
    assert principal.in_scope(ScopeKind.grid, "G7") and not principal.in_scope(ScopeKind.grid, "G8")
    with pytest.raises(OutOfScopeError):
        principal.require_scope(ScopeKind.grid, "G8")


def test_list_users__limited_to_org_unit_subtree(db: Session) -> None:
    city = service.create_org_unit(db=db, code="city", name="City")
    police = service.create_org_unit(db=db, code="psb", name="Public security", parent_id=city.id)
    other = service.create_org_unit(db=db, code="edu", name="Education")
    inside = make_user(db, org_unit_id=police.id)
    make_user(db, org_unit_id=other.id)
    manager = make_user(db, roles=("admin",), scopes=((ScopeKind.org_unit, str(city.id)),))
    principal = service.principal_for(db=db, user=manager)
    object.__setattr__(principal, "permissions", principal.permissions - {Permission.scope_all.value})
    _, users = service.list_users(db=db, principal=principal)
    assert [u.id for u in users] == [inside.id]
