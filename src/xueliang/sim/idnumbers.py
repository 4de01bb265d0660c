"""GB 11643 citizen ID numbers on reserved region prefixes, and phone numbers outside any mobile block.

Region prefixes: the first two digits of a GB/T 2260 code name a province (11–82); 99 is assigned to
none, and the 2023 foreigners' permanent-residence number (leading 9 + province code) cannot start
with 99 either. So no synthetic number can be a real person's. Local residents get 9901dd (dd = the
district serial), non-local residents 9999nn (nn = 01–99, a nominal home region).

Phones: 11 digits starting with 100. Mobile numbers in China start with 13–19; the 10 block holds
only the carriers' short service codes (10000, 10086, …), so no subscriber can have one of these.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = "10X98765432"
LOCAL_PREFIX = "9901"
NONLOCAL_PREFIX = "9999"
PHONE_PREFIX = "100"

I64 = NDArray[np.int64]


def check_digit(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    total = sum(int(c) * int(w) for c, w in zip(first17, _WEIGHTS.tolist(), strict=True))
    return _CHECK[total % 11]


def is_valid(id_number: str) -> bool:
    """18 characters, 17 digits and a correct check character."""
    return len(id_number) == 18 and id_number[:17].isdigit() and check_digit(id_number[:17]) == id_number[17]


def is_reserved(id_number: str) -> bool:
    """True when the region prefix is one of the synthetic ones (99…)."""
    return id_number.startswith(("99",))


def id_numbers(region: I64, birth_ymd: I64, seq: I64) -> list[str]:
    """Vectorised: region (6 digits), birth date as yyyymmdd, sequence (3 digits, odd = male)."""
    body = region * 10**11 + birth_ymd * 1000 + seq
    digits = (body[:, None] // (10 ** np.arange(16, -1, -1, dtype=np.int64))[None, :]) % 10
    check = np.array(list(_CHECK))[(digits @ _WEIGHTS) % 11]
    return [f"{b:017d}{c}" for b, c in zip(body.tolist(), check.tolist(), strict=True)]


def sequence_numbers(region: I64, birth_ymd: I64, male: NDArray[np.bool_]) -> I64:
    """Unique 3-digit sequences per (region, birth date, gender): rank * 2 + parity (odd = male)."""
    key = (region * 10**8 + birth_ymd) * 2 + male
    order = np.argsort(key, kind="stable")
    k = key[order]
    start = np.flatnonzero(np.concatenate([[True], k[1:] != k[:-1]]))
    rank = np.arange(len(k)) - np.repeat(start, np.diff(np.concatenate([start, [len(k)]])))
    if len(rank) and rank.max() >= 500:
        raise ValueError("more than 500 people share a region, birth date and gender")
    seq = np.empty_like(key)
    seq[order] = rank * 2 + np.where(male[order], 1, 2)
    return seq


def phone_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """`n` distinct numbers 100xxxxxxxx: an affine bijection of 0..n-1 modulo 10^8."""
    a = int(rng.integers(1, 10**7)) * 10 + 3
    b = int(rng.integers(0, 10**8))
    body = (np.arange(n, dtype=np.int64) * a + b) % 10**8
    return [f"{PHONE_PREFIX}{v:08d}" for v in body.tolist()]
