"""Export of the registry in the generic import format (CSV or JSON), streamed row by row.
Stream URLs and secrets are never exported."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from xueliang.auth.models import OrgUnit
from xueliang.auth.principal import Principal
from xueliang.camera import access
from xueliang.camera.models import Channel, Device, Tollgate

COLUMNS = (
    "channel_id", "device_id", "name", "kind", "owner", "region_code", "grid_code", "longitude",
    "latitude", "department_code", "tollgate_id", "is_public", "status",
)  # fmt: skip


def iter_records(*, db: Session, principal: Principal) -> Iterator[dict[str, Any]]:
    device, gate, unit = aliased(Device), aliased(Tollgate), aliased(OrgUnit)
    query = (
        select(Channel, device.device_id, gate.tollgate_id, unit.code)
        .outerjoin(device, device.id == Channel.device_pk)
        .outerjoin(gate, gate.id == Channel.tollgate_pk)
        .outerjoin(unit, unit.id == Channel.org_unit_id)
        .where(access.visible_condition(db=db, principal=principal))
        .order_by(Channel.channel_id)
        .execution_options(yield_per=1000)
    )
    for channel, device_id, tollgate_id, department in db.execute(query):
        yield {
            "channel_id": channel.channel_id, "device_id": device_id or "", "name": channel.name,
            "kind": channel.kind, "owner": channel.owner, "region_code": channel.region_code or "",
            "grid_code": channel.grid_code or "",
            "longitude": channel.longitude, "latitude": channel.latitude,
            "department_code": department or "", "tollgate_id": tollgate_id or "",
            "is_public": channel.is_public, "status": channel.status,
        }  # fmt: skip


def iter_csv(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
        if buffer.tell() > 1 << 16:
            yield _drain(buffer)
    yield _drain(buffer)


def iter_json(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield "["
    for number, record in enumerate(records):
        yield ("," if number else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
