"""``from_<source>`` adapters: each model's raw output → ``Detections`` (COCO-80 class ids)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from xueliang.analytics.detections import Detections, clip_boxes, non_max_suppression

# TensorFlow object-detection label ids (1-based, 90 ids) → COCO-80 ids, for the classes we keep
TF_TO_COCO80 = {1: 0, 2: 1, 3: 2, 4: 3, 6: 5, 8: 7}
KEPT_COCO80 = frozenset(TF_TO_COCO80.values())


def from_tf_ssd(
    output: npt.NDArray[np.float32], resolution_wh: tuple[int, int], min_confidence: float
) -> Detections:
    """OpenCV DNN output of a TF SSD, shape (1, 1, N, 7): [image, label, score, x1, y1, x2, y2] (0..1)."""
    rows = output.reshape(-1, 7)
    rows = rows[(rows[:, 2] >= min_confidence) & np.isin(rows[:, 1].astype(int), list(TF_TO_COCO80))]
    width, height = resolution_wh
    xyxy = rows[:, 3:7] * np.array([width, height, width, height], np.float32)
    xyxy = clip_boxes(xyxy.astype(np.float32), resolution_wh)
    class_id = np.array([TF_TO_COCO80[int(t)] for t in rows[:, 1]], np.int64)
    return Detections.from_arrays(xyxy, rows[:, 2], class_id)


def from_yolov8(
    output: npt.NDArray[np.float32],
    scale: float,
    resolution_wh: tuple[int, int],
    min_confidence: float,
    iou_threshold: float = 0.45,
) -> Detections:
    """An Ultralytics-style export, shape (1, 4 + classes, N): cx, cy, w, h (input pixels), scores.
    ``scale`` maps input pixels back to the frame (letterboxed at the top-left)."""
    preds = output.reshape(output.shape[-2], output.shape[-1]).T
    scores = preds[:, 4:]
    class_id = scores.argmax(axis=1)
    confidence = scores[np.arange(len(scores)), class_id]
    keep = (confidence >= min_confidence) & np.isin(class_id, list(KEPT_COCO80))
    cx, cy, w, h = (preds[keep, i] for i in range(4))
    xyxy = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).astype(np.float32) / scale
    xyxy = clip_boxes(xyxy.reshape(-1, 4), resolution_wh)
    order = non_max_suppression(xyxy, confidence[keep].astype(np.float32), iou_threshold)
    return Detections.from_arrays(xyxy[order], confidence[keep][order], class_id[keep][order])


def from_yunet(faces: npt.NDArray[np.float32] | None) -> Detections:
    """``cv2.FaceDetectorYN.detect`` rows: x, y, w, h, 5 landmarks (10), score. Class id 0 (person)."""
    if faces is None or len(faces) == 0:
        return Detections.empty()
    xyxy = np.concatenate([faces[:, :2], faces[:, :2] + faces[:, 2:4]], axis=1)
    return Detections.from_arrays(xyxy, faces[:, 14], np.zeros(len(faces)), yunet=faces)


def from_clp(dets: npt.NDArray[np.float32]) -> Detections:
    """agentclpr ``CLPDetector`` rows: x1, y1, x2, y2, score, 4 corner points (8). Class id -1 (plate)."""
    if len(dets) == 0:
        return Detections.empty()
    return Detections.from_arrays(dets[:, :4], dets[:, 4], np.full(len(dets), -1), corners=dets[:, 5:13])
