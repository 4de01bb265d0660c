"""Field encryption, blind indexes and masking for identity data and credentials.

- ``FieldCipher.encrypt/decrypt``: AES-256-GCM with a random 96-bit nonce; the key is derived
  from the instance secret with HKDF-SHA256 under a *purpose label* ("resident.id_number",
  "camera.stream_credentials"), so one leaked derived key does not open the others. The stored
  form is text: ``v1:<base64(nonce | ciphertext+tag)>``; the associated data (e.g. the table and
  column) binds a value to where it belongs, so it cannot be swapped into another column.
- ``FieldCipher.blind_index``: HMAC-SHA256 over a normalised value, for exact look-ups of
  encrypted values ("find the resident with this ID number") without decrypting every row.
- ``mask_id_number`` / ``mask_phone``: the default display (first 3 + last 4 / 3 + 4).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from xueliang.core.exceptions import InvalidInputError

VERSION = "v1"
NONCE_BYTES = 12


def _derive(secret: str, label: str) -> bytes:
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=b"xueliang-field-keys", info=label.encode("utf-8"))
    return hkdf.derive(secret.encode("utf-8"))


class FieldCipher:
    """Encrypts one kind of field; build it once per purpose label with ``cipher_for``."""

    def __init__(self, secret: str, label: str) -> None:
        self.label = label
        self._aead = AESGCM(_derive(secret, f"enc:{label}"))
        self._mac_key = _derive(secret, f"idx:{label}")

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return f"{VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        version, _, body = token.partition(":")
        if version != VERSION or not body:
            raise InvalidInputError("not an encrypted value of a known version")
        raw = base64.b64decode(body)
        try:
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
        except Exception as exc:  # cryptography raises InvalidTag; never reveal more
            raise InvalidInputError("encrypted value cannot be opened with this key") from exc
        return plain.decode("utf-8")

    def blind_index(self, value: str) -> str:
        """Deterministic keyed hash of the normalised value (upper case, no spaces)."""
        normalised = "".join(value.split()).upper()
        return hmac.new(self._mac_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


@lru_cache(maxsize=64)
def cipher_for(secret: str, label: str) -> FieldCipher:
    return FieldCipher(secret, label)


def mask_id_number(value: str) -> str:
    """``430102199001011234`` → ``430***********1234`` (first 3, last 4)."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678`` (first 3, last 4)."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
