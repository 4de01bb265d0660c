"""Synthetic degradations of known label, for the diagnosis benchmark (bench/ops.py) and tests.

Each takes a BGR frame and a ``numpy`` random generator and returns the degraded frame; the key is
the ``Fault`` it should produce. ``frozen`` and ``scene_change`` are relations between frames and are
made by the caller (the same frame again; a shifted view).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from xueliang.ops.enums import Fault
from xueliang.ops.quality import Image

Rng = np.random.Generator


def _clip(values: np.ndarray) -> Image:
    out: Image = np.clip(values, 0, 255).astype(np.uint8)
    return out


def blur(img: Image, rng: Rng) -> Image:
    sigma = rng.uniform(3.0, 6.0)
    out: Image = cv2.GaussianBlur(img, (0, 0), sigma)
    return out


def too_dark(img: Image, rng: Rng) -> Image:
    return _clip(img.astype(np.float32) * rng.uniform(0.1, 0.25))


def too_bright(img: Image, rng: Rng) -> Image:
    return _clip(img.astype(np.float32) * rng.uniform(0.3, 0.5) + rng.uniform(170, 200))


def low_contrast(img: Image, rng: Rng) -> Image:
    f = img.astype(np.float32)
    return _clip((f - f.mean()) * rng.uniform(0.15, 0.3) + f.mean())


def color_cast(img: Image, rng: Rng) -> Image:
    shift = np.zeros(3, np.float32)
    shift[rng.integers(0, 3)] = rng.uniform(40, 70)
    return _clip(img.astype(np.float32) + shift)


def no_color(img: Image, rng: Rng) -> Image:
    out: Image = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    return out


def occlusion(img: Image, rng: Rng) -> Image:
    out = img.copy()
    h, w = img.shape[:2]
    centre = (int(rng.uniform(0.2, 0.8) * w), int(rng.uniform(0.3, 0.7) * h))
    axes = (int(w * rng.uniform(0.35, 0.5)), int(h * rng.uniform(0.4, 0.6)))
    cv2.ellipse(out, centre, axes, 0, 0, 360, color=(int(rng.integers(10, 40)),) * 3, thickness=-1)
    return out


def noise(img: Image, rng: Rng) -> Image:
    snow = rng.normal(0, rng.uniform(20, 35), img.shape[:2])[..., None]
    return _clip(img.astype(np.float32) + snow)


def stripes(img: Image, rng: Rng) -> Image:
    h, w = img.shape[:2]
    period, amplitude = rng.uniform(10, 40), rng.uniform(15, 30)
    horizontal = rng.random() < 0.5
    axis = np.arange(h if horizontal else w, dtype=np.float32)
    wave = amplitude * np.sin(2 * np.pi * axis / period)
    wave = wave[:, None] if horizontal else wave[None, :]
    return _clip(img.astype(np.float32) + wave[..., None])


def signal_loss(img: Image, rng: Rng) -> Image:
    blue = rng.random() < 0.5
    return np.full_like(img, (160, 0, 0) if blue else (0, 0, 0))


def shifted(img: Image, rng: Rng) -> Image:
    """The camera moved: a different part of the scene, enlarged."""
    h, w = img.shape[:2]
    x0, y0 = int(rng.uniform(0.3, 0.5) * w), int(rng.uniform(0.2, 0.45) * h)
    crop = img[y0 : y0 + h // 2, x0 : x0 + w // 2]
    out: Image = cv2.resize(crop, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


DEGRADATIONS: dict[Fault, Callable[[Image, Rng], Image]] = {
    Fault.blur: blur,
    Fault.too_dark: too_dark,
    Fault.too_bright: too_bright,
    Fault.low_contrast: low_contrast,
    Fault.color_cast: color_cast,
    Fault.no_color: no_color,
    Fault.occlusion: occlusion,
    Fault.noise: noise,
    Fault.stripes: stripes,
    Fault.signal_loss: signal_loss,
    Fault.scene_change: shifted,
}


def jpeg(img: Image, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(buf.tobytes())
