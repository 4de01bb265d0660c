from __future__ import annotations

from enum import StrEnum

GENESIS_HASH = "0" * 64


class Outcome(StrEnum):
    ok = "ok"
    denied = "denied"
    refused = "refused"  # bad request such as a missing purpose
    failed = "failed"
