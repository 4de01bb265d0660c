"""Sensitive reads of residents: search (masked), unmask (permission + purpose) and CSV export
(watermarked). Each is audited in the caller's transaction with its purpose and result count."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from xueliang.audit import service as audit
from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.core.crypto import cipher_for
from xueliang.core.db import utcnow
from xueliang.core.exceptions import InvalidInputError, NotFoundError
from xueliang.grid import service
from xueliang.grid.loaders_housing import ID_LABEL, PHONE_LABEL
from xueliang.grid.models import Resident
from xueliang.grid.schemas import RESIDENT_FIELDS, ResidentRead, UnmaskResult


@dataclass(frozen=True, slots=True)
class ResidentQuery:
    grid_id: int | None = None
    name: str | None = None
    id_number: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Why:
    purpose: str | None
    case_id: str | None


def _select(*, secret: str, principal: Principal, where: ResidentQuery) -> Select[Resident]:
    query = select(Resident)
    visible = service.visible_grid_ids(principal)
    if visible is not None:
        query = query.where(Resident.grid_id.in_(visible))
    if where.grid_id is not None:
        query = query.where(Resident.grid_id == where.grid_id)
    if where.name:
        query = query.where(Resident.name.startswith(where.name, autoescape=True))
    if where.id_number:
        query = query.where(Resident.id_no_hmac == cipher_for(secret, ID_LABEL).blind_index(where.id_number))
    if where.phone:
        query = query.where(Resident.phone_hmac == cipher_for(secret, PHONE_LABEL).blind_index(where.phone))
    return query


def to_read(resident: Resident, allowed: frozenset[str] | None) -> ResidentRead:
    values: dict[str, Any] = {
        "id": resident.id,
        "name": resident.name,
        "gender": resident.gender,
        "birth_date": resident.birth_date,
        "id_number": resident.id_no_masked,
        "id_number_valid": resident.id_no_valid,
        "phone": resident.phone_masked,
        "household_id": resident.household_id,
        "housing_unit_id": resident.housing_unit_id,
        "grid_id": resident.grid_id,
        "residence_type": resident.residence_type,
        "relation_to_head": resident.relation_to_head,
    }
    if allowed is not None:
        values = {k: v for k, v in values.items() if k in allowed}
    return ResidentRead(**values)


def search_residents(
    *,
    db: Session,
    principal: Principal,
    secret: str,
    where: ResidentQuery,
    why: Why,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[ResidentRead]]:
    principal.require(Permission.resident_read)
    if where.grid_id is not None:
        service.get_grid_or_raise(db=db, principal=principal, grid_id=where.grid_id)
    query = _select(secret=secret, principal=principal, where=where)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(Resident.id).offset(offset).limit(limit)).all()
    allowed = service.client_fields(db=db, principal=principal)
    audit.record(
        db=db,
        actor=principal,
        action="grid.resident.search",
        object_type="resident",
        purpose=why.purpose,
        case_id=why.case_id,
        result_count=len(rows),
        request={
            "grid_id": where.grid_id,
            "name": where.name,
            "by_id_number": bool(where.id_number),
            "by_phone": bool(where.phone),
            "offset": offset,
            "limit": limit,
        },
    )
    return total, [to_read(r, allowed) for r in rows]


def get_resident_or_raise(*, db: Session, principal: Principal, resident_id: int) -> Resident:
    resident = db.get(Resident, resident_id)
    if resident is None:
        raise NotFoundError(f"resident {resident_id} not found")
    if resident.grid_id is None:
        principal.require(Permission.scope_all)
    else:
        service.get_grid_or_raise(db=db, principal=principal, grid_id=resident.grid_id)
    return resident


def unmask_resident(
    *, db: Session, principal: Principal, secret: str, resident_id: int, fields: Sequence[str], why: Why
) -> UnmaskResult:
    principal.require(Permission.resident_unmask)
    resident = get_resident_or_raise(db=db, principal=principal, resident_id=resident_id)
    allowed = service.client_fields(db=db, principal=principal)
    result = UnmaskResult(resident_id=resident.id)
    for name in sorted(set(fields)):
        if allowed is not None and name not in allowed:
            raise InvalidInputError(f"field '{name}' is not in this client's whitelist", field="fields")
        label, token = (
            (ID_LABEL, resident.id_no_enc) if name == "id_number" else (PHONE_LABEL, resident.phone_enc)
        )
        if token is not None:
            setattr(result, name, cipher_for(secret, label).decrypt(token, context=label))
    audit.record(
        db=db,
        actor=principal,
        action="grid.resident.unmask",
        object_type="resident",
        object_id=resident.id,
        purpose=why.purpose,
        case_id=why.case_id,
        request={"fields": sorted(set(fields))},
        result_count=1,
    )
    return result


def export_residents_csv(
    *, db: Session, principal: Principal, secret: str, where: ResidentQuery, why: Why, max_rows: int
) -> str:
    """Masked residents as CSV; the first line is a watermark naming the user and the time."""
    principal.require(Permission.resident_read)
    if where.grid_id is not None:
        service.get_grid_or_raise(db=db, principal=principal, grid_id=where.grid_id)
    query = _select(secret=secret, principal=principal, where=where).order_by(Resident.id).limit(max_rows)
    allowed = service.client_fields(db=db, principal=principal)
    columns = [f for f in RESIDENT_FIELDS if allowed is None or f in allowed]
    buffer = io.StringIO()
    now = utcnow().isoformat(timespec="seconds")
    buffer.write(
        f"# 导出 exported by {principal.username} (id {principal.user_id}) at {now}; "
        f"purpose: {why.purpose or ''}; case: {why.case_id or ''}\n"
    )
    writer = csv.writer(buffer)
    writer.writerow(columns)
    count = 0
    for resident in db.scalars(query):
        values = to_read(resident, allowed).model_dump()
        writer.writerow(["" if values[c] is None else values[c] for c in columns])
        count += 1
    audit.record(
        db=db,
        actor=principal,
        action="grid.resident.export",
        object_type="resident",
        purpose=why.purpose,
        case_id=why.case_id,
        result_count=count,
        request={"grid_id": where.grid_id, "name": where.name, "columns": columns},
    )
    return buffer.getvalue()
