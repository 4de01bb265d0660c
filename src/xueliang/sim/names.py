"""Vectorised Chinese personal, place and estate names (plausible, invented)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# The most common surnames with approximate relative frequencies (per mille).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_WEIGHTS = np.concatenate(
    [np.linspace(74, 20, 10), np.linspace(15, 5, 30), np.linspace(4.5, 1.0, 60)]
)
_MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋东峰建国文博志毅晨阳海亮成"
_FEMALE_CHARS = "芳娜敏静丽艳娟霞秀英华慧巧美淑惠珠翠雅芝玉萍红玲桂兰彩春菊凤洁梅琳素云莲真雪荣爱妹欣婷"
_PLACE_A = "东西南北中新和平华长青金白沙桥湖山河石花桃柳梅兴安永乐福寿康宁丰裕同德清水泉龙凤云松竹"
_PLACE_B = "塘湾坪岭冲口桥港园湖山村坡洲岗溪源坝坊铺庄堡营门街亭苑滩田林峰"
_ESTATE_A = (
    "幸福",
    "阳光",
    "锦绣",
    "翠苑",
    "金桂",
    "书香",
    "馨苑",
    "和谐",
    "东方",
    "枫林",
    "滨江",
    "凤凰",
    "丽景",
    "天元",
    "康居",
    "嘉园",
    "华府",
    "碧水",
    "银杏",
    "紫荆",
)
_ESTATE_B = ("小区", "花园", "家园", "新村", "公寓", "苑", "名城", "雅居")

StrArray = NDArray[np.str_]


def person_names(rng: np.random.Generator, male: NDArray[np.bool_]) -> list[str]:
    """One name per entry of `male`: surname + one or two given-name characters of that gender."""
    n = male.size
    w = _SURNAME_WEIGHTS / _SURNAME_WEIGHTS.sum()
    surname = np.array(list(_SURNAMES))[rng.choice(len(_SURNAMES), size=n, p=w)]
    m, f = np.array(list(_MALE_CHARS)), np.array(list(_FEMALE_CHARS))
    first = np.where(male, m[rng.integers(0, m.size, n)], f[rng.integers(0, f.size, n)])
    second = np.where(male, m[rng.integers(0, m.size, n)], f[rng.integers(0, f.size, n)])
    second = np.where(rng.random(n) < 0.7, second, "")
    return [a + b + c for a, b, c in zip(surname.tolist(), first.tolist(), second.tolist(), strict=True)]


def place_names(rng: np.random.Generator, n: int) -> list[str]:
    """`n` distinct two-character place names (with a numeral suffix once the pool is used up)."""
    pool = [a + b for a in _PLACE_A for b in _PLACE_B]
    order = rng.permutation(len(pool))
    return [pool[order[i % len(pool)]] + ("" if i < len(pool) else str(i // len(pool) + 1)) for i in range(n)]


def estate_names(rng: np.random.Generator, n: int) -> list[str]:
    """`n` estate (小区) names, e.g. 幸福小区; repeats are allowed across the city."""
    a = rng.integers(0, len(_ESTATE_A), n)
    b = rng.integers(0, len(_ESTATE_B), n)
    return [_ESTATE_A[i] + _ESTATE_B[j] for i, j in zip(a.tolist(), b.tolist(), strict=True)]
