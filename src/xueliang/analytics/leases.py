"""Cameras assigned to analytics workers through leases in a key-value store on the bus.

Keys: ``worker.<id>`` (a heartbeat: ``{"expires": t}``) and ``camera.<id>`` (``{"worker", "expires",
"status"}``; the status is the pipeline's, which the API shows). Every ``heartbeat`` each worker:
renews its heartbeat and the leases it holds (compare-and-set on the entry's revision, so two workers
never both win one camera), releases cameras above its fair share (cameras / live workers, rounded
up) so that a new worker gets some, and claims free or expired cameras up to that share. A worker
that dies stops renewing; its leases expire after ``lease_s`` and the others claim them at their next
tick: reassignment takes at most ``lease_s + heartbeat_s`` (30 + 10 s by default).

Backends by the bus URL: ``memory`` (in-process, shared by name within the process) and ``nats``
(a JetStream KV bucket ``<namespace>_analytics``).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson


@dataclass(frozen=True)
class Entry:
    value: dict[str, Any]
    revision: int


class LeaseStore(ABC):
    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    @abstractmethod
    async def entries(self) -> dict[str, Entry]: ...

    @abstractmethod
    async def create(self, key: str, value: dict[str, Any]) -> int | None:
        """Add ``key``; None when it exists."""

    @abstractmethod
    async def update(self, key: str, value: dict[str, Any], revision: int) -> int | None:
        """Replace ``key`` if it is still at ``revision``; None when someone changed it first."""


class MemoryLeaseStore(LeaseStore):
    """In-process; ``shared(name)`` returns one store per name (workers and API of one process)."""

    _shared: ClassVar[dict[str, MemoryLeaseStore]] = {}

    def __init__(self) -> None:
        self.data: dict[str, Entry] = {}
        self.revision = 0

    @classmethod
    def shared(cls, name: str = "default") -> MemoryLeaseStore:
        return cls._shared.setdefault(name, cls())

    async def entries(self) -> dict[str, Entry]:
        return dict(self.data)

    async def create(self, key: str, value: dict[str, Any]) -> int | None:
        return None if key in self.data else self._put(key, value)

    async def update(self, key: str, value: dict[str, Any], revision: int) -> int | None:
        current = self.data.get(key)
        return None if current is None or current.revision != revision else self._put(key, value)

    def _put(self, key: str, value: dict[str, Any]) -> int:
        self.revision += 1
        self.data[key] = Entry(orjson.loads(orjson.dumps(value)), self.revision)
        return self.revision


class NatsLeaseStore(LeaseStore):
    def __init__(self, servers: list[str], namespace: str) -> None:
        self.servers, self.bucket = servers, f"{namespace}_analytics"
        self._nc: Any = None
        self._kv: Any = None

    @classmethod
    def from_url(cls, url: str) -> NatsLeaseStore:
        from xueliang.core.bus import NatsBus

        bus = NatsBus.from_url(url)
        return cls(bus.servers, bus.namespace)

    async def start(self) -> None:
        import nats
        import nats.js.errors

        self._nc = await nats.connect(servers=self.servers, name=f"xueliang-{self.bucket}")
        js = self._nc.jetstream()
        try:
            self._kv = await js.key_value(self.bucket)
        except nats.js.errors.BucketNotFoundError:
            self._kv = await js.create_key_value(bucket=self.bucket, history=1)

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.close()
        self._nc = self._kv = None

    async def delete_bucket(self) -> None:
        await self._nc.jetstream().delete_key_value(self.bucket)

    async def entries(self) -> dict[str, Entry]:
        import nats.js.errors

        try:
            keys = await self._kv.keys()
        except nats.js.errors.NoKeysError:
            return {}
        got = await asyncio.gather(*(self._get(k) for k in keys))
        return {k: e for k, e in zip(keys, got, strict=True) if e is not None}

    async def _get(self, key: str) -> Entry | None:
        import nats.js.errors

        try:
            entry = await self._kv.get(key)
        except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
            return None
        return Entry(orjson.loads(entry.value), int(entry.revision))

    async def create(self, key: str, value: dict[str, Any]) -> int | None:
        import nats.js.errors

        try:
            return int(await self._kv.create(key, orjson.dumps(value)))
        except (nats.js.errors.KeyWrongLastSequenceError, nats.js.errors.BadRequestError):
            return None

    async def update(self, key: str, value: dict[str, Any], revision: int) -> int | None:
        import nats.js.errors

        try:
            return int(await self._kv.update(key, orjson.dumps(value), last=revision))
        except (nats.js.errors.KeyWrongLastSequenceError, nats.js.errors.BadRequestError):
            return None


def make_lease_store(bus_url: str) -> LeaseStore:
    scheme = bus_url.partition("://")[0] if "://" in bus_url else "memory"
    if scheme in {"nats", "tls"}:
        return NatsLeaseStore.from_url(bus_url)
    return MemoryLeaseStore.shared()


def _spread(camera: str, worker: str) -> str:
    """Workers try free cameras in different orders (rendezvous hashing), so they rarely collide."""
    return hashlib.sha256(f"{camera}/{worker}".encode()).hexdigest()


class Assigner:
    def __init__(
        self, store: LeaseStore, worker: str, *, lease_s: float = 30.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.store, self.worker, self.lease_s, self.clock = store, worker, lease_s, clock

    async def tick(self, cameras: list[str], statuses: dict[str, dict[str, Any]]) -> set[str]:
        """One round: heartbeat, renew, release above the fair share, claim; returns the cameras held."""
        now = self.clock()
        entries = await self.store.entries()
        await self._heartbeat(entries, now)
        live = {k for k, e in entries.items() if k.startswith("worker.") and e.value["expires"] > now}
        share = math.ceil(len(cameras) / max(len(live | {f"worker.{self.worker}"}), 1))
        held = await self._renew(entries, cameras, statuses, now)
        for camera in sorted(held)[share:]:
            await self._release(entries[f"camera.{camera}"], camera)
            held.discard(camera)
        for camera in sorted(cameras, key=lambda c: _spread(c, self.worker)):
            if len(held) >= share:
                break
            if camera not in held and await self._claim(entries.get(f"camera.{camera}"), camera, now):
                held.add(camera)
        return held

    async def release_all(self) -> None:
        entries = await self.store.entries()
        for key, entry in entries.items():
            if key.startswith("camera.") and entry.value.get("worker") == self.worker:
                await self._release(entry, key.removeprefix("camera."))
        beat = entries.get(f"worker.{self.worker}")
        if beat is not None:
            await self.store.update(f"worker.{self.worker}", {"expires": 0}, beat.revision)

    async def _heartbeat(self, entries: dict[str, Entry], now: float) -> None:
        key, value = f"worker.{self.worker}", {"expires": now + self.lease_s}
        current = entries.get(key)
        rev = await (self.store.create(key, value) if current is None
                     else self.store.update(key, value, current.revision))  # fmt: skip
        if rev is not None:
            entries[key] = Entry(value, rev)

    async def _renew(
        self, entries: dict[str, Entry], cameras: list[str], statuses: dict[str, dict[str, Any]], now: float
    ) -> set[str]:
        held = set()
        for camera in cameras:
            entry = entries.get(f"camera.{camera}")
            if entry is None or entry.value.get("worker") != self.worker or entry.value["expires"] <= now:
                continue
            value = {"worker": self.worker, "expires": now + self.lease_s, "status": statuses.get(camera)}
            rev = await self.store.update(f"camera.{camera}", value, entry.revision)
            if rev is not None:
                entries[f"camera.{camera}"] = Entry(value, rev)
                held.add(camera)
        return held

    async def _claim(self, entry: Entry | None, camera: str, now: float) -> bool:
        value = {"worker": self.worker, "expires": now + self.lease_s, "status": None}
        if entry is None:
            return await self.store.create(f"camera.{camera}", value) is not None
        if entry.value.get("worker") and entry.value["expires"] > now:
            return False
        return await self.store.update(f"camera.{camera}", value, entry.revision) is not None

    async def _release(self, entry: Entry, camera: str) -> None:
        value = {"worker": "", "expires": 0, "status": entry.value.get("status")}
        await self.store.update(f"camera.{camera}", value, entry.revision)
