"""The vehicle fleet: plates (unique by construction), plate colour, class, colour, brand, behaviour."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

LOCAL = "湘A"
_NEAR = ("湘B", "湘C", "湘D", "湘E", "湘F", "湘G", "湘H", "湘J", "湘K", "湘L", "湘M", "湘N", "湘U")
_FAR = ("粤A", "粤B", "鄂A", "赣A", "京A", "沪A", "川A", "渝A", "桂A", "黔A", "浙A", "苏A", "豫A", "闽A")
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
# plate colour codes (GA/T 1400): 5 blue, 6 yellow, 9 green (new energy)
BLUE, YELLOW, GREEN = 5, 6, 9
VEHICLE_CLASSES: tuple[str, ...] = ("K33", "K31", "K21", "K11", "H31", "H21", "H11")
_CLASS_P = (0.52, 0.30, 0.02, 0.02, 0.08, 0.03, 0.03)
VEHICLE_COLOURS = (2, 1, 3, 5, 4, 9, 6, 8)
_COLOUR_P = (0.32, 0.22, 0.18, 0.09, 0.08, 0.04, 0.03, 0.04)
BRANDS: tuple[str, ...] = (
    "大众",
    "丰田",
    "本田",
    "比亚迪",
    "吉利",
    "长安",
    "日产",
    "别克",
    "五菱",
    "特斯拉",
    "奔驰",
    "宝马",
    "奥迪",
    "哈弗",
    "东风",
    "解放",
)
_BRAND_P = (0.14, 0.10, 0.08, 0.10, 0.09, 0.08, 0.06, 0.06, 0.08, 0.03, 0.04, 0.04, 0.04, 0.04, 0.01, 0.01)
# behaviour kinds
COMMUTER, ERRANDS, TAXI, TRUCK, NIGHT, VISITOR = range(6)
_KIND_P = (0.60, 0.24, 0.04, 0.04, 0.01, 0.07)

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Fleet:
    plate: list[str]
    plate_color: NDArray[np.int8]
    vclass: NDArray[np.int8]
    colour: NDArray[np.int8]
    brand: NDArray[np.int8]
    kind: NDArray[np.int8]
    home: I64  # zone
    work: I64  # zone

    def __len__(self) -> int:
        return len(self.plate)


def _bodies(idx: I64, green: NDArray[np.bool_], salt: int) -> list[str]:
    """Distinct plate bodies for distinct indices: an affine bijection into the plate space."""
    space_blue, space_green = 34 * 34 * 1000, 2 * 100_000
    blue_v = (idx * 7919 + salt) % space_blue
    green_v = (idx * 7919 + salt) % space_green
    out = []
    for b, g, is_green in zip(blue_v.tolist(), green_v.tolist(), green.tolist(), strict=True):
        if is_green:
            out.append(("D" if g < 100_000 else "F") + f"{g % 100_000:05d}")
        else:
            out.append(_LETTERS[b // 34000] + _LETTERS[(b // 1000) % 34] + f"{b % 1000:03d}")
    return out


def plates(rng: np.random.Generator, green: NDArray[np.bool_], local_share: NDArray[np.float64]) -> list[str]:
    """Plate numbers: `local_share` LOCAL, then other cities of the province, then other provinces."""
    n = len(green)
    u = rng.random(n)
    near = rng.integers(0, len(_NEAR), n)
    far = rng.integers(0, len(_FAR), n)
    prefix = np.where(
        u < local_share,
        LOCAL,
        np.where(u < local_share + 0.4 * (1 - local_share), np.asarray(_NEAR)[near], np.asarray(_FAR)[far]),
    )
    out = [""] * n
    for pre in np.unique(prefix).tolist():
        for g in (False, True):
            sel = np.flatnonzero((prefix == pre) & (green == g))
            for i, body in zip(
                sel.tolist(),
                _bodies(np.arange(len(sel)), green[sel], int(rng.integers(0, 10**6))),
                strict=True,
            ):
                out[i] = pre + body
    return out


def build_fleet(
    rng: np.random.Generator, n: int, zone_weight: NDArray[np.float64], seconds: NDArray[np.float64]
) -> Fleet:
    """`n` vehicles with homes ∝ zone weight and workplaces by a gravity model (near is likelier)."""
    kind = rng.choice(6, size=n, p=_KIND_P).astype(np.int8)
    vclass = rng.choice(len(VEHICLE_CLASSES), size=n, p=_CLASS_P).astype(np.int8)
    vclass = np.where(kind == TRUCK, 6 - rng.integers(0, 3, n), vclass).astype(np.int8)
    heavy = np.isin(vclass, (2, 3, 5, 6))
    green = ~heavy & (rng.random(n) < 0.16)
    color = np.where(heavy, YELLOW, np.where(green, GREEN, BLUE)).astype(np.int8)
    plate = plates(rng, green, np.where(kind == VISITOR, 0.05, 0.85))
    home = rng.choice(len(zone_weight), size=n, p=zone_weight)
    work = np.zeros(n, dtype=np.int64)
    for h in np.unique(home).tolist():
        sel = np.flatnonzero(home == h)
        attract = zone_weight * np.exp(-seconds[h] / 900.0)
        cum = np.cumsum(attract / attract.sum())
        work[sel] = np.minimum(np.searchsorted(cum, rng.random(len(sel))), len(cum) - 1)
    colour = np.asarray(VEHICLE_COLOURS, dtype=np.int8)[rng.choice(len(VEHICLE_COLOURS), size=n, p=_COLOUR_P)]
    brand = rng.choice(len(BRANDS), size=n, p=_BRAND_P).astype(np.int8)
    brand = np.where(green & (rng.random(n) < 0.5), 3, brand).astype(np.int8)
    return Fleet(plate, color, vclass, colour, brand, kind, home.astype(np.int64), work.astype(np.int64))
