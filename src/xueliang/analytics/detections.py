"""The one detection type (after supervision's ``Detections``) and pure box helpers.

Every model output enters through a ``from_<source>`` adapter (``adapters.py``); the motion gate,
tracker, best-shot selection and extractors all consume ``Detections``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


def _validate(xyxy: Any, confidence: Any, class_id: Any, tracker_id: Any, data: dict[str, Any]) -> None:
    if not (isinstance(xyxy, np.ndarray) and xyxy.ndim == 2 and xyxy.shape[1] == 4):
        raise ValueError(f"xyxy must be an (n, 4) array, got {getattr(xyxy, 'shape', type(xyxy))}")
    n = len(xyxy)
    for name, arr in (("confidence", confidence), ("class_id", class_id), ("tracker_id", tracker_id)):
        if arr is not None and (not isinstance(arr, np.ndarray) or arr.shape != (n,)):
            raise ValueError(f"{name} must be an ({n},) array")
    for key, values in data.items():
        if len(values) != n:
            raise ValueError(f"data[{key!r}] has {len(values)} items for {n} detections")
    if n and np.any(xyxy[:, 2:] < xyxy[:, :2]):
        raise ValueError("xyxy boxes need x2 >= x1 and y2 >= y1")


@dataclass
class Detections:
    """Parallel arrays: ``xyxy`` (n, 4) pixels, ``confidence`` (n,), ``class_id`` (n,) COCO ids
    (0 person, 1 bicycle, 2 car, 3 motorcycle, 5 bus, 7 truck), ``tracker_id`` (n,) or None, and
    ``data``: extra per-detection arrays or lists (e.g. face landmarks)."""

    xyxy: FloatArray
    confidence: FloatArray
    class_id: IntArray
    tracker_id: IntArray | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _validate(self.xyxy, self.confidence, self.class_id, self.tracker_id, self.data)

    @classmethod
    def empty(cls) -> Detections:
        return cls(
            xyxy=np.zeros((0, 4), np.float32),
            confidence=np.zeros(0, np.float32),
            class_id=np.zeros(0, np.int64),
        )

    @classmethod
    def from_arrays(cls, xyxy: Any, confidence: Any, class_id: Any, **data: Any) -> Detections:
        return cls(
            xyxy=np.asarray(xyxy, np.float32).reshape(-1, 4),
            confidence=np.asarray(confidence, np.float32).reshape(-1),
            class_id=np.asarray(class_id, np.int64).reshape(-1),
            data={k: np.asarray(v) for k, v in data.items()},
        )

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index: Any) -> Detections:
        if isinstance(index, int | np.integer):
            index = [int(index)]
        return Detections(
            xyxy=self.xyxy[index],
            confidence=self.confidence[index],
            class_id=self.class_id[index],
            tracker_id=None if self.tracker_id is None else self.tracker_id[index],
            data={k: np.asarray(v)[index] for k, v in self.data.items()},
        )

    def __iter__(self) -> Iterator[Detections]:
        for i in range(len(self)):
            yield self[i]

    @property
    def area(self) -> FloatArray:
        return box_area(self.xyxy)

    @classmethod
    def merge(cls, parts: list[Detections]) -> Detections:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        keys = set.intersection(*(set(p.data) for p in parts))
        return cls(
            xyxy=np.concatenate([p.xyxy for p in parts]),
            confidence=np.concatenate([p.confidence for p in parts]),
            class_id=np.concatenate([p.class_id for p in parts]),
            data={k: np.concatenate([np.asarray(p.data[k]) for p in parts]) for k in keys},
        )


def box_area(xyxy: FloatArray) -> FloatArray:
    return ((xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])).astype(np.float32)


def box_iou_batch(boxes_a: FloatArray, boxes_b: FloatArray) -> FloatArray:
    """IoU of every box of ``boxes_a`` (n, 4) with every box of ``boxes_b`` (m, 4): (n, m)."""
    if len(boxes_a) == 0 or len(boxes_b) == 0:
        return np.zeros((len(boxes_a), len(boxes_b)), np.float32)
    top_left = np.maximum(boxes_a[:, None, :2], boxes_b[None, :, :2])
    bottom_right = np.minimum(boxes_a[:, None, 2:], boxes_b[None, :, 2:])
    inter = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    union = box_area(boxes_a)[:, None] + box_area(boxes_b)[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).astype(np.float32)


def clip_boxes(xyxy: FloatArray, resolution_wh: tuple[int, int]) -> FloatArray:
    width, height = resolution_wh
    out = xyxy.copy()
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, width)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, height)
    return out


def scale_boxes(xyxy: FloatArray, factor: float) -> FloatArray:
    """Grow (factor > 1) or shrink boxes about their centres."""
    centre = (xyxy[:, :2] + xyxy[:, 2:]) / 2
    half = (xyxy[:, 2:] - xyxy[:, :2]) * factor / 2
    return np.concatenate([centre - half, centre + half], axis=1).astype(np.float32)


def non_max_suppression(xyxy: FloatArray, confidence: FloatArray, iou_threshold: float) -> IntArray:
    """Indices kept by greedy NMS, best first."""
    order = np.argsort(-confidence)
    keep: list[int] = []
    while len(order):
        best, order = int(order[0]), order[1:]
        keep.append(best)
        if len(order):
            ious = box_iou_batch(xyxy[best : best + 1], xyxy[order])[0]
            order = order[ious <= iou_threshold]
    return np.asarray(keep, np.int64)


def crop(image: npt.NDArray[np.uint8], box: FloatArray, margin: float = 0.0) -> npt.NDArray[np.uint8]:
    """The pixels of one box (optionally grown by ``margin`` of its size), clipped to the image."""
    box2 = scale_boxes(box.reshape(1, 4), 1 + margin)
    x1, y1, x2, y2 = clip_boxes(box2, (image.shape[1], image.shape[0]))[0].round().astype(int)
    return image[y1:y2, x1:x2]
