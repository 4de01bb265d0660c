"""Codes of the assessment domain (stored as their values)."""

from __future__ import annotations

from enum import StrEnum


class SubjectType(StrEnum):
    town = "town"  # 街道 / 镇
    community = "community"  # 社区 / 村
    grid = "grid"  # 网格
    grid_worker = "grid_worker"  # 网格员
    department = "department"  # 职能部门
    contractor = "contractor"  # 运维单位
    city = "city"  # the whole city (scorecards; not a plan subject)


class PeriodKind(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


class Direction(StrEnum):
    up = "higher"  # higher is better
    down = "lower"  # lower is better


class Unit(StrEnum):
    percent = "%"
    cases = "件"
    hours = "h"


class Status(StrEnum):
    ranked = "ranked"
    insufficient = "insufficient_data"


class Trigger(StrEnum):
    schedule = "schedule"
    manual = "manual"


SUBJECT_NAMES = {
    SubjectType.town: ("街道(镇)", "Town"),
    SubjectType.community: ("社区(村)", "Community"),
    SubjectType.grid: ("网格", "Grid"),
    SubjectType.grid_worker: ("网格员", "Grid worker"),
    SubjectType.department: ("职能部门", "Department"),
    SubjectType.contractor: ("运维单位", "Contractor"),
    SubjectType.city: ("全市", "City"),
}

GRADES = ((90.0, "优秀", "excellent"), (80.0, "良好", "good"), (60.0, "中", "fair"), (0.0, "差", "poor"))


def grade(score: float) -> tuple[str, str]:
    """优秀 ≥ 90, 良好 80–89, 中 60–79, 差 < 60 (zh, en)."""
    for floor, zh, en in GRADES:
        if score >= floor:
            return zh, en
    return GRADES[-1][1], GRADES[-1][2]
