"""Video quality diagnosis (视频质量诊断) of one snapshot: pure numpy/OpenCV, no database.

``measure`` turns a decoded frame into numbers; ``judge`` compares them with ``Thresholds`` (per
camera overrides in ``ops_threshold``). Everything is computed on a grey (and a colour) copy scaled
to ``WORK_WIDTH`` pixels, so the cost does not grow with the camera's resolution:

- brightness: mean grey; contrast: grey standard deviation;
- sharpness: sqrt(variance of the Laplacian) / contrast — contrast-invariant, low when blurred;
- colour: in Lab, the distance of the mean chroma from the reference snapshot's (or, without one,
  from neutral grey): cast; the mean chroma: colour at all;
- noise: Immerkær's fast noise estimate (σ of the 3×3 second-difference residual);
- stripes: the strongest peak of the whitened spectrum of the detrended row and column mean
  profiles times its amplitude (horizontal or vertical banding, rolling);
- occlusion: the share of 16×16 blocks that are flat and dark (a large patch in front of the lens);
- frozen: mean absolute grey difference from the previous snapshot;
- scene change: normalised cross-correlation with the reference snapshot, on 40×30 blurred copies;
- signal loss: a frame that cannot be decoded, or a flat frame (std ≈ 0: black, blue or any
  single colour).

Precedence: signal loss hides every other finding; too dark / too bright hide low contrast and
noise and colour findings (so does low contrast for colour); occlusion hides too dark and scene
change; occlusion and scene change hide colour cast (the colour is not comparable then).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from xueliang.ops.enums import Fault

WORK_WIDTH = 320
THUMB_SIZE = (40, 30)
Image = npt.NDArray[Any]  # uint8 BGR or grey (OpenCV returns untyped dtypes)
_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


@dataclass(frozen=True)
class Thresholds:
    """Limits of the diagnosis; each may be overridden per camera."""

    min_sharpness: float = 0.18
    min_brightness: float = 40.0
    max_brightness: float = 200.0
    min_contrast: float = 22.0
    max_cast: float = 25.0
    max_cast_shift: float = 10.0
    min_chroma: float = 2.0
    max_noise: float = 5.0
    max_stripes: float = 130.0
    max_occluded: float = 0.2
    frozen_diff: float = 0.6
    min_scene_ncc: float = 0.7
    signal_std: float = 3.0

    @classmethod
    def with_overrides(cls, overrides: dict[str, Any] | None) -> Thresholds:
        names = {f.name for f in fields(cls)}
        known = {k: float(v) for k, v in (overrides or {}).items() if k in names}
        return cls(**known)


@dataclass(frozen=True)
class Frame:
    """A decoded snapshot reduced to what diagnosis needs."""

    bgr: Image  # WORK_WIDTH wide
    grey: Image
    thumb: npt.NDArray[np.float32]  # blurred THUMB_SIZE grey, for frozen / scene comparisons


@dataclass(frozen=True)
class Result:
    faults: tuple[Fault, ...]
    measures: dict[str, float]

    @property
    def ok(self) -> bool:
        return not self.faults


def decode(data: bytes) -> Frame | None:
    """A JPEG/PNG snapshot → ``Frame``; None when the bytes are not a picture."""
    if not data:
        return None
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        return None
    return frame_of(image)


def frame_of(bgr: Image) -> Frame:
    height, width = bgr.shape[:2]
    if width != WORK_WIDTH:
        size = (WORK_WIDTH, max(1, round(height * WORK_WIDTH / width)))
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    thumb = cv2.resize(cv2.GaussianBlur(grey, (9, 9), 0), THUMB_SIZE, interpolation=cv2.INTER_AREA)
    return Frame(bgr=bgr, grey=grey, thumb=thumb.astype(np.float32))


def _noise(grey: Image) -> float:
    h, w = grey.shape
    residual = cv2.filter2D(grey.astype(np.float32), -1, _NOISE_KERNEL)[1:-1, 1:-1]
    return float(np.abs(residual).sum() * np.sqrt(np.pi / 2) / (6 * (w - 2) * (h - 2)))


def _running_median(values: npt.NDArray[Any], size: int) -> npt.NDArray[Any]:
    padded = np.pad(values, size // 2, mode="edge")
    medians: npt.NDArray[Any] = np.median(np.lib.stride_tricks.sliding_window_view(padded, size), axis=1)
    return medians


def _stripe_score(grey: Image, window: int = 15) -> float:
    """Banding: on the detrended row and column mean profiles, the spectrum's strongest peak over its
    local median (whitened, capped at 200) times the peak's amplitude in grey levels."""
    best = 0.0
    for profile in (grey.mean(axis=1), grey.mean(axis=0)):
        trend = np.convolve(profile, np.ones(window) / window, mode="same")
        residual = (profile - trend)[window:-window]
        if residual.size < 32:
            continue
        magnitude = np.abs(np.fft.rfft(residual - residual.mean()))[2:]
        power = magnitude**2
        whitened = power / (_running_median(power, 11) + 1e-9)
        top = int(whitened.argmax())
        best = max(best, min(float(whitened[top]), 200.0) * 2 * float(magnitude[top]) / residual.size)
    return best


