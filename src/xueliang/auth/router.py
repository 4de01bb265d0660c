"""Login, logout, the current user, users, roles, org units and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from xueliang.api import API_PREFIX
from xueliang.api.deps import SessionDep, SettingsDep
from xueliang.api.schemas import Page
from xueliang.audit import service as audit
from xueliang.auth import flows, service
from xueliang.auth.dependencies import CurrentPrincipal, client_addr, require
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.auth.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    LoginRequest,
    OrgUnitCreate,
    OrgUnitRead,
    PasswordChange,
    RoleRead,
    UserAdminRead,
    UserCreate,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"])
admin_router = APIRouter(prefix=API_PREFIX, tags=["users"])
UserManager = Annotated[Principal, Depends(require(Permission.user_manage))]
UserReader = Annotated[Principal, Depends(require(Permission.user_read))]


def _me(principal: Principal) -> UserRead:
    return UserRead(
        id=principal.user_id or 0,
        username=principal.username,
        display_name=principal.display_name,
        roles=sorted(principal.roles),
        permissions=sorted(principal.permissions),
    )


@router.post("/login", response_model=UserRead)
def login(
    body: LoginRequest, request: Request, response: Response, db: SessionDep, settings: SettingsDep
) -> UserRead:
    principal, token, csrf = flows.login(
        db=db,
        settings=settings,
        limiter=request.app.state.login_limiter,
        username=body.username,
        password=body.password,
        client_addr=client_addr(request),
    )
    flows.set_session_cookies(response, settings=settings, token=token, csrf=csrf)
    return _me(principal)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response, db: SessionDep, principal: CurrentPrincipal) -> None:
    service.revoke_token(db=db, token_row=request.state.auth_token)
    audit.record(
        db=db, actor=principal, action="auth.logout", object_type="user", object_id=principal.user_id
    )
    flows.clear_session_cookies(response)


@router.get("/me", response_model=UserRead)
def me(principal: CurrentPrincipal) -> UserRead:
    return _me(principal)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordChange, db: SessionDep, principal: CurrentPrincipal) -> None:
    flows.change_own_password(
        db=db, principal=principal, current=body.current_password, new=body.new_password
    )


@admin_router.get("/users", response_model=Page[UserAdminRead])
def list_users(
    db: SessionDep,
    principal: UserReader,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[UserAdminRead]:
    total, users = service.list_users(db=db, principal=principal, offset=offset, limit=limit)
    items = [UserAdminRead.model_validate(u) for u in users]
    return Page(total=total, offset=offset, limit=limit, items=items)


@admin_router.get("/users/{user_id}", response_model=UserAdminRead)
def get_user(user_id: int, db: SessionDep, principal: UserReader) -> UserAdminRead:
    user = service.get_user_or_raise(db=db, user_id=user_id)
    service.require_user_visible(db=db, principal=principal, user=user)
    return UserAdminRead.model_validate(user)


@admin_router.post("/users", response_model=UserAdminRead, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, db: SessionDep, principal: UserManager) -> UserAdminRead:
    return UserAdminRead.model_validate(flows.create_user(db=db, principal=principal, data=body))


@admin_router.patch("/users/{user_id}", response_model=UserAdminRead)
def update_user(user_id: int, body: UserUpdate, db: SessionDep, principal: UserManager) -> UserAdminRead:
    return UserAdminRead.model_validate(
        flows.update_user(db=db, principal=principal, user_id=user_id, data=body)
    )


@admin_router.get("/roles", response_model=list[RoleRead])
def list_roles(db: SessionDep, _: UserReader) -> list[RoleRead]:
    return [
        RoleRead(
            name=r.name, description=r.description, permissions=sorted(p.permission for p in r.permissions)
        )
        for r in service.list_roles(db=db)
    ]


@admin_router.get("/org-units", response_model=list[OrgUnitRead])
def list_org_units(db: SessionDep, _: CurrentPrincipal) -> list[OrgUnitRead]:
    return [OrgUnitRead.model_validate(u) for u in service.list_org_units(db=db)]


@admin_router.post("/org-units", response_model=OrgUnitRead, status_code=status.HTTP_201_CREATED)
def create_org_unit(body: OrgUnitCreate, db: SessionDep, principal: UserManager) -> OrgUnitRead:
    unit = service.create_org_unit(db=db, **body.model_dump())
    audit.record(
        db=db,
        actor=principal,
        action="org_unit.create",
        object_type="org_unit",
        object_id=unit.id,
        request=body.model_dump(),
    )
    return OrgUnitRead.model_validate(unit)


TokenManager = Annotated[Principal, Depends(require(Permission.token_manage))]


@admin_router.get("/api-tokens", response_model=list[ApiTokenRead])
def list_api_tokens(db: SessionDep, _: TokenManager) -> list[ApiTokenRead]:
    return [ApiTokenRead.model_validate(t) for t in service.list_api_tokens(db=db)]


@admin_router.post("/api-tokens", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED)
def create_api_token(body: ApiTokenCreate, db: SessionDep, principal: TokenManager) -> ApiTokenCreated:
    row, secret = flows.issue_api_token(
        db=db, principal=principal, user_id=body.user_id, name=body.name, expires_at=body.expires_at
    )
    return ApiTokenCreated(**ApiTokenRead.model_validate(row).model_dump(), token=secret)


@admin_router.delete("/api-tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_token(token_id: int, db: SessionDep, principal: TokenManager) -> None:
    service.revoke_token_by_id(db=db, token_id=token_id)
    audit.record(
        db=db, actor=principal, action="api_token.revoke", object_type="api_token", object_id=token_id
    )
