"""Record thumbnails of the result grid: for a case, scoped, audited."""

from __future__ import annotations

import base64
import io

from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.investigation.helpers import DEV_A, TG_A, TG_B, add_tollgates, analyst, attach, make_case, pass_
from tests.viewlib.helpers import chdb_store
from xueliang.audit.models import AuditEntry
from xueliang.auth.enums import ScopeKind
from xueliang.viewlib.kinds import MOTOR_VEHICLE
from xueliang.viewlib.parse import ParseOptions, parse_object

CASE = {"case_id": "A2026-001", "purpose": "盗窃案侦查"}


def _jpeg() -> str:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "blue").save(out, format="JPEG")
    return base64.b64encode(out.getvalue()).decode()


def _setup(app: FastAPI, client: TestClient, db: Session, **kw: object) -> tuple[TestClient, list[str]]:
    add_tollgates(db)
    store = chdb_store()
    lib = attach(app, store)
    sub = {"SubImageList": {"SubImageInfoObject": [{"Type": "01", "FileFormat": "Jpeg", "Data": _jpeg()}]}}
    passes = [
        pass_(1, "湘H12835", "20261101080000", TG_A, **sub),
        pass_(2, "湘H12835", "20261101081000", TG_B),
    ]
    opts = ParseOptions(tz="Asia/Shanghai", blobs=lib.blobs)
    store.insert(MOTOR_VEHICLE, [parse_object(MOTOR_VEHICLE, p, opts).row for p in passes])
    user, c = analyst(client, db, **kw)  # type: ignore[arg-type]
    make_case(db, user)
    db.commit()
    return c, [str(p["MotorVehicleID"]) for p in passes]


def _url(object_id: str) -> str:
    return f"/api/v1/investigation/records/motor_vehicle/{object_id}/thumbnail"


def test_thumbnail__jpeg_for_a_case_and_audited(app: FastAPI, client: TestClient, db: Session) -> None:
    c, (with_image, without) = _setup(app, client, db, roles=("analyst", "admin"))
    r = c.get(_url(with_image), params=CASE)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.content[:2] == b"\xff\xd8" and max(Image.open(io.BytesIO(r.content)).size) <= 256
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "investigation.record.thumbnail")).one()
    assert entry.case_id == "A2026-001" and with_image in entry.request_summary
    assert c.get(_url(without), params=CASE).status_code == 404
    assert c.get(_url(with_image), params={**CASE, "image": 1}).status_code == 404


def test_thumbnail__needs_a_case_and_the_scope(app: FastAPI, client: TestClient, db: Session) -> None:
    c, (with_image, _) = _setup(app, client, db, scopes=((ScopeKind.camera, "99010100051320000002"),))
    assert DEV_A != "99010100051320000002"
    assert c.get(_url(with_image)).status_code == 400
    assert c.get(_url(with_image), params={"case_id": "B-404"}).status_code == 403
    assert c.get(_url(with_image), params=CASE).status_code == 404  # recorded by camera A, not visible
    assert c.get(_url("123"), params=CASE).status_code == 422
