"""The live relay manager: one relay per camera, started by the first viewer, shared by all,
stopped ``idle_seconds`` after the last viewer has gone (no fetch for ``viewer_timeout``)."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xueliang.stream.exceptions import CameraOfflineError, ViewerCapError
from xueliang.stream.relay import Relay, RelayOptions, RelayPlugin

logger = logging.getLogger(__name__)
PUBLIC_PREFIX = "pub-"


@dataclass
class LiveSession:
    relay: Relay
    out_dir: Path
    viewers: dict[str, float] = field(default_factory=dict)  # viewer id → last fetch (monotonic)
    owners: dict[str, str] = field(default_factory=dict)  # viewer id → username
    empty_since: float | None = None


class RelayManager:
    def __init__(
        self,
        *,
        root: Path,
        plugin: RelayPlugin,
        options: RelayOptions,
        idle_seconds: float,
        viewer_timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root, self.plugin, self.options, self.clock = root, plugin, options, clock
        self.idle_seconds, self.viewer_timeout = idle_seconds, viewer_timeout
        self.sessions: dict[str, LiveSession] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None

    def join(
        self, channel_id: str, source: str, *, viewer: str, username: str, cap: int | None = None
    ) -> LiveSession:
        """Add a viewer, starting the relay if none runs; raises ``CameraOfflineError`` quickly."""
        with self._lock:
            session = self.sessions.get(channel_id)
            if session is not None and not session.relay.running:
                self._drop(channel_id)
                session = None
            if cap is not None and session is not None and self._public_count(session) >= cap:
                raise ViewerCapError(f"camera {channel_id} already has {cap} public viewers")
            if session is None:
                session = self._start(channel_id, source)
            session.viewers[viewer] = self.clock()
            session.owners[viewer] = username
            session.empty_since = None
            return session

    def _start(self, channel_id: str, source: str) -> LiveSession:
        out_dir = self.root / channel_id
        shutil.rmtree(out_dir, ignore_errors=True)
        relay = self.plugin.relay(source, out_dir, self.options)
        relay.start()
        problem = relay.wait_opened(self.options.open_timeout + 1)
        if problem is not None:
            relay.stop()
            raise CameraOfflineError(problem, channel_id=channel_id)
        session = self.sessions[channel_id] = LiveSession(relay=relay, out_dir=out_dir)
        logger.info("relay started for %s", channel_id)
        return session

    def touch(self, channel_id: str, viewer: str, username: str) -> Path | None:
        """Mark a fetch by a known viewer of this user; the session's directory, or None."""
        with self._lock:
            session = self.sessions.get(channel_id)
            if session is None or session.owners.get(viewer) != username:
                return None
            session.viewers[viewer] = self.clock()
            return session.out_dir

    def leave(self, channel_id: str, viewer: str) -> None:
        with self._lock:
            session = self.sessions.get(channel_id)
            if session is not None:
                session.viewers.pop(viewer, None)
                session.owners.pop(viewer, None)

    def reap(self) -> list[str]:
        """Forget silent viewers; stop relays empty for ``idle_seconds``. Returns stopped cameras."""
        now, stopped = self.clock(), []
        with self._lock:
            for channel_id, session in list(self.sessions.items()):
                for viewer, seen in list(session.viewers.items()):
                    if now - seen > self.viewer_timeout:
                        session.viewers.pop(viewer)
                        session.owners.pop(viewer, None)
                if session.viewers:
                    continue
                session.empty_since = session.empty_since or now
                if now - session.empty_since >= self.idle_seconds or not session.relay.running:
                    self._drop(channel_id)
                    stopped.append(channel_id)
        return stopped

    def _drop(self, channel_id: str) -> None:
        session = self.sessions.pop(channel_id)
        session.relay.stop()
        shutil.rmtree(session.out_dir, ignore_errors=True)
        logger.info("relay stopped for %s", channel_id)

    @staticmethod
    def _public_count(session: LiveSession) -> int:
        return sum(1 for v in session.viewers if v.startswith(PUBLIC_PREFIX))

    def viewer_count(self, channel_id: str) -> int:
        session = self.sessions.get(channel_id)
        return len(session.viewers) if session else 0

    def start(self, interval: float = 1.0) -> None:
        self._stop.clear()
        self._reaper = threading.Thread(
            target=self._reap_loop, args=(interval,), daemon=True, name="relay-reaper"
        )
        self._reaper.start()

    def _reap_loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.reap()

    def stop(self) -> None:
        self._stop.set()
        if self._reaper is not None:
            self._reaper.join(timeout=5)
        with self._lock:
            for channel_id in list(self.sessions):
                self._drop(channel_id)
