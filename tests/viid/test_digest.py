"""Digest nonce counts: a replayed or non-increasing nc is refused; memory stays bounded."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.viewlib.helpers import DEVICE
from tests.viid.conftest import PASSWORD
from xueliang.camera.models import Device
from xueliang.viid import digest

PATH = "/VIID/System/Register"
BODY = {"RegisterObject": {"DeviceID": DEVICE}}


def _auth(www_authenticate: str, nc: int) -> str:
    return digest.authorization_header(
        username=DEVICE, password=PASSWORD, method="POST", uri=PATH, www_authenticate=www_authenticate, nc=nc
    )


def _nonce(www_authenticate: str) -> str:
    return www_authenticate.split('nonce="')[1].split('"')[0]


def test_register__replayed_authorization_is_refused_with_fresh_challenge(
    client: TestClient, device: Device
) -> None:
    challenge = client.post(PATH, json=BODY).headers["WWW-Authenticate"]
    auth = _auth(challenge, 1)
    assert client.post(PATH, json=BODY, headers={"Authorization": auth}).status_code == 200
    replay = client.post(PATH, json=BODY, headers={"Authorization": auth})
    assert replay.status_code == 401
    assert "replayed" in replay.json()["ResponseStatusObject"]["StatusString"]
    assert _nonce(replay.headers["WWW-Authenticate"]) != _nonce(challenge)


def test_register__increasing_nc_on_one_nonce_is_accepted_and_lower_refused(
    client: TestClient, device: Device
) -> None:
    challenge = client.post(PATH, json=BODY).headers["WWW-Authenticate"]
    for nc, expected in ((1, 200), (3, 200), (2, 401), (3, 401), (4, 200)):
        response = client.post(PATH, json=BODY, headers={"Authorization": _auth(challenge, nc)})
        assert response.status_code == expected, (nc, response.text)


def test_register__wrong_password_does_not_use_up_the_nc(client: TestClient, device: Device) -> None:
    challenge = client.post(PATH, json=BODY).headers["WWW-Authenticate"]
    wrong = digest.authorization_header(
        username=DEVICE, password="nope", method="POST", uri=PATH, www_authenticate=challenge, nc=1
    )
    assert client.post(PATH, json=BODY, headers={"Authorization": wrong}).status_code == 401
    assert client.post(PATH, json=BODY, headers={"Authorization": _auth(challenge, 1)}).status_code == 200


def test_nonce_counts__malformed_nc_is_refused(client: TestClient, device: Device) -> None:
    challenge = client.post(PATH, json=BODY).headers["WWW-Authenticate"]
    auth = _auth(challenge, 1).replace("nc=00000001", "nc=1")
    assert client.post(PATH, json=BODY, headers={"Authorization": auth}).status_code == 401


def test_nonce_counts__expired_nonces_are_forgotten() -> None:
    counts = digest.NonceCounts(ttl=60)
    for t in range(10):
        assert counts.accept(digest.make_nonce(secret="k", now=1000 + t), 1, now=1000 + t)
    assert len(counts) == 10
    assert counts.accept(digest.make_nonce(secret="k", now=1100), 1, now=1100)
    assert len(counts) == 1


def test_nonce_counts__full_table_refuses_a_forgotten_nonce() -> None:
    counts = digest.NonceCounts(ttl=300, max_nonces=3)
    nonces = [digest.make_nonce(secret="k", now=1000 + t) for t in range(5)]
    assert all(counts.accept(n, 1, now=1010) for n in nonces)
    assert len(counts) == 3
    assert not counts.accept(nonces[0], 2, now=1010)  # forgotten: refused, never accepted again
    assert counts.accept(nonces[4], 2, now=1010) and not counts.accept(nonces[4], 2, now=1010)


def test_nonce_counts__no_qop_means_one_use_per_nonce() -> None:
    counts = digest.NonceCounts(ttl=300)
    nonce = digest.make_nonce(secret="k", now=1000)
    creds = digest.DigestCredentials(DEVICE, "r", nonce, PATH, "x", qop="", nc="", cnonce="")
    assert digest.nonce_count(creds) == 0
    assert counts.accept(nonce, 0, now=1001) and not counts.accept(nonce, 0, now=1002)


def test_make_nonce__unique_within_one_second_and_tamper_evident() -> None:
    first, second = (digest.make_nonce(secret="k", now=1000) for _ in range(2))
    assert first != second
    assert digest.nonce_state(first, secret="k", ttl=300, now=1001) == "valid"
    issued, rand, mac = first.split(".")
    assert digest.nonce_state(f"{issued}.{rand[::-1]}.{mac}", secret="k", ttl=300, now=1001) == "invalid"
    assert digest.nonce_state(f"{issued}.{mac}", secret="k", ttl=300, now=1001) == "invalid"
    assert digest.nonce_state(first, secret="k", ttl=300, now=2000) == "stale"
