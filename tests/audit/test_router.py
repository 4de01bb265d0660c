from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import login, make_user
from xueliang.audit.models import AuditEntry


def _last(db: Session) -> AuditEntry:
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    assert entry is not None
    return entry


def test_entries__without_purpose_is_400_and_audited(client: TestClient, db: Session) -> None:
    auditor = make_user(db, roles=("auditor",))
    db.commit()
    login(client, auditor.username)
    response = client.get("/api/v1/audit/entries")
    assert response.status_code == 400
    assert response.json()["code"] == "audit.purpose_required"
    entry = _last(db)
    assert (entry.actor_name, entry.outcome) == (auditor.username, "refused")


def test_entries__with_purpose_lists_and_records_the_read(client: TestClient, db: Session) -> None:
    auditor = make_user(db, roles=("auditor",))
    db.commit()
    login(client, auditor.username)
    response = client.get("/api/v1/audit/entries", params={"purpose": "monthly inspection", "limit": 5})
    assert response.status_code == 200
    assert response.json()["total"] >= 1  # at least the login
    entry = _last(db)
    assert (entry.action, entry.purpose, entry.result_count) == (
        "audit.read",
        "monthly inspection",
        len(response.json()["items"]),
    )


def test_entries__case_header_accepted(client: TestClient, db: Session) -> None:
    auditor = make_user(db, roles=("auditor",))
    db.commit()
    login(client, auditor.username)
    response = client.get("/api/v1/audit/entries", headers={"X-Case-Id": "A2026-0042"})
    assert response.status_code == 200
    assert _last(db).case_id == "A2026-0042"


def test_entries__non_auditor_is_403(client: TestClient, db: Session) -> None:
    analyst = make_user(db, roles=("analyst",))
    db.commit()
    login(client, analyst.username)
    response = client.get("/api/v1/audit/entries", params={"purpose": "curious"})
    assert response.status_code == 403
    assert _last(db).outcome == "denied"


def test_verify__reports_an_intact_chain(client: TestClient, db: Session) -> None:
    auditor = make_user(db, roles=("auditor",))
    db.commit()
    login(client, auditor.username)
    body = client.get("/api/v1/audit/verify").json()
    assert body["ok"] is True and body["checked"] >= 1
