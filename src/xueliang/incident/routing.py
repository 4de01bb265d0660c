"""Routing rules: category (and the longest matching region-code prefix) → department."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.auth.models import OrgUnit
from xueliang.core.exceptions import InvalidInputError
from xueliang.incident.models import Category, Incident, RoutingRule


def route(*, db: Session, incident: Incident) -> int | None:
    region = incident.community_code or incident.town_code or ""
    rules = db.scalars(select(RoutingRule).where(RoutingRule.category_code == incident.category_code)).all()
    matching = [r for r in rules if region.startswith(r.region_prefix)]
    if matching:
        return max(matching, key=lambda r: len(r.region_prefix)).org_unit_id
    category = db.get(Category, incident.category_code)
    return category.department_id if category else None


def require_department(*, db: Session, org_unit_id: int) -> OrgUnit:
    unit = db.get(OrgUnit, org_unit_id)
    if unit is None:
        raise InvalidInputError(f"no department with id {org_unit_id}", field="department_id")
    return unit


def set_rule(*, db: Session, category_code: str, region_prefix: str, org_unit_id: int) -> RoutingRule:
    if db.get(Category, category_code) is None:
        raise InvalidInputError(f"unknown category {category_code!r}", field="category_code")
    require_department(db=db, org_unit_id=org_unit_id)
    row = db.scalar(
        select(RoutingRule).where(
            RoutingRule.category_code == category_code, RoutingRule.region_prefix == region_prefix
        )
    )
    if row is None:
        row = RoutingRule(category_code=category_code, region_prefix=region_prefix, org_unit_id=org_unit_id)
        db.add(row)
    row.org_unit_id = org_unit_id
    db.flush()
    return row
