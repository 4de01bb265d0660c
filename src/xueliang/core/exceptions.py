"""The one exception tree of Xueliang. Domains raise these; `xueliang.api.errors` maps them to
RFC 9457 ``application/problem+json`` in one place, with a stable ``code`` per class.

XueliangError                      500  internal
├── ConfigurationError             500  config.invalid
├── BadRequestError                400  request.bad
│   └── PurposeRequiredError       400  audit.purpose_required
├── InvalidInputError              422  request.invalid      (domain-level validation, names a field)
├── NotFoundError                  404  not_found
├── ConflictError                  409  conflict
├── PayloadTooLargeError           413  request.too_large
├── AuthError                      401  auth.error
│   ├── NotAuthenticatedError      401  auth.not_authenticated
│   ├── InvalidCredentialsError    401  auth.invalid_credentials
│   └── TokenInvalidError          401  auth.token_invalid
├── LockedOutError                 429  auth.locked_out       (carries retry_after seconds)
├── RateLimitedError               429  rate_limited          (carries retry_after seconds)
└── ForbiddenError                 403  forbidden
    ├── CsrfError                  403  auth.csrf
    ├── PermissionDeniedError      403  auth.permission_denied
    └── OutOfScopeError            403  auth.out_of_scope
"""

from __future__ import annotations

from typing import Any, ClassVar


class XueliangError(Exception):
    """Base of every error the platform raises on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class ConfigurationError(XueliangError):
    code = "config.invalid"
    title = "Invalid configuration"


class BadRequestError(XueliangError):
    status = 400
    code = "request.bad"
    title = "Bad request"


class PurposeRequiredError(BadRequestError):
    code = "audit.purpose_required"
    title = "A case or purpose is required"


class InvalidInputError(XueliangError):
    """Domain validation failure. ``field`` names the offending input."""

    status = 422
    code = "request.invalid"
    title = "Invalid input"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.field = field


class NotFoundError(XueliangError):
    status = 404
    code = "not_found"
    title = "Not found"


class ConflictError(XueliangError):
    status = 409
    code = "conflict"
    title = "Conflict"


class PayloadTooLargeError(XueliangError):
    status = 413
    code = "request.too_large"
    title = "Request body too large"


class AuthError(XueliangError):
    status = 401
    code = "auth.error"
    title = "Authentication failed"


class NotAuthenticatedError(AuthError):
    code = "auth.not_authenticated"
    title = "Not authenticated"


class InvalidCredentialsError(AuthError):
    code = "auth.invalid_credentials"
    title = "Wrong username or password"


class TokenInvalidError(AuthError):
    code = "auth.token_invalid"
    title = "Invalid, expired or revoked token"


class _RetryLater(XueliangError):
    status = 429

    def __init__(self, detail: str = "", *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = max(1, int(retry_after))


class LockedOutError(_RetryLater):
    code = "auth.locked_out"
    title = "Too many failed logins; account temporarily locked"


class RateLimitedError(_RetryLater):
    code = "rate_limited"
    title = "Too many requests"


class ForbiddenError(XueliangError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class CsrfError(ForbiddenError):
    code = "auth.csrf"
    title = "Missing or wrong CSRF token"


class PermissionDeniedError(ForbiddenError):
    code = "auth.permission_denied"
    title = "Permission denied"


class OutOfScopeError(ForbiddenError):
    code = "auth.out_of_scope"
    title = "Outside your scope"
