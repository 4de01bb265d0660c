from __future__ import annotations

import asyncio
import socket
import time

import pytest

from xueliang.ops.probe import RtspProber, probe


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, status: str = "200 OK") -> None:
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode()
            cseq = next(line for line in head.split("\r\n") if line.startswith("CSeq"))
            body = "v=0\r\n" if head.startswith("DESCRIBE") and status.startswith("200") else ""
            writer.write(f"RTSP/1.0 {status}\r\n{cseq}\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode())
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def test_probe__answering_camera_is_online() -> None:
    async def run() -> None:
        server = await asyncio.start_server(_answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        result = await probe(f"rtsp://user:pw@127.0.0.1:{port}/ch1", deadline=2)
        server.close()
        assert result.online and result.detail == "ok" and result.latency_ms is not None

    asyncio.run(run())


def test_probe__missing_stream_is_offline() -> None:
    async def run() -> None:
        server = await asyncio.start_server(lambda r, w: _answer(r, w, "404 Not Found"), "127.0.0.1", 0)
        result = await probe(f"rtsp://127.0.0.1:{server.sockets[0].getsockname()[1]}/x", deadline=2)
        server.close()
        assert not result.online and result.detail == "offline: stream not found"

    asyncio.run(run())


@pytest.mark.parametrize("url", ["http://127.0.0.1/x", "rtsp://", "garbage"])
def test_probe__bad_url_is_offline_not_an_error(url: str) -> None:
    assert asyncio.run(probe(url, deadline=1)).detail == "offline: not an RTSP URL"


def test_probe_many__silent_and_closed_cameras_cost_one_timeout() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    targets = {i: f"rtsp://127.0.0.1:{(silent if i % 2 else closed).getsockname()[1]}/c" for i in range(40)}
    started = time.perf_counter()
    results = asyncio.run(RtspProber(timeout=0.5, concurrency=40).probe_many(targets))
    elapsed = time.perf_counter() - started
    silent.close()
    closed.close()
    assert not any(r.online for r in results.values())
    assert {results[1].detail, results[0].detail} == {"offline: timed out", "offline: connection refused"}
    assert elapsed < 3
