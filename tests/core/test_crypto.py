from __future__ import annotations

import pytest

from xueliang.core.crypto import FieldCipher, cipher_for, mask_id_number, mask_phone
from xueliang.core.exceptions import InvalidInputError

SECRET = "k" * 64


def test_field_cipher__round_trip_with_random_nonce() -> None:
    cipher = FieldCipher(SECRET, "resident.id_number")
    a, b = cipher.encrypt("990101199001011234"), cipher.encrypt("990101199001011234")
    assert a != b and a.startswith("v1:")
    assert cipher.decrypt(a) == "990101199001011234"


def test_field_cipher__wrong_label_context_or_key_cannot_open() -> None:
    token = FieldCipher(SECRET, "resident.id_number").encrypt("x", context="resident:1")
    with pytest.raises(InvalidInputError):
        FieldCipher(SECRET, "resident.phone").decrypt(token, context="resident:1")
    with pytest.raises(InvalidInputError):
        FieldCipher(SECRET, "resident.id_number").decrypt(token, context="resident:2")
    with pytest.raises(InvalidInputError):
        FieldCipher("j" * 64, "resident.id_number").decrypt(token, context="resident:1")


def test_field_cipher__tampered_ciphertext_refused() -> None:
    cipher = cipher_for(SECRET, "camera.stream_credentials")
    token = cipher.encrypt("rtsp://admin:pw@10.0.0.1/main")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(InvalidInputError):
        cipher.decrypt(flipped)
    with pytest.raises(InvalidInputError):
        cipher.decrypt("v0:abc")


def test_blind_index__deterministic_normalised_and_label_bound() -> None:
    cipher = FieldCipher(SECRET, "resident.id_number")
    assert cipher.blind_index("99010119900101123x") == cipher.blind_index(" 99010119900101123X ")
    assert cipher.blind_index("1") != FieldCipher(SECRET, "resident.phone").blind_index("1")


@pytest.mark.parametrize(
    ("value", "masked"),
    [("430102199001011234", "430***********1234"), ("1234567", "*******"), ("", "")],
)
def test_mask_id_number__keeps_first_3_last_4(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


def test_mask_phone__keeps_first_3_last_4() -> None:
    assert mask_phone("13812345678") == "138****5678"
