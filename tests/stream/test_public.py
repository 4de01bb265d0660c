from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from tests.stream.conftest import PRIVATE, PUBLIC
from xueliang.stream import links
from xueliang.stream.exceptions import LinkInvalidError


def test_public_link__valid_link_plays_without_login(admin: TestClient) -> None:
    created = admin.post(f"/api/v1/cameras/{PUBLIC}/public-links", json={"ttl_seconds": 600})
    assert created.status_code == 201, created.text
    anonymous = TestClient(admin.app)
    live = anonymous.get(created.json()["url"])
    assert live.status_code == 200, live.text
    assert anonymous.get(live.json()["playlist_url"]).status_code == 200


def test_public_link__forged_or_private_is_403(admin: TestClient) -> None:
    url = admin.post(f"/api/v1/cameras/{PUBLIC}/public-links", json={}).json()["url"]
    forged = url.replace(PUBLIC, PRIVATE)
    anonymous = TestClient(admin.app)
    assert anonymous.get(forged).status_code == 403
    assert anonymous.get(url[:-10] + "0" * 5 + url[-5:]).status_code == 403
    assert admin.post(f"/api/v1/cameras/{PRIVATE}/public-links", json={}).status_code == 403


def test_public_link__viewer_cap(admin: TestClient) -> None:
    url = admin.post(f"/api/v1/cameras/{PUBLIC}/public-links", json={}).json()["url"]
    anonymous = TestClient(admin.app)
    assert [anonymous.get(url).status_code for _ in range(3)] == [200, 200, 403]


def test_verify__expired_link_refused() -> None:
    token = links.sign(key="k" * 64, channel_id=PUBLIC, expires=int(time.time()) - 1)
    with pytest.raises(LinkInvalidError, match="expired"):
        links.verify(key="k" * 64, token=token)
    assert links.verify(key="k" * 64, token=token, now=time.time() - 60) == PUBLIC
