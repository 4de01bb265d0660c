from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from xueliang.ops import degrade, quality
from xueliang.ops.enums import Fault

VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    if not VTEST.is_file():
        pytest.skip("opencv-doc (vtest.avi) not installed")
    cap, out = cv2.VideoCapture(str(VTEST)), []
    for i in range(41):
        ok, frame = cap.read()
        if ok and i % 20 == 0:
            out.append(frame)
    return out


def _diagnose(img: np.ndarray, previous: np.ndarray, reference: np.ndarray) -> tuple[Fault, ...]:
    result, _ = quality.diagnose(
        degrade.jpeg(img),
        previous=quality.decode(degrade.jpeg(previous)),
        reference=quality.decode(degrade.jpeg(reference)),
    )
    return result.faults


def test_diagnose__clean_frame_has_no_fault(frames: list[np.ndarray]) -> None:
    assert _diagnose(frames[2], frames[1], frames[0]) == ()


@pytest.mark.parametrize("fault", list(degrade.DEGRADATIONS))
def test_diagnose__synthetic_degradation_is_found(frames: list[np.ndarray], fault: Fault) -> None:
    img = degrade.DEGRADATIONS[fault](frames[2], np.random.default_rng(5))
    assert fault in _diagnose(img, frames[1], frames[0])


def test_diagnose__same_picture_again_is_frozen(frames: list[np.ndarray]) -> None:
    assert _diagnose(frames[1], frames[1], frames[0]) == (Fault.frozen,)


@pytest.mark.parametrize("data", [b"", b"not a jpeg", b"\xff\xd8\xff" + bytes(100)])
def test_diagnose__undecodable_snapshot_is_signal_loss(data: bytes) -> None:
    result, frame = quality.diagnose(data)
    assert result.faults == (Fault.signal_loss,)
    assert frame is None


def test_thresholds__per_camera_override_changes_the_verdict(frames: list[np.ndarray]) -> None:
    data = degrade.jpeg(degrade.too_dark(frames[0], np.random.default_rng(1)))
    lenient = quality.Thresholds.with_overrides({"min_brightness": 1.0, "unknown": 3})
    assert Fault.too_dark in quality.diagnose(data)[0].faults
    assert Fault.too_dark not in quality.diagnose(data, thresholds=lenient)[0].faults
