"""Colour by HSV votes over a careful region: vehicle body, upper/lower clothing, plate background.

Method (vehicle): the body band only (below the windows, above the wheels, inner 80 % of the width);
pixels in deep shadow or specular highlight are weak evidence; chromatic pixels (saturation above a
value-dependent floor) vote for a hue; when fewer than a third are chromatic the colour is
achromatic and chosen by median brightness: black / grey (dark grey and silver both code 3) /
white. Codes are GA/T 1400 colour codes (1 black, 2 white, 3 grey, 4 red, 5 blue, 6 yellow,
7 orange, 8 brown, 9 green, 10 purple, 11 cyan, 12 pink, 99 other).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from xueliang.analytics.detections import FloatArray, crop
from xueliang.analytics.extractors import Image, Subject, register

CODES = {
    "black": "1", "white": "2", "grey": "3", "silver": "3", "red": "4", "blue": "5", "yellow": "6",
    "orange": "7", "brown": "8", "green": "9", "purple": "10", "cyan": "11", "pink": "12", "other": "99",
}  # fmt: skip
# OpenCV hue (0..180) upper bounds → name
HUES = [(10, "red"), (22, "orange"), (34, "yellow"), (85, "green"), (99, "cyan"), (130, "blue"),
        (150, "purple"), (170, "pink"), (181, "red")]  # fmt: skip


def _hue_name(hue: float) -> str:
    return next(name for bound, name in HUES if hue < bound)


def classify(pixels: Image, chromatic_share: float = 0.33) -> str:
    """The colour name of a BGR pixel region (any shape)."""
    hsv = cv2.cvtColor(pixels.reshape(-1, 1, 3), cv2.COLOR_BGR2HSV).reshape(-1, 3).astype(np.float32)
    if len(hsv) == 0:
        return "other"
    h, s, v = hsv[:, 0], hsv[:, 1], hsv[:, 2]
    chroma = (s > np.maximum(70, 140 - v * 0.5)) & (v > 45)
    if chroma.mean() >= chromatic_share:
        names = [_hue_name(x) for x in h[chroma]]
        name = max(set(names), key=names.count)
        brown = name in {"orange", "red"} and np.median(v[chroma]) < 120 and np.median(s[chroma]) < 200
        return "brown" if brown and name == "orange" else name
    value = float(np.median(v[~chroma])) if (~chroma).any() else float(np.median(v))
    return "black" if value < 60 else "white" if value > 185 else "grey"


def body_region(image: Image, box: FloatArray) -> Image:
    """The vehicle's body band: rows 40–85 % and the inner 80 % of columns of the box."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    band = np.array([x1 + 0.1 * w, y1 + 0.4 * h, x2 - 0.1 * w, y1 + 0.85 * h], np.float32)
    return crop(image, band)


def clothing_regions(image: Image, box: FloatArray) -> tuple[Image, Image]:
    """Upper (rows 20–50 % of a person box: torso) and lower (rows 55–85 %: legs), inner 60 % width."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1

    def band(a: float, b: float) -> Image:
        return crop(image, np.array([x1 + 0.2 * w, y1 + a * h, x2 - 0.2 * w, y1 + b * h], np.float32))

    return band(0.2, 0.5), band(0.55, 0.85)


def plate_colour(plate: Image) -> str:
    """Blue / yellow / green (new energy: a white-to-green gradient) / white / black plates."""
    hsv = cv2.cvtColor(plate, cv2.COLOR_BGR2HSV).reshape(-1, 3).astype(np.float32)
    sat = (hsv[:, 1] > 80) & (hsv[:, 2] > 60)
    names = [_hue_name(x) for x in hsv[sat, 0]]
    counts = {n: names.count(n) / len(hsv) for n in ("blue", "yellow", "green", "cyan", "orange")}
    if counts["green"] + counts["cyan"] > 0.15:
        return "green"
    best = max(("blue", "yellow"), key=lambda n: counts[n] + (counts["orange"] if n == "yellow" else 0))
    if counts[best] > 0.25:
        return best
    return "black" if np.median(hsv[:, 2]) < 90 else "white"


@register("vehicle_colour")
class VehicleColour:
    name = "vehicle_colour"
    kinds = frozenset({"motor_vehicle", "non_motor_vehicle"})

    def extract(self, subject: Subject) -> dict[str, Any]:
        region = body_region(subject.frame, subject.box)
        if region.shape[0] < 4 or region.shape[1] < 4:
            return {}
        return {"VehicleColor": CODES[classify(region)]}


@register("clothing_colour")
class ClothingColour:
    name = "clothing_colour"
    kinds = frozenset({"person"})

    def extract(self, subject: Subject) -> dict[str, Any]:
        upper, lower = clothing_regions(subject.frame, subject.box)
        if min(upper.shape[:2] + lower.shape[:2]) < 4:
            return {}
        return {"CoatColor": CODES[classify(upper)], "TrousersColor": CODES[classify(lower)]}
