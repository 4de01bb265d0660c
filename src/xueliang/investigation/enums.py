from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    open = "open"
    closed = "closed"


class DispositionKind(StrEnum):
    plate = "plate"
    face = "face"


class DispositionStatus(StrEnum):
    pending = "pending"  # waiting for a second user's approval
    active = "active"
    rejected = "rejected"
    revoked = "revoked"
    expired = "expired"


class MatchKind(StrEnum):
    exact = "exact"
    fuzzy = "fuzzy"  # one misread plate character
    face = "face"


class Review(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    false_positive = "false_positive"
