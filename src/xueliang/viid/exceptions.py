"""viid errors. All are ``XueliangError`` subclasses; the /VIID routes render them as GA/T 1400
envelopes (``viid.route``), the rest of the API as problem+json.

XueliangError
├── AuthError                    401
│   ├── DigestRequiredError      401  viid.digest_required   (carries the WWW-Authenticate challenge)
│   └── DeviceNotRegisteredError 401  viid.not_registered    (unknown id, no live registration)
└── PayloadTooLargeError         413
    └── BatchTooLargeError       413  viid.batch_too_large
"""

from __future__ import annotations

from xueliang.core.exceptions import AuthError, PayloadTooLargeError


class DigestRequiredError(AuthError):
    code = "viid.digest_required"
    title = "Digest authentication required"

    def __init__(self, detail: str, *, challenge: str) -> None:
        super().__init__(detail)
        self.challenge = challenge


class DeviceNotRegisteredError(AuthError):
    code = "viid.not_registered"
    title = "Device not registered"


class BatchTooLargeError(PayloadTooLargeError):
    code = "viid.batch_too_large"
    title = "Batch too large"
