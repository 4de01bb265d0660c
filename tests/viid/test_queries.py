"""Condition queries: <Object>.<Field>=v, time windows, paging and order, /{id}."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.viewlib.helpers import motor_vehicle
from xueliang.viewlib.dependencies import ViewLibrary


def _seed(client: TestClient) -> None:
    objects = [
        motor_vehicle(i, plate="湘A11111" if i % 2 else "湘B22222", stamp=f"202611010{i}0000")
        for i in range(1, 9)
    ]
    client.post("/VIID/MotorVehicles", json={"MotorVehicleListObject": {"MotorVehicleObject": objects}})


def test_query__by_plate_and_time_window(live: TestClient, viewlib: ViewLibrary) -> None:
    _seed(live)
    params = {
        "MotorVehicle.PlateNo": "湘A11111",
        "MotorVehicle.PassTime.Begin": "20261101020000",
        "MotorVehicle.PassTime.End": "2026-11-01T06:00:00+08:00",
    }
    body = live.get("/VIID/MotorVehicles", params=params).json()["MotorVehicleListObject"]
    assert body["TotalNum"] == 2
    assert [o["PassTime"] for o in body["MotorVehicleObject"]] == ["20261101030000", "20261101050000"]


def test_query__paging_and_descending_order(live: TestClient, viewlib: ViewLibrary) -> None:
    _seed(live)
    params = {
        "MotorVehicle.RecordStartNo": "2",
        "MotorVehicle.PageRecordNum": "3",
        "MotorVehicle.PassTime.Order": "desc",
    }
    body = live.get("/VIID/MotorVehicles", params=params).json()["MotorVehicleListObject"]
    assert body["TotalNum"] == 8 and body["PageRecordNum"] == 3
    assert [o["PassTime"][8:10] for o in body["MotorVehicleObject"]] == ["07", "06", "05"]


def test_query__unknown_field_is_400_envelope(live: TestClient, viewlib: ViewLibrary) -> None:
    response = live.get("/VIID/MotorVehicles", params={"MotorVehicle.Nope": "1"})
    assert response.status_code == 400
    assert "cannot be queried" in response.json()["ResponseStatusObject"]["StatusString"]
    assert live.get("/VIID/MotorVehicles", params={"MotorVehicle.PassTime": "2026999"}).status_code == 400
    assert live.get("/VIID/MotorVehicles", params={"MotorVehicle.LaneNo": "x"}).status_code == 400


def test_get_one__404_when_missing(live: TestClient, viewlib: ViewLibrary) -> None:
    response = live.get("/VIID/MotorVehicles/" + "9" * 48)
    assert response.status_code == 404
    assert response.json()["ResponseStatusObject"]["StatusCode"] == "404"
