"""Typed messages between the stages of one analytics worker (multiprocessing queues).

Frames never travel: a ``FrameReady`` names a slot of the camera's shared-memory ring, and a
``DetectRequest`` names the same slot and the region to search. Messages that leave the worker
(records, camera leases and states) use the bus and its KV store instead (docs/analytics.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class FrameReady:
    """capture → camera loop: a decoded BGR frame waits in ``slot`` of the ring ``ring``."""

    ring: str
    slot: int
    shape: tuple[int, int, int]
    seq: int
    captured_at: float  # epoch seconds
    dropped: int  # frames dropped so far by this capture process (no free slot)


@dataclass(frozen=True)
class CaptureStatus:
    """capture → supervisor: ``opened`` (with the source size), ``ended`` or ``error`` (with reason)."""

    event: str
    reason: str = ""


@dataclass(frozen=True)
class DetectRequest:
    """camera loop → detector pool: search ``region`` (frame pixels, xyxy) of a ring slot."""

    camera: str
    seq: int
    ring: str
    slot: int
    shape: tuple[int, int, int]
    region: tuple[float, float, float, float]


@dataclass(frozen=True)
class DetectResult:
    """detector pool → camera loop: boxes in frame pixels, or the error that stopped the call."""

    camera: str
    seq: int
    xyxy: npt.NDArray[np.float32]
    confidence: npt.NDArray[np.float32]
    class_id: npt.NDArray[np.int64]
    error: str = ""
