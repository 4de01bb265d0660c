"""Users, roles, org units, scopes, sessions and API tokens. Keyword-only; no HTTP here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xueliang.auth import security
from xueliang.auth.enums import ROLE_SEEDS, ScopeKind, TokenKind
from xueliang.auth.models import AuthToken, OrgUnit, Role, RolePermission, User, UserRole, UserScope
from xueliang.auth.principal import Principal
from xueliang.core.db import utcnow
from xueliang.core.exceptions import (
    ConflictError,
    InvalidCredentialsError,
    InvalidInputError,
    LockedOutError,
    NotFoundError,
    TokenInvalidError,
)

SESSION_PREFIX = "xls"
API_PREFIX = "xlt"


# ---- roles ---------------------------------------------------------------------------------
def ensure_builtin_roles(*, db: Session) -> None:
    """Create the built-in roles and give them at least their seed permissions (idempotent)."""
    for name, (description, permissions) in ROLE_SEEDS.items():
        role = db.get(Role, name) or Role(name=name, description=description)
        db.add(role)
        have = {p.permission for p in role.permissions}
        role.permissions.extend(
            RolePermission(permission=str(p)) for p in sorted(permissions) if p not in have
        )
    db.flush()


def list_roles(*, db: Session) -> Sequence[Role]:
    return db.scalars(select(Role).order_by(Role.name)).all()


def _check_roles(db: Session, roles: Iterable[str]) -> list[str]:
    names = sorted(set(roles))
    known = set(db.scalars(select(Role.name).where(Role.name.in_(names))))
    unknown = [r for r in names if r not in known]
    if unknown:
        raise InvalidInputError(f"unknown role(s): {', '.join(unknown)}", field="roles")
    return names


# ---- org units -----------------------------------------------------------------------------
def create_org_unit(
    *, db: Session, code: str, name: str, kind: str = "department", parent_id: int | None = None
) -> OrgUnit:
    if db.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
        raise ConflictError(f"org unit '{code}' already exists", field="code")
    if parent_id is not None and db.get(OrgUnit, parent_id) is None:
        raise InvalidInputError(f"parent org unit {parent_id} does not exist", field="parent_id")
    unit = OrgUnit(code=code, name=name, kind=kind, parent_id=parent_id)
    db.add(unit)
    db.flush()
    return unit


def list_org_units(*, db: Session) -> Sequence[OrgUnit]:
    return db.scalars(select(OrgUnit).order_by(OrgUnit.code)).all()


def org_unit_subtree(*, db: Session, root_ids: Iterable[int]) -> set[int]:
    """The given units and all their descendants."""
    parents: dict[int, int | None] = {
        row.id: row.parent_id for row in db.execute(select(OrgUnit.id, OrgUnit.parent_id))
    }
    found = set(root_ids)
    changed = True
    while changed:
        added = {uid for uid, parent in parents.items() if parent in found and uid not in found}
        found |= added
        changed = bool(added)
    return found


# ---- users ---------------------------------------------------------------------------------
def get_user(*, db: Session, user_id: int) -> User | None:
    return db.get(User, user_id)


def get_user_or_raise(*, db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFoundError(f"user {user_id} not found")
    return user


def get_user_by_username(*, db: Session, username: str) -> User | None:
    return db.scalar(select(User).where(User.username == username))


def get_user_by_username_or_raise(*, db: Session, username: str) -> User:
    user = get_user_by_username(db=db, username=username)
    if user is None:
        raise NotFoundError(f"user '{username}' not found")
    return user


def visible_users_filter(*, db: Session, principal: Principal) -> set[int] | None:
    """Org units whose users the principal may see; None = all."""
    if principal.sees_everything:
        return None
    roots = {int(v) for v in principal.scopes.get(ScopeKind.org_unit, frozenset())}
    return org_unit_subtree(db=db, root_ids=roots)


def list_users(
    *, db: Session, principal: Principal, offset: int = 0, limit: int = 50
) -> tuple[int, list[User]]:
    query = select(User)
    units = visible_users_filter(db=db, principal=principal)
    if units is not None:
        query = query.where(User.org_unit_id.in_(units))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    users = db.scalars(query.order_by(User.username).offset(offset).limit(limit)).all()
    return total, list(users)


def require_user_visible(*, db: Session, principal: Principal, user: User) -> None:
    units = visible_users_filter(db=db, principal=principal)
    if units is not None and user.org_unit_id not in units:
        principal.require_scope(ScopeKind.org_unit, str(user.org_unit_id))


def validate_password(password: str) -> None:
    if len(password) < security.MIN_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"password must have at least {security.MIN_PASSWORD_LENGTH} characters", field="password"
        )


def create_user(
    *,
    db: Session,
    username: str,
    password: str,
    display_name: str = "",
    roles: Iterable[str] = (),
    org_unit_id: int | None = None,
    scopes: Iterable[tuple[ScopeKind, str]] = (),
    is_service: bool = False,
) -> User:
    if get_user_by_username(db=db, username=username) is not None:
        raise ConflictError(f"user '{username}' already exists", field="username")
    validate_password(password)
    user = User(
        username=username,
        display_name=display_name or username,
        is_service=is_service,
        password_hash=security.hash_password(password),
        org_unit_id=org_unit_id,
    )
    user.roles = [UserRole(role_name=r) for r in _check_roles(db, roles)]
    user.scopes = [UserScope(kind=str(k), value=v) for k, v in sorted(set(scopes))]
    db.add(user)
    db.flush()
    return user


def set_roles(*, db: Session, user: User, roles: Iterable[str]) -> User:
    user.roles = [UserRole(role_name=r) for r in _check_roles(db, roles)]
    db.flush()
    return user


def set_scopes(*, db: Session, user: User, scopes: Iterable[tuple[ScopeKind, str]]) -> User:
    user.scopes = [UserScope(kind=str(k), value=v) for k, v in sorted(set(scopes))]
    db.flush()
    return user


def disable_user(*, db: Session, user: User) -> User:
    user.is_active = False
    revoke_user_tokens(db=db, user=user)
    return user


def enable_user(*, db: Session, user: User) -> User:
    user.is_active = True
    user.failed_logins = 0
    user.locked_until = None
    return user


def reset_password(*, db: Session, user: User, password: str, must_change: bool = True) -> User:
    validate_password(password)
    user.password_hash = security.hash_password(password)
    user.must_change_password = must_change
    user.failed_logins = 0
    user.locked_until = None
    revoke_user_tokens(db=db, user=user)
    return user


def principal_for(*, db: Session, user: User, client_addr: str | None = None) -> Principal:
    role_names = user.role_names
    permissions = db.scalars(
        select(RolePermission.permission).where(RolePermission.role_name.in_(role_names))
    ).all()
    scopes: dict[str, set[str]] = {}
    for scope in user.scopes:
        scopes.setdefault(scope.kind, set()).add(scope.value)
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=frozenset(role_names),
        permissions=frozenset(permissions),
        scopes={k: frozenset(v) for k, v in scopes.items()},
        org_unit_id=user.org_unit_id,
        client_addr=client_addr,
    )


# ---- login ---------------------------------------------------------------------------------
def authenticate(
    *,
    db: Session,
    username: str,
    password: str,
    max_failures: int,
    lockout: timedelta,
    now: datetime | None = None,
) -> User:
    """Check a password; count failures and lock the account after ``max_failures`` in a row.
    A wrong password for a locked account does not extend the lock, so an attacker cannot keep
    a victim locked forever by guessing more slowly than the lockout."""
    now = now or utcnow()
    user = get_user_by_username(db=db, username=username)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise LockedOutError(retry_after=int((user.locked_until - now).total_seconds()) + 1)
    ok = security.verify_password(user.password_hash if user else None, password)
    if user is None or not user.is_active or user.is_service:
        raise InvalidCredentialsError()
    if not ok:
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + lockout
            user.failed_logins = 0
        return _raise_invalid()
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def _raise_invalid() -> User:
    raise InvalidCredentialsError()


# ---- tokens --------------------------------------------------------------------------------
def create_session(
    *, db: Session, user: User, ttl: timedelta, client_addr: str | None = None, now: datetime | None = None
) -> tuple[str, str]:
    """A browser session: returns (session token, CSRF token)."""
    now = now or utcnow()
    token, csrf = security.new_token(SESSION_PREFIX), security.new_token("csrf")
    db.add(
        AuthToken(
            kind=TokenKind.session,
            token_hash=security.digest(token),
            csrf_hash=security.digest(csrf),
            user_id=user.id,
            created_at=now,
            expires_at=now + ttl,
            client_addr=client_addr,
        )
    )
    db.flush()
    return token, csrf


def create_api_token(
    *, db: Session, user: User, name: str, expires_at: datetime | None
) -> tuple[AuthToken, str]:
    token = security.new_token(API_PREFIX)
    row = AuthToken(
        kind=TokenKind.api,
        name=name,
        token_hash=security.digest(token),
        user_id=user.id,
        expires_at=expires_at,
    )
    db.add(row)
    db.flush()
    return row, token


def list_api_tokens(*, db: Session) -> Sequence[AuthToken]:
    return db.scalars(select(AuthToken).where(AuthToken.kind == TokenKind.api).order_by(AuthToken.id)).all()


def resolve_token(*, db: Session, token: str, now: datetime | None = None) -> tuple[AuthToken, User]:
    """Find a live token and its active user, or raise TokenInvalidError."""
    now = now or utcnow()
    row = db.scalar(select(AuthToken).where(AuthToken.token_hash == security.digest(token)))
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        raise TokenInvalidError()
    user = db.get(User, row.user_id)
    if user is None or not user.is_active:
        raise TokenInvalidError()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now  # throttled so that every request does not write
    return row, user


def check_csrf(*, token_row: AuthToken, csrf: str | None) -> bool:
    return (
        bool(csrf)
        and token_row.csrf_hash is not None
        and security.same(token_row.csrf_hash, security.digest(csrf or ""))
    )


def revoke_token(*, db: Session, token_row: AuthToken, now: datetime | None = None) -> None:
    if token_row.revoked_at is None:
        token_row.revoked_at = now or utcnow()


def revoke_token_by_id(*, db: Session, token_id: int) -> AuthToken:
    row = db.get(AuthToken, token_id)
    if row is None:
        raise NotFoundError(f"token {token_id} not found")
    revoke_token(db=db, token_row=row)
    return row


def revoke_user_tokens(*, db: Session, user: User) -> None:
    now = utcnow()
    for row in db.scalars(
        select(AuthToken).where(AuthToken.user_id == user.id, AuthToken.revoked_at.is_(None))
    ):
        row.revoked_at = now
