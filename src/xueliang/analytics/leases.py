"""Cameras assigned to analytics workers through leases in a key-value store on the bus.

Keys: ``worker.<id>`` (a heartbeat: ``{"expires": t}``) and ``camera.<id>`` (``{"worker", "expires",
"status"}``; the status is the pipeline's, which the API shows). Every ``heartbeat`` each worker:
renews its heartbeat and the leases it holds (compare-and-set on the entry's revision, so two workers
never both win one camera), releases cameras above its fair share (cameras / live workers, rounded
up) so that a new worker gets some, and claims free or expired cameras up to that share. A worker
that dies stops renewing; its leases expire after ``lease_s`` and the others claim them at their next
tick: reassignment takes at most ``lease_s + heartbeat_s`` (30 + 10 s by default).

**Cost per heartbeat: the worker's own keys, not all of them.** A worker reads the ``worker.*`` keys
(one per worker: who is alive, and which cameras each released lately), writes its own heartbeat and
leases (it knows their revisions from its own writes), and reads a camera's key only to claim it, and
only when its last known holder is not a live worker (a live worker renews what it holds and announces
what it releases in its heartbeat for ``lease_s``). All keys are read once at the first tick and every
``rescan_ticks`` ticks (30: five minutes), as a safety net.

Backends by the bus URL: ``memory`` (in-process, shared by name within the process) and ``nats``
(a JetStream KV bucket ``<namespace>_analytics``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson

logger = logging.getLogger(__name__)


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
    async def entries(self, prefix: str = "") -> dict[str, Entry]:
        """The keys starting with ``prefix`` (``worker.``, ``camera.``; empty = all) and their entries."""

    @abstractmethod
    async def get(self, key: str) -> Entry | None: ...

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

    async def entries(self, prefix: str = "") -> dict[str, Entry]:
        return {k: e for k, e in self.data.items() if k.startswith(prefix)}

    async def get(self, key: str) -> Entry | None:
        return self.data.get(key)

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

    async def entries(self, prefix: str = "") -> dict[str, Entry]:
        """One ordered consumer on the keys' subjects (the server filters by ``prefix``), last value
        of each key, values included: no request per key."""
        watcher = await self._kv.watch(f"{prefix}>" if prefix else ">", ignore_deletes=True)
        found: dict[str, Entry] = {}
        try:
            while (entry := await watcher.updates(timeout=10)) is not None:
                if entry.value:
                    found[entry.key] = Entry(orjson.loads(entry.value), int(entry.revision))
        finally:
            await watcher.stop()
        return found

    async def get(self, key: str) -> Entry | None:
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
        self,
        store: LeaseStore,
        worker: str,
        *,
        lease_s: float = 30.0,
        clock: Callable[[], float] = time.time,
        rescan_ticks: int = 30,
    ) -> None:
        self.store, self.worker, self.lease_s, self.clock = store, worker, lease_s, clock
        self.rescan_ticks, self.ticks = rescan_ticks, 0
        self.known: dict[str, Entry] = {}  # camera.<id> → last seen (own writes, claims, rescans)
        self.released: dict[str, float] = {}  # camera → when this worker released it (announced)

    async def tick(self, cameras: list[str], statuses: dict[str, dict[str, Any]]) -> set[str]:
        """One round: renew, release above the fair share, claim, heartbeat; returns the cameras held."""
        now = self.clock()
        if self.ticks % self.rescan_ticks == 0:
            self.known = await self.store.entries("camera.")
        self.ticks += 1
        workers = await self.store.entries("worker.")
        live = self._live(workers, now)
        share = math.ceil(len(cameras) / len(live))
        held = await self._renew(cameras, statuses, now)
        for camera in sorted(held)[share:]:
            await self._release(camera, now)
            held.discard(camera)
        for camera in sorted(cameras, key=lambda c: _spread(c, self.worker)):
            if len(held) >= share:
                break
            if camera not in held and await self._claim(camera, live, now):
                held.add(camera)
        await self._heartbeat(workers.get(f"worker.{self.worker}"), now)
        return held

    def _live(self, workers: dict[str, Entry], now: float) -> set[str]:
        """Live workers (self included); forgets what the others announced they released."""
        for key, entry in workers.items():
            for camera in entry.value.get("released", []):
                last = self.known.get(f"camera.{camera}")
                if last is not None and last.value.get("worker") == key.removeprefix("worker."):
                    del self.known[f"camera.{camera}"]
        alive = {k.removeprefix("worker.") for k, e in workers.items() if e.value["expires"] > now}
        return alive | {self.worker}

    async def release_all(self) -> None:
        now = self.clock()
        for key, entry in list(self.known.items()):
            if entry.value.get("worker") == self.worker:
                await self._release(key.removeprefix("camera."), now)
        beat = await self.store.get(f"worker.{self.worker}")
        if beat is not None:
            value = {"expires": 0, "released": sorted(self.released)}
            await self.store.update(f"worker.{self.worker}", value, beat.revision)

    async def _heartbeat(self, current: Entry | None, now: float) -> None:
        self.released = {c: t for c, t in self.released.items() if t > now - self.lease_s}
        key, value = (
            f"worker.{self.worker}",
            {"expires": now + self.lease_s, "released": sorted(self.released)},
        )
        if current is None:
            await self.store.create(key, value)
        elif await self.store.update(key, value, current.revision) is None:
            logger.warning(
                "analytics worker %s: heartbeat changed by someone else; retrying next tick", self.worker
            )

    async def _renew(self, cameras: list[str], statuses: dict[str, dict[str, Any]], now: float) -> set[str]:
        held = set()
        for camera in cameras:
            key = f"camera.{camera}"
            entry = self.known.get(key)
            if entry is None or entry.value.get("worker") != self.worker or entry.value["expires"] <= now:
                continue
            value = {"worker": self.worker, "expires": now + self.lease_s, "status": statuses.get(camera)}
            if await self._write(key, value, entry.revision):
                held.add(camera)
        return held

    async def _claim(self, camera: str, live: set[str], now: float) -> bool:
        key = f"camera.{camera}"
        last = self.known.get(key)
        if last is not None and last.value.get("worker") in live - {self.worker}:
            return False  # a live worker renews it, or announces its release
        entry = await self.store.get(key)
        if entry is not None:
            self.known[key] = entry
            if entry.value.get("worker") not in ("", self.worker) and entry.value["expires"] > now:
                return False
        value = {"worker": self.worker, "expires": now + self.lease_s, "status": None}
        return await self._write(key, value, entry.revision if entry else None)

    async def _release(self, camera: str, now: float) -> None:
        key = f"camera.{camera}"
        entry = self.known[key]
        value = {"worker": "", "expires": 0, "status": entry.value.get("status")}
        await self._write(key, value, entry.revision)
        self.released[camera] = now

    async def _write(self, key: str, value: dict[str, Any], revision: int | None) -> bool:
        """Create (``revision`` None) or compare-and-set; remembers the entry, or forgets it on a
        conflict (read again when needed)."""
        rev = await (self.store.create(key, value) if revision is None
                     else self.store.update(key, value, revision))  # fmt: skip
        if rev is None:
            self.known.pop(key, None)
            return False
        self.known[key] = Entry(value, rev)
        return True
