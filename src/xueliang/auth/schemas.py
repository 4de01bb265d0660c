from __future__ import annotations

from datetime import datetime

from pydantic import Field

from xueliang.api.schemas import ReadModel, StrictInput
from xueliang.auth.enums import ScopeKind


class LoginRequest(StrictInput):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class ScopeItem(StrictInput):
    kind: ScopeKind
    value: str = Field(min_length=1, max_length=64)


class UserRead(ReadModel):
    id: int
    username: str
    display_name: str
    roles: list[str]
    permissions: list[str]


class UserAdminRead(ReadModel):
    id: int
    username: str
    display_name: str
    is_active: bool
    is_service: bool
    org_unit_id: int | None
    roles: list[str] = Field(validation_alias="role_names")
    created_at: datetime
    last_login_at: datetime | None
    locked_until: datetime | None


class UserCreate(StrictInput):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: str = Field("", max_length=200)
    password: str = Field(min_length=10, max_length=256)
    roles: list[str] = Field(default_factory=list)
    org_unit_id: int | None = None
    scopes: list[ScopeItem] = Field(default_factory=list)
    is_service: bool = Field(False, description="A service account for another platform; cannot log in.")


class UserUpdate(StrictInput):
    display_name: str | None = Field(None, max_length=200)
    is_active: bool | None = None
    roles: list[str] | None = None
    org_unit_id: int | None = None
    scopes: list[ScopeItem] | None = None


class PasswordChange(StrictInput):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=10, max_length=256)


class OrgUnitCreate(StrictInput):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field("department", max_length=32)
    parent_id: int | None = None


class OrgUnitRead(ReadModel):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


class RoleRead(ReadModel):
    name: str
    description: str
    permissions: list[str]


class ApiTokenCreate(StrictInput):
    user_id: int = Field(description="The (usually service) account the token acts as.")
    name: str = Field(min_length=1, max_length=200)
    expires_at: datetime | None = Field(None, description="Expiry (UTC); none = until revoked.")


class ApiTokenRead(ReadModel):
    id: int
    name: str
    user_id: int
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiTokenCreated(ApiTokenRead):
    token: str = Field(description="The secret, shown once; store it now.")
