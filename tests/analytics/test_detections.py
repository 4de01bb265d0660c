from __future__ import annotations

import numpy as np
import pytest

from xueliang.analytics import adapters
from xueliang.analytics.detections import (
    Detections,
    box_iou_batch,
    clip_boxes,
    crop,
    non_max_suppression,
    scale_boxes,
)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0, 0, 10, 10], [0, 0, 10, 10], 1.0),
        ([0, 0, 10, 10], [5, 0, 15, 10], 50 / 150),
        ([0, 0, 10, 10], [10, 10, 20, 20], 0.0),
        ([0, 0, 10, 10], [2, 2, 4, 4], 4 / 100),
        ([0, 0, 0, 0], [0, 0, 0, 0], 0.0),
    ],
)
def test_box_iou_batch__pairs(a: list[float], b: list[float], expected: float) -> None:
    iou = box_iou_batch(np.array([a], np.float32), np.array([b], np.float32))
    assert iou.shape == (1, 1)
    assert iou[0, 0] == pytest.approx(expected, abs=1e-6)


def test_box_iou_batch__empty_side_gives_empty_matrix() -> None:
    assert box_iou_batch(np.zeros((0, 4), np.float32), np.ones((3, 4), np.float32)).shape == (0, 3)


@pytest.mark.parametrize(
    ("box", "wh", "expected"),
    [
        ([-5, -5, 20, 20], (10, 10), [0, 0, 10, 10]),
        ([2, 3, 4, 5], (10, 10), [2, 3, 4, 5]),
        ([8, 8, 30, 9], (10, 20), [8, 8, 10, 9]),
    ],
)
def test_clip_boxes__inside_resolution(box: list[float], wh: tuple[int, int], expected: list[float]) -> None:
    assert clip_boxes(np.array([box], np.float32), wh)[0].tolist() == expected


@pytest.mark.parametrize(
    ("factor", "expected"), [(1.0, [2, 2, 6, 6]), (2.0, [0, 0, 8, 8]), (0.5, [3, 3, 5, 5])]
)
def test_scale_boxes__about_centre(factor: float, expected: list[float]) -> None:
    assert scale_boxes(np.array([[2, 2, 6, 6]], np.float32), factor)[0].tolist() == expected


def test_non_max_suppression__keeps_best_of_overlaps() -> None:
    xyxy = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    keep = non_max_suppression(xyxy, np.array([0.6, 0.9, 0.5], np.float32), 0.5)
    assert keep.tolist() == [1, 2]


def test_crop__clipped_with_margin() -> None:
    image = np.zeros((20, 30, 3), np.uint8)
    assert crop(image, np.array([25, 5, 35, 15], np.float32)).shape == (10, 5, 3)
    assert crop(image, np.array([10, 5, 20, 15], np.float32), margin=1.0).shape == (20, 20, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"xyxy": np.zeros((2, 3), np.float32)}, "xyxy must be"),
        ({"confidence": np.zeros(3, np.float32)}, "confidence must be"),
        ({"class_id": np.zeros(1, np.int64)}, "class_id must be"),
        ({"xyxy": np.array([[5, 5, 1, 1], [0, 0, 1, 1]], np.float32)}, "x2 >= x1"),
        ({"data": {"k": [1]}}, "data"),
    ],
)
def test_detections__validation_refuses(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "xyxy": np.zeros((2, 4), np.float32),
        "confidence": np.zeros(2, np.float32),
        "class_id": np.zeros(2, np.int64),
    }
    with pytest.raises(ValueError, match=message):
        Detections(**{**fields, **kwargs})  # type: ignore[arg-type]


def test_detections__index_filter_and_merge() -> None:
    dets = Detections.from_arrays([[0, 0, 1, 1], [0, 0, 2, 2]], [0.9, 0.4], [0, 2], note=["a", "b"])
    strong = dets[dets.confidence > 0.5]
    assert len(strong) == 1
    assert strong.data["note"].tolist() == ["a"]
    assert len(Detections.merge([dets, strong, Detections.empty()])) == 3
    assert dets.area.tolist() == [1.0, 4.0]


def test_from_tf_ssd__maps_labels_and_scales() -> None:
    out = np.array(
        [
            [
                [
                    [0, 1, 0.9, 0.1, 0.2, 0.5, 0.6],
                    [0, 3, 0.8, 0, 0, 1, 1],
                    [0, 44, 0.99, 0, 0, 1, 1],
                    [0, 1, 0.1, 0, 0, 1, 1],
                ]
            ]
        ],
        np.float32,
    )
    dets = adapters.from_tf_ssd(out, (200, 100), min_confidence=0.4)
    assert dets.class_id.tolist() == [0, 2]  # person, car; the bottle (44) and the weak one dropped
    assert dets.xyxy[0].tolist() == pytest.approx([20, 20, 100, 60])


def test_from_yolov8__decodes_centre_boxes_and_nms() -> None:
    preds = np.zeros((84, 3), np.float32)
    preds[:4, 0] = [50, 50, 20, 40]
    preds[:4, 1] = [51, 50, 20, 40]
    preds[:4, 2] = [200, 200, 10, 10]
    preds[4 + 2, 0], preds[4 + 2, 1], preds[4 + 0, 2] = 0.9, 0.8, 0.7
    dets = adapters.from_yolov8(preds[None], scale=0.5, resolution_wh=(1000, 1000), min_confidence=0.5)
    assert dets.class_id.tolist() == [2, 0]
    assert dets.xyxy[0].tolist() == pytest.approx([80, 60, 120, 140])
