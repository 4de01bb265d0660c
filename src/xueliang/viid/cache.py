"""Short-lived in-process caches of the upload path, one set per app (``cache_of(app.state)``).

An upload used to open a database session for two look-ups per batch: the sending device (is it
admitted, registered, alive?) and the active subscriptions (does any take these records?). Both
change rarely, so they are kept here:

- **devices**: the device row for ``DEVICE_TTL`` seconds. Register, UnRegister and Keepalive of this
  process drop the entry, and the liveness arithmetic (keepalive timeout) is redone on every call, so
  only a change made elsewhere — admission revoked or the device deleted through the camera API, a
  bound address changed — takes up to ``DEVICE_TTL`` seconds to apply to uploads. Unknown or refused
  devices are not cached (every such call asks the database).
- **subscriptions**: the active ones for ``SUBSCRIPTION_TTL`` seconds, and reloaded at once when this
  process creates, updates or cancels one (``subscriptions.generation``, bumped on commit).

Only when a subscription matches does an upload open a session (to commit the outbox entries
before the write; see ``outbox``).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from xueliang.camera.models import Device
from xueliang.core.db import session_scope
from xueliang.viid import digest, subscriptions
from xueliang.viid.models import Subscription

DEVICE_TTL = 5.0
SUBSCRIPTION_TTL = 2.0


class UploadCache:
    def __init__(self, *, device_ttl: float = DEVICE_TTL, subscription_ttl: float = SUBSCRIPTION_TTL) -> None:
        self.device_ttl, self.subscription_ttl = device_ttl, subscription_ttl
        self._devices: dict[str, tuple[float, Device]] = {}
        self._subs: tuple[float, int, list[Subscription]] | None = None
        self._lock = threading.Lock()

    def device(self, device_id: str) -> Device | None:
        entry = self._devices.get(device_id)
        if entry is None or time.monotonic() - entry[0] > self.device_ttl:
            return None
        return entry[1]

    def keep_device(self, db: Session, device: Device) -> None:
        """Cache a device loaded in ``db`` (detached from it, with its columns loaded)."""
        db.expunge(device)
        self._devices[device.device_id] = (time.monotonic(), device)

    def forget_device(self, device_id: str) -> None:
        self._devices.pop(device_id, None)

    def subscriptions_fresh(self) -> bool:
        """Whether ``active_subscriptions`` would answer without the database."""
        cached = self._subs
        return (
            cached is not None
            and cached[1] == subscriptions.generation()
            and time.monotonic() - cached[0] <= self.subscription_ttl
        )

    def active_subscriptions(self, factory: sessionmaker[Session]) -> list[Subscription]:
        """Every active subscription (detached; filter with ``subscriptions.matching``)."""
        gen = subscriptions.generation()
        cached = self._subs
        if cached is not None and cached[1] == gen and time.monotonic() - cached[0] <= self.subscription_ttl:
            return cached[2]
        with self._lock, session_scope(factory) as db:
            subs = subscriptions.all_active(db=db)
            db.expunge_all()
        self._subs = (time.monotonic(), gen, subs)
        return subs


_state_lock = threading.Lock()


def cache_of(state: Any) -> UploadCache:
    cache: UploadCache | None = getattr(state, "viid_cache", None)
    if cache is None:
        with _state_lock:
            cache = getattr(state, "viid_cache", None)
            if cache is None:
                cache = UploadCache()
                state.viid_cache = cache
    return cache


def nonce_counts_of(state: Any) -> digest.NonceCounts:
    """The app's Digest nonce counts (replay check of Register/UnRegister)."""
    counts: digest.NonceCounts | None = getattr(state, "viid_nonce_counts", None)
    if counts is None:
        with _state_lock:
            counts = getattr(state, "viid_nonce_counts", None)
            if counts is None:
                counts = digest.NonceCounts(ttl=state.settings.viid_nonce_ttl_seconds)
                state.viid_nonce_counts = counts
    return counts
