"""Batch uploads: per-object statuses, idempotence, images, privacy, limits, vendor variants."""

from __future__ import annotations

import asyncio
import base64
import io
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from tests.viewlib.helpers import DEVICE, chdb_store, face, motor_vehicle
from tests.viid.conftest import digest_post, make_device, register
from xueliang.core.blobs import BlobStore
from xueliang.core.config import Settings
from xueliang.viewlib.dependencies import ViewLibrary
from xueliang.viewlib.journal import Journal
from xueliang.viewlib.kinds import FACE, MOTOR_VEHICLE
from xueliang.viewlib.schemas import RECORDS_MOTOR_VEHICLE, RecordsStored, RecordStored
from xueliang.viewlib.writer import BatchWriter


def _mv_body(*objects: object) -> dict[str, object]:
    return {"MotorVehicleListObject": {"MotorVehicleObject": list(objects)}}


def _codes(response: object) -> list[str]:
    items = response.json()["ResponseStatusListObject"]["ResponseStatusObject"]  # type: ignore[attr-defined]
    return [i["StatusCode"] for i in items]


def test_upload__stores_valid_objects_and_refuses_bad_ones(live: TestClient, viewlib: ViewLibrary) -> None:
    bad_id = motor_vehicle(2) | {"MotorVehicleID": "123"}
    bad_time = motor_vehicle(3, stamp="20261345250000")
    response = live.post("/VIID/MotorVehicles", json=_mv_body(motor_vehicle(1), bad_id, bad_time, "junk"))
    assert response.status_code == 200
    items = response.json()["ResponseStatusListObject"]["ResponseStatusObject"]
    assert [i["StatusCode"] for i in items] == ["0", "6", "6", "6"]
    assert "48 digits" in items[1]["StatusString"] and "impossible time" in items[2]["StatusString"]
    assert (
        viewlib.store.page(MOTOR_VEHICLE, __import__("xueliang.viewlib.sql").viewlib.sql.RecordQuery())[1]
        == 1
    )


def test_upload__retried_batch_creates_no_duplicates(live: TestClient, viewlib: ViewLibrary) -> None:
    body = _mv_body(*(motor_vehicle(i) for i in range(50)))
    assert _codes(live.post("/VIID/MotorVehicles", json=body)) == ["0"] * 50
    assert _codes(live.post("/VIID/MotorVehicles", json=body)) == ["0"] * 50
    assert viewlib.store.counts()["motor_vehicle"] == 50


def test_upload__publishes_new_records_after_the_write(
    app: FastAPI, live: TestClient, viewlib: ViewLibrary
) -> None:
    seen: list[RecordStored] = []

    async def handler(message: RecordsStored) -> None:
        seen.extend(message.records)

    live.portal.call(lambda: app.state.bus.subscribe(RECORDS_MOTOR_VEHICLE, durable="t", handler=handler))  # type: ignore[union-attr]
    live.post("/VIID/MotorVehicles", json=_mv_body(motor_vehicle(1), motor_vehicle(2)))
    live.post("/VIID/MotorVehicles", json=_mv_body(motor_vehicle(1)))
    live.portal.call(lambda: asyncio.wait_for(app.state.bus.wait_idle(), 5))  # type: ignore[union-attr]
    assert sorted(m.object_id[-5:] for m in seen) == ["00001", "00002"]
    assert seen[0].plate_no == "湘AM7389"


def test_upload__unregistered_device_gets_401_envelope(client: TestClient, viewlib: ViewLibrary) -> None:
    response = client.post(
        "/VIID/MotorVehicles", json=_mv_body(motor_vehicle(1)), headers={"User-Identify": DEVICE}
    )
    assert response.status_code == 401
    assert response.json()["ResponseStatusObject"]["StatusCode"] == "401"


