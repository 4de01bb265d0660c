"""GB/T 28181 20-digit codes: centre (8) + industry (2) + type (3) + serial (7).

The type code says what the code names: 111 DVR, 118 NVR, 131 camera, 132 IPC, 200 SIP server,
215 business group, 216 virtual organisation; the platform also uses 121 for a vehicle checkpoint
(卡口, GA/T 1400 Tollgate) and 133 for a face-capture camera, as the synthetic city does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xueliang.core.exceptions import InvalidInputError

GBID = re.compile(r"^\d{20}$")
DEVICE_TYPES = {
    "111": "DVR", "112": "video server", "113": "encoder", "114": "decoder", "118": "NVR",
    "121": "checkpoint", "131": "camera", "132": "IPC", "133": "face capture camera",
    "134": "alarm input", "200": "SIP server", "215": "business group", "216": "virtual organisation",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class GbId:
    value: str

    @property
    def centre(self) -> str:
        return self.value[:8]

    @property
    def industry(self) -> str:
        return self.value[8:10]

    @property
    def type_code(self) -> str:
        return self.value[10:13]

    @property
    def serial(self) -> str:
        return self.value[13:]


def parse_gbid(value: str, *, field: str = "id", types: frozenset[str] | None = None) -> GbId:
    """Validate a 20-digit code; ``types`` restricts the allowed type codes. Errors name the rule."""
    if not GBID.match(value or ""):
        raise InvalidInputError(f"{field} must be exactly 20 digits (GB/T 28181), got {value!r}", field=field)
    code = GbId(value)
    if code.type_code not in DEVICE_TYPES:
        raise InvalidInputError(
            f"{field}: digits 11-13 must be a known type code, got {code.type_code}", field=field
        )
    if types is not None and code.type_code not in types:
        raise InvalidInputError(
            f"{field}: type code {code.type_code} is not allowed here (expected {', '.join(sorted(types))})",
            field=field,
        )
    return code
