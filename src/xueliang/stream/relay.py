"""Relay plugins keyed by ``type``: ``pyav`` remuxes a camera stream (RTSP, HTTP or a file) to HLS
without decoding; ``fake`` writes a placeholder playlist (tests). Each relay runs in one thread."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RelayOptions:
    open_timeout: float = 5.0
    hls_time: float = 1.9
    segment_type: str = "mpegts"
    list_size: int = 6


class Relay(Protocol):
    def start(self) -> None: ...
    def wait_opened(self, timeout: float) -> str | None:
        """None once the source is open; otherwise the reason it is not ("offline: ...")."""

    def stop(self) -> None: ...
    @property
    def running(self) -> bool: ...


class RelayPlugin(Protocol):
    type: str

    def relay(self, source: str, out_dir: Path, options: RelayOptions) -> Relay: ...
    def snapshot(self, source: str, options: RelayOptions) -> bytes: ...


def offline_reason(exc: BaseException) -> str:
    """A short, stable state for an open failure (never the URL, which may hold credentials)."""
    text = str(exc).lower()
    if isinstance(exc, ConnectionRefusedError) or "refused" in text:
        return "offline: connection refused"
    if isinstance(exc, TimeoutError) or "timed out" in text or "timeout" in text:
        return "offline: timed out"
    if isinstance(exc, FileNotFoundError) or "no such file" in text or "404" in text:
        return "offline: stream not found"
    if "401" in text or "unauthorized" in text:
        return "offline: credentials refused"
    return "offline: cannot open stream"


class ThreadedRelay:
    """Base: runs ``self.run()`` in a daemon thread, reporting the open result through an event."""

    def __init__(self) -> None:
        self._opened = threading.Event()
        self._stop = threading.Event()
        self._error: str | None = None
        self._thread = threading.Thread(target=self._main, daemon=True, name=f"relay-{id(self):x}")

    def start(self) -> None:
        self._thread.start()

    def wait_opened(self, timeout: float) -> str | None:
        if not self._opened.wait(timeout):
            return "offline: timed out"
        return self._error

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=10)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def _main(self) -> None:
        try:
            self.run()
        except Exception as exc:
            if not self._opened.is_set():
                self._error = offline_reason(exc)
            logger.warning("relay ended: %s", offline_reason(exc))
        finally:
            self._opened.set()

    def opened(self) -> None:
        self._opened.set()

    def run(self) -> None:
        raise NotImplementedError


class FakeRelay(ThreadedRelay):
    """Writes a playlist and one segment; ``fake://offline`` fails like a refused connection."""

    def __init__(self, source: str, out_dir: Path) -> None:
        super().__init__()
        self.source, self.out_dir = source, out_dir

    def run(self) -> None:
        if self.source.startswith("fake://offline"):
            raise ConnectionRefusedError("Connection refused")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / "seg0.ts").write_bytes(b"\x47" * 188)
        playlist = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg0.ts\n"
        (self.out_dir / "index.m3u8").write_text(playlist, encoding="utf-8")
        self.opened()
        while not self._stop.wait(0.05):
            pass


class FakePlugin:
    type = "fake"

    def relay(self, source: str, out_dir: Path, options: RelayOptions) -> Relay:
        return FakeRelay(source, out_dir)

    def snapshot(self, source: str, options: RelayOptions) -> bytes:
        if source.startswith("fake://offline"):
            raise ConnectionRefusedError("Connection refused")
        return b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9"


def input_options(source: str, open_timeout: float) -> dict[str, Any]:
    if source.startswith("rtsp://"):
        return {
            "rtsp_transport": "tcp",
            "timeout": str(int(open_timeout * 1e6)),
            "analyzeduration": "500000",
            "probesize": "65536",
        }
    if source.startswith(("http://", "https://")):
        return {"rw_timeout": str(int(open_timeout * 1e6))}
    return {}


def is_file(source: str) -> bool:
    return "://" not in source or source.startswith("file://")


def pace(started: float, seconds: float, stop: threading.Event) -> None:
    """Hold a file source to real time (cameras are live)."""
    delay = started + seconds - time.monotonic()
    if delay > 0:
        stop.wait(delay)