def test_upload__oversized_batch_is_413(app: FastAPI, live: TestClient, settings: Settings) -> None:
    app.state.settings = settings.model_copy(update={"viid_max_batch_objects": 5})
    body = _mv_body(*([motor_vehicle(1)] * 6))
    response = live.post("/VIID/MotorVehicles", content=__import__("orjson").dumps(body))
    assert response.status_code == 413
    assert response.json()["ResponseStatusObject"]["StatusCode"] == "413"


def test_upload__body_over_the_byte_limit_is_413_envelope(app: FastAPI, live: TestClient) -> None:
    limit = app.state.settings.max_body_bytes
    response = live.post("/VIID/MotorVehicles", content=b" " * (limit + 1), headers={"User-Identify": DEVICE})
    assert response.status_code == 413
    reply = response.json()["ResponseStatusObject"]
    assert (reply["StatusCode"], reply["Id"], reply["RequestURL"]) == ("413", DEVICE, "/VIID/MotorVehicles")
    assert str(limit) in reply["StatusString"]


def test_upload__malformed_body_is_400_envelope(live: TestClient) -> None:
    assert live.post("/VIID/MotorVehicles", content=b"{nope").status_code == 400
    assert (
        live.post("/VIID/MotorVehicles", json={"x": 1}).json()["ResponseStatusObject"]["StatusCode"] == "400"
    )


def test_upload__vendor_variants_are_accepted(live: TestClient, viewlib: ViewLibrary) -> None:
    epoch = motor_vehicle(1) | {"PassTime": 1793462415000}
    rfc = motor_vehicle(2) | {"PassTime": "2026-11-01T00:00:15+08:00"}
    minimal = {"MotorVehicleID": motor_vehicle(3)["MotorVehicleID"], "PlateNo": "湘A00001"}
    response = live.post(
        "/VIID/MotorVehicles",
        json={"MotorVehicleObject": [epoch, rfc, minimal]},
        headers={"Content-Type": "application/json"},
    )
    assert _codes(response) == ["0", "0", "0"]
    got = live.get(f"/VIID/MotorVehicles/{rfc['MotorVehicleID']}").json()["MotorVehicleObject"]
    assert got == rfc


def test_upload__sub_images_go_to_the_blob_store(live: TestClient, viewlib: ViewLibrary) -> None:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "red").save(out, format="JPEG")
    data = base64.b64encode(out.getvalue()).decode()
    sub = {
        "SubImageInfoObject": [
            {"ImageID": "1" * 41, "Type": "01", "FileFormat": "Jpeg", "Data": data},
            {"ImageID": "2" * 41, "Type": "02", "StoragePath": "http://x/y.jpg"},
        ]
    }
    obj = motor_vehicle(1, SubImageList=sub)
    assert _codes(live.post("/VIID/MotorVehicles", json=_mv_body(obj))) == ["0"]
    got = live.get(f"/VIID/MotorVehicles/{obj['MotorVehicleID']}").json()["MotorVehicleObject"]
    assert got == obj  # lossless, Data restored from the blob
    sha = __import__("hashlib").sha256(out.getvalue()).hexdigest()
    assert viewlib.blobs.get(sha) == out.getvalue()
    assert viewlib.blobs.thumbnail(sha)[:2] == b"\xff\xd8"


def test_upload__bad_base64_refuses_that_object(live: TestClient) -> None:
    obj = motor_vehicle(1, SubImageList={"SubImageInfoObject": [{"Data": "!!notbase64"}]})
    assert _codes(live.post("/VIID/MotorVehicles", json=_mv_body(obj, motor_vehicle(2)))) == ["6", "0"]


def test_upload__identity_fields_dropped_unless_permitted(
    live: TestClient, viewlib: ViewLibrary, db: Session, settings: Settings
) -> None:
    obj = face(1, IDNumber="430102199001011234", Name="张三", IsCriminalInvolved=1)
    live.post("/VIID/Faces", json={"FaceListObject": {"FaceObject": [obj]}})
    stored = live.get(f"/VIID/Faces/{obj['FaceID']}").json()["FaceObject"]
    assert "IDNumber" not in stored and "Name" not in stored and stored["GenderCode"] == "1"
    assert viewlib.store.get(FACE, obj["FaceID"]) is not None


