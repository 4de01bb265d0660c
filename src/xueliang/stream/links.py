"""Public links: ``<channel id>.<expiry unix seconds>.<HMAC-SHA256>`` signed with a key derived
from the instance secret. Forged, altered or expired → ``LinkInvalidError`` (403)."""

from __future__ import annotations

import hashlib
import hmac
import time

from xueliang.stream.exceptions import LinkInvalidError


def _signature(key: str, channel_id: str, expires: int) -> str:
    message = f"public-link:{channel_id}:{expires}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:32]


def sign(*, key: str, channel_id: str, expires: int) -> str:
    return f"{channel_id}.{expires}.{_signature(key, channel_id, expires)}"


def verify(*, key: str, token: str, now: float | None = None) -> str:
    """The channel id the link is for."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise LinkInvalidError("malformed public link")
    channel_id, expires, signature = parts[0], int(parts[1]), parts[2]
    if not hmac.compare_digest(signature, _signature(key, channel_id, expires)):
        raise LinkInvalidError("public link signature does not match")
    if (now if now is not None else time.time()) >= expires:
        raise LinkInvalidError("public link has expired")
    return channel_id
