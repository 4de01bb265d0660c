"""Image structurization (车辆图片结构化): complete records that arrive without plate, attributes or
embedding, from their own pictures, with the extractors the video pipeline uses.

A durable bus consumer (``analytics_completion``) on ``records.motor_vehicle`` and ``records.face``:
ingest only publishes (the bus is the queue), so completion never slows it; the work runs in a
thread. Device-provided fields are never overwritten. A completed record replaces the stored one
(``viewlib.amend``) and is published again, so dispositions and the vector index see the new fields
(this consumer then finds it complete and does nothing).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import orjson

from xueliang.analytics.extractors import Extractor, Subject
from xueliang.analytics.ingest import KINDS
from xueliang.core.blobs import BlobStore
from xueliang.core.bus import Bus, Subscription
from xueliang.core.db import utcnow
from xueliang.viewlib.amend import replace_record
from xueliang.viewlib.parse import (
    Parsed,
    ParseOptions,
    incomplete,
    parse_object,
    restore_images,
    sub_images,
)
from xueliang.viewlib.schemas import (
    RECORDS_FACE,
    RECORDS_MOTOR_VEHICLE,
    TOPICS,
    RecordsStored,
    RecordStored,
)
from xueliang.viewlib.service import read_stored, stored_message
from xueliang.viewlib.stores.base import RecordStore

logger = logging.getLogger(__name__)
DURABLE = "analytics_completion"
CROP = {"motor_vehicle": "09", "face": "11"}  # GA/T 1400 image types of the subject's own crop


def _decode(image: dict[str, Any]) -> np.ndarray | None:
    data = image.get("Data")
    if not isinstance(data, str) or not data:
        return None
    decoded = cv2.imdecode(np.frombuffer(base64.b64decode(data), np.uint8), cv2.IMREAD_COLOR)
    return decoded if decoded is not None and decoded.size else None


def picture(kind: str, obj: dict[str, Any]) -> tuple[dict[str, Any], np.ndarray, np.ndarray] | None:
    """The subject's crop if sent (the whole image is the subject), else the scene and the box."""
    images = sorted(sub_images(obj), key=lambda i: i.get("Type") != CROP[kind])
    for image in images:
        pixels = _decode(image)
        if pixels is None:
            continue
        h, w = pixels.shape[:2]
        box = np.array([0, 0, w, h], np.float32)
        if image.get("Type") != CROP[kind] and all(k in obj for k in ("LeftTopX", "RightBtmY")):
            box = np.array([obj["LeftTopX"], obj["LeftTopY"], obj["RightBtmX"], obj["RightBtmY"]], np.float32)
        return image, pixels, box
    return None


def subject(kind: str, pixels: np.ndarray, box: np.ndarray) -> Subject:
    if kind == "face":  # the face extractor looks in the upper 60 % of a person box: make that the face
        box = np.array([box[0], box[1], box[2], box[1] + (box[3] - box[1]) / 0.6], np.float32)
        return Subject("person", pixels, box, 0)
    return Subject(kind, pixels, box, 2)


def merge(obj: dict[str, Any], image: dict[str, Any], found: dict[str, Any]) -> bool:
    """Fill what is missing; returns whether anything was added."""
    added = False
    for key, value in found.items():
        if key == "_feature" and "FeatureInfoObject" not in image:
            image["FeatureInfoObject"], added = value, True
        elif not key.startswith("_") and not obj.get(key):
            obj[key], added = value, True
    return added


class Completer:
    def __init__(
        self, *, store: RecordStore, blobs: BlobStore, bus: Bus, tz: str, make: Callable[[], list[Extractor]]
    ) -> None:
        self.store, self.blobs, self.bus, self.tz, self.make = store, blobs, bus, tz, make
        self._extractors: list[Extractor] | None = None
        self._lock = threading.Lock()  # the models are not thread-safe: one completion at a time
        self.completed = self.skipped = 0

    def complete(self, message: RecordStored) -> Parsed | None:
        """Blocking: read, extract, replace. None when the record is complete or nothing was found."""
        kind = KINDS[message.kind]
        old = read_stored(store=self.store, kind=kind, message=message)
        if old is None:
            return None
        obj = restore_images(orjson.loads(old), self.blobs)
        found = picture(kind.name, obj) if incomplete(kind.name, obj) else None
        if found is None:
            self.skipped += 1
            return None
        image, pixels, box = found
        with self._lock:
            extractors = self._extractors = self._extractors or self.make()
            fields: dict[str, Any] = {}
            for extractor in extractors:
                if ({kind.name, "person"} if kind.name == "face" else {kind.name}) & extractor.kinds:
                    fields.update(extractor.extract(subject(kind.name, pixels, box)))
        if not merge(obj, image, fields):
            self.skipped += 1
            return None
        parsed = parse_object(kind, obj, ParseOptions(tz=self.tz, blobs=self.blobs, received_at=utcnow()))
        replace_record(self.store, kind, parsed.row, old)
        self.completed += 1
        return parsed

    def complete_all(self, records: list[RecordStored]) -> list[Parsed]:
        return [p for m in records if (p := self.complete(m)) is not None]

    async def handle(self, batch: RecordsStored) -> None:
        todo = [m for m in batch.records if m.completable is not False]
        self.skipped += len(batch.records) - len(todo)  # the publisher saw these complete or pictureless
        if not todo:
            return
        done = await asyncio.to_thread(self.complete_all, todo)
        if done:
            kind = KINDS[batch.kind]
            await self.bus.publish(TOPICS[kind.name], stored_message(kind, done))


async def subscribe(bus: Bus, completer: Completer) -> list[Subscription[RecordsStored]]:
    return [
        await bus.subscribe(topic, durable=DURABLE, handler=completer.handle)
        for topic in (RECORDS_MOTOR_VEHICLE, RECORDS_FACE)
    ]
