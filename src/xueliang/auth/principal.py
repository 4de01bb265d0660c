"""The authenticated caller as services see it: permissions and scopes, checked in the services
themselves (not only in routes) so that the CLI, the API and background jobs obey the same rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from xueliang.auth.enums import Permission, ScopeKind
from xueliang.core.exceptions import OutOfScopeError, PermissionDeniedError


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int | None
    username: str
    display_name: str = ""
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()
    scopes: dict[str, frozenset[str]] = field(default_factory=dict)
    org_unit_id: int | None = None
    client_addr: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> Principal:
        """The platform itself (scheduled jobs, CLI maintenance): every permission and scope."""
        return cls(user_id=None, username=name, permissions=frozenset(Permission))

    def has(self, permission: Permission | str) -> bool:
        return str(permission) in self.permissions

    def require(self, permission: Permission | str) -> None:
        if not self.has(permission):
            raise PermissionDeniedError(f"permission '{permission}' is required", permission=str(permission))

    @property
    def sees_everything(self) -> bool:
        return self.has(Permission.scope_all)

    def in_scope(self, kind: ScopeKind, value: str) -> bool:
        """Region scopes are code prefixes (430102 covers 430102001001); others match exactly."""
        if self.sees_everything:
            return True
        granted = self.scopes.get(kind, frozenset())
        if kind is ScopeKind.region:
            return any(value.startswith(prefix) for prefix in granted)
        return value in granted

    def require_scope(self, kind: ScopeKind, value: str) -> None:
        if not self.in_scope(kind, value):
            raise OutOfScopeError(f"{kind} '{value}' is outside your scope", kind=str(kind), value=value)
