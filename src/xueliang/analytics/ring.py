"""A camera's frame ring: ``slots`` fixed-size BGR buffers in one ``multiprocessing.shared_memory``
segment, owned (created and unlinked) by the worker; capture and detector processes attach by name.

Free slots travel on a queue: capture takes one without waiting (none free → the frame is dropped and
counted, never blocking decode), the camera loop gives it back when the frame is processed.
"""

from __future__ import annotations

import contextlib
import queue
import secrets
from multiprocessing import shared_memory
from typing import Any

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


def slot_view(shm: shared_memory.SharedMemory, slot_bytes: int, slot: int, shape: tuple[int, ...]) -> Image:
    """The frame in ``slot`` as an array over the shared buffer (no copy)."""
    if int(np.prod(shape)) > slot_bytes:
        raise ValueError(f"a frame of shape {shape} does not fit a {slot_bytes}-byte slot")
    return np.ndarray(shape, np.uint8, buffer=shm.buf, offset=slot * slot_bytes)


def slot_bytes_for(max_width: int) -> int:
    return max_width * max_width * 3  # any aspect up to square at max_width


class FrameRing:
    def __init__(self, *, slots: int, max_width: int, free: Any, prefix: str = "xl_an") -> None:
        self.slots, self.max_width = slots, max_width
        self.slot_bytes = slot_bytes_for(max_width)
        self.name = f"{prefix}_{secrets.token_hex(4)}"
        self.shm = shared_memory.SharedMemory(name=self.name, create=True, size=slots * self.slot_bytes)
        self.free = free  # multiprocessing queue of free slot numbers
        for slot in range(slots):
            self.free.put(slot)

    def view(self, slot: int, shape: tuple[int, ...]) -> Image:
        return slot_view(self.shm, self.slot_bytes, slot, shape)

    def release(self, slot: int) -> None:
        self.free.put(slot)

    def close(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.shm.close()
            self.shm.unlink()


class Attached:
    """Rings attached by name in a capture or detector process (closed, never unlinked, there)."""

    def __init__(self, slot_bytes: int) -> None:
        self.slot_bytes = slot_bytes
        self.rings: dict[str, shared_memory.SharedMemory] = {}

    def view(self, ring: str, slot: int, shape: tuple[int, ...]) -> Image:
        shm = self.rings.get(ring)
        if shm is None:
            shm = self.rings[ring] = shared_memory.SharedMemory(name=ring)
        return slot_view(shm, self.slot_bytes, slot, shape)

    def close(self) -> None:
        for shm in self.rings.values():
            shm.close()
        self.rings.clear()


def take_free(free: Any) -> int | None:
    try:
        return int(free.get_nowait())
    except queue.Empty:
        return None
