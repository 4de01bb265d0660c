"""stream tests run the API with the fake relay plugin; the end-to-end test uses the real one."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from xueliang.auth.principal import Principal
from xueliang.camera import service as cameras
from xueliang.camera.enums import Admission
from xueliang.camera.models import Channel
from xueliang.camera.schemas import ChannelCreate
from xueliang.core.config import Settings

PRIVATE = "43010200001320000001"
PUBLIC = "43010200001320000002"
OFFLINE = "43010200001320000003"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"stream_relay_type": "fake", "stream_public_viewer_cap": 2})


def add_camera(
    db: Session, key: str, channel_id: str, url: str, *, public: bool = False, admit: bool = True
) -> Channel:
    """A camera on its own device, admitted (安全准入) unless ``admit=False``."""
    data = ChannelCreate(
        channel_id=channel_id,
        name=f"cam {channel_id[-1]}",
        main_stream_url=url,
        is_public=public,
        region_code="430102001001",
    )
    channel = cameras.create_channel(db=db, principal=Principal.system(), data=data, key=key)
    if admit:
        device = cameras.get_device(db=db, device_id=channel_id)
        assert device is not None
        device.admission = Admission.admitted
    return channel


@pytest.fixture
def three_cameras(db: Session, settings: Settings) -> None:
    key = settings.effective_secret()
    add_camera(db, key, PRIVATE, "fake://cam1")
    add_camera(db, key, PUBLIC, "fake://cam2", public=True)
    add_camera(db, key, OFFLINE, "fake://offline")
    db.commit()


@pytest.fixture
def admin(admin_client: TestClient, three_cameras: None) -> TestClient:
    return admin_client
