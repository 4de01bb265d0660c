"""HTTP Digest (RFC 2617/7616, MD5, qop=auth) for /VIID/System/Register and UnRegister.

Nonces are stateless: ``<issued-at hex>.<HMAC(secret, issued-at)[:24]>``; a nonce older than the
TTL, or with a bad MAC, is refused (``stale=true`` for an expired one, so the client retries).
The username is the DeviceID; the password is the device's Digest secret from the camera registry.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass

ALGORITHM = "MD5"
_PARAM_RE = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@dataclass(frozen=True, slots=True)
class DigestCredentials:
    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    qop: str
    nc: str
    cnonce: str


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def make_nonce(*, secret: str, now: float | None = None) -> str:
    issued = format(int(now if now is not None else time.time()), "x")
    mac = hmac.new(secret.encode(), issued.encode(), hashlib.sha256).hexdigest()[:24]
    return f"{issued}.{mac}"


def nonce_state(nonce: str, *, secret: str, ttl: int, now: float | None = None) -> str:
    """``valid``, ``stale`` (well-formed but expired) or ``invalid``."""
    issued, _, mac = nonce.partition(".")
    try:
        issued_at = int(issued, 16)
    except ValueError:
        return "invalid"
    expected = hmac.new(secret.encode(), issued.encode(), hashlib.sha256).hexdigest()[:24]
    if not hmac.compare_digest(mac, expected):
        return "invalid"
    age = (now if now is not None else time.time()) - issued_at
    return "valid" if -5 <= age <= ttl else "stale"


def challenge(*, realm: str, secret: str, stale: bool = False) -> str:
    """The WWW-Authenticate header value."""
    opaque = hashlib.sha256(realm.encode()).hexdigest()[:16]
    nonce = make_nonce(secret=secret)
    extra = ", stale=true" if stale else ""
    return (
        f'Digest realm="{realm}", qop="auth", nonce="{nonce}", opaque="{opaque}", '
        f"algorithm={ALGORITHM}{extra}"
    )


def parse_authorization(header: str | None) -> DigestCredentials | None:
    """Parse a ``Digest ...`` Authorization header; None when absent or incomplete."""
    if not header or header[:7].lower() != "digest ":
        return None
    params = {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _PARAM_RE.finditer(header[7:])
    }
    try:
        return DigestCredentials(
            username=params["username"],
            realm=params["realm"],
            nonce=params["nonce"],
            uri=params["uri"],
            response=params["response"].lower(),
            qop=params.get("qop", ""),
            nc=params.get("nc", ""),
            cnonce=params.get("cnonce", ""),
        )
    except KeyError:
        return None


def expected_response(creds: DigestCredentials, *, method: str, password: str) -> str:
    ha1 = _md5(f"{creds.username}:{creds.realm}:{password}")
    ha2 = _md5(f"{method}:{creds.uri}")
    if creds.qop:
        return _md5(f"{ha1}:{creds.nonce}:{creds.nc}:{creds.cnonce}:{creds.qop}:{ha2}")
    return _md5(f"{ha1}:{creds.nonce}:{ha2}")


def verify(creds: DigestCredentials, *, method: str, password: str) -> bool:
    if creds.qop and creds.qop != "auth":
        return False
    return hmac.compare_digest(expected_response(creds, method=method, password=password), creds.response)


def authorization_header(
    *, username: str, password: str, method: str, uri: str, www_authenticate: str, nc: int = 1
) -> str:
    """Client side (simulator, tests): answer a challenge."""
    params = {m.group(1).lower(): m.group(2) or m.group(3) for m in _PARAM_RE.finditer(www_authenticate[7:])}
    cnonce = hashlib.sha256(str(time.time_ns()).encode()).hexdigest()[:16]
    creds = DigestCredentials(
        username=username,
        realm=params["realm"],
        nonce=params["nonce"],
        uri=uri,
        response="",
        qop="auth",
        nc=f"{nc:08x}",
        cnonce=cnonce,
    )
    response = expected_response(creds, method=method, password=password)
    return (
        f'Digest username="{username}", realm="{creds.realm}", nonce="{creds.nonce}", uri="{uri}", '
        f'algorithm=MD5, response="{response}", qop=auth, nc={creds.nc}, cnonce="{cnonce}", '
        f'opaque="{params.get("opaque", "")}"'
    )
