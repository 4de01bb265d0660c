"""HTTP Digest (RFC 2617/7616, MD5, qop=auth) for /VIID/System/Register and UnRegister.

Nonces are stateless: ``<issued-at hex>.<random hex>.<HMAC(secret, issued-at.random)[:24]>`` (the
random part makes every challenge unique, which the nc check needs); a nonce older than the TTL, or
with a bad MAC, is refused (``stale=true`` for an expired one, so the client retries).
The username is the DeviceID; the password is the device's Digest secret from the camera registry.

Replay: ``NonceCounts`` keeps, per nonce, the last nonce count (``nc``) of an accepted request; a
request whose nc is not greater is refused. Memory is bounded: entries are dropped once their nonce
has expired (it is refused then anyway), and beyond ``max_nonces`` the oldest are dropped while a
*floor* remembers the latest issue time dropped, so a forgotten nonce is refused rather than
accepted again. The counts live in one process: several API processes would each keep their own.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
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
    body = f"{issued}.{secrets.token_hex(6)}"
    return f"{body}.{_mac(secret, body)}"


def _mac(secret: str, body: str) -> str:
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()[:24]


def issued_at(nonce: str) -> int | None:
    try:
        return int(nonce.partition(".")[0], 16)
    except ValueError:
        return None


def nonce_count(creds: DigestCredentials) -> int | None:
    """The request's nc (8 hex digits with qop; 0 without qop); None when malformed."""
    if not creds.qop:
        return 0
    if len(creds.nc) != 8:
        return None
    try:
        return int(creds.nc, 16)
    except ValueError:
        return None


class NonceCounts:
    """The last accepted nc per nonce, bounded (see the module docstring); thread-safe."""

    def __init__(self, *, ttl: int, max_nonces: int = 100_000) -> None:
        self.ttl, self.max_nonces = ttl, max_nonces
        self._last: dict[str, tuple[int, int]] = {}  # nonce → (issued at, last nc), oldest first
        self._floor = -1  # nonces issued at or before this may have been forgotten
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._last)

    def accept(self, nonce: str, nc: int, *, now: float | None = None) -> bool:
        """Record ``nc`` for ``nonce`` if it is greater than the last one; False for a replay."""
        issued = issued_at(nonce)
        if issued is None:
            return False
        with self._lock:
            self._expire(now if now is not None else time.time())
            last = self._last.get(nonce)
            if (last is None and issued <= self._floor) or (last is not None and nc <= last[1]):
                return False
            self._last[nonce] = (issued, nc)
            while len(self._last) > self.max_nonces:
                oldest = next(iter(self._last))
                self._floor = max(self._floor, self._last.pop(oldest)[0])
            return True

    def _expire(self, now: float) -> None:
        while self._last:
            oldest = next(iter(self._last))
            if self._last[oldest][0] + self.ttl + 5 >= now:
                return
            del self._last[oldest]


def nonce_state(nonce: str, *, secret: str, ttl: int, now: float | None = None) -> str:
    """``valid``, ``stale`` (well-formed but expired) or ``invalid``."""
    body, _, mac = nonce.rpartition(".")
    issued = issued_at(nonce)
    if issued is None or body.count(".") != 1 or not hmac.compare_digest(mac, _mac(secret, body)):
        return "invalid"
    age = (now if now is not None else time.time()) - issued
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
