from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from xueliang.camera import service
from xueliang.camera.enums import Admission
from xueliang.camera.gbid import parse_gbid
from xueliang.camera.models import Channel
from xueliang.core.exceptions import InvalidInputError

KEY = "k" * 64
IPC = "43010200001320000001"


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("123", "exactly 20 digits"),
        ("4301020000132000000X", "exactly 20 digits"),
        ("43010200009990000001", "type code"),
    ],
)
def test_parse_gbid__names_the_broken_rule(value: str, rule: str) -> None:
    with pytest.raises(InvalidInputError, match=rule):
        parse_gbid(value, field="device_id")


def test_parse_gbid__splits_parts() -> None:
    code = parse_gbid(IPC)
    assert (code.centre, code.industry, code.type_code, code.serial) == ("43010200", "00", "132", "0000001")


def test_register_device__pending_until_admitted(db: Session) -> None:
    device = service.register_device(db=db, device_id=IPC, name="东门", kind="ipc")
    with pytest.raises(service.DeviceNotAdmittedError):
        service.require_admitted(device=device)
    device.admission = Admission.admitted
    device.bound_ip = "10.1.1.5"
    service.require_admitted(device=device, client_ip="10.1.1.5")
    with pytest.raises(service.DeviceNotAdmittedError, match="bound"):
        service.require_admitted(device=device, client_ip="10.9.9.9")
    assert service.get_device(db=db, device_id=IPC) is device


def test_device_secret__encrypted_and_bound_to_device(db: Session) -> None:
    device = service.register_device(db=db, device_id=IPC, name="东门", kind="ipc")
    service.set_device_secret(device=device, secret="s3cret", key=KEY)
    assert device.secret_enc and "s3cret" not in device.secret_enc
    assert service.device_secret(device=device, key=KEY) == "s3cret"


def test_stream_url__encrypted_sub_falls_back_to_main() -> None:
    channel = Channel(channel_id="43010200001310000001", name="c", kind="ordinary")
    service.set_stream_urls(channel=channel, key=KEY, main="rtsp://u:p@h/main", sub=None)
    assert "u:p" not in (channel.main_stream_enc or "")
    assert service.stream_url(channel=channel, key=KEY) == "rtsp://u:p@h/main"