def _occluded(grey: Image) -> tuple[float, float]:
    """Share of 16×16 blocks that are flat (std < 4) and dark (mean < 70), and the mean brightness
    of the other blocks (an occluded picture is dark only where the obstacle is)."""
    h, w = (grey.shape[0] // 16) * 16, (grey.shape[1] // 16) * 16
    blocks = grey[:h, :w].reshape(h // 16, 16, w // 16, 16).swapaxes(1, 2).reshape(-1, 256)
    means = blocks.mean(axis=1)
    covered = (blocks.std(axis=1) < 4.0) & (means < 70.0)
    rest = float(means[~covered].mean()) if (~covered).any() else 0.0
    return float(covered.mean()), rest


def _ncc(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 1e-6 else 0.0


def measure(
    frame: Frame, *, previous: Frame | None = None, reference: Frame | None = None
) -> dict[str, float]:
    grey = frame.grey
    contrast = float(grey.std())
    occluded, rest_brightness = _occluded(grey)
    lab = cv2.cvtColor(frame.bgr, cv2.COLOR_BGR2LAB).reshape(-1, 3).astype(np.float32)
    chroma = lab[:, 1:] - 128.0
    values = {
        "brightness": float(grey.mean()),
        "contrast": contrast,
        "colour_std": float(frame.bgr.reshape(-1, 3).std(axis=0).max()),
        "sharpness": float(np.sqrt(cv2.Laplacian(grey, cv2.CV_64F).var())) / max(contrast, 1.0),
        "cast": float(np.hypot(*chroma.mean(axis=0))),
        "chroma_a": float(chroma[:, 0].mean()),
        "chroma_b": float(chroma[:, 1].mean()),
        "chroma": float(np.hypot(chroma[:, 0], chroma[:, 1]).mean()),
        "noise": _noise(grey),
        "stripes": _stripe_score(grey),
        "occluded": occluded,
        "rest_brightness": rest_brightness,
    }
    if previous is not None and previous.grey.shape == grey.shape:
        values["frozen_diff"] = float(np.abs(grey.astype(np.int16) - previous.grey).mean())
    if reference is not None:
        values["scene_ncc"] = _ncc(frame.thumb, reference.thumb)
        ref_chroma = cv2.cvtColor(reference.bgr, cv2.COLOR_BGR2LAB).reshape(-1, 3)[:, 1:].mean(axis=0) - 128.0
        values["cast_shift"] = float(
            np.hypot(values["chroma_a"] - ref_chroma[0], values["chroma_b"] - ref_chroma[1])
        )
    return values


def _cast(m: dict[str, float], t: Thresholds) -> bool:
    """Against the reference snapshot's colour when there is one, else against neutral grey."""
    if "cast_shift" in m:
        return m["cast_shift"] > t.max_cast_shift
    return m["cast"] > t.max_cast


def judge(m: dict[str, float], t: Thresholds) -> tuple[Fault, ...]:
    if m["colour_std"] < t.signal_std:
        return (Fault.signal_loss,)
    occluded = m["occluded"] > t.max_occluded and m["rest_brightness"] >= t.min_brightness
    dark = not occluded and m["brightness"] < t.min_brightness
    bright = m["brightness"] > t.max_brightness
    moved = not occluded and m.get("scene_ncc", 1.0) < t.min_scene_ncc
    exposure = dark or bright or m["contrast"] < t.min_contrast  # colour is unreliable then
    colour = not (exposure or occluded or moved)
    checks = [
        (Fault.too_dark, dark),
        (Fault.too_bright, bright),
        (Fault.low_contrast, not (dark or bright) and m["contrast"] < t.min_contrast),
        (Fault.blur, m["sharpness"] < t.min_sharpness),
        (Fault.no_color, not exposure and m["chroma"] < t.min_chroma),
        (Fault.color_cast, colour and m["chroma"] >= t.min_chroma and _cast(m, t)),
        (Fault.noise, not (dark or bright) and m["noise"] > t.max_noise),
        (Fault.stripes, m["stripes"] > t.max_stripes),
        (Fault.occlusion, occluded),
        (Fault.frozen, m.get("frozen_diff", 99.0) < t.frozen_diff),
        (Fault.scene_change, moved),
    ]
    return tuple(fault for fault, hit in checks if hit)


def diagnose(
    data: bytes,
    *,
    thresholds: Thresholds | None = None,
    previous: Frame | None = None,
    reference: Frame | None = None,
) -> tuple[Result, Frame | None]:
    """Diagnose one snapshot; an undecodable one is itself a signal-loss finding."""
    frame = decode(data)
    if frame is None:
        return Result((Fault.signal_loss,), {"decoded": 0.0}), None
    values = measure(frame, previous=previous, reference=reference)
    return Result(judge(values, thresholds or Thresholds()), values), frame


def thresholds_dict(t: Thresholds) -> dict[str, float]:
    return asdict(t)
