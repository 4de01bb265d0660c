"""Subscriptions, the durable outbox to a local receiver, inbound notifications, directory."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.viewlib.helpers import DEVICE, motor_vehicle
from tests.viid.conftest import make_device, register
from tests.viid.receiver import Receiver
from xueliang.camera.models import Lane, Tollgate
from xueliang.core.config import Settings
from xueliang.viewlib.dependencies import ViewLibrary
from xueliang.viid import outbox


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _subscribe(client: TestClient, url: str, sid: str = "1" * 33, **extra: object) -> httpx.Response:
    obj = {
        "SubscribeID": sid,
        "Title": "t",
        "SubscribeDetail": "13",
        "ResourceURI": "",
        "ReceiveAddr": url,
        **extra,
    }
    return client.post("/VIID/Subscribes", json={"SubscribeListObject": {"SubscribeObject": [obj]}})


def _push(client: TestClient, *plates: str) -> None:
    objs = [motor_vehicle(i + 1, plate=p) for i, p in enumerate(plates)]
    client.post("/VIID/MotorVehicles", json={"MotorVehicleListObject": {"MotorVehicleObject": objs}})


def _deliver(session_maker: sessionmaker[Session], delivery: outbox.Delivery | None = None) -> int:
    with httpx.Client(timeout=5) as http:
        return outbox.deliver_due(
            factory=session_maker, client=http, server_id="99010100002000000001", delivery=delivery
        )


def _with_image(serial: int, data: bytes) -> dict[str, object]:
    image = {
        "ImageID": f"{DEVICE}02202611010000150000{serial}",
        "Type": "01",
        "StoragePath": f"http://camera/{serial}.jpg",
        "Data": base64.b64encode(data).decode(),
    }
    return motor_vehicle(serial, plate=f"湘A0000{serial}", SubImageList={"SubImageInfoObject": [image]})


def _images_received(receiver: Receiver) -> list[dict[str, object]]:
    body = receiver.bodies[0]["SubscribeNotificationListObject"]
    note = body["SubscribeNotificationObject"][0]  # type: ignore[index]
    objects = note["MotorVehicleObjectList"]["MotorVehicleObject"]
    return [o["SubImageList"]["SubImageInfoObject"][0] for o in objects]


def test_subscribes__create_list_update_cancel(live: TestClient) -> None:
    assert (
        _subscribe(live, "http://127.0.0.1:9/x").json()["ResponseStatusListObject"]["ResponseStatusObject"][
            0
        ]["StatusCode"]
        == "0"
    )
    listed = live.get("/VIID/Subscribes").json()["SubscribeListObject"]["SubscribeObject"]
    assert listed[0]["SubscribeStatus"] == 0
    live.put(
        "/VIID/Subscribes",
        json={"SubscribeListObject": {"SubscribeObject": [{"SubscribeID": "1" * 33, "Title": "new"}]}},
    )
    live.delete("/VIID/Subscribes", params={"IDList": "1" * 33})
    listed = live.get("/VIID/Subscribes", params={"IDList": "1" * 33}).json()["SubscribeListObject"][
        "SubscribeObject"
    ]
    assert listed[0]["Title"] == "new" and listed[0]["SubscribeStatus"] == 1


def test_subscribes__bad_receive_addr_is_refused(live: TestClient) -> None:
    status = _subscribe(live, "ftp://x").json()["ResponseStatusListObject"]["ResponseStatusObject"][0]
    assert status["StatusCode"] == "6" and "ReceiveAddr" in status["StatusString"]


def test_outbox__receiver_down_loses_nothing_and_keeps_order(
    live: TestClient,
    viewlib: ViewLibrary,
    receiver: Receiver,
    session_maker: sessionmaker[Session],
    db: Session,
) -> None:
    _subscribe(live, receiver.url)
    _push(live, "湘A00001")
    assert _deliver(session_maker) == 1
    receiver.up = False
    _push(live, "湘A00002", "湘A00003")
    _push(live, "湘A00004")
    assert _deliver(session_maker) == 0
    receiver.up = True
    for entry in db.scalars(__import__("sqlalchemy").select(outbox.OutboxEntry)):
        entry.next_attempt_at = entry.created_at  # skip the back-off wait
    db.commit()
    assert _deliver(session_maker) == 2
    assert receiver.plates() == ["湘A00001", "湘A00002", "湘A00003", "湘A00004"]
    assert outbox.backlog(db=db) == 0


def test_notifications__inbound_records_are_ingested(
    client: TestClient, viewlib: ViewLibrary, db: Session, settings: Settings
) -> None:
    platform = "99010100002000000099"
    make_device(db, settings, platform, kind="platform")
    register(client, platform)
    note = {
        "NotificationID": "n1",
        "SubscribeID": "s1",
        "MotorVehicleObjectList": {"MotorVehicleObject": [motor_vehicle(1), {"x": 1}]},
    }
    response = client.post(
        "/VIID/SubscribeNotifications",
        headers={"User-Identify": platform},
        json={"SubscribeNotificationListObject": {"SubscribeNotificationObject": [note]}},
    )
    status = response.json()["ResponseStatusListObject"]["ResponseStatusObject"][0]
    assert status["StatusCode"] == "6" and "MotorVehicleID is missing" in status["StatusString"]
    assert viewlib.store.counts()["motor_vehicle"] == 1


def test_directory__apes_tollgates_lanes(live: TestClient, db: Session) -> None:
    tg = Tollgate(tollgate_id="99010100051210000005", name="卡口", lane_count=2)
    db.add(tg)
    db.flush()
    db.add(Lane(tollgate_pk=tg.id, lane_no=1, direction="up"))
    db.commit()
    apes = live.get("/VIID/APEs").json()["APEListObject"]["APEObject"]
    assert apes[0]["ApeID"] == DEVICE and apes[0]["IsOnline"] == "1" and "Password" not in apes[0]
    assert live.get("/VIID/Tollgates").json()["TollgateListObject"]["TollgateObject"][0]["LaneNum"] == 2
    assert live.get("/VIID/Lanes").json()["LaneListObject"]["LaneObject"][0]["LaneNo"] == 1


@pytest.mark.parametrize(
    ("budget", "carried"), [(1 << 20, [True, True]), (1400, [True, False]), (0, [False] * 2)]
)
def test_outbox__notifications_carry_images_within_the_byte_budget(
    live: TestClient,
    viewlib: ViewLibrary,
    receiver: Receiver,
    session_maker: sessionmaker[Session],
    budget: int,
    carried: list[bool],
) -> None:
    _subscribe(live, receiver.url)
    sent = [bytes([i]) * 1000 for i in (1, 2)]  # 1,336 base64 bytes each
    objs = [_with_image(i + 1, data) for i, data in enumerate(sent)]
    live.post("/VIID/MotorVehicles", json={"MotorVehicleListObject": {"MotorVehicleObject": objs}})
    delivery = outbox.Delivery(server_id="99010100002000000001", blobs=viewlib.blobs, image_bytes=budget)
    assert _deliver(session_maker, delivery) == 1
    images = _images_received(receiver)
    assert ["Data" in i for i in images] == carried
    for image, data, has in zip(images, sent, carried, strict=True):
        assert "BlobSha256" not in image and image["StoragePath"] and image["ImageID"]
        assert not has or base64.b64decode(str(image["Data"])) == data


def test_with_images__payload_without_images_is_sent_as_stored() -> None:
    payload = '{"SubscribeNotificationListObject":{"SubscribeNotificationObject":[]}}'
    assert outbox.with_images(payload, blobs=None, budget=100) is payload


def test_with_images__a_malformed_blob_name_is_dropped_not_raised(viewlib: ViewLibrary) -> None:
    images = {"SubImageInfoObject": [{"ImageID": "i", "BlobSha256": "../x"}]}
    note = {
        "MotorVehicleObjectList": {"MotorVehicleObject": [{"MotorVehicleID": "1", "SubImageList": images}]}
    }
    body = {"SubscribeNotificationListObject": {"SubscribeNotificationObject": [note]}}
    sent = orjson.loads(outbox.with_images(orjson.dumps(body).decode(), blobs=viewlib.blobs, budget=1 << 20))
    objs = sent["SubscribeNotificationListObject"]["SubscribeNotificationObject"][0]["MotorVehicleObjectList"]
    assert objs["MotorVehicleObject"][0]["SubImageList"]["SubImageInfoObject"] == [{"ImageID": "i"}]


def test_subscribes__bad_result_declarations_are_refused(live: TestClient) -> None:
    for field, value in (("ResultImageDeclare", "full,plate"), ("ResultFeatureDeclare", "2")):
        response = _subscribe(live, "http://127.0.0.1:9/notify", **{field: value})
        status = response.json()["ResponseStatusListObject"]["ResponseStatusObject"][0]
        assert status["StatusCode"] == "6" and field in status["StatusString"]


def test_outbox__notifications_carry_the_declared_images_and_features(
    live: TestClient, viewlib: ViewLibrary, receiver: Receiver, session_maker: sessionmaker[Session]
) -> None:
    feature = {"Vendor": "x", "AlgorithmVersion": "1", "FeatureData": "AAAA"}
    images = [
        {"ImageID": f"{DEVICE}02202611010000150000{t}", "Type": t, "StoragePath": f"http://camera/{t}.jpg",
         "FeatureInfoObject": feature}
        for t in ("01", "02")
    ]  # fmt: skip
    vehicle = motor_vehicle(1, SubImageList={"SubImageInfoObject": images}, FeatureInfoObject=feature)
    subs = {"1" * 33: {}, "2" * 33: {"ResultImageDeclare": "01", "ResultFeatureDeclare": "-1"},
            "3" * 33: {"ResultImageDeclare": "-1", "ResultFeatureDeclare": "1"}}  # fmt: skip
    for sid, declared in subs.items():
        _subscribe(live, receiver.url, sid, **declared)
    live.post("/VIID/MotorVehicles", json={"MotorVehicleListObject": {"MotorVehicleObject": [vehicle]}})
    assert _deliver(session_maker) == 3
    got = {}
    for body in receiver.bodies:
        note = body["SubscribeNotificationListObject"]["SubscribeNotificationObject"][0]  # type: ignore[index]
        got[note["SubscribeID"]] = note["MotorVehicleObjectList"]["MotorVehicleObject"][0]
    everything, only_01, no_images = got["1" * 33], got["2" * 33], got["3" * 33]
    assert [i["Type"] for i in everything["SubImageList"]["SubImageInfoObject"]] == ["01", "02"]
    assert (
        "FeatureInfoObject" in everything
        and "FeatureInfoObject" in everything["SubImageList"]["SubImageInfoObject"][0]
    )
    assert [i["Type"] for i in only_01["SubImageList"]["SubImageInfoObject"]] == ["01"]
    assert "FeatureInfoObject" not in only_01
    assert "FeatureInfoObject" not in only_01["SubImageList"]["SubImageInfoObject"][0]
    assert "SubImageList" not in no_images and no_images["FeatureInfoObject"] == feature
    assert no_images["PlateNo"] == everything["PlateNo"] == only_01["PlateNo"]
