"""`sim viid-push` batching: hour filter, bodies from the files' own lines, time order across devices."""

from __future__ import annotations

from pathlib import Path

import orjson

from xueliang.sim.viid_push import batches

DEV_A, DEV_B = "99010100051320100001", "99010100051320100002"


def _pass(device: str, second: int) -> dict[str, object]:
    return {
        "MotorVehicleID": f"{device}-{second:02d}",
        "DeviceID": device,
        "PassTime": f"202611012000{second:02d}",
    }


def _write(folder: Path, hour: str, objs: list[dict[str, object]]) -> None:
    (folder / "motor_vehicles").mkdir(parents=True, exist_ok=True)
    (folder / "motor_vehicles" / f"{hour}.ndjson").write_bytes(
        b"\n".join(orjson.dumps(o) for o in objs) + b"\n"
    )


def test_batches__only_the_named_hours_in_time_order_of_each_batch(tmp_path: Path) -> None:
    _write(tmp_path, "2026110119", [_pass(DEV_A, 1)])
    _write(
        tmp_path, "2026110120", [_pass(DEV_A, s) for s in (1, 2, 50, 51)] + [_pass(DEV_B, s) for s in (3, 4)]
    )
    found = list(batches(tmp_path, devices=10, size=2, hours=["2026110120"]))
    assert [b.ids for b in found] == [
        [f"{DEV_A}-01", f"{DEV_A}-02"],
        [f"{DEV_B}-03", f"{DEV_B}-04"],
        [f"{DEV_A}-50", f"{DEV_A}-51"],
    ]
    body = orjson.loads(found[1].body)["MotorVehicleListObject"]["MotorVehicleObject"]
    assert body == [_pass(DEV_B, 3), _pass(DEV_B, 4)] and found[1].path == "/VIID/MotorVehicles"


def test_batches__first_n_devices_only(tmp_path: Path) -> None:
    _write(tmp_path, "2026110120", [_pass(DEV_A, 1), _pass(DEV_B, 2), _pass(DEV_A, 3)])
    found = list(batches(tmp_path, devices=1, size=100))
    assert [b.device for b in found] == [DEV_A] and found[0].ids == [f"{DEV_A}-01", f"{DEV_A}-03"]
