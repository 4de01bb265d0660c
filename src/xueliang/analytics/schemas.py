"""API shapes of the analytics domain."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class CameraPipelineRead(BaseModel):
    """One camera's structurization pipeline as its worker last reported it (every heartbeat).

    ``state``: ``running``, ``starting``, ``backoff`` (the capture failed and waits to restart; see
    ``reason``), ``error``, ``stopped``, ``stale`` (its worker stopped renewing the lease; another
    takes the camera within a minute) or ``unassigned`` (no worker holds it).
    """

    camera_id: str
    name: str
    state: str
    reason: str = ""
    worker: str = ""
    fps: float = 0.0
    frames: int = 0
    dropped: int = 0
    restarts: int = 0
    detector_calls: int = 0
    tracks: int = 0
    since: datetime | None = None
    lease_expires_at: datetime | None = None
