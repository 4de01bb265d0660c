"""Who is calling: a browser session cookie (with CSRF check on unsafe methods) or a bearer token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from xueliang.api.deps import SessionDep
from xueliang.auth import service
from xueliang.auth.enums import Permission, TokenKind
from xueliang.auth.principal import Principal
from xueliang.core.exceptions import CsrfError, NotAuthenticatedError

SESSION_COOKIE = "xl_session"
CSRF_COOKIE = "xl_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def client_addr(request: Request) -> str | None:
    return request.client.host if request.client else None


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def get_principal(request: Request, db: SessionDep) -> Principal:
    token = _bearer(request)
    from_cookie = token is None
    token = token or request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticatedError("log in or send a bearer token")
    row, user = service.resolve_token(db=db, token=token)
    if from_cookie != (row.kind == TokenKind.session):
        raise NotAuthenticatedError("session tokens go in the cookie, API tokens in the Authorization header")
    csrf_ok = service.check_csrf(token_row=row, csrf=request.headers.get(CSRF_HEADER))
    if from_cookie and request.method not in SAFE_METHODS and not csrf_ok:
        raise CsrfError(f"send the {CSRF_COOKIE} cookie's value in the {CSRF_HEADER} header")
    principal = service.principal_for(db=db, user=user, client_addr=client_addr(request))
    request.state.principal = principal
    request.state.auth_token = row
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency: the caller, who must hold ``permission``."""

    def dependency(principal: CurrentPrincipal) -> Principal:
        principal.require(permission)
        return principal

    dependency.__name__ = f"require_{permission.name}"
    return dependency
