"""A record's image as a thumbnail for the workbench's result grid: read-only, for a case, scoped to
the caller's cameras, audited."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.orm import Session

from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.core.blobs import BlobStore
from xueliang.core.exceptions import NotFoundError
from xueliang.investigation import scope
from xueliang.investigation.service import CaseContext, audit_lookup
from xueliang.viewlib.kinds import BY_NAME
from xueliang.viewlib.stores.base import RecordStore

PERMISSION = {"motor_vehicle": Permission.plate_search, "face": Permission.face_search}


def image_shas(raw: dict[str, Any]) -> list[str]:
    subs = (raw.get("SubImageList") or {}).get("SubImageInfoObject") or []
    return [str(s["BlobSha256"]) for s in subs if isinstance(s, dict) and s.get("BlobSha256")]


def record_thumbnail(
    *, db: Session, store: RecordStore, blobs: BlobStore, principal: Principal, ctx: CaseContext,
    kind: str, object_id: str, index: int,
) -> bytes:  # fmt: skip
    """The JPEG thumbnail of image ``index`` of a visible record; 404 outside the scope or without it."""
    principal.require(PERMISSION[kind])
    raw_text = store.get(BY_NAME[kind], object_id)
    raw: dict[str, Any] = orjson.loads(raw_text) if raw_text else {}
    vis = scope.visibility(db=db, principal=principal)
    if not raw or not vis.allows(
        device_id=str(raw.get("DeviceID", "")), tollgate_id=str(raw.get("TollgateID", ""))
    ):
        raise NotFoundError(f"{kind} record {object_id} not found")
    shas = image_shas(raw)
    if index >= len(shas):
        raise NotFoundError(f"{kind} record {object_id} has no image {index}")
    data = blobs.thumbnail(shas[index])
    audit_lookup(
        db=db, principal=principal, ctx=ctx, action="investigation.record.thumbnail",
        params={"kind": kind, "object_id": object_id, "image": index}, result_count=1,
    )  # fmt: skip
    return data
