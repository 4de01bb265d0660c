"""Subscriptions, the durable outbox to a local receiver, inbound notifications, directory."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.viewlib.helpers import DEVICE, motor_vehicle
from tests.viid.conftest import make_device, register
from xueliang.camera.models import Lane, Tollgate
from xueliang.core.config import Settings
from xueliang.viewlib.dependencies import ViewLibrary
from xueliang.viid import outbox


class Receiver:
    """A GA/T 1400 notification receiver on 127.0.0.1 that can be switched off (answers 503)."""

    def __init__(self) -> None:
        self.up, self.bodies = True, list[dict[str, object]]()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.up:
                    receiver.bodies.append(orjson.loads(data))
                self.send_response(200 if receiver.up else 503)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def plates(self) -> list[str]:
        out = []
        for body in self.bodies:
            for note in body["SubscribeNotificationListObject"]["SubscribeNotificationObject"]:  # type: ignore[index]
                out += [o["PlateNo"] for o in note["MotorVehicleObjectList"]["MotorVehicleObject"]]
        return out


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


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


def _deliver(session_maker: sessionmaker[Session]) -> int:
    with httpx.Client(timeout=5) as http:
        return outbox.deliver_due(factory=session_maker, client=http, server_id="99010100002000000001")


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