def test_upload__images_endpoint_serves_data(live: TestClient) -> None:
    image_id = f"{DEVICE}0220261101000015" + "00001"
    body = {
        "ImageListObject": {
            "ImageObject": [
                {
                    "ImageInfo": {"ImageID": image_id, "ShotTime": "20261101000015", "FileFormat": "Jpeg"},
                    "Data": "aGVsbG8=",
                }
            ]
        }
    }
    assert _codes(live.post("/VIID/Images", json=body)) == ["0"]
    assert live.get(f"/VIID/Images/{image_id}/Data").content == b"hello"


def test_upload__identity_kept_for_permitted_device(
    client: TestClient, viewlib: ViewLibrary, db: Session, settings: Settings, app: FastAPI
) -> None:
    dev = "99010100051320100021"
    make_device(db, settings, dev, identity=True)
    app.state.settings = settings.model_copy(update={"viid_keep_identity": True})
    register(client, dev)
    obj = face(1, device=dev, IDNumber="430102199001011234")
    client.post("/VIID/Faces", json={"FaceObject": [obj]}, headers={"User-Identify": dev})
    assert client.get(f"/VIID/Faces/{obj['FaceID']}", headers={"User-Identify": dev}).json()["FaceObject"][
        "IDNumber"
    ]


def test_upload__device_cache_follows_unregister(live: TestClient, viewlib: ViewLibrary) -> None:
    assert _codes(live.post("/VIID/MotorVehicles", json=_mv_body(motor_vehicle(1)))) == ["0"]
    body: dict[str, object] = {"UnRegisterObject": {"DeviceID": DEVICE}}
    assert digest_post(live, "/VIID/System/UnRegister", DEVICE, body).status_code == 200
    assert live.post("/VIID/MotorVehicles", json=_mv_body(motor_vehicle(2))).status_code == 401


def test_upload__bypasses_the_router_but_is_logged_and_counted_under_its_route(
    live: TestClient, viewlib: ViewLibrary
) -> None:
    assert _codes(live.post("/VIID/Faces", json={"FaceListObject": {"FaceObject": [face(1)]}})) == ["0"]
    live.post("/VIID/MotorVehicles", content=b"{not json")
    metrics = live.get("/metrics").text
    counted = 'xueliang_http_requests_total{method="POST",route="/VIID/%s",status="%s"} 1.0'
    assert counted % ("Faces", "200") in metrics
    assert counted % ("MotorVehicles", "400") in metrics
    assert live.get("/VIID/Faces").json()["FaceListObject"]["TotalNum"] == 1  # a GET still reaches the router


def test_upload__journaled_records_are_queryable_as_soon_as_acknowledged(
    app: FastAPI, client: TestClient, device: object, data_dir: Path
) -> None:
    store = chdb_store()
    writer = BatchWriter(store, journal=Journal(data_dir / "journal"), flush_interval=3600)
    app.state.viewlib = ViewLibrary(store=store, writer=writer, blobs=BlobStore(data_dir / "blobs"))
    app.state.viewlib_external = True
    try:
        assert register(client).status_code == 200
        client.headers["User-Identify"] = DEVICE
        response = client.post("/VIID/MotorVehicles", json=_mv_body(motor_vehicle(1), motor_vehicle(2)))
        assert _codes(response) == ["0"] * 2
        assert store.counts()["motor_vehicle"] == 0  # journaled; the hourly insert has not run
        page = client.get("/VIID/MotorVehicles").json()["MotorVehicleListObject"]  # waits for the insert
        assert page["TotalNum"] == 2 and store.counts()["motor_vehicle"] == 2
    finally:
        writer.close()
        store.drop_database()
