"""RTSP probes: OPTIONS then DESCRIBE over TCP with one deadline per camera, asyncio, bounded
concurrency. A camera that never answers costs one timeout, never a stuck cycle.

``online`` means the camera's RTSP service answered DESCRIBE with 200 (or 401: alive, but the
registered credentials are not accepted; ``detail`` says so). Credentials in the URL are sent as HTTP
Basic only when the camera asks (401 with ``Basic``); the URL never appears in ``detail``.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from xueliang.stream.relay import offline_reason

USER_AGENT = "xueliang-ops-probe"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    online: bool
    detail: str
    latency_ms: float | None = None


class Prober(Protocol):
    async def probe_many(self, targets: Mapping[int, str]) -> dict[int, ProbeResult]: ...


def _request(method: str, url: str, cseq: int, auth: str | None) -> bytes:
    lines = [f"{method} {url} RTSP/1.0", f"CSeq: {cseq}", f"User-Agent: {USER_AGENT}"]
    if method == "DESCRIBE":
        lines.append("Accept: application/sdp")
    if auth:
        lines.append(f"Authorization: Basic {auth}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, str]:
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("RTSP/") or not parts[1].isdigit():
        raise ValueError("not an RTSP response")
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
    }
    length = int(headers.get("content-length", "0") or 0)
    if 0 < length <= 65536:
        await reader.readexactly(length)
    return int(parts[1]), headers.get("www-authenticate", "")


async def _talk(url: str) -> ProbeResult:
    parts = urlsplit(url)
    clean = parts._replace(netloc=f"{parts.hostname}:{parts.port or 554}").geturl()
    userinfo = f"{parts.username or ''}:{parts.password or ''}"
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 554)
    try:
        status, _ = await _exchange(reader, writer, _request("OPTIONS", clean, 1, None))
        status, challenge = await _exchange(reader, writer, _request("DESCRIBE", clean, 2, None))
        if status == 401 and parts.username and challenge.lower().startswith("basic"):
            token = base64.b64encode(userinfo.encode()).decode()
            status, _ = await _exchange(reader, writer, _request("DESCRIBE", clean, 3, token))
    finally:
        writer.close()
    return _verdict(status)


def _verdict(status: int) -> ProbeResult:
    if status == 200:
        return ProbeResult(True, "ok")
    if status == 401:
        return ProbeResult(True, "online: credentials refused")
    if status == 404:
        return ProbeResult(False, "offline: stream not found")
    return ProbeResult(False, f"offline: RTSP {status}")


async def probe(url: str, *, deadline: float) -> ProbeResult:
    """One camera, one deadline for connect + OPTIONS + DESCRIBE."""
    if not url.lower().startswith("rtsp://") or not urlsplit(url).hostname:
        return ProbeResult(False, "offline: not an RTSP URL")
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(_talk(url), deadline)
    except TimeoutError:
        return ProbeResult(False, "offline: timed out")
    except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        return ProbeResult(False, offline_reason(exc) if isinstance(exc, OSError) else "offline: bad answer")
    return ProbeResult(result.online, result.detail, (time.perf_counter() - started) * 1000)


@dataclass
class RtspProber:
    timeout: float = 3.0
    concurrency: int = 200

    async def probe_many(self, targets: Mapping[int, str]) -> dict[int, ProbeResult]:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(url: str) -> ProbeResult:
            async with gate:
                return await probe(url, deadline=self.timeout)

        keys = list(targets)
        results = await asyncio.gather(*(one(targets[k]) for k in keys))
        return dict(zip(keys, results, strict=True))


@dataclass
class FakeProber:
    """Answers from a table (channel pk → result); unknown channels are offline."""

    answers: dict[int, ProbeResult]

    async def probe_many(self, targets: Mapping[int, str]) -> dict[int, ProbeResult]:
        return {k: self.answers.get(k, ProbeResult(False, "offline: timed out")) for k in targets}
