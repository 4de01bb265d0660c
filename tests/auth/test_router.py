from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, login, make_user
from xueliang.audit.models import AuditEntry
from xueliang.auth import service
from xueliang.auth.dependencies import CSRF_HEADER, SESSION_COOKIE
from xueliang.auth.enums import ScopeKind


def _entries(db: Session, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_login__sets_httponly_session_and_returns_user(client: TestClient, db: Session) -> None:
    user = make_user(db, roles=("analyst",))
    db.commit()
    response = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["roles"] == ["analyst"]
    assert "face.search" in response.json()["permissions"]
    cookie = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookie if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
    assert client.get("/api/v1/auth/me").json()["username"] == user.username
    assert _entries(db, "auth.login")[-1].outcome == "ok"


def test_login__wrong_password_401_and_audited(client: TestClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    response = client.post("/api/v1/auth/login", json={"username": user.username, "password": "nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid_credentials"
    assert _entries(db, "auth.login")[-1].outcome == "denied"


def test_login__lockout_after_failures_is_429_with_retry_after(client: TestClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"username": user.username, "password": "nope"})
    response = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert response.json()["code"] == "auth.locked_out"
    assert 0 < int(response.headers["retry-after"]) <= 301


def test_login__rate_limited_per_client_address(client: TestClient, app: object) -> None:
    app.state.login_limiter.limit = 3  # type: ignore[attr-defined]
    codes = [
        client.post("/api/v1/auth/login", json={"username": "x", "password": "y"}).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]


def test_csrf__unsafe_cookie_request_without_token_is_403(client: TestClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    login(client, user.username)
    del client.headers[CSRF_HEADER]
    response = client.post("/api/v1/auth/logout")
    assert response.status_code == 403 and response.json()["code"] == "auth.csrf"
    client.headers[CSRF_HEADER] = "forged"
    assert client.post("/api/v1/auth/logout").status_code == 403


def test_logout__revokes_the_session(client: TestClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    login(client, user.username)
    token = client.cookies[SESSION_COOKIE]
    assert client.post("/api/v1/auth/logout").status_code == 204
    client.cookies.set(SESSION_COOKIE, token)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_bearer_token__works_until_revoked(client: TestClient, db: Session) -> None:
    peer = make_user(db, roles=("auditor",))
    row, token = service.create_api_token(db=db, user=peer, name="police platform", expires_at=None)
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=headers).json()["username"] == peer.username
    # bearer requests need no CSRF token: no browser sends them on its own
    assert client.get("/api/v1/users", headers=headers).status_code == 200
    service.revoke_token(db=db, token_row=row)
    db.commit()
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "auth.token_invalid"


def test_session_token__refused_as_bearer(client: TestClient, db: Session) -> None:
    user = make_user(db)
    db.commit()
    login(client, user.username)
    token = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_users__admin_creates_user_audited_without_password(admin_client: TestClient, db: Session) -> None:
    body = {
        "username": "zhang.san",
        "display_name": "张三",
        "password": "a long password 1",
        "roles": ["dispatcher"],
    }
    response = admin_client.post("/api/v1/users", json=body)
    assert response.status_code == 201, response.text
    entry = _entries(db, "user.create")[-1]
    assert "zhang.san" in entry.request_summary and "a long password" not in entry.request_summary
    assert admin_client.post("/api/v1/users", json=body).status_code == 409


def test_users__viewer_cannot_manage_users(client: TestClient, db: Session) -> None:
    viewer = make_user(db)
    db.commit()
    login(client, viewer.username)
    response = client.post("/api/v1/users", json={"username": "x1", "password": "a long password 1"})
    assert response.status_code == 403 and response.json()["code"] == "auth.permission_denied"
    assert _entries(db, "POST /api/v1/users")[-1].outcome == "denied"


def test_users__out_of_scope_user_is_403_and_audited(client: TestClient, db: Session) -> None:
    police = service.create_org_unit(db=db, code="psb", name="公安局")
    education = service.create_org_unit(db=db, code="edu", name="教育局")
    teacher = make_user(db, org_unit_id=education.id)
    auditor = make_user(
        db, roles=("auditor",), org_unit_id=police.id, scopes=((ScopeKind.org_unit, str(police.id)),)
    )
    db.commit()
    login(client, auditor.username)
    response = client.get(f"/api/v1/users/{teacher.id}")
    assert response.status_code == 403 and response.json()["code"] == "auth.out_of_scope"
    denied = _entries(db, "GET /api/v1/users/{user_id}")[-1]
    assert denied.outcome == "denied" and denied.actor_name == auditor.username
    assert client.get("/api/v1/users").json()["total"] == 1  # only the auditor's own unit


def test_users__missing_user_is_404(admin_client: TestClient) -> None:
    assert admin_client.get("/api/v1/users/999999").json()["code"] == "not_found"


def test_api_tokens__shown_once_then_listed_without_secret(admin_client: TestClient, db: Session) -> None:
    peer = make_user(db)
    db.commit()
    created = admin_client.post("/api/v1/api-tokens", json={"user_id": peer.id, "name": "dept"}).json()
    assert created["token"].startswith("xlt_")
    listed = admin_client.get("/api/v1/api-tokens").json()
    assert all("token" not in t for t in listed)
    assert admin_client.delete(f"/api/v1/api-tokens/{created['id']}").status_code == 204
