"""Multi-step auth workflows: login with rate limiting and lockout, user administration, tokens.
Each writes its audit entry in the same transaction as the change it records."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import Response
from sqlalchemy.orm import Session

from xueliang.audit import service as audit
from xueliang.audit.enums import Outcome
from xueliang.auth import security, service
from xueliang.auth.dependencies import CSRF_COOKIE, SESSION_COOKIE
from xueliang.auth.enums import ScopeKind
from xueliang.auth.models import AuthToken, User
from xueliang.auth.principal import Principal
from xueliang.auth.schemas import ScopeItem, UserCreate, UserUpdate
from xueliang.core.config import Settings
from xueliang.core.exceptions import (
    InvalidCredentialsError,
    InvalidInputError,
    LockedOutError,
    RateLimitedError,
)
from xueliang.core.ratelimit import SlidingWindowLimiter


def login(
    *,
    db: Session,
    settings: Settings,
    limiter: SlidingWindowLimiter,
    username: str,
    password: str,
    client_addr: str | None,
) -> tuple[Principal, str, str]:
    """Returns the principal, the session token and the CSRF token. A failure is committed
    (failure counter, lock, audit entry) before the error propagates."""
    wait = limiter.hit(client_addr or "?")
    if wait:
        raise RateLimitedError("too many login attempts from your address", retry_after=int(wait) + 1)
    try:
        user = service.authenticate(
            db=db,
            username=username,
            password=password,
            max_failures=settings.login_max_failures,
            lockout=timedelta(seconds=settings.login_lockout_seconds),
        )
    except (InvalidCredentialsError, LockedOutError) as exc:
        audit.record(
            db=db,
            actor=Principal(user_id=None, username=username[:64], client_addr=client_addr),
            action="auth.login",
            outcome=Outcome.denied,
            request={"error": exc.code},
        )
        db.commit()
        raise
    token, csrf = service.create_session(
        db=db, user=user, ttl=timedelta(hours=settings.session_ttl_hours), client_addr=client_addr
    )
    principal = service.principal_for(db=db, user=user, client_addr=client_addr)
    audit.record(db=db, actor=principal, action="auth.login", object_type="user", object_id=user.id)
    return principal, token, csrf


def set_session_cookies(response: Response, *, settings: Settings, token: str, csrf: str) -> None:
    max_age = settings.session_ttl_hours * 3600
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=max_age,
        httponly=False,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def change_own_password(*, db: Session, principal: Principal, current: str, new: str) -> None:
    user = service.get_user_or_raise(db=db, user_id=principal.user_id or 0)
    if not security.verify_password(user.password_hash, current):
        raise InvalidInputError("the current password is wrong", field="current_password")
    service.reset_password(db=db, user=user, password=new, must_change=False)
    audit.record(db=db, actor=principal, action="user.change_password", object_type="user", object_id=user.id)


def _scopes(items: list[ScopeItem]) -> list[tuple[ScopeKind, str]]:
    return [(i.kind, i.value) for i in items]


def _require_unit_visible(db: Session, principal: Principal, org_unit_id: int | None) -> None:
    units = service.visible_users_filter(db=db, principal=principal)
    if units is not None and org_unit_id not in units:
        principal.require_scope(ScopeKind.org_unit, str(org_unit_id))


def create_user(*, db: Session, principal: Principal, data: UserCreate) -> User:
    _require_unit_visible(db, principal, data.org_unit_id)
    user = service.create_user(
        db=db,
        username=data.username,
        password=data.password,
        display_name=data.display_name,
        roles=data.roles,
        org_unit_id=data.org_unit_id,
        scopes=_scopes(data.scopes),
        is_service=data.is_service,
    )
    audit.record(
        db=db,
        actor=principal,
        action="user.create",
        object_type="user",
        object_id=user.id,
        request=data.model_dump(exclude={"password"}),
    )
    return user


def update_user(*, db: Session, principal: Principal, user_id: int, data: UserUpdate) -> User:
    user = service.get_user_or_raise(db=db, user_id=user_id)
    service.require_user_visible(db=db, principal=principal, user=user)
    changes = data.model_dump(exclude_unset=True)
    if "org_unit_id" in changes:
        _require_unit_visible(db, principal, data.org_unit_id)
        user.org_unit_id = data.org_unit_id
    if data.display_name is not None:
        user.display_name = data.display_name
    if data.roles is not None:
        service.set_roles(db=db, user=user, roles=data.roles)
    if data.scopes is not None:
        service.set_scopes(db=db, user=user, scopes=_scopes(data.scopes))
    if data.is_active is not None:
        (service.enable_user if data.is_active else service.disable_user)(db=db, user=user)
    audit.record(
        db=db, actor=principal, action="user.update", object_type="user", object_id=user.id, request=changes
    )
    return user


def issue_api_token(
    *, db: Session, principal: Principal, user_id: int, name: str, expires_at: datetime | None
) -> tuple[AuthToken, str]:
    user = service.get_user_or_raise(db=db, user_id=user_id)
    row, secret = service.create_api_token(db=db, user=user, name=name, expires_at=expires_at)
    audit.record(
        db=db,
        actor=principal,
        action="api_token.create",
        object_type="api_token",
        object_id=row.id,
        request={"user_id": user_id, "name": name, "expires_at": expires_at},
    )
    return row, secret
