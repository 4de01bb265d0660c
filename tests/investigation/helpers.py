"""Investigation test data: a chdb store with passes, tollgates with locations, cases with members."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import login, make_user
from tests.viewlib.helpers import chdb_store, face, motor_vehicle
from xueliang.auth.enums import ScopeKind
from xueliang.auth.models import User
from xueliang.camera.models import Channel, Tollgate
from xueliang.core.blobs import BlobStore
from xueliang.investigation.models import Case, CaseMember
from xueliang.viewlib.dependencies import ViewLibrary
from xueliang.viewlib.kinds import FACE, MOTOR_VEHICLE
from xueliang.viewlib.parse import ParseOptions, parse_object
from xueliang.viewlib.stores.chdb_store import ChdbStore
from xueliang.viewlib.writer import BatchWriter

TG_A, TG_B, TG_C = "99010100051210000001", "99010100051210000002", "99010100051210000003"
DEV_A, DEV_B, DEV_C = "99010100051320000001", "99010100051320000002", "99010100051320000003"
# A and B 1.1 km apart, C ~22 km east
LOCATIONS = {TG_A: (112.00, 28.20), TG_B: (112.01, 28.20), TG_C: (112.22, 28.20)}
DEVICE_OF = {TG_A: DEV_A, TG_B: DEV_B, TG_C: DEV_C}
OPTS = ParseOptions(tz="Asia/Shanghai")


def add_tollgates(db: Session) -> None:
    for tg, (lon, lat) in LOCATIONS.items():
        gate = Tollgate(
            tollgate_id=tg, name=f"卡口{tg[-1]}", longitude=lon, latitude=lat, region_code="990101"
        )
        db.add(gate)
        db.flush()
        db.add(Channel(channel_id=DEVICE_OF[tg], name=f"cam{tg[-1]}", kind="checkpoint", tollgate_pk=gate.id))
    db.flush()


def pass_(serial: int, plate: str, stamp: str, tg: str = TG_A, **extra: Any) -> dict[str, Any]:
    return motor_vehicle(serial, device=DEVICE_OF[tg], plate=plate, stamp=stamp, TollgateID=tg, **extra)


def store_with(passes: list[dict[str, Any]], faces: list[dict[str, Any]] = ()) -> ChdbStore:  # type: ignore[assignment]
    store = chdb_store()
    store.insert(MOTOR_VEHICLE, [parse_object(MOTOR_VEHICLE, p, OPTS).row for p in passes])
    if faces:
        store.insert(FACE, [parse_object(FACE, f, OPTS).row for f in faces])
    return store


def attach(app: FastAPI, store: ChdbStore) -> ViewLibrary:
    lib = ViewLibrary(
        store=store, writer=BatchWriter(store), blobs=BlobStore(app.state.settings.data_dir / "blobs")
    )
    app.state.viewlib, app.state.viewlib_external = lib, True
    return lib


def make_case(db: Session, owner: User, number: str = "A2026-001", members: tuple[User, ...] = ()) -> Case:
    case = Case(number=number, title="盗窃案", case_type="theft", owner_id=owner.id)
    db.add(case)
    db.flush()
    for user in {owner.id, *(m.id for m in members)}:
        db.add(CaseMember(case_pk=case.id, user_id=user))
    db.flush()
    return case


def analyst(
    client: TestClient,
    db: Session,
    *,
    scopes: tuple[tuple[ScopeKind, str], ...] = (),
    roles: tuple[str, ...] = ("analyst",),
) -> tuple[User, TestClient]:
    user = make_user(db, roles=roles, scopes=scopes)
    db.commit()
    return user, login(client, user.username)


__all__ = ["face", "motor_vehicle"]
