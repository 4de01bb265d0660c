"""Rendered Chinese plates composited onto real photos (no registry ships real Chinese plate photos,
so plate accuracy figures are on these renders)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
CAR = Path("/usr/share/doc/opencv-doc/examples/data/licenseplate_motion.jpg")
CAR_PLATE_XYXY = (222, 220, 360, 290)  # the real (unreadable) plate area of the car's rear
# name → (text, background BGR top, background BGR bottom, text BGR)
STYLES = {
    "blue": ((175, 70, 10), (175, 70, 10), (255, 255, 255)),
    "yellow": ((0, 190, 245), (0, 190, 245), (0, 0, 0)),
    "green": ((215, 245, 215), (90, 190, 40), (0, 0, 0)),
}
PLATES = [
    ("京A12345", "blue"),
    ("沪B7K298", "blue"),
    ("粤C35880", "yellow"),
    ("湘A9M613", "yellow"),
    ("浙AD12345", "green"),
    ("苏EF67890", "green"),
]


def render(text: str, style: str) -> np.ndarray:
    """A BGR plate image, 440×140 mm scaled to 3 px/mm (480 mm wide for 8-character plates)."""
    top, bottom, ink = STYLES[style]
    width, height = (480 if len(text) == 8 else 440) * 3 // 2, 140 * 3 // 2
    ramp = np.linspace(0, 1, height)[:, None, None]
    bg = (np.array(top) * (1 - ramp) + np.array(bottom) * ramp).astype(np.uint8)
    plate = np.ascontiguousarray(np.repeat(bg, width, axis=1)[:, :, ::-1])
    img = Image.fromarray(plate)
    draw = ImageDraw.Draw(img)
    draw.rectangle([4, 4, width - 5, height - 5], outline=ink[::-1], width=4)
    font = ImageFont.truetype(str(FONT), int(height * 0.72))
    step = (width - 40) / len(text)
    for i, ch in enumerate(text):
        draw.text((20 + step * (i + 0.5), height / 2), ch, font=font, fill=ink[::-1], anchor="mm")
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def composite(
    scene: np.ndarray, plate: np.ndarray, xyxy: tuple[int, int, int, int], skew: float = 0.04
) -> np.ndarray:
    """Warp ``plate`` into ``xyxy`` of ``scene`` with a slight perspective, slightly blurred."""
    x1, y1, x2, y2 = xyxy
    h, w = plate.shape[:2]
    d = skew * (x2 - x1)
    dst = np.array([[x1 + d, y1], [x2, y1 + d / 2], [x2 - d, y2], [x1, y2 - d / 2]], np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    size = (scene.shape[1], scene.shape[0])
    warped = cv2.warpPerspective(plate, m, size)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, size) > 127
    out = scene.copy()
    out[mask] = cv2.GaussianBlur(warped, (3, 3), 0)[mask]
    return out


def car_with_plate(text: str, style: str) -> np.ndarray:
    scene = cv2.imread(str(CAR))
    x1, y1, x2, y2 = CAR_PLATE_XYXY
    width = (x2 - x1) * (480 if len(text) == 8 else 440) // 440
    return composite(scene, render(text, style), (x1, y1, x1 + width, y2 - 20))


def motorcycle_with_plate(skimage_data: Path, text: str, style: str) -> np.ndarray:
    scene = cv2.imread(str(skimage_data / "motorcycle_left.png"))
    width = 150 if len(text) == 8 else 140
    return composite(scene, render(text, style), (300, 200, 300 + width, 245))
