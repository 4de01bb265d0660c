"""Plate patterns of the feature search: exact, wildcards (``*`` any run, ``?`` one character) and a
missing province (a pattern starting with a letter or digit matches any province character).

A pattern becomes the narrowest store condition: an exact plate or a literal prefix use the primary
key (tables are ordered by plate); the rest is an anchored re2 expression. Patterns that would match
almost everything are refused with a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xueliang.core.exceptions import BadRequestError, InvalidInputError

MIN_LITERALS = 3
_ALLOWED = re.compile(r"^[0-9A-Z*?\u4e00-\u9fff]{1,15}$")
PROVINCE_ANY = "[^\\x00-\\x7f]"


@dataclass(frozen=True, slots=True)
class PlatePattern:
    exact: str | None = None
    prefix: str | None = None  # literal prefix including the province
    regex: str | None = None

    @property
    def uses_key(self) -> bool:
        """True when the store reads a narrow primary-key range (exact, or a prefix beyond the province)."""
        return self.exact is not None or len(self.prefix or "") >= 2


def parse_plate(pattern: str) -> PlatePattern:
    text = pattern.strip().upper()
    if not _ALLOWED.fullmatch(text):
        raise InvalidInputError(
            "a plate pattern holds letters, digits, Chinese characters and the wildcards * and ? "
            "(at most 15 characters)",
            field="plate",
        )
    literals = sum(1 for ch in text if ch not in "*?")
    if literals < MIN_LITERALS:
        raise BadRequestError(
            f"plate pattern {pattern!r} would scan every plate: give at least {MIN_LITERALS} known "
            "characters (e.g. 湘A*8?5), or search by colour, class and checkpoint within a time window",
            hint="narrow the plate pattern",
        )
    province_missing = text[0].isascii() and text[0].isalnum()
    wild = "*" in text or "?" in text
    if not wild and not province_missing:
        return PlatePattern(exact=text)
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)
    regex = "^" + (PROVINCE_ANY if province_missing else "") + body + "$"
    prefix = None if province_missing else re.split(r"[*?]", text, maxsplit=1)[0] or None
    return PlatePattern(prefix=prefix, regex=regex)


def one_misread(a: str, b: str) -> bool:
    """Same length and exactly one character different (a plate reader's typical error)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1
